import type { ContainerAllocateResponse } from '../../contracts/device-plugin-api.js';
import type { PodLike } from '../../pod/pod-like.js';
import type { ResourceState } from './device-registry.js';
import type { EventLog } from './emulator-events.js';
import type { AdmittedPod } from './pod-admitter.js';
import { AdmissionError } from './pod-plan.js';

/** What `onContainerStart` sees: called after PreStartContainer succeeded, before the container counts as started. */
export interface ContainerStartEvent {
  namespace: string;
  name: string;
  uid: string;
  pod: PodLike;
  container: string;
  /** 0 on the first start, then 1, 2... on restarts. */
  restart: number;
  devices: Record<string, string[]>;
  responses: Record<string, ContainerAllocateResponse>;
}

/** A container start that failed (PreStartContainer or the hook); the pod stays admitted, as in kubelet. */
export class ContainerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerStartError';
  }
}

/** What a container start needs from the emulator. */
export interface StarterHost {
  resources: Map<string, ResourceState>;
  log: EventLog;
  /** pod-resources List calls received so far (counted around each PreStartContainer). */
  podResourcesLists(): number;
  onContainerStart?: (e: ContainerStartEvent) => void | Promise<void>;
}

/**
 * Kubelet's container start: PreStartContainer for every resource whose plugin requires it
 * (30 s timeout), then `onContainerStart`; only then the container counts as started.
 * Throws ContainerStartError naming pod, container and cause.
 */
export async function startContainer(host: StarterHost, p: AdmittedPod, name: string): Promise<void> {
  const c = p.containers.find((x) => x.name === name);
  if (!c) throw new AdmissionError(`pod ${p.namespace}/${p.name} has no container ${JSON.stringify(name)}`);
  for (const [r, ids] of c.devices) {
    const ep = host.resources.get(r)?.active;
    if (!ep) throw new ContainerStartError(`pod ${p.namespace}/${p.name} container ${name}: ${r} device plugin is not registered`);
    if (!ep.options.pre_start_required) continue;
    const lists0 = host.podResourcesLists();
    const t0 = performance.now();
    try {
      await ep.preStart(ids);
      host.log.push({ type: 'prestart', resourceName: r, deviceIds: ids, ms: performance.now() - t0, podResourcesLists: host.podResourcesLists() - lists0 });
    } catch (err) {
      const msg = (err as { details?: string }).details || (err as Error).message;
      host.log.push({ type: 'prestart', resourceName: r, deviceIds: ids, ms: performance.now() - t0, error: msg, podResourcesLists: host.podResourcesLists() - lists0 });
      throw new ContainerStartError(`pod ${p.namespace}/${p.name} container ${name}: PreStartContainer ${r} failed: ${msg}`);
    }
  }
  const restart = c.starts;
  try {
    await host.onContainerStart?.({
      namespace: p.namespace,
      name: p.name,
      uid: p.uid,
      pod: p.pod,
      container: name,
      restart,
      devices: Object.fromEntries(c.devices),
      responses: Object.fromEntries(c.responses),
    });
  } catch (err) {
    throw new ContainerStartError(`pod ${p.namespace}/${p.name} container ${name}: start failed: ${(err as Error).message}`);
  }
  c.starts++;
  host.log.push({ type: 'container-start', namespace: p.namespace, pod: p.name, container: name, restart });
}
