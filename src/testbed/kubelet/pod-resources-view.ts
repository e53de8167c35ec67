import type { ResourceState } from './device-registry.js';
import type { AdmittedPod } from './pod-admitter.js';
import type { ContainerDevicesMsg, PodResourcesMsg } from '../../contracts/pod-resources-api.js';

/** pod-resources `List` from committed pods: app and sidecar containers (finished init containers are not listed). */
export function podResourcesList(pods: Iterable<AdmittedPod>): PodResourcesMsg[] {
  return [...pods].map((p) => ({
    name: p.name,
    namespace: p.namespace,
    containers: p.containers
      .filter((c) => c.kind !== 'init')
      .map((c) => ({ name: c.name, devices: [...c.devices].map(([resource_name, device_ids]) => ({ resource_name, device_ids })), cpu_ids: [], memory: [], dynamic_resources: [] })),
  }));
}

/** `GetAllocatableResources` devices: one entry per healthy device, as kubelet lists them. */
export function allocatableDevices(resources: Iterable<ResourceState>): ContainerDevicesMsg[] {
  const out: ContainerDevicesMsg[] = [];
  for (const r of resources) for (const id of r.healthyIds()) out.push({ resource_name: r.name, device_ids: [id] });
  return out;
}
