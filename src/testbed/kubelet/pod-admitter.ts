import type { ContainerAllocateResponse } from '../../contracts/device-plugin-api.js';
import type { PodLike } from '../../pod/pod-like.js';
import type { ResourceState } from './device-registry.js';
import type { EventLog } from './emulator-events.js';
import { AdmissionError, planContainers, podIdentity, podKey, type ContainerKind } from './pod-plan.js';

/** One container of an admitted pod and what the plugins gave it. */
export interface AdmittedContainer {
  name: string;
  kind: ContainerKind;
  /** resource -> device IDs. */
  devices: Map<string, string[]>;
  /** resource -> the plugin's Allocate answer (envs, mounts, device specs). */
  responses: Map<string, ContainerAllocateResponse>;
  /** Successful starts so far (first start + restarts). */
  starts: number;
}

/** A pod whose allocations are committed (listed by pod-resources). */
export interface AdmittedPod {
  namespace: string;
  name: string;
  uid: string;
  pod: PodLike;
  containers: AdmittedContainer[];
}

/** What admission needs from the emulator. */
export interface AdmissionHost {
  resources: Map<string, ResourceState>;
  /** resource -> device ID -> pod key holding it. */
  allocated: Map<string, Map<string, string>>;
  log: EventLog;
  slowAllocateMs: number;
  warnSlowAllocate(resourceName: string, ms: number, ids: string[]): void;
}

/**
 * Kubelet's device allocation for one pod: per container in start order, per resource, pick
 * free healthy device IDs (devices of finished init containers are reused, as kubelet does),
 * ask GetPreferredAllocation when advertised, then send ONE Allocate with the IDs only.
 * Nothing is committed unless every container got its devices. Returns the admitted pod.
 */
export async function allocatePod(host: AdmissionHost, pod: PodLike): Promise<AdmittedPod> {
  const { namespace, name, uid } = podIdentity(pod);
  const key = podKey(namespace, name);
  const plans = planContainers(pod, (r) => host.resources.has(r));
  const used = new Map<string, Set<string>>(); // this pod's IDs per resource
  const reuse = new Map<string, Set<string>>();
  const containers: AdmittedContainer[] = [];
  for (const plan of plans) {
    const c: AdmittedContainer = { name: plan.name, kind: plan.kind, devices: new Map(), responses: new Map(), starts: 0 };
    for (const [r, n] of plan.requests) {
      const state = host.resources.get(r)!;
      // Kubelet looks the endpoint up for each call: a Register of the resource between two
      // calls (the plugin registering again) stops the old endpoint and only the new one serves.
      const current = () => {
        if (!state.active) throw new AdmissionError(`pod ${key} container ${plan.name}: ${r} has no registered device plugin (0 allocatable)`);
        return state.active;
      };
      const reusable = [...(reuse.get(r) ?? [])];
      const mine = used.get(r) ?? new Set<string>();
      const held = host.allocated.get(r) ?? new Map<string, string>();
      const free = state.healthyIds().filter((id) => !mine.has(id) && !held.has(id));
      current();
      if (reusable.length + free.length < n) {
        throw new AdmissionError(`pod ${key} container ${plan.name}: insufficient ${r}: requested ${n}, ${reusable.length + free.length} available`);
      }
      let ids: string[];
      if (reusable.length >= n) {
        ids = reusable.slice(0, n);
      } else {
        const available = [...reusable, ...free];
        ids = [...reusable, ...free.slice(0, n - reusable.length)];
        const ep = current();
        if (ep.options.get_preferred_allocation_available) {
          const pick = await ep.preferredAllocation(available, reusable, n);
          host.log.push({ type: 'preferred', resourceName: r, deviceIds: pick });
          const ok = pick.length === n && new Set(pick).size === n && pick.every((id) => available.includes(id)) && reusable.every((id) => pick.includes(id));
          if (ok) ids = pick;
        }
      }
      const allocator = current();
      const t0 = performance.now();
      let response: ContainerAllocateResponse;
      try {
        response = await allocator.allocate(ids);
      } catch (err) {
        const ms = performance.now() - t0;
        host.log.push({ type: 'allocate', resourceName: r, deviceIds: ids, ms, error: (err as Error).message });
        throw new AdmissionError(`pod ${key} container ${plan.name}: Allocate ${r} failed: ${(err as { details?: string }).details || (err as Error).message}`);
      }
      const ms = performance.now() - t0;
      host.log.push({ type: 'allocate', resourceName: r, deviceIds: ids, ms });
      if (ms > host.slowAllocateMs) host.warnSlowAllocate(r, ms, ids);
      c.devices.set(r, ids);
      c.responses.set(r, response);
      for (const id of ids) mine.add(id);
      used.set(r, mine);
      const pool = reuse.get(r) ?? new Set<string>();
      for (const id of ids) {
        if (plan.kind === 'init') pool.add(id);
        else pool.delete(id);
      }
      reuse.set(r, pool);
    }
    containers.push(c);
  }
  for (const [r, ids] of used) {
    const held = host.allocated.get(r) ?? new Map<string, string>();
    for (const id of ids) held.set(id, key);
    host.allocated.set(r, held);
  }
  return { namespace, name, uid, pod, containers };
}
