/**
 * The one interface the node agent uses to hold pods to their EPC: a misc cgroup tree with a
 * `sgx_epc` limit per cgroup. Two implementations: `ModelBackend` (the modeled controller behind
 * `control.sock`) and `CgroupfsBackend` (the kernel's cgroup v2 files). Both pass the same
 * contract suite (test/backend/epc-backend.contract.ts).
 *
 * Paths are cgroup paths relative to the cgroup root, normalized to start with "/" ("/" is the
 * root): `kubepods/burstable/pod1` and `/kubepods/burstable/pod1` name the same cgroup.
 */
export interface EpcBackend {
  /** 'model' or 'cgroupfs': for logs and metrics labels, never for branching (see `canBindSlots`). */
  readonly kind: 'model' | 'cgroupfs';
  /** Total EPC of the node in bytes (`misc.capacity` of the root). */
  capacity(): Promise<number>;
  /** Creates the cgroup and every missing ancestor (mkdir -p); existing ones are left alone. */
  ensureCgroup(path: string): Promise<void>;
  /**
   * A pod cgroup as it should be, in one step (the PreStartContainer path): the cgroup and its
   * missing ancestors exist, its `misc.max` is written and, where the backend binds slots (the
   * model), `slots` charge it. All or nothing: on failure nothing this call made stays (cgroups
   * it created are removed; the model also restores misc.max and bindings). A backend without
   * slot binding ignores `slots` (the kernel charges the task's own cgroup).
   */
  applyCgroup(want: CgroupApply): Promise<{ created: boolean }>;
  /** Writes `misc.max`: bytes (floored to pages by the kernel) or 'max' for no limit. */
  setMax(path: string, max: EpcMax): Promise<void>;
  /** Reads `misc.max` back. */
  getMax(path: string): Promise<EpcMax>;
  /** Reads every counter of one cgroup. */
  stats(path: string): Promise<EpcCgroupStats>;
  /** Removes the cgroup and its descendants (the model destroys their enclaves first).
   *  Removing a cgroup that does not exist is not an error. */
  removeCgroup(path: string): Promise<void>;
  /** Every cgroup strictly below `prefix` (pre-order, normalized paths); [] if prefix is absent. */
  listCgroups(prefix: string): Promise<string[]>;
  /** Releases connections; safe twice and safe if never used. */
  close(): Promise<void>;
}

/** What `applyCgroup` makes true: the pod cgroup, its misc.max and the enclave slots charging it. */
export interface CgroupApply {
  cgroup: string;
  max: EpcMax;
  slots: readonly string[];
}

/** A `misc.max` value: bytes, or 'max' (unlimited). */
export type EpcMax = number | 'max';

/** One cgroup's counters. Bytes for sizes, counts for events, pages for evicted/reloaded. */
export interface EpcCgroupStats {
  max: EpcMax;
  /** `misc.current`: resident EPC bytes of the cgroup and its descendants. */
  current: number;
  /** `misc.peak`; null where the kernel has no `misc.peak` (< 6.11). */
  peak: number | null;
  /** `misc.events` `sgx_epc.max`: failed charges here and below. */
  events: number;
  /** `misc.events.local`; null where the kernel does not have the file. */
  eventsLocal: number | null;
  /** Pages evicted from / reloaded into this cgroup's own charges; null where the kernel does
   *  not count them (cgroupfs), numbers on the model. */
  evicted: number | null;
  reloaded: number | null;
}

/**
 * Optional capability: route an enclave slot's operations to a cgroup. Only the model has it
 * (on real SGX the kernel charges the task's own cgroup); detect it with `canBindSlots`.
 */
export interface SlotBinder {
  /** Charges every later operation of `slotId` to `path` (the cgroup must exist). Rebinding moves
   *  only future charges, like moving a task between cgroups. */
  bindSlot(slotId: string, path: string): Promise<void>;
  /** Drops the binding; the slot's next operation fails closed. Unknown slots are not an error. */
  unbindSlot(slotId: string): Promise<void>;
  /** Every binding now: slot -> cgroup path (normalized). */
  bindings(): Promise<Map<string, string>>;
}

/** True when the backend can bind slots (the model); a capability check, not a kind check. */
export function canBindSlots(b: EpcBackend): b is EpcBackend & SlotBinder {
  const c = b as Partial<SlotBinder>;
  return typeof c.bindSlot === 'function' && typeof c.unbindSlot === 'function' && typeof c.bindings === 'function';
}

/** Optional capability: the node's free EPC (the model knows it; the kernel has no such file). */
export interface FreeEpcReader {
  /** Free EPC of the node in bytes. */
  freeBytes(): Promise<number>;
}

/** True when the backend can tell the node's free EPC (the model); a capability check, not a kind check. */
export function canReadFreeEpc(b: EpcBackend): b is EpcBackend & FreeEpcReader {
  return typeof (b as Partial<FreeEpcReader>).freeBytes === 'function';
}
