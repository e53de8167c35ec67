/**
 * A pod's EPC: the number this project exists to enforce, computed here once for every
 * component. The webhook annotates and checks it, the agent writes it as the pod's `misc.max`,
 * the reconciler repairs to it, the test bed's kubelet and demo read it.
 *
 * The effective request follows the scheduler (k8s.io/component-helpers/resource PodRequests):
 *   - app containers are summed, plus every restartable (sidecar) init container;
 *   - each regular init container needs its own request plus the sidecars started before it (a
 *     sidecar needs the sidecars up to and including it); the pod needs the max of those and
 *     the app sum;
 *   - plus `spec.overhead`.
 * A container's request falls back to its limit, as API defaulting does. Every declared amount
 * must be a whole number of bytes > 0 (overhead may be 0); anything else makes the whole pod's
 * EPC unusable, so the webhook denies the pod and the agent refuses to start it.
 */
import { PAGE_SIZE } from '../epc/sgx.js';
import { containerResource, objectAt, podContainers, type ContainerRef } from './pod-view.js';
import { parseByteQuantity, parseQuantity, QuantityError, type ByteRule } from './quantity.js';

/** The extended resource the scheduler packs SGX pods by (bytes); the default of `--epc-resource`. */
export const EPC_RESOURCE = 'sgx.intel.com/epc';
/** The device plugin's enclave slots; the default of `--enclave-resource`. */
export const ENCLAVE_RESOURCE = 'sgx.intel.com/enclave';
/** The device plugin's provision slots; the default of `--provision-resource`. */
export const PROVISION_RESOURCE = 'sgx.intel.com/provision';
/** The EPC page size (src/epc/sgx.ts) for byte math: a limit of N bytes is floor(N / page) pages. */
export const EPC_PAGE_BYTES = BigInt(PAGE_SIZE);

/** One container's declared amount, or why it is unusable. `field` names where it was read. */
export type ContainerAmount =
  | { container: ContainerRef; field: string; ok: true; bytes: bigint }
  | { container: ContainerRef; field: string; ok: false; rule: ByteRule; reason: string; raw: unknown };

/** A pod's effective EPC in bytes, or the first unusable amount (its field, rule and reason). */
export type PodEpc =
  | { ok: true; bytes: bigint; amounts: ContainerAmount[] }
  | { ok: false; field: string; rule: ByteRule; reason: string; raw: unknown; amounts: ContainerAmount[] };

/**
 * Amounts declared by every init/sidecar/app container that names `resource` in requests or
 * limits (ephemeral containers cannot declare resources). The request wins over the limit.
 */
export function containerAmounts(pod: unknown, resource: string, containers: ContainerRef[] = podContainers(pod)): ContainerAmount[] {
  const out: ContainerAmount[] = [];
  for (const c of containers) {
    if (c.role === 'ephemeral') continue;
    const r = containerResource(c.spec, resource);
    const from = 'request' in r ? 'requests' : 'limit' in r ? 'limits' : undefined;
    if (from === undefined) continue;
    const raw = from === 'requests' ? r.request : r.limit;
    const field = `${c.path}.resources.${from}[${resource}]`;
    const parsed = parseByteQuantity(raw);
    out.push(parsed.ok ? { container: c, field, ok: true, bytes: parsed.bytes } : { container: c, field, ok: false, rule: parsed.rule, reason: parsed.reason, raw });
  }
  return out;
}

/**
 * The scheduler's pod request from per-container amounts (containers without the resource count
 * as 0, unusable amounts too: check them first) plus `overheadBytes`.
 */
export function effectivePodRequest(containers: readonly ContainerRef[], amounts: readonly ContainerAmount[], overheadBytes: bigint): bigint {
  // Amounts from containerAmounts(pod, r, containers) refer to these very containers, in order:
  // matched by walking both lists. Any other amounts are matched by pointer.
  let j = 0;
  for (let i = 0; i < containers.length && j < amounts.length; i++) if (amounts[j].container === containers[i]) j++;
  let byPointer: Map<string, bigint> | undefined;
  if (j < amounts.length) {
    byPointer = new Map();
    for (const a of amounts) if (a.ok) byPointer.set(a.container.pointer, a.bytes);
  }
  j = 0;
  let appSum = 0n;
  let sidecarSum = 0n;
  let initMax = 0n;
  for (const c of containers) {
    let bytes = 0n;
    if (byPointer !== undefined) bytes = byPointer.get(c.pointer) ?? 0n;
    else if (j < amounts.length && amounts[j].container === c) {
      const a = amounts[j++];
      if (a.ok) bytes = a.bytes;
    }
    if (c.role === 'app') appSum += bytes;
    else if (c.role === 'sidecar') {
      appSum += bytes;
      sidecarSum += bytes;
      if (sidecarSum > initMax) initMax = sidecarSum;
    } else if (c.role === 'init') {
      const need = bytes + sidecarSum;
      if (need > initMax) initMax = need;
    }
  }
  return (appSum > initMax ? appSum : initMax) + overheadBytes;
}

/** `spec.overhead[resource]`: 0 when absent; else a whole number of bytes >= 0, or why not. */
export function podOverhead(pod: unknown, resource: string): { ok: true; bytes: bigint } | { ok: false; field: string; rule: ByteRule; reason: string; raw: unknown } {
  const overhead = objectAt(objectAt(pod, 'spec'), 'overhead');
  if (!overhead || !Object.hasOwn(overhead, resource) || overhead[resource] === undefined) return { ok: true, bytes: 0n };
  const raw = overhead[resource];
  const field = `spec.overhead[${resource}]`;
  const q = parseQuantity(raw);
  if (!q.ok) return { ok: false, field, rule: 'epc-invalid', reason: q.reason, raw };
  if (q.value.num === 0n) return { ok: true, bytes: 0n };
  const b = parseByteQuantity(raw);
  return b.ok ? { ok: true, bytes: b.bytes } : { ok: false, field, rule: b.rule, reason: b.reason, raw };
}

/**
 * The pod's effective request of `resource` (EPC by default) in bytes: the number the scheduler
 * packed it by and the limit the agent enforces; 0n for a pod that declares none. Pure, never
 * throws. `containers` may be passed when the caller already has `podContainers(pod)`.
 */
export function podEpc(pod: unknown, resource: string = EPC_RESOURCE, containers: ContainerRef[] = podContainers(pod)): PodEpc {
  const amounts = containerAmounts(pod, resource, containers);
  const bad = amounts.find((a) => !a.ok);
  if (bad && !bad.ok) return { ok: false, field: bad.field, rule: bad.rule, reason: bad.reason, raw: bad.raw, amounts };
  const overhead = podOverhead(pod, resource);
  if (!overhead.ok) return { ...overhead, amounts };
  return { ok: true, bytes: effectivePodRequest(containers, amounts, overhead.bytes), amounts };
}

/**
 * `podEpc` for callers that treat an unusable amount as an error: the bytes, or a
 * `QuantityError` naming the field (`spec.initContainers[1].resources.requests[sgx.intel.com/epc]`).
 */
export function podEpcRequestBytes(pod: unknown, resource: string = EPC_RESOURCE): bigint {
  const r = podEpc(pod, resource);
  if (!r.ok) throw new QuantityError(r.raw, r.reason, r.field);
  return r.bytes;
}
