/**
 * A pod's effective request of one resource, computed the way the scheduler does
 * (k8s.io/component-helpers/resource PodRequests):
 *   - app containers: sum of requests, plus every restartable (sidecar) init container;
 *   - each regular init container needs its own request plus the sidecars started before it;
 *     the pod needs the max of those and the app sum;
 *   - plus `spec.overhead`.
 * A container's request falls back to its limit, as API defaulting does before admission.
 */
import { parseByteQuantity } from './quantity.js';
import { containerResource, objectAt, podContainers, type ContainerRef } from './pod-view.js';

/** One container's declared amount, or why it is unusable. */
export type ContainerAmount =
  | { container: ContainerRef; ok: true; bytes: bigint }
  | { container: ContainerRef; ok: false; rule: 'epc-invalid' | 'epc-not-positive'; reason: string; raw: unknown };

/**
 * Amounts declared by every init/sidecar/app container that names `resource` in requests or
 * limits (ephemeral containers cannot declare resources). Request wins over limit.
 */
export function containerAmounts(pod: unknown, resource: string, containers: ContainerRef[] = podContainers(pod)): ContainerAmount[] {
  const out: ContainerAmount[] = [];
  for (const c of containers) {
    if (c.role === 'ephemeral') continue;
    const r = containerResource(c.spec, resource);
    const raw = 'request' in r ? r.request : 'limit' in r ? r.limit : undefined;
    if (!('request' in r) && !('limit' in r)) continue;
    const parsed = parseByteQuantity(raw);
    out.push(parsed.ok ? { container: c, ok: true, bytes: parsed.bytes } : { container: c, ok: false, rule: parsed.rule, reason: parsed.reason, raw });
  }
  return out;
}

/**
 * The scheduler's pod request of `resource` in bytes, given per-container amounts (containers
 * without the resource count as 0). Unusable amounts count as 0; callers reject them first.
 * `overheadBytes` is `spec.overhead[resource]` (0 when absent or unusable). `containers` may be
 * passed when the caller already has `podContainers(pod)`.
 */
export function effectivePodRequest(pod: unknown, amounts: ContainerAmount[], overheadBytes: bigint, containers: ContainerRef[] = podContainers(pod)): bigint {
  const byPointer = new Map<string, bigint>();
  for (const a of amounts) if (a.ok) byPointer.set(a.container.pointer, a.bytes);
  let appSum = 0n;
  let sidecarSum = 0n;
  let initMax = 0n;
  for (const c of containers) {
    const bytes = byPointer.get(c.pointer) ?? 0n;
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

/** `spec.overhead[resource]` in bytes; 0 when absent or not a positive integer quantity. */
export function overheadBytes(pod: unknown, resource: string): bigint {
  const overhead = objectAt(objectAt(pod, 'spec'), 'overhead');
  if (!overhead || !Object.hasOwn(overhead, resource)) return 0n;
  const parsed = parseByteQuantity(overhead[resource]);
  return parsed.ok ? parsed.bytes : 0n;
}

/**
 * Convenience: the pod's effective request of `resource` in bytes, or undefined when some
 * container's quantity is unusable. Pure; the same number the agent uses as the pod limit.
 */
export function podRequestBytes(pod: unknown, resource: string): bigint | undefined {
  const amounts = containerAmounts(pod, resource);
  if (amounts.some((a) => !a.ok)) return undefined;
  return effectivePodRequest(pod, amounts, overheadBytes(pod, resource));
}
