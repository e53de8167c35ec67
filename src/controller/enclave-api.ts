import type { Step } from '../epc/index.js';
import { ApiError, type ApiErrorCode } from '../contracts/controller-api/api-error.js';
import type { CostSum, EnclaveOpReply } from '../contracts/controller-api/api-replies.js';
import { accessBody, createBody, enclaveParam, pagesBody, queryObject, slotBody, slotQuery } from './api-schemas.js';
import { cgroupStats } from './control-api.js';
import { addCost, zeroCost, type ControllerState } from './controller-state.js';
import { HttpRouter, validate } from './http-router.js';
import { modelEnclaveName, splitEnclaveName } from './slot-table.js';


const MAX_IDLE_BACKOFF_MS = 50;
/** Pages per model step: bigger requests are applied in chunks with a macrotask turn between
 *  them, so one large add cannot stall other callers or the reclaim scheduler. */
export const PAGES_PER_STEP = 1024;

/**
 * The enclave API of ONE slot: what a pod reaches through its slot's socket
 * (`slots/<slot>/enclave.sock`, the directory Allocate mounts at /var/run/epc). The caller's
 * identity is the socket its connection came through, never a field it writes: every operation is
 * charged to the cgroup the slot is bound to now (the model's `from`), and only the slot's own
 * enclaves can be named. A `slot` field in a request is an assertion: one that names another slot
 * is refused with EPERM. An unbound slot fails closed with EPERM. Paging cost becomes a delay
 * before the reply (`CostDelay`). A fault answered EBUSY (NO_RECLAIM charge failed) is retried
 * after the async worker ran, like the kernel's fault retry, for up to `faultRetryMs`.
 */
export function enclaveApi(state: ControllerState, slot: string): HttpRouter {
  const { rt, slots } = state;
  const r = new HttpRouter(state.log);

  /** The caller's cgroup; `claimed` (a request's slot field) must be this socket's slot. */
  const boundCgroup = (claimed?: string): string => {
    if (claimed !== undefined && claimed !== slot) {
      state.log.warn({ slot, claimed }, 'enclave operation naming another slot refused');
      throw new ApiError('EPERM', `this socket belongs to slot ${slot}; it cannot act for slot ${claimed}`, { field: 'slot' });
    }
    const cg = slots.cgroupOf(slot);
    if (!cg) state.log.warn({ slot }, 'enclave operation from an unbound slot refused (fail closed)');
    if (!cg) throw new ApiError('EPERM', `slot ${slot} is not bound to a cgroup (the node agent binds it before the container starts)`, { field: 'slot' });
    return cg;
  };
  /** The caller's enclave `id`: its slot's, created by the cgroup the slot is bound to now (a slot
   *  reused by a later pod does not see a leftover of the earlier one). ENOENT otherwise. */
  const target = (params: Record<string, string>, cgroup: string) => {
    const { id } = validate(enclaveParam, params, 'path');
    const full = modelEnclaveName(slot, id);
    const info = rt.model.enclaves().find((e) => e.name === full);
    if (!info || info.cgroup !== cgroup) throw new ApiError('ENOENT', `no enclave ${id}`, { field: 'id' });
    return { id, full, info };
  };
  const self = () => {
    const cgroup = boundCgroup();
    const enclaves = rt.model.enclaves().filter((e) => e.cgroup === cgroup && splitEnclaveName(e.name).slot === slot)
      .map((e) => ({ name: splitEnclaveName(e.name).name, cgroup: e.cgroup, pages: e.pages, resident: e.resident }));
    return { body: { slot, cgroup, stats: cgroupStats(state, cgroup), enclaves } };
  };

  /** Applies steps chunk by chunk (retrying EBUSY faults), pays the delay, replies or throws with the partial sum. */
  const run = async (enclave: string, cgroup: string, steps: readonly Step[], retryFaults: boolean): Promise<EnclaveOpReply> => {
    const sum = zeroCost();
    let busyRetries = 0;
    let failure: ApiErrorCode | undefined;
    const deadline = Date.now() + state.faultRetryMs;
    let backoff = 1;
    let sinceYield = 0;
    for (let step of chunkSteps(steps)) {
      if (sinceYield >= PAGES_PER_STEP) {
        await new Promise((w) => setImmediate(w));
        sinceYield = 0;
      }
      sinceYield += stepSize(step);
      for (;;) {
        if (rt.isStopped) {
          failure = 'EIO';
          break;
        }
        const res = rt.apply(step);
        addCost(sum, res.cost, res.done ?? (res.result === 'ok' ? stepSize(step) : 0));
        if (res.result === 'ok') break;
        if (res.result !== 'EBUSY' || !retryFaults || Date.now() >= deadline) {
          failure = res.result as ApiErrorCode;
          break;
        }
        busyRetries++;
        step = remainder(step, res.done ?? 0);
        if (rt.busy()) {
          await rt.afterNextSlice();
        } else {
          await new Promise((w) => setTimeout(w, backoff));
          backoff = Math.min(backoff * 2, MAX_IDLE_BACKOFF_MS);
        }
        if (slots.cgroupOf(slot) !== cgroup) {
          failure = 'EPERM';
          break;
        }
      }
      if (failure) break;
    }
    const delayNs = await state.delay.pay(slot, sum.simulatedNs);
    const reply = { enclave: splitEnclaveName(enclave).name, cgroup, ...sum, delayNs, busyRetries };
    if (failure) throw new ApiError(failure, `${steps[0].op} on ${reply.enclave}: ${failure} after ${sum.done} done`, { extra: { ...reply, result: failure } });
    return { ...reply, result: 'ok' };
  };

  r.on('GET', '/healthz', () => ({ body: { ok: true } }));

  r.on('GET', '/v1/self', () => self());

  r.on('GET', '/v1/slots/:slot', ({ params, query }) => {
    const q = validate(slotQuery, { ...queryObject(query), slot: params.slot }, 'path');
    boundCgroup(q.slot);
    return self();
  });

  r.on('POST', '/v1/enclaves', async ({ body }) => {
    const b = validate(createBody, body ?? {});
    const cgroup = boundCgroup(b.slot);
    const id = b.name ?? slots.nextName();
    const full = modelEnclaveName(slot, id);
    if (rt.model.enclaves().some((e) => e.name === full)) throw new ApiError('EEXIST', `an enclave ${id} already exists`, { field: 'name' });
    const reply = await run(full, cgroup, [{ op: 'create', enclave: full, cgroup, bare: b.bare ?? false, from: cgroup }], false);
    return { status: 201, body: reply };
  });

  r.on('GET', '/v1/enclaves/:id', ({ params, query }) => {
    const q = validate(slotQuery, queryObject(query), 'query');
    const { id, info } = target(params, boundCgroup(q.slot));
    return { body: { enclave: id, cgroup: info.cgroup, pages: info.pages, resident: info.resident } };
  });

  const pagesOp = (op: 'add' | 'aug') => async ({ body, params }: { body: unknown; params: Record<string, string> }) => {
    const b = validate(pagesBody, body);
    const from = boundCgroup(b.slot);
    const { full } = target(params, from);
    return { body: await run(full, from, [{ op, enclave: full, pages: b.pages, from }], op === 'aug') };
  };
  r.on('POST', '/v1/enclaves/:id/add', pagesOp('add'));
  r.on('POST', '/v1/enclaves/:id/aug', pagesOp('aug'));

  r.on('POST', '/v1/enclaves/:id/init', async ({ body, params }) => {
    const b = validate(slotBody, body ?? {});
    const from = boundCgroup(b.slot);
    const { full } = target(params, from);
    return { body: await run(full, from, [{ op: 'init', enclave: full }], false) };
  });

  r.on('POST', '/v1/enclaves/:id/access', async ({ body, params }) => {
    const b = validate(accessBody, body);
    const from = boundCgroup(b.slot);
    const { full, info } = target(params, from);
    const ranges = b.ranges ?? (b.range ? [b.range] : []);
    const bad = ranges.findIndex(([, last]) => last >= info.pages);
    if (bad >= 0) throw new ApiError('EINVAL', `range ${JSON.stringify(ranges[bad])} is past the enclave's ${info.pages} pages`, { field: b.ranges ? `ranges.${bad}` : 'range' });
    const steps: Step[] = ranges.map((range) => ({ op: 'access', enclave: full, range: [range[0], range[1]], from }));
    return { body: await run(full, from, steps, true) };
  });

  r.on('POST', '/v1/enclaves/:id/destroy', async ({ body, params }) => {
    const b = validate(slotBody, body ?? {});
    const { full, info } = target(params, boundCgroup(b.slot));
    return { body: await run(full, info.cgroup, [{ op: 'destroy', enclave: full }], false) };
  });

  return r;
}

/**
 * The steps split into PAGES_PER_STEP pieces (add/aug/access; other steps stay whole), produced
 * lazily: one piece exists at a time, so a request's memory does not grow with its page count.
 */
export function* chunkSteps(steps: readonly Step[]): Generator<Step> {
  for (const step of steps) {
    if (step.op === 'add' || step.op === 'aug') {
      for (let done = 0; done < step.pages; done += PAGES_PER_STEP) yield { ...step, pages: Math.min(PAGES_PER_STEP, step.pages - done) };
    } else if (step.op === 'access') {
      for (let a = step.range[0]; a <= step.range[1]; a += PAGES_PER_STEP) yield { ...step, range: [a, Math.min(step.range[1], a + PAGES_PER_STEP - 1)] };
    } else {
      yield step;
    }
  }
}

/** Operations a step asks for (pages for add/aug/access, 1 otherwise): its `done` when ok. */
function stepSize(step: Step): number {
  if (step.op === 'access') return step.range[1] - step.range[0] + 1;
  if (step.op === 'add' || step.op === 'aug') return step.pages;
  return 1;
}

/** The part of a fault step not done yet (EBUSY stopped it after `done` pages). */
function remainder(step: Step, done: number): Step {
  if (step.op === 'access') return { ...step, range: [step.range[0] + done, step.range[1]] };
  if (step.op === 'aug') return { ...step, pages: step.pages - done };
  return step;
}
