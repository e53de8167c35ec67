import { effectiveRequests, type ContainerLike, type PodLike } from '../../pod/pod-like.js';
import { parseQuantityExact, QuantityError } from '../../pod/quantity.js';

/** A pod kubelet refuses to admit; the message names the pod, container and resource. */
export class AdmissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdmissionError';
  }
}

/** `init` runs to completion before the next; `sidecar` is a restartable init container. */
export type ContainerKind = 'init' | 'sidecar' | 'app';

/** One container's device-plugin requests, in kubelet's start order. */
export interface ContainerPlan {
  name: string;
  kind: ContainerKind;
  /** resource name -> units (one device ID per unit). */
  requests: Map<string, number>;
}

/** `namespace/name`, the emulator's pod key. */
export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Checks the identity fields kubelet needs; returns namespace, name, uid. */
export function podIdentity(pod: PodLike): { namespace: string; name: string; uid: string } {
  const name = pod?.metadata?.name;
  if (typeof name !== 'string' || name === '') throw new AdmissionError('pod metadata.name is required');
  const namespace = pod.metadata?.namespace ?? 'default';
  if (typeof namespace !== 'string' || namespace === '') throw new AdmissionError(`pod ${name}: metadata.namespace must be a non-empty string`);
  const uid = pod.metadata?.uid ?? '';
  if (typeof uid !== 'string') throw new AdmissionError(`pod ${namespace}/${name}: metadata.uid must be a string`);
  if (!Array.isArray(pod.spec?.containers) || pod.spec.containers.length === 0) throw new AdmissionError(`pod ${namespace}/${name}: spec.containers must list at least one container`);
  return { namespace, name, uid };
}

function units(value: string | number, field: string): number {
  let q;
  try {
    q = parseQuantityExact(value, field);
  } catch (err) {
    throw new AdmissionError(err instanceof QuantityError ? err.message : String(err));
  }
  if (q.den !== 1n || q.num < 0n || q.num > 1_000_000n) throw new AdmissionError(`${field}: extended resource quantity ${JSON.stringify(value)} must be a whole number between 0 and 1000000`);
  return Number(q.num);
}

/**
 * The device-plugin requests of each container, init containers first (kubelet's order).
 * Only resources for which `isDeviceResource` is true count (others, e.g. sgx.intel.com/epc,
 * are node capacity, not plugin devices). Extended resources must be whole numbers, and a
 * request must equal its limit when both are set (API validation).
 */
export function planContainers(pod: PodLike, isDeviceResource: (r: string) => boolean): ContainerPlan[] {
  const { namespace, name } = podIdentity(pod);
  const out: ContainerPlan[] = [];
  const seen = new Set<string>();
  const add = (c: ContainerLike, kind: ContainerKind, field: string) => {
    if (typeof c?.name !== 'string' || c.name === '') throw new AdmissionError(`pod ${namespace}/${name}: ${field}.name is required`);
    if (seen.has(c.name)) throw new AdmissionError(`pod ${namespace}/${name}: duplicate container name ${JSON.stringify(c.name)}`);
    seen.add(c.name);
    const requests = new Map<string, number>();
    for (const [r, v] of Object.entries(effectiveRequests(c.resources))) {
      if (!isDeviceResource(r)) continue;
      const lim = c.resources?.limits?.[r];
      const req = c.resources?.requests?.[r];
      if (lim !== undefined && req !== undefined && units(lim, `${field}.resources.limits[${r}]`) !== units(req, `${field}.resources.requests[${r}]`)) {
        throw new AdmissionError(`pod ${namespace}/${name}: ${field}.resources: request and limit of ${r} must be equal`);
      }
      const n = units(v, `${field}.resources.requests[${r}]`);
      if (n > 0) requests.set(r, n);
    }
    out.push({ name: c.name, kind, requests });
  };
  (pod.spec?.initContainers ?? []).forEach((c, i) => add(c, c?.restartPolicy === 'Always' ? 'sidecar' : 'init', `spec.initContainers[${i}]`));
  pod.spec!.containers!.forEach((c, i) => add(c, 'app', `spec.containers[${i}]`));
  return out;
}
