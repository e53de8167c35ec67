/**
 * `POST /v1/pod-cgroup`: what the agent's PreStartContainer needs in one request, all or nothing:
 * the pod cgroup (and missing ancestors) exists, its misc.max is written and its enclave slots
 * are bound to it and served. If any part fails, every part done is undone (slots back to their
 * previous binding, misc.max back to its previous value, cgroups this request made removed) and
 * the error names the part.
 */
import { cgroupPathChain } from '../contracts/cgroup-path.js';
import { ApiError } from '../contracts/controller-api/api-error.js';
import type { PodCgroupReply } from '../contracts/controller-api/api-replies.js';
import { applyOrThrow, type ControllerState } from './controller-state.js';

/** A validated request (see `podCgroupBody`): a normalized non-root path, a max, distinct slots. */
export interface PodCgroupRequest {
  path: string;
  max: number | 'max';
  slots: readonly string[];
}

/** Applies the request; throws ApiError with nothing changed when a part fails. */
export async function applyPodCgroup(state: ControllerState, want: PodCgroupRequest): Promise<PodCgroupReply> {
  const { rt, slots: table, sockets } = state;
  const { path, max, slots } = want;
  const created: string[] = [];
  const oldMax = rt.model.hasCgroup(path) ? rt.apply({ op: 'read', cgroup: path, file: 'misc.max' }).value?.trim() : undefined;
  const before = slots.map((slot) => table.cgroupOf(slot));
  const undo = (): void => {
    slots.forEach((slot, i) => (before[i] === undefined ? table.unbind(slot) : table.bind(slot, before[i]!)));
    if (oldMax !== undefined) rt.apply({ op: 'write', cgroup: path, file: 'misc.max', value: oldMax });
    for (const c of [...created].reverse()) rt.apply({ op: 'rmdir', cgroup: c });
  };
  try {
    for (const node of cgroupPathChain(path)) {
      if (rt.model.hasCgroup(node)) continue;
      applyOrThrow(state, { op: 'mkdir', cgroup: node }, `mkdir ${node}`);
      created.push(node);
    }
    applyOrThrow(state, { op: 'write', cgroup: path, file: 'misc.max', value: `sgx_epc ${max}` }, `write ${path}/misc.max`);
  } catch (err) {
    undo();
    throw err;
  }
  // A slot moved here from another cgroup loses its open connections (none outlives the pod it
  // was opened for), before the binding changes; then every slot's socket is served.
  slots.forEach((slot, i) => {
    if (before[i] !== undefined && before[i] !== path) sockets.dropConnections(slot);
    table.bind(slot, path);
  });
  const opened = await Promise.allSettled(slots.map((slot) => sockets.open(slot)));
  const failed = opened.findIndex((r) => r.status === 'rejected');
  if (failed >= 0) {
    undo();
    await Promise.all(slots.map((slot, i) => (before[i] === undefined ? sockets.close(slot) : undefined)));
    const reason = (opened[failed] as PromiseRejectedResult).reason as Error;
    throw new ApiError('EIO', `cannot serve the enclave socket of slot ${slots[failed]}: ${reason?.message ?? String(reason)}; nothing changed`, { field: `slots.${failed}` });
  }
  return { path, created: created.length > 0, max, slots: [...slots], instance: state.instance };
}
