/**
 * A pod's request of one resource exactly as the scheduler computes it
 * (k8s.io/component-helpers/resource `PodRequests` / `AggregateContainerRequests`):
 *   - app containers are summed;
 *   - a restartable init container (restartPolicy Always, a sidecar) is added to that sum and
 *     keeps running, so every later init container needs its own request plus the sidecars
 *     started before it; a sidecar itself needs the sidecars up to and including it;
 *   - pod request = max(sum, max over init containers), plus `spec.overhead`.
 * Requests default to limits (API defaulting), so a limit-only extended resource counts.
 */
import { effectiveRequests, type ContainerLike, type PodLike } from './pod-like.js';
import { parseQuantity, QuantityError } from './quantity.js';

/** The extended resource the scheduler packs SGX pods by (bytes). */
export const EPC_RESOURCE = 'sgx.intel.com/epc';

function containerAmount(c: ContainerLike, resource: string, field: string): bigint {
  const reqs = effectiveRequests(c.resources);
  if (!Object.hasOwn(reqs, resource)) return 0n;
  const where = `${field}.resources.requests[${resource}]`;
  const v = parseQuantity(reqs[resource], where);
  if (v < 0n) throw new QuantityError(reqs[resource], 'must be greater than or equal to 0', where);
  return v;
}

/**
 * The pod's scheduler request of `resource` as an integer (bytes for EPC), rounded up like
 * `Quantity.Value()`. 0n when nothing requests it. Throws `QuantityError` naming the field
 * (e.g. `spec.initContainers[1].resources.requests[sgx.intel.com/epc]`) for junk or negatives.
 */
export function podResourceRequest(pod: PodLike, resource: string): bigint {
  let sum = 0n;
  (pod.spec?.containers ?? []).forEach((c, i) => {
    sum += containerAmount(c, resource, `spec.containers[${i}]`);
  });
  let sidecars = 0n;
  let initMax = 0n;
  (pod.spec?.initContainers ?? []).forEach((c, i) => {
    const amount = containerAmount(c, resource, `spec.initContainers[${i}]`);
    let need: bigint;
    if (c.restartPolicy === 'Always') {
      sum += amount;
      sidecars += amount;
      need = sidecars;
    } else {
      need = amount + sidecars;
    }
    if (need > initMax) initMax = need;
  });
  let total = sum > initMax ? sum : initMax;
  const overhead = pod.spec?.overhead;
  if (overhead && Object.hasOwn(overhead, resource) && overhead[resource] !== undefined) {
    const where = `spec.overhead[${resource}]`;
    const v = parseQuantity(overhead[resource], where);
    if (v < 0n) throw new QuantityError(overhead[resource], 'must be greater than or equal to 0', where);
    total += v;
  }
  return total;
}

/**
 * The pod's effective EPC request in bytes: the number the scheduler packed it by and the limit
 * the agent enforces. 0n for pods without EPC. Throws `QuantityError` naming the field.
 */
export function podEpcRequestBytes(pod: PodLike, resource: string = EPC_RESOURCE): bigint {
  return podResourceRequest(pod, resource);
}
