/**
 * The restart fast path (ModelBackend skips an apply that would change nothing) never hides drift
 * from the reconciler: its periodic pass still finds and repairs a misc.max, a binding or a cgroup
 * changed past the agent, and what it sees or writes makes the next container restart a real
 * controller request again. Real controller over a real unix socket; requests counted there.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { desiredPodState } from '../../src/agent/desired-state.js';
import { PodRecords } from '../../src/agent/pod-records.js';
import { Reconciler } from '../../src/agent/reconciler.js';
import { ModelBackend } from '../../src/backend/model-backend.js';
import { ControlClient } from '../../src/contracts/controller-api/control-client.js';
import { EpcController } from '../../src/controller/epc-controller.js';
import { createLogger } from '../../src/util/logger.js';

const UID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const POD = {
  metadata: { name: 'p', namespace: 'ns', uid: UID },
  spec: { nodeName: 'n', containers: [{ name: 'app', resources: { requests: { 'sgx.intel.com/epc': '1Mi' }, limits: { 'sgx.intel.com/epc': '1Mi' } } }] },
  status: { phase: 'Running' },
} as V1Pod;
const SLOT = 'enclave-0';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'epc-rskip-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const ctl = new EpcController({ socketDir: dir, capacityPages: 1024, costScale: 0, logger: createLogger('t', 'silent') });
  await ctl.start();
  cleanups.push(() => ctl.stop());
  const backend = new ModelBackend({ socketDir: dir });
  const operator = new ControlClient(ctl.controlSocket);
  cleanups.push(() => backend.close(), () => operator.close());
  const d = desiredPodState(POD, { enforce: true, driver: 'cgroupfs', slots: [SLOT] });
  if (!d.ok) throw new Error(d.reason);
  const want = { cgroup: d.state.cgroup, max: d.state.max, slots: [SLOT] };
  const records = new PodRecords();
  const rec = new Reconciler({
    pods: { list: () => [POD] },
    podResources: { list: async () => [], close: () => undefined },
    backend, driver: async () => 'cgroupfs', records,
    enclaveResource: 'sgx.intel.com/enclave', enforce: true, removeCgroups: true,
  });
  // The pod's first start, as the enforcer does it: apply, then record.
  await backend.applyCgroup(want);
  records.upsert({ uid: UID, namespace: 'ns', name: 'p', cgroup: want.cgroup, max: want.max, slots: [SLOT] });
  await vi.waitFor(() => expect(backend.controllerInstance).toBeDefined(), { timeout: 5000, interval: 10 });
  const restartRequests = async () => {
    const before = ctl.controlRequests;
    await backend.applyCgroup(want);
    return ctl.controlRequests - before;
  };
  const state = async () => ({
    max: (await operator.readFile(want.cgroup, 'misc.max').catch(() => 'none')).trim(),
    bound: (await operator.bindings()).find((b) => b.slot === SLOT)?.path,
  });
  return { rec, operator, want, restartRequests, state };
}

describe('reconciler and the restart fast path', () => {
  it('a round with nothing to fix keeps restarts free', async () => {
    const s = await setup();
    expect((await s.rec.reconcileNow()).actions.map((a) => a.type)).toEqual([]);
    expect(await s.restartRequests()).toBe(0);
  });

  it.each([
    ['misc.max', 'set-max', (s: Awaited<ReturnType<typeof setup>>) => s.operator.writeFile(s.want.cgroup, 'misc.max', 'sgx_epc 4096')],
    ['the slot binding', 'bind', (s: Awaited<ReturnType<typeof setup>>) => s.operator.unbind(SLOT)],
    ['the pod cgroup', 'restore', (s: Awaited<ReturnType<typeof setup>>) => s.operator.rmdir(s.want.cgroup)],
  ])('%s changed past the agent: the round repairs it and the next restart asks the controller', async (_what, action, drift) => {
    const s = await setup();
    await drift(s);
    const round = await s.rec.reconcileNow();
    expect([round.actions.map((a) => a.type), round.failed]).toEqual([[action], 0]);
    expect(await s.state()).toEqual({ max: `sgx_epc ${s.want.max}`, bound: action === 'restore' ? undefined : s.want.cgroup });
    expect(await s.restartRequests()).toBe(1);
    expect(await s.state()).toEqual({ max: `sgx_epc ${s.want.max}`, bound: s.want.cgroup });
    expect(await s.restartRequests()).toBe(0);
  });
});
