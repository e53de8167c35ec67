import { existsSync } from 'node:fs';
import type { Device } from '../../contracts/device-plugin-api.js';
import type { DeviceSource } from '../plugin-spec.js';
import { slotDevices } from './sgx-slots.js';

export interface PathHealthSourceOptions {
  ids: readonly string[];
  /** Every slot is Healthy while this path (device node or model socket) exists. */
  healthPath: string;
  pollIntervalMs: number;
  onHealthChange?: (healthy: boolean) => void;
}

/**
 * Shareable slots whose health follows one path: the device node on SGX hardware, the modeled
 * controller's enclave socket on model nodes. Polls with a cheap existence check and notifies
 * only on change (the full list every time, as ListAndWatch requires).
 */
export class PathHealthSource implements DeviceSource {
  private timer: NodeJS.Timeout | undefined;
  private healthy: boolean | undefined;

  constructor(private readonly opts: PathHealthSourceOptions) {}

  start(notify: (devices: readonly Device[]) => void): void {
    if (this.timer) return;
    const check = () => {
      const now = existsSync(this.opts.healthPath);
      if (now === this.healthy) return;
      this.healthy = now;
      notify(slotDevices(this.opts.ids, now));
      this.opts.onHealthChange?.(now);
    };
    check();
    this.timer = setInterval(check, this.opts.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.healthy = undefined;
  }
}
