import { cgroupPathChain, isBelow, sortPreOrder } from '../contracts/cgroup-path.js';
import { ApiError } from '../contracts/controller-api/api-error.js';
import type { CgroupStatsReply, EnclaveInfo, InstanceLine } from '../contracts/controller-api/api-replies.js';
import {
  bindBody, destroyEnclavesBody, enclavesQuery, listQuery, mkdirBody, pathQuery, podCgroupBody, queryObject, readFileQuery, rmdirBody,
  unbindBody, writeFileBody,
} from './api-schemas.js';
import { applyPodCgroup } from './pod-cgroup.js';
import { applyOrThrow, type ControllerState } from './controller-state.js';
import { HttpRouter, validate } from './http-router.js';
import { splitEnclaveName } from './slot-table.js';
import { PAGE_SIZE } from '../epc/sgx.js';

/** Reads one cgroup's counters from the model, ENOENT when it does not exist. */
export function cgroupStats(state: ControllerState, path: string): CgroupStatsReply {
  const c = state.rt.model.snapshot().cgroups[path];
  if (!c) throw new ApiError('ENOENT', `no cgroup ${path}`, { field: 'path' });
  return {
    path,
    max: c.max === 'max' ? 'max' : Number(c.max),
    current: c.current * PAGE_SIZE,
    peak: c.peak * PAGE_SIZE,
    events: c.events,
    eventsLocal: c.eventsLocal,
    evicted: c.evicted,
    reloaded: c.reloaded,
  };
}

/** Enclaves charged to `path` (and below when `recursive`). */
export function enclavesIn(state: ControllerState, path: string, recursive: boolean): EnclaveInfo[] {
  return state.rt.model
    .enclaves()
    .filter((e) => e.cgroup === path || (recursive && isBelow(e.cgroup, path)))
    .map((e) => ({ ...splitEnclaveName(e.name), cgroup: e.cgroup, pages: e.pages, resident: e.resident }));
}

function requireCgroup(state: ControllerState, path: string): void {
  if (!state.rt.model.hasCgroup(path)) throw new ApiError('ENOENT', `no cgroup ${path}`, { field: 'path' });
}

/**
 * The control API (`control.sock`), cgroupfs-like, for the node agent and operators:
 * mkdir/rmdir, misc.* files in the kernel formats, stats, slot bindings, enclaves per cgroup,
 * and a pod cgroup made, limited and bound in one all-or-nothing request.
 */
export function controlApi(state: ControllerState): HttpRouter {
  const { rt, slots } = state;
  const r = new HttpRouter(state.log);
  r.on('GET', '/healthz', () => ({ body: { ok: true } }));

  // Which controller instance this is, held open for its life: a client learns a restart (all
  // state lost) when this response ends, without asking again (the agent's restart fast path,
  // src/backend/controller-instance.ts). control.sock's connection cap bounds how many are held.
  r.on('GET', '/v1/instance', () => ({ body: { instance: state.instance } satisfies InstanceLine, hold: true }));

  r.on('GET', '/v1/node', () => {
    const { epc } = rt.model.snapshot();
    return {
      body: {
        capacityBytes: epc.capacity * PAGE_SIZE, capacityPages: epc.capacity, freeBytes: epc.free * PAGE_SIZE, freePages: epc.free,
        evicted: epc.evicted, reloaded: epc.reloaded, simulatedNs: epc.simulatedNs, scheduler: { ...rt.stats },
      },
    };
  });

  r.on('GET', '/v1/snapshot', () => ({ body: rt.model.snapshot() }));

  r.on('GET', '/v1/cgroups', ({ query }) => {
    const { prefix = '/' } = validate(listQuery, queryObject(query), 'query');
    return { body: { cgroups: sortPreOrder(rt.model.cgroups().filter((c) => isBelow(c, prefix))) } };
  });

  r.on('POST', '/v1/mkdir', ({ body }) => {
    const { path, parents } = validate(mkdirBody, body);
    if (path === '/' ) {
      if (parents) return { body: { path, created: false } };
      throw new ApiError('EEXIST', 'the root cgroup always exists', { field: 'path' });
    }
    const existing = new Set(rt.model.cgroups());
    if (!parents) {
      applyOrThrow(state, { op: 'mkdir', cgroup: path }, `mkdir ${path}`);
      return { status: 201, body: { path, created: true } };
    }
    let created = false;
    for (const node of cgroupPathChain(path)) {
      if (existing.has(node)) continue;
      applyOrThrow(state, { op: 'mkdir', cgroup: node }, `mkdir ${node}`);
      created = true;
    }
    return { status: created ? 201 : 200, body: { path, created } };
  });

  r.on('POST', '/v1/rmdir', async ({ body }) => {
    const { path } = validate(rmdirBody, body);
    if (path === '/') throw new ApiError('EBUSY', 'the root cgroup cannot be removed', { field: 'path' });
    applyOrThrow(state, { op: 'rmdir', cgroup: path }, `rmdir ${path}`);
    const unbound = slots.unbindCgroup(path);
    await Promise.all(unbound.map((slot) => state.sockets.close(slot)));
    return { body: { path, unboundSlots: unbound } };
  });

  r.on('GET', '/v1/file', ({ query }) => {
    const { path, file } = validate(readFileQuery, queryObject(query), 'query');
    const res = applyOrThrow(state, { op: 'read', cgroup: path, file }, `read ${path}/${file}`);
    return { body: { path, file, value: res.value ?? '' } };
  });

  r.on('POST', '/v1/file', ({ body }) => {
    const { path, file, value } = validate(writeFileBody, body);
    applyOrThrow(state, { op: 'write', cgroup: path, file, value }, `write ${path}/${file}`);
    return { body: { path, file } };
  });

  r.on('GET', '/v1/stats', ({ query }) => {
    const { path } = validate(pathQuery, queryObject(query), 'query');
    return { body: cgroupStats(state, path) };
  });

  // A bind serves the slot's enclave socket before it answers: the agent binds in PreStart, so the
  // socket exists when the runtime mounts the slot's directory. Rebinding to another cgroup drops
  // the slot's open connections (no connection outlives the pod it was opened for).
  r.on('POST', '/v1/bind', async ({ body }) => {
    const { slot, path } = validate(bindBody, body);
    requireCgroup(state, path);
    const before = slots.cgroupOf(slot);
    slots.bind(slot, path);
    if (before !== undefined && before !== path) state.sockets.dropConnections(slot);
    try {
      await state.sockets.open(slot);
    } catch (err) {
      slots.unbind(slot);
      throw new ApiError('EIO', `cannot serve the enclave socket of slot ${slot}: ${(err as Error).message}`, { field: 'slot' });
    }
    return { body: { slot, path } };
  });

  // The agent's PreStartContainer in one request: cgroup ensured, misc.max written, slots bound
  // and served, all or nothing (pod-cgroup.ts).
  r.on('POST', '/v1/pod-cgroup', async ({ body }) => {
    const reply = await applyPodCgroup(state, validate(podCgroupBody, body));
    return { status: reply.created ? 201 : 200, body: reply };
  });

  r.on('POST', '/v1/unbind', async ({ body }) => {
    const { slot } = validate(unbindBody, body);
    const unbound = slots.unbind(slot);
    await state.sockets.close(slot);
    return { body: { slot, unbound } };
  });

  r.on('GET', '/v1/bindings', () => ({ body: { bindings: slots.list() } }));

  r.on('GET', '/v1/enclaves', ({ query }) => {
    const { path, recursive } = validate(enclavesQuery, queryObject(query), 'query');
    requireCgroup(state, path);
    return { body: { enclaves: enclavesIn(state, path, recursive === 'true' || recursive === '1') } };
  });

  r.on('POST', '/v1/destroy-enclaves', ({ body }) => {
    const { path, recursive = true } = validate(destroyEnclavesBody, body);
    requireCgroup(state, path);
    const victims = enclavesIn(state, path, recursive);
    for (const e of victims) applyOrThrow(state, { op: 'destroy', enclave: `${e.slot}/${e.name}` }, `destroy ${e.slot}/${e.name}`);
    return { body: { destroyed: victims.map((e) => `${e.slot}/${e.name}`) } };
  });

  return r;
}
