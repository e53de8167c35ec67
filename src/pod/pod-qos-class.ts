/**
 * A pod's QoS class as the API server assigns it (pkg/apis/core/v1/helper/qos `ComputePodQOS`),
 * over cpu and memory only. The kubelet puts the pod cgroup under its QoS class, so the agent
 * needs the same answer the kubelet got.
 */
import { effectiveRequests, type PodLike, type ResourceRequirementsLike } from './pod-like.js';
import { addQuantities, compareQuantities, parseQuantityExact, type ExactQuantity } from './quantity.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;
const KNOWN: ReadonlySet<string> = new Set<QosClass>(['Guaranteed', 'Burstable', 'BestEffort']);

type Totals = Map<string, ExactQuantity>;

/** Adds the positive cpu/memory amounts of `list` to `into`; returns the names found. */
function addPositive(into: Totals, list: Record<string, string | number | undefined>, field: string): Set<string> {
  const found = new Set<string>();
  for (const name of QOS_RESOURCES) {
    if (!Object.hasOwn(list, name) || list[name] === undefined) continue;
    const q = parseQuantityExact(list[name], `${field}[${name}]`);
    if (q.num <= 0n) continue;
    found.add(name);
    const prev = into.get(name);
    into.set(name, prev ? addQuantities(prev, q) : q);
  }
  return found;
}

function isPodLevelSet(r: ResourceRequirementsLike | undefined): boolean {
  return QOS_RESOURCES.some((n) => Object.hasOwn(r?.requests ?? {}, n) || Object.hasOwn(r?.limits ?? {}, n));
}

/**
 * Computes the QoS class from the spec: BestEffort when no container requests or limits cpu or
 * memory; Guaranteed when every container (init included) has cpu and memory limits and the
 * summed requests equal the summed limits; else Burstable. Pod-level resources, when set, decide
 * alone. Requests default to limits first, as API defaulting does. Throws `QuantityError`.
 */
export function computePodQosClass(pod: PodLike): QosClass {
  const requests: Totals = new Map();
  const limits: Totals = new Map();
  let guaranteed = true;
  const podLevel = pod.spec?.resources;
  if (isPodLevelSet(podLevel)) {
    addPositive(requests, effectiveRequests(podLevel), 'spec.resources.requests');
    const found = addPositive(limits, podLevel?.limits ?? {}, 'spec.resources.limits');
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  } else {
    const all = [
      ...(pod.spec?.containers ?? []).map((c, i) => ({ c, field: `spec.containers[${i}]` })),
      ...(pod.spec?.initContainers ?? []).map((c, i) => ({ c, field: `spec.initContainers[${i}]` })),
    ];
    for (const { c, field } of all) {
      addPositive(requests, effectiveRequests(c.resources), `${field}.resources.requests`);
      const found = addPositive(limits, c.resources?.limits ?? {}, `${field}.resources.limits`);
      if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/**
 * The pod's QoS class: `status.qosClass` when the API server already set it (it never changes
 * for a pod), else computed from the spec like the API server does.
 */
export function podQosClass(pod: PodLike): QosClass {
  const fromStatus = pod.status?.qosClass;
  if (fromStatus && KNOWN.has(fromStatus)) return fromStatus as QosClass;
  return computePodQosClass(pod);
}
