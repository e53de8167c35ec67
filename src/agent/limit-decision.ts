/**
 * Pure: the `misc.max` a pod's cgroup gets, from the pod as the API server has it.
 *
 * A pod with an enclave slot but no `sgx.intel.com/epc` request is refused when enforcing: it
 * would run with unlimited EPC (the admission webhook normally makes this impossible, so it
 * means the webhook was bypassed or failed open). With `--enforce false` every pod gets 'max'.
 */
import type { EpcMax } from '../backend/epc-backend.js';
import { EPC_RESOURCE, podEpc } from '../pod/pod-epc.js';
import { QuantityError } from '../pod/quantity.js';
import type { PodLike } from '../pod/pod-like.js';

export type LimitDecision =
  | { ok: true; max: EpcMax; requestBytes: bigint }
  | { ok: false; reason: string };

/**
 * The pod's `misc.max` (bytes = its scheduler request of `resource`, the EPC resource name the
 * webhook uses too: `--epc-resource`), or why it must not start.
 */
export function decidePodLimit(pod: PodLike, opts: { enforce: boolean; resource?: string }): LimitDecision {
  const resource = opts.resource ?? EPC_RESOURCE;
  const epc = podEpc(pod, resource);
  if (!epc.ok) return { ok: false, reason: `its EPC request is invalid: ${new QuantityError(epc.raw, epc.reason, epc.field).message}` };
  const request = epc.bytes;
  if (!opts.enforce) return { ok: true, max: 'max', requestBytes: request };
  if (request === 0n) {
    return { ok: false, reason: `it holds an enclave slot but requests no ${resource}, so it would run with unlimited EPC (the admission webhook should have refused or mutated it)` };
  }
  if (request > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: `its EPC request ${request} bytes is too large` };
  return { ok: true, max: Number(request), requestBytes: request };
}

/** True when the pod is finished: its cgroup and slots can go (kubelet stopped its containers). */
export function podIsTerminal(pod: PodLike & { status?: { phase?: string } }): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** True when the pod starts no container any more: finished or being deleted (its slot IDs may change hands). */
export function podStartsNoContainer(pod: PodLike & { metadata?: { deletionTimestamp?: unknown } }): boolean {
  return Boolean(pod.metadata?.deletionTimestamp) || podIsTerminal(pod);
}
