/** Unit tests: what a container start and readiness do with and without a usable EPC controller, with and without --enforce. */
import { describe, expect, it } from 'vitest';
import { EpcControllerCheck } from '../../src/agent/epc-controller-check.js';
import { backendReadiness, NO_EPC_CGROUP_ADVICE, startPolicy, unusableReason, USABLE } from '../../src/agent/epc-controller-state.js';
import { nodeEnforcement } from '../../src/agent/node-enforcement.js';
import { renderReadiness } from '../../src/util/health-server.js';
import { CgroupfsBackend } from '../../src/backend/cgroupfs-backend.js';
import { EpcBackendError } from '../../src/backend/epc-backend-error.js';
import type { EpcBackend } from '../../src/backend/epc-backend.js';
import { FakeCgroupfs } from '../backend/fake-cgroupfs.js';

const ROOT = '/sys/fs/cgroup';
const KERNEL = `kernel has no sgx_epc misc cgroup (/sys/fs/cgroup/misc.capacity) - ${NO_EPC_CGROUP_ADVICE}`;
/** The same reason where pods start anyway (auto, false): no advice to set auto. */
const KERNEL_STARTING = 'kernel has no sgx_epc misc cgroup (/sys/fs/cgroup/misc.capacity) - this kernel cannot hold pods to their EPC; run a node image whose kernel has the sgx_epc misc cgroup';

describe('unusableReason', () => {
  it.each([
    { name: 'cgroupfs, misc.capacity without sgx_epc', kind: 'cgroupfs', err: new EpcBackendError('ENOTSUP', 'x has no sgx_epc line'), want: KERNEL },
    { name: 'cgroupfs, no misc.capacity at all', kind: 'cgroupfs', err: new EpcBackendError('ENOENT', 'cgroupfs read misc.capacity /: ENOENT'), want: KERNEL },
    { name: 'cgroupfs, other errors keep their message', kind: 'cgroupfs', err: new EpcBackendError('EACCES', 'cgroupfs read misc.capacity /: EACCES'), want: 'cgroupfs read misc.capacity /: EACCES' },
    { name: 'model unreachable keeps its message', kind: 'model', err: new EpcBackendError('EIO', 'model controller at /run/epc/control.sock unreachable: ENOENT'), want: 'model controller at /run/epc/control.sock unreachable: ENOENT' },
    { name: 'not an EpcBackendError', kind: 'cgroupfs', err: new Error('boom'), want: 'boom' },
  ] as const)('$name', ({ kind, err, want }) => {
    expect(unusableReason(err, { kind, cgroupRoot: ROOT })).toBe(want);
  });

  it('auto without a controller socket names it too', () => {
    expect(unusableReason(new EpcBackendError('ENOTSUP', 'x'), { kind: 'cgroupfs', cgroupRoot: ROOT, missingControllerSocket: '/var/run/epc/control.sock' }))
      .toBe(`kernel has no sgx_epc misc cgroup (/sys/fs/cgroup/misc.capacity) and no epc controller socket (/var/run/epc/control.sock) - ${NO_EPC_CGROUP_ADVICE}`);
  });

  it('the advice names what an operator can set (chart value and flag), not the model backend', () => {
    expect(KERNEL).toContain('set the chart value agent.enforce=auto (flag --enforce auto)');
    expect(KERNEL).not.toContain('--epc-backend model');
  });
});

describe('startPolicy and backend readiness', () => {
  const none = { usable: false, reason: KERNEL } as const;
  it.each([
    { name: 'usable, auto: bind, ready', mode: 'auto', state: USABLE, start: { action: 'bind' }, ready: true },
    { name: 'usable, true: bind, ready', mode: 'true', state: USABLE, start: { action: 'bind' }, ready: true },
    { name: 'usable, false: bind (misc.max max), ready with a note', mode: 'false', state: USABLE, start: { action: 'bind' }, ready: { note: expect.stringContaining('observe-only (--enforce=false): pod cgroups are bound with misc.max "max"') } },
    { name: 'none, true: refuse, not ready', mode: 'true', state: none, start: { action: 'refuse', reason: KERNEL }, ready: KERNEL },
    { name: 'none, auto: start unbound, ready with a note', mode: 'auto', state: none, start: { action: 'start-unbound', reason: KERNEL_STARTING }, ready: { note: `observe-only (--enforce=auto), EPC pods start without a cgroup binding: ${KERNEL_STARTING}` } },
    { name: 'none, false: start unbound, ready with a note', mode: 'false', state: none, start: { action: 'start-unbound', reason: KERNEL_STARTING }, ready: { note: `observe-only (--enforce=false), EPC pods start without a cgroup binding: ${KERNEL_STARTING}` } },
  ] as const)('$name', ({ mode, state, start, ready }) => {
    expect(startPolicy(mode, state)).toEqual(start);
    expect(backendReadiness(mode, state)).toEqual(ready);
  });
});

describe('nodeEnforcement (Node condition, label, gauge)', () => {
  const none = { usable: false, reason: 'no sgx_epc' } as const;
  it.each([
    { mode: 'auto', state: USABLE, enforced: true, reason: 'EpcControllerPresent', msg: 'EPC limits enforced (--enforce=auto)' },
    { mode: 'true', state: USABLE, enforced: true, reason: 'EpcControllerPresent', msg: 'EPC limits enforced (--enforce=true)' },
    { mode: 'false', state: USABLE, enforced: false, reason: 'EnforcementDisabled', msg: 'observe-only (--enforce=false): EPC pods run unlimited; pod cgroups are bound' },
    { mode: 'auto', state: none, enforced: false, reason: 'NoEpcController', msg: 'observe-only (--enforce=auto, no EPC controller): EPC pods start unlimited: no sgx_epc' },
    { mode: 'true', state: none, enforced: false, reason: 'NoEpcController', msg: 'EPC pod starts are refused on this node: no sgx_epc' },
    { mode: 'false', state: none, enforced: false, reason: 'EnforcementDisabled', msg: 'unlimited and unmeasured: no sgx_epc' },
  ] as const)('--enforce $mode, controller usable=$state.usable -> $reason', ({ mode, state, enforced, reason, msg }) => {
    const e = nodeEnforcement(mode, state);
    expect(e).toMatchObject({ enforced, reason });
    expect(e.message).toContain(msg);
  });
});

describe('the advice to set agent.enforce=auto appears only where pods are refused (--enforce true)', () => {
  const none = { usable: false, reason: KERNEL } as const;
  it.each(['auto', 'false'] as const)('--enforce %s: Node condition, readiness and start reason do not tell an operator to set auto', (mode) => {
    const shown = [nodeEnforcement(mode, none).message, JSON.stringify(backendReadiness(mode, none)), JSON.stringify(startPolicy(mode, none))];
    for (const text of shown) {
      expect(text).not.toContain('agent.enforce=auto');
      expect(text).toContain('run a node image whose kernel has the sgx_epc misc cgroup');
    }
  });
  it('--enforce true keeps it', () => {
    expect(nodeEnforcement('true', none).message).toContain('set the chart value agent.enforce=auto (flag --enforce auto)');
    expect(backendReadiness('true', none)).toContain('agent.enforce=auto');
  });
});

describe('renderReadiness', () => {
  it('a note passes, a string fails; both are printed', () => {
    expect(renderReadiness({ informer: true, backend: { note: 'observe-only' } })).toEqual({ ready: true, body: '[+] informer\n[+] backend: observe-only\n' });
    expect(renderReadiness({ informer: true, backend: 'no sgx_epc' })).toEqual({ ready: false, body: '[+] informer\n[-] backend: no sgx_epc\n' });
  });
});

describe('EpcControllerCheck', () => {
  it('on a fake cgroupfs without sgx_epc: not usable, with the kernel reason', async () => {
    const f = await FakeCgroupfs.create({ capacityBytes: 0, sgxEpc: false });
    try {
      const c = new EpcControllerCheck({ backend: new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port }), cgroupRoot: f.root });
      expect(await c.state()).toEqual({ usable: false, reason: `kernel has no sgx_epc misc cgroup (${f.root}/misc.capacity) - ${NO_EPC_CGROUP_ADVICE}` });
    } finally {
      await f.destroy();
    }
  });

  it('state() asks until usable, then answers from the cache until a probe() (which always asks) says no', async () => {
    let calls = 0;
    let up = false;
    const backend = { kind: 'model', capacity: async () => {
      calls++;
      if (!up) throw new EpcBackendError('EIO', 'model controller at /s unreachable: ENOENT');
      return 4096;
    } } as unknown as EpcBackend;
    const c = new EpcControllerCheck({ backend, cgroupRoot: ROOT });
    expect(await c.state()).toEqual({ usable: false, reason: 'model controller at /s unreachable: ENOENT' });
    expect(await c.state()).toMatchObject({ usable: false });
    expect(calls).toBe(2);
    up = true;
    expect(await c.state()).toEqual(USABLE);
    expect(await c.state()).toEqual(USABLE);
    expect(calls).toBe(3);
    up = false;
    expect(await c.probe()).toMatchObject({ usable: false });
    expect(calls).toBe(4);
    // A probe that says no drops the cache: a controller that disappeared is noticed by PreStart.
    expect(await c.state()).toMatchObject({ usable: false });
    expect(calls).toBe(5);
  });
});
