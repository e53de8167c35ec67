/**
 * Pure: which pod and container hold an enclave slot, from a pod-resources `List` answer.
 */
import type { PodDevices } from './pod-devices.js';

/** Where one device ID is assigned. */
export interface DeviceOwner {
  namespace: string;
  pod: string;
  container: string;
}

/** The owners of `ids` of `resourceName`; ids no container holds are absent from the map. */
export function findDeviceOwners(list: readonly PodDevices[], resourceName: string, ids: readonly string[]): Map<string, DeviceOwner> {
  const want = new Set(ids);
  const out = new Map<string, DeviceOwner>();
  for (const p of list) {
    for (const c of p.containers ?? []) {
      for (const d of c.devices ?? []) {
        if (d.resource_name !== resourceName) continue;
        for (const id of d.device_ids ?? []) if (want.has(id)) out.set(id, { namespace: p.namespace, pod: p.name, container: c.name });
      }
    }
  }
  return out;
}

/** The one pod the ids belong to, or why there is none: some ids unassigned, or ids of several pods. */
export function ownerPodOf(owners: Map<string, DeviceOwner>, ids: readonly string[]):
  | { ok: true; namespace: string; pod: string; container: string }
  | { ok: false; reason: 'unassigned' | 'several-pods'; detail: string } {
  const missing = ids.filter((id) => !owners.has(id));
  if (missing.length > 0 || ids.length === 0) return { ok: false, reason: 'unassigned', detail: `device IDs ${missing.join(', ') || '(none)'} are not assigned to any container in pod-resources` };
  const pods = new Set(ids.map((id) => `${owners.get(id)!.namespace}/${owners.get(id)!.pod}`));
  if (pods.size > 1) return { ok: false, reason: 'several-pods', detail: `device IDs ${ids.join(', ')} belong to several pods (${[...pods].join(', ')})` };
  const o = owners.get(ids[0])!;
  return { ok: true, namespace: o.namespace, pod: o.pod, container: o.container };
}

/** Every slot of `resourceName` per pod `namespace/name` (the reconciler rebinds them after a restart). */
export function slotsByPod(list: readonly PodDevices[], resourceName: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of list) {
    const key = `${p.namespace}/${p.name}`;
    for (const c of p.containers ?? []) {
      for (const d of c.devices ?? []) {
        if (d.resource_name !== resourceName || !d.device_ids?.length) continue;
        const arr = out.get(key) ?? [];
        arr.push(...d.device_ids);
        out.set(key, arr);
      }
    }
  }
  return out;
}
