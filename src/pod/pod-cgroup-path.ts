/**
 * Where the kubelet puts a pod's cgroup (pkg/kubelet/cm `pod_container_manager` + the systemd
 * cgroup name escaping), relative to the cgroup root, without a leading slash:
 *   systemd:  kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid, - as _>.slice
 *             (Guaranteed: kubepods.slice/kubepods-pod<uid, - as _>.slice)
 *   cgroupfs: kubepods/<qos>/pod<uid>  (Guaranteed: kubepods/pod<uid>)
 */
import type { PodLike } from './pod-like.js';
import { podQosClass } from './pod-qos-class.js';

export type CgroupDriver = 'systemd' | 'cgroupfs';

/** UIDs are UUIDs; anything else could escape the cgroup tree, so it is refused. */
const UID_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/** A pod the path cannot be computed for (missing or unsafe UID, unknown driver). */
export class PodCgroupPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodCgroupPathError';
  }
}

/**
 * The pod cgroup path for `driver`, from `metadata.uid` and the QoS class (see `podQosClass`).
 * Throws `PodCgroupPathError` when the UID is missing or not UUID-like.
 */
export function podCgroupPath(pod: PodLike, driver: CgroupDriver): string {
  const uid = pod.metadata?.uid;
  const who = `${pod.metadata?.namespace ?? '?'}/${pod.metadata?.name ?? '?'}`;
  if (typeof uid !== 'string' || uid === '') throw new PodCgroupPathError(`pod ${who} has no metadata.uid`);
  if (!UID_RE.test(uid)) throw new PodCgroupPathError(`pod ${who}: metadata.uid ${JSON.stringify(uid)} is not a valid UID`);
  const qos = podQosClass(pod).toLowerCase();
  const guaranteed = qos === 'guaranteed';
  if (driver === 'systemd') {
    const escaped = uid.replaceAll('-', '_');
    return guaranteed
      ? `kubepods.slice/kubepods-pod${escaped}.slice`
      : `kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${escaped}.slice`;
  }
  if (driver === 'cgroupfs') return guaranteed ? `kubepods/pod${uid}` : `kubepods/${qos}/pod${uid}`;
  throw new PodCgroupPathError(`unknown cgroup driver ${JSON.stringify(driver)} (expected systemd or cgroupfs)`);
}
