/**
 * Pure: what one reconcile round must do, from what the agent sees (pods, records, the backend's
 * current misc.max values and bindings). Kept apart from I/O so it is unit-tested with tables.
 *
 * Ownership: the agent only ever writes cgroups of pods it saw (desired pods and its records);
 * it removes cgroup directories only when it owns the tree (`removeCgroups`: the model, where
 * the agent creates every pod cgroup) and never on cgroupfs, where kubelet owns them.
 */
import type { EpcMax } from '../backend/epc-backend.js';

/** A live pod that should be enforced (EPC request, a record or an enclave slot). */
export interface DesiredPod {
  uid: string;
  namespace: string;
  name: string;
  cgroup: string;
  max: EpcMax;
  /** Enclave slots the pod holds (pod-resources and records). */
  slots: string[];
}

export interface ReconcileInput {
  desired: DesiredPod[];
  /** UIDs of every pod on the node that is not finished (Succeeded/Failed pods are gone). */
  liveUids: ReadonlySet<string>;
  records: ReadonlyArray<{ uid: string; namespace: string; name: string; cgroup: string }>;
  /** misc.max of each desired pod's cgroup now; null = the cgroup does not exist. */
  currentMax: ReadonlyMap<string, EpcMax | null>;
  /** slot -> cgroup, when the backend can tell (the model); undefined otherwise. */
  bindings?: ReadonlyMap<string, string>;
  /** Pod cgroups found in the backend: [uid, cgroup] (model tree after an agent restart). */
  podCgroups: ReadonlyArray<{ uid: string; cgroup: string }>;
  removeCgroups: boolean;
}

export type ReconcileAction =
  /** The cgroup exists but the agent has no record (agent restarted): take it over. */
  | { type: 'adopt'; pod: DesiredPod }
  /** misc.max differs from the pod's limit: rewrite it (drift). */
  | { type: 'set-max'; pod: DesiredPod; from: EpcMax }
  /** The agent enforced this pod but its cgroup vanished: create and limit it again. */
  | { type: 'restore'; pod: DesiredPod }
  /** A slot of the pod is unbound or bound elsewhere. */
  | { type: 'bind'; pod: DesiredPod; slot: string; from: string | null }
  /** The pod is gone or finished: forget it, and remove its cgroup (enclaves, bindings) when owned. */
  | { type: 'cleanup'; uid: string; namespace?: string; name?: string; cgroup: string; removeCgroup: boolean };

export function planReconcile(input: ReconcileInput): ReconcileAction[] {
  const out: ReconcileAction[] = [];
  const recorded = new Map(input.records.map((r) => [r.uid, r]));
  for (const pod of input.desired) {
    const cur = input.currentMax.get(pod.cgroup) ?? null;
    if (cur === null) {
      if (recorded.has(pod.uid)) out.push({ type: 'restore', pod });
      continue; // not started yet: PreStartContainer will do it
    }
    if (!recorded.has(pod.uid)) out.push({ type: 'adopt', pod });
    if (cur !== pod.max) out.push({ type: 'set-max', pod, from: cur });
    if (input.bindings) {
      for (const slot of pod.slots) {
        const at = input.bindings.get(slot) ?? null;
        if (at !== pod.cgroup) out.push({ type: 'bind', pod, slot, from: at });
      }
    }
  }
  const cleaned = new Set<string>();
  for (const r of input.records) {
    if (input.liveUids.has(r.uid)) continue;
    cleaned.add(r.uid);
    out.push({ type: 'cleanup', uid: r.uid, namespace: r.namespace, name: r.name, cgroup: r.cgroup, removeCgroup: input.removeCgroups });
  }
  if (input.removeCgroups) {
    for (const c of input.podCgroups) {
      if (input.liveUids.has(c.uid) || cleaned.has(c.uid)) continue;
      cleaned.add(c.uid);
      out.push({ type: 'cleanup', uid: c.uid, cgroup: c.cgroup, removeCgroup: true });
    }
  }
  return out;
}
