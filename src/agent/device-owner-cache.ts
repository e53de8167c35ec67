/**
 * Which pod (by UID) held enclave slot device IDs at an earlier, successful PreStart: a container
 * restart of the same pod can skip the pod-resources List (kubelet hands the restarted container
 * the same IDs without a new Allocate). Bounded, keyed by device ID.
 *
 * A stale entry would bind another pod's slot to this pod's cgroup and limit, so it is dropped
 * whenever the IDs may have changed hands:
 *  - `forgetDevices`: the plugin's Allocate of those IDs (kubelet gives them to a new container;
 *    it calls Allocate for every new assignment, never for a restart);
 *  - `forgetPod`: the pod went away (informer delete);
 *  - `observeList`: a pod-resources List shows another owner (or none);
 * and the enforcer trusts a hit only if the informer still has that very UID, not terminal and
 * not being deleted. `generation` lets a PreStart that raced one of these drops skip remembering.
 */
import { findDeviceOwners, type DeviceOwner } from './device-owners.js';
import type { PodDevices } from './pod-devices.js';

/** Default bound on remembered device IDs (a node has far fewer enclave slots). */
export const DEVICE_OWNER_CACHE_MAX = 4096;

/** The owner of device IDs at their last successful PreStart. */
export interface CachedOwner extends DeviceOwner {
  uid: string;
}

export class DeviceOwnerCache {
  private readonly byId = new Map<string, CachedOwner>();
  private gen = 0;

  constructor(readonly maxEntries = DEVICE_OWNER_CACHE_MAX) {}

  /** Bumped by every drop; compare before and after a lookup to know nothing was dropped meanwhile. */
  get generation(): number {
    return this.gen;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The one pod that holds every ID of `ids` (same UID and container), else undefined. */
  lookup(ids: readonly string[]): CachedOwner | undefined {
    if (ids.length === 0) return undefined;
    const first = this.byId.get(ids[0]);
    if (!first) return undefined;
    for (let i = 1; i < ids.length; i++) if (this.byId.get(ids[i]) !== first) return undefined;
    return first;
  }

  /**
   * Remembers `owner` (UID `uid`) for `ids` after a successful PreStart that began at `generation` `since`;
   * skipped if anything was dropped since (the IDs may have changed hands meanwhile). The oldest
   * entries go first beyond `maxEntries`.
   */
  remember(ids: readonly string[], owner: DeviceOwner, uid: string, since: number): void {
    if (since !== this.gen || ids.length === 0) return;
    const known = this.lookup(ids);
    if (known && known.uid === uid && known.namespace === owner.namespace && known.pod === owner.pod && known.container === owner.container) return;
    const entry: CachedOwner = { namespace: owner.namespace, pod: owner.pod, container: owner.container, uid };
    for (const id of ids) {
      this.byId.delete(id);
      this.byId.set(id, entry);
    }
    while (this.byId.size > this.maxEntries) this.byId.delete(this.byId.keys().next().value!);
  }

  /** The IDs are (being) assigned to a new container: forget their owner. */
  forgetDevices(ids: readonly string[]): void {
    this.gen++;
    for (const id of ids) this.byId.delete(id);
  }

  /** The pod is gone: forget every ID it held. */
  forgetPod(uid: string): void {
    this.gen++;
    for (const [id, o] of this.byId) if (o.uid === uid) this.byId.delete(id);
  }

  /** A fresh List: forget every remembered ID of `resourceName` that it shows with another owner or none. */
  observeList(list: readonly PodDevices[], resourceName: string): void {
    if (this.byId.size === 0) return;
    const seen = findDeviceOwners(list, resourceName, [...this.byId.keys()]);
    for (const [id, o] of this.byId) {
      const s = seen.get(id);
      if (!s || s.namespace !== o.namespace || s.pod !== o.pod || s.container !== o.container) {
        this.gen++;
        this.byId.delete(id);
      }
    }
  }
}
