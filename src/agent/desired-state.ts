/**
 * Pure: what a pod's cgroup should look like, the one answer the enforcer (at PreStart) and the
 * reconciler (every round) apply: its path (the kubelet's, from UID, QoS class and cgroup
 * driver), its `misc.max` (the pod's EPC, or 'max' when observing only) and its enclave slots.
 */
import type { EpcMax } from '../backend/epc-backend.js';
import { parseCgroupPath } from '../contracts/cgroup-path.js';
import { podCgroupPath, type CgroupDriver } from '../pod/pod-cgroup-path.js';
import type { PodLike } from '../pod/pod-like.js';
import { decidePodLimit } from './limit-decision.js';

/** A pod's cgroup as it should be. */
export interface DesiredPodState {
  /** Normalized cgroup path ("/kubepods/burstable/pod<uid>"). */
  cgroup: string;
  max: EpcMax;
  /** The pod's effective EPC request in bytes (0n: none). */
  requestBytes: bigint;
  slots: readonly string[];
}

/** The desired state, or why there is none: `limit` (the pod must not start) or `cgroup` (no path for it). */
export type DesiredPodResult = { ok: true; state: DesiredPodState } | { ok: false; part: 'limit' | 'cgroup'; reason: string };

export interface DesiredPodOptions {
  enforce: boolean;
  /** The EPC resource name (`--epc-resource`; default sgx.intel.com/epc). */
  epcResource?: string;
  driver: CgroupDriver;
  slots: readonly string[];
}

/** The limit part alone (no driver needed): what the enforcer checks before anything else. */
export function desiredLimit(pod: PodLike, enforce: boolean, epcResource?: string): { ok: true; max: EpcMax; requestBytes: bigint } | { ok: false; part: 'limit'; reason: string } {
  const d = decidePodLimit(pod, { enforce, resource: epcResource });
  return d.ok ? d : { ok: false, part: 'limit', reason: d.reason };
}

/** The pod's cgroup path for `driver`, normalized, or why it has none. */
export function desiredCgroup(pod: PodLike, driver: CgroupDriver): { ok: true; cgroup: string } | { ok: false; part: 'cgroup'; reason: string } {
  let raw: string;
  try {
    raw = podCgroupPath(pod, driver);
  } catch (err) {
    return { ok: false, part: 'cgroup', reason: (err as Error).message };
  }
  const p = parseCgroupPath(raw);
  return p.ok ? { ok: true, cgroup: p.path } : { ok: false, part: 'cgroup', reason: p.reason };
}

/** The whole desired state of one pod. Never throws. */
export function desiredPodState(pod: PodLike, o: DesiredPodOptions): DesiredPodResult {
  const limit = desiredLimit(pod, o.enforce, o.epcResource);
  if (!limit.ok) return limit;
  const path = desiredCgroup(pod, o.driver);
  if (!path.ok) return path;
  return { ok: true, state: { cgroup: path.cgroup, max: limit.max, requestBytes: limit.requestBytes, slots: o.slots } };
}
