/**
 * What the agent enforces, per pod UID: the cgroup it derived and limited, the limit, the slots it
 * bound. Only cgroups recorded here are the agent's (ownership); the reconciler rebuilds the
 * records after a restart from the pods it sees.
 */
import type { EpcMax } from '../backend/epc-backend.js';

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  /** Normalized cgroup path ("/kubepods/burstable/pod<uid>"). */
  cgroup: string;
  max: EpcMax;
  slots: Set<string>;
  /** misc.events sgx_epc.max at the last look; undefined before the first (an Event is posted on 0 -> >0). */
  lastEvents?: number;
  /** The EpcLimitReached Event was posted (or is not due: already above 0 when adopted). */
  eventDone: boolean;
  /** How the agent came to own it: its PreStartContainer, or adopted by the reconciler after a restart. */
  origin: 'prestart' | 'adopted';
}

/** The records, by UID. */
export class PodRecords {
  private readonly byUid = new Map<string, PodRecord>();

  get(uid: string): PodRecord | undefined {
    return this.byUid.get(uid);
  }

  /** Adds or updates (slots are merged, Event state kept across container restarts). */
  upsert(r: { uid: string; namespace: string; name: string; cgroup: string; max: EpcMax; slots: Iterable<string> }, origin: PodRecord['origin'] = 'prestart'): PodRecord {
    const prev = this.byUid.get(r.uid);
    if (prev) {
      prev.cgroup = r.cgroup;
      prev.max = r.max;
      for (const s of r.slots) prev.slots.add(s);
      return prev;
    }
    const rec: PodRecord = { uid: r.uid, namespace: r.namespace, name: r.name, cgroup: r.cgroup, max: r.max, slots: new Set(r.slots), eventDone: false, origin };
    this.byUid.set(r.uid, rec);
    return rec;
  }

  delete(uid: string): boolean {
    return this.byUid.delete(uid);
  }

  all(): PodRecord[] {
    return [...this.byUid.values()];
  }

  get size(): number {
    return this.byUid.size;
  }
}
