/**
 * Advertises the node's EPC the documented way for an extended resource: Node
 * `status.capacity` and `status.allocatable` `sgx.intel.com/epc` (bytes) plus the label
 * `sgx.intel.com/capable=true`, and keeps them so: each round reads the Node and patches
 * (merge patch, only the keys it owns) only what differs, so drift is repaired and nothing else
 * is touched. API errors are logged and retried; they never escape the loop. With
 * `enabled: false` (AKS confcom / NFD already advertise EPC) it is a null advertiser that makes
 * no API calls at all. Stopping leaves the advertisement in place (an agent restart must not
 * make the node's EPC flap to zero for the scheduler).
 */
import type { Logger } from '../util/logger.js';
import { apiErrorLine } from './describe-api-error.js';
import type { ClusterAccess } from './kube-access.js';
import { KubeHttp } from './kube-http.js';
import { NodePatch } from './node-patch.js';
import { SerialRounds } from './serial-rounds.js';
import { EPC_RESOURCE } from '../pod/pod-epc.js';
import { quantityValue } from '../pod/quantity.js';

/** The label that marks SGX nodes (what Intel's NFD rules and AKS node selectors use). */
export const SGX_CAPABLE_LABEL = 'sgx.intel.com/capable';

export interface NodeAdvertiserOptions {
  /** false = null advertiser: start/stop/reconcileNow do nothing and call no API. Default true. */
  enabled?: boolean;
  /** Required when enabled (the agent's `KubeAccess`; client-node's KubeConfig also fits). */
  kubeConfig?: ClusterAccess;
  nodeName: string;
  /** EPC bytes to advertise; a function is called every round (capacity may change or appear late). */
  capacityBytes: bigint | number | (() => bigint | number | Promise<bigint | number>);
  /** Re-check period. Default 60 s. */
  intervalMs?: number;
  /** Delay before the first retry after a failed round, doubling per failure in a row up to intervalMs. Default min(intervalMs, 5 s). */
  retryDelayMs?: number;
  /** Default `sgx.intel.com/epc`. */
  resourceName?: string;
  /** Default `sgx.intel.com/capable`. */
  capableLabel?: string;
  logger?: Logger;
}

/** What one round did. */
export interface AdvertiseResult {
  outcome: 'unchanged' | 'patched' | 'error' | 'disabled';
  /** The capacity/allocatable entries were patched. */
  patchedStatus: boolean;
  /** The capable label was patched. */
  patchedLabel: boolean;
  /** Why the round failed (outcome 'error'). */
  error?: string;
}

/** The advertiser's lifecycle: idempotent start/stop, and one round on demand. */
export interface Advertiser {
  start(): void;
  stop(): Promise<void>;
  reconcileNow(): Promise<AdvertiseResult>;
}

/** The null advertiser (enforce-only nodes). */
export class NullAdvertiser implements Advertiser {
  start(): void {}
  async stop(): Promise<void> {}
  async reconcileNow(): Promise<AdvertiseResult> {
    return { outcome: 'disabled', patchedStatus: false, patchedLabel: false };
  }
}

function sameBytes(current: unknown, want: bigint): boolean {
  try {
    return quantityValue(current) === want;
  } catch {
    return false;
  }
}

/** The advertiser that talks to the API server. */
export class ApiNodeAdvertiser implements Advertiser {
  private readonly node: NodePatch;
  private readonly resource: string;
  private readonly label: string;
  private readonly rounds: SerialRounds<AdvertiseResult>;
  /** Failed rounds in a row (retry backoff) and the last error said at warn level. */
  private failures = 0;
  private lastWarned: string | undefined;

  constructor(private readonly o: NodeAdvertiserOptions & { kubeConfig: ClusterAccess }) {
    this.node = new NodePatch(new KubeHttp(o.kubeConfig), o.nodeName);
    this.resource = o.resourceName ?? EPC_RESOURCE;
    this.label = o.capableLabel ?? SGX_CAPABLE_LABEL;
    this.rounds = new SerialRounds(() => this.reconcile(), (r) => this.nextDelayMs(r));
  }

  /** Starts the loop: a round now, then every intervalMs (retryDelayMs after a failure). Idempotent. */
  start(): void {
    this.rounds.start();
  }

  /** Stops the loop and waits for a round in flight. Idempotent; safe before start. */
  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round now (serialised with the loop's rounds). Never throws. */
  reconcileNow(): Promise<AdvertiseResult> {
    return this.rounds.run();
  }

  private nextDelayMs(r: AdvertiseResult): number {
    const interval = this.o.intervalMs ?? 60_000;
    this.failures = r.outcome === 'error' ? this.failures + 1 : 0;
    // Retries back off (doubling from retryDelayMs) up to the interval: a lasting failure, such as
    // a node without an EPC controller, is retried without flooding the log or the API server.
    const retry = (this.o.retryDelayMs ?? Math.min(interval, 5000)) * 2 ** Math.min(this.failures - 1, 16);
    return r.outcome === 'error' ? Math.min(retry, Math.max(interval, this.o.retryDelayMs ?? 0)) : interval;
  }

  private async reconcile(): Promise<AdvertiseResult> {
    const result: AdvertiseResult = { outcome: 'unchanged', patchedStatus: false, patchedLabel: false };
    try {
      const raw = typeof this.o.capacityBytes === 'function' ? await this.o.capacityBytes() : this.o.capacityBytes;
      const bytes = BigInt(raw);
      if (bytes < 0n) throw new Error(`EPC capacity must not be negative, got ${bytes}`);
      const want = bytes.toString();
      const node = await this.node.read();
      const status: Record<string, Record<string, string>> = {};
      if (!sameBytes(node.status?.capacity?.[this.resource], bytes)) status.capacity = { [this.resource]: want };
      if (!sameBytes(node.status?.allocatable?.[this.resource], bytes)) status.allocatable = { [this.resource]: want };
      if (Object.keys(status).length > 0) {
        await this.node.patchStatus(status, 'merge');
        result.patchedStatus = true;
        this.o.logger?.info({ node: this.o.nodeName, resource: this.resource, bytes: want, fixed: Object.keys(status) }, 'advertised EPC capacity on the Node');
      }
      if (await this.node.ensureLabel(node, this.label, 'true')) {
        result.patchedLabel = true;
        this.o.logger?.info({ node: this.o.nodeName, label: this.label }, 'labelled the Node');
      }
      if (result.patchedStatus || result.patchedLabel) result.outcome = 'patched';
    } catch (err) {
      result.outcome = 'error';
      result.error = apiErrorLine(err);
      // Said at warn once per distinct error; the same error again is debug.
      const level = result.error === this.lastWarned ? 'debug' : 'warn';
      this.lastWarned = result.error;
      this.o.logger?.[level]({ node: this.o.nodeName, error: result.error }, 'advertising EPC on the Node failed; will retry');
      return result;
    }
    this.lastWarned = undefined;
    return result;
  }
}

/**
 * The agent's advertiser: `ApiNodeAdvertiser` when enabled (default), else `NullAdvertiser`.
 * `new NodeAdvertiser(opts)` is the same object behind one name.
 */
export class NodeAdvertiser implements Advertiser {
  private readonly impl: Advertiser;

  constructor(options: NodeAdvertiserOptions) {
    if (options.enabled === false) this.impl = new NullAdvertiser();
    else {
      if (!options.kubeConfig) throw new Error('NodeAdvertiser: kubeConfig is required when enabled');
      this.impl = new ApiNodeAdvertiser({ ...options, kubeConfig: options.kubeConfig });
    }
  }

  start(): void {
    this.impl.start();
  }

  stop(): Promise<void> {
    return this.impl.stop();
  }

  reconcileNow(): Promise<AdvertiseResult> {
    return this.impl.reconcileNow();
  }
}
