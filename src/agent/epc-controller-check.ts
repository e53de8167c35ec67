/**
 * Asks the backend whether it can hold pods to their EPC (`capacity()`: the root's misc.capacity
 * lists sgx_epc, or the modeled controller answers). `state()` is for PreStart: a yes is cached
 * (no I/O on the hot path; a controller that goes away fails the binding itself) until a
 * `probe()` - which always asks (readiness, the Node condition loop, a failed binding) - says no.
 */
import type { EpcBackend } from '../backend/epc-backend.js';
import { unusableReason, USABLE, type EpcControllerState } from './epc-controller-state.js';

export interface EpcControllerCheckOptions {
  backend: EpcBackend;
  cgroupRoot: string;
  /** `--epc-backend auto` found neither sgx_epc nor this controller socket. */
  missingControllerSocket?: string;
}

export class EpcControllerCheck {
  private usable = false;

  constructor(private readonly o: EpcControllerCheckOptions) {}

  async state(): Promise<EpcControllerState> {
    return this.usable ? USABLE : this.probe();
  }

  async probe(): Promise<EpcControllerState> {
    try {
      await this.o.backend.capacity();
      this.usable = true;
      return USABLE;
    } catch (err) {
      this.usable = false;
      return { usable: false, reason: unusableReason(err, { kind: this.o.backend.kind, cgroupRoot: this.o.cgroupRoot, missingControllerSocket: this.o.missingControllerSocket }) };
    }
  }
}
