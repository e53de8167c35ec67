/** Unit tests of the agent's pure parts: device-id -> pod mapping, limit decision, reconcile plan, Event rule (flags: agent-config.test.ts). */
import { describe, expect, it } from 'vitest';
import { kubepodsRoot, podUidFromCgroup } from '../../src/agent/cgroup-driver.js';
import { findDeviceOwners, ownerPodOf, slotsByPod } from '../../src/agent/device-owners.js';
import { decidePodLimit, podIsTerminal } from '../../src/agent/limit-decision.js';
import { limitEventDue } from '../../src/agent/limit-events.js';
import { PodRecords } from '../../src/agent/pod-records.js';
import { planReconcile, type DesiredPod, type ReconcileInput } from '../../src/agent/reconcile-plan.js';
import type { PodResourcesMsg } from '../../src/testbed/kubelet/index.js';

const E = 'sgx.intel.com/enclave';
const prPod = (namespace: string, name: string, containers: Record<string, Record<string, string[]>>): PodResourcesMsg => ({
  namespace, name,
  containers: Object.entries(containers).map(([cname, devs]) => ({ name: cname, devices: Object.entries(devs).map(([resource_name, device_ids]) => ({ resource_name, device_ids })), cpu_ids: [], memory: [], dynamic_resources: [] })),
});
const LIST = [
  prPod('ns1', 'a', { app: { [E]: ['enclave-0'], 'sgx.intel.com/provision': ['provision-0'] }, side: { [E]: ['enclave-3'] } }),
  prPod('ns2', 'b', { app: { [E]: ['enclave-1'] } }),
  prPod('ns2', 'plain', { app: {} }),
];

describe('device IDs -> pod (pod-resources List)', () => {
  it.each([
    { name: 'one slot', ids: ['enclave-1'], want: { ok: true, namespace: 'ns2', pod: 'b', container: 'app' } },
    { name: 'two slots of one container', ids: ['enclave-0'], want: { ok: true, namespace: 'ns1', pod: 'a', container: 'app' } },
    { name: 'slot of a sidecar container', ids: ['enclave-3'], want: { ok: true, namespace: 'ns1', pod: 'a', container: 'side' } },
    { name: 'unassigned slot', ids: ['enclave-9'], want: { ok: false, reason: 'unassigned' } },
    { name: 'no ids', ids: [], want: { ok: false, reason: 'unassigned' } },
    { name: 'slots of two pods', ids: ['enclave-0', 'enclave-1'], want: { ok: false, reason: 'several-pods' } },
    { name: 'another resource with the same id is ignored', ids: ['provision-0'], want: { ok: false, reason: 'unassigned' } },
  ])('$name', ({ ids, want }) => {
    expect(ownerPodOf(findDeviceOwners(LIST, E, ids), ids)).toMatchObject(want);
  });

  it('slots per pod for the reconciler', () => {
    expect(Object.fromEntries(slotsByPod(LIST, E))).toEqual({ 'ns1/a': ['enclave-0', 'enclave-3'], 'ns2/b': ['enclave-1'] });
  });
});

const pod = (requests: Record<string, string> | undefined, extra: object = {}) => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1' },
  spec: { containers: [{ name: 'c', resources: requests ? { requests } : {} }] },
  ...extra,
});

describe('limit decision', () => {
  it.each([
    { name: '64Mi request -> 64Mi limit', pod: pod({ 'sgx.intel.com/epc': '64Mi' }), enforce: true, want: { ok: true, max: 64 * 1024 * 1024 } },
    { name: 'enforce false -> max', pod: pod({ 'sgx.intel.com/epc': '64Mi' }), enforce: false, want: { ok: true, max: 'max' } },
    { name: 'no EPC request while enforcing -> refused', pod: pod({}), enforce: true, want: { ok: false, reason: expect.stringMatching(/requests no sgx.intel.com\/epc.*unlimited/) } },
    { name: 'no EPC request, enforce false -> max', pod: pod(undefined), enforce: false, want: { ok: true, max: 'max' } },
    { name: 'junk quantity -> refused naming the field', pod: pod({ 'sgx.intel.com/epc': 'lots' }), enforce: true, want: { ok: false, reason: expect.stringMatching(/spec\.containers\[0\]\.resources\.requests\[sgx\.intel\.com\/epc\]/) } },
    {
      name: 'init container and overhead count like the scheduler',
      pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { overhead: { 'sgx.intel.com/epc': '1Mi' }, initContainers: [{ name: 'i', resources: { requests: { 'sgx.intel.com/epc': '100Mi' } } }], containers: [{ name: 'c', resources: { requests: { 'sgx.intel.com/epc': '10Mi' } } }] } },
      enforce: true, want: { ok: true, max: 101 * 1024 * 1024 },
    },
  ])('$name', ({ pod: p, enforce, want }) => {
    expect(decidePodLimit(p as any, { enforce })).toMatchObject(want);
  });

  it.each([['Succeeded', true], ['Failed', true], ['Running', false], ['Pending', false], [undefined, false]])('phase %s terminal: %s', (phase, want) => {
    expect(podIsTerminal({ status: { phase } } as any)).toBe(want);
  });
});

describe('pod cgroup paths back to UIDs', () => {
  it.each([
    ['/kubepods/burstable/pod0b7c8a52-9f0e-4c1e-a7b4-000000000001', '0b7c8a52-9f0e-4c1e-a7b4-000000000001'],
    ['/kubepods/pod0b7c8a52-9f0e-4c1e-a7b4-000000000001', '0b7c8a52-9f0e-4c1e-a7b4-000000000001'],
    ['/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b7c8a52_9f0e_4c1e.slice', '0b7c8a52-9f0e-4c1e'],
    ['/kubepods.slice/kubepods-pod0b7c8a52_9f0e.slice', '0b7c8a52-9f0e'],
    ['/kubepods/burstable', undefined],
    ['/kubepods/burstable/pod1/container', undefined],
  ])('%s -> %s', (path, uid) => {
    expect(podUidFromCgroup(path)).toBe(uid);
  });
  it('roots', () => {
    expect([kubepodsRoot('cgroupfs'), kubepodsRoot('systemd')]).toEqual(['/kubepods', '/kubepods.slice']);
  });
});

const d = (uid: string, max: number | 'max', slots: string[] = []): DesiredPod => ({ uid, namespace: 'ns', name: uid, cgroup: `/kubepods/pod${uid}`, max, slots });
const input = (o: Partial<ReconcileInput>): ReconcileInput => ({ desired: [], liveUids: new Set(), records: [], currentMax: new Map(), podCgroups: [], removeCgroups: true, ...o });
const rec = (uid: string) => ({ uid, namespace: 'ns', name: uid, cgroup: `/kubepods/pod${uid}` });

describe('reconcile plan', () => {
  it.each([
    { name: 'nothing to do when everything matches', in: input({ desired: [d('a', 10, ['s0'])], liveUids: new Set(['a']), records: [rec('a')], currentMax: new Map([['/kubepods/poda', 10]]), bindings: new Map([['s0', '/kubepods/poda']]) }), want: [] },
    { name: 'drifted misc.max is rewritten', in: input({ desired: [d('a', 10)], liveUids: new Set(['a']), records: [rec('a')], currentMax: new Map([['/kubepods/poda', 'max']]) }), want: [{ type: 'set-max', from: 'max' }] },
    { name: 'an existing cgroup without record is adopted (agent restart)', in: input({ desired: [d('a', 10)], liveUids: new Set(['a']), currentMax: new Map([['/kubepods/poda', 10]]) }), want: [{ type: 'adopt' }] },
    { name: 'a pod not started yet is left to PreStart', in: input({ desired: [d('a', 10)], liveUids: new Set(['a']), currentMax: new Map([['/kubepods/poda', null]]) }), want: [] },
    { name: 'a recorded pod whose cgroup vanished is restored', in: input({ desired: [d('a', 10)], liveUids: new Set(['a']), records: [rec('a')], currentMax: new Map([['/kubepods/poda', null]]) }), want: [{ type: 'restore' }] },
    { name: 'unbound or misbound slots are bound', in: input({ desired: [d('a', 10, ['s0', 's1'])], liveUids: new Set(['a']), records: [rec('a')], currentMax: new Map([['/kubepods/poda', 10]]), bindings: new Map([['s1', '/kubepods/podold']]) }), want: [{ type: 'bind', slot: 's0', from: null }, { type: 'bind', slot: 's1', from: '/kubepods/podold' }] },
    { name: 'a gone pod is cleaned up and its cgroup removed (model)', in: input({ records: [rec('a')] }), want: [{ type: 'cleanup', uid: 'a', removeCgroup: true }] },
    { name: 'on cgroupfs a gone pod is only forgotten', in: input({ records: [rec('a')], removeCgroups: false }), want: [{ type: 'cleanup', uid: 'a', removeCgroup: false }] },
    { name: 'an orphan pod cgroup (deleted while the agent was down) is removed once', in: input({ records: [rec('x')], podCgroups: [{ uid: 'x', cgroup: '/kubepods/podx' }, { uid: 'y', cgroup: '/kubepods/pody' }] }), want: [{ type: 'cleanup', uid: 'x' }, { type: 'cleanup', uid: 'y', cgroup: '/kubepods/pody' }] },
    { name: 'pod cgroups of live pods are never removed', in: input({ liveUids: new Set(['z']), podCgroups: [{ uid: 'z', cgroup: '/kubepods/podz' }] }), want: [] },
    { name: 'orphans are left alone where kubelet owns the cgroups', in: input({ podCgroups: [{ uid: 'y', cgroup: '/kubepods/pody' }], removeCgroups: false }), want: [] },
  ])('$name', ({ in: i, want }) => {
    const got = planReconcile(i);
    expect(got).toHaveLength(want.length);
    want.forEach((w, k) => expect(got[k]).toMatchObject(w));
  });
});

describe('EpcLimitReached is due once', () => {
  const stats = (events: number) => ({ max: 10, current: 0, peak: 0, events, eventsLocal: 0, evicted: 0, reloaded: 0 });
  it('on the first poll above 0 of a pod it enforced, then never again', () => {
    const r = new PodRecords().upsert({ uid: 'u', namespace: 'n', name: 'p', cgroup: '/c', max: 10, slots: [] });
    expect([0, 0, 3, 5, 9].map((e) => limitEventDue(r, stats(e)))).toEqual([false, false, true, false, false]);
  });
  it('not for a pod adopted after a restart that was already above 0 (the previous agent posted it)', () => {
    const r = new PodRecords().upsert({ uid: 'u', namespace: 'n', name: 'p', cgroup: '/c', max: 10, slots: [] }, 'adopted');
    expect([4, 5].map((e) => limitEventDue(r, stats(e)))).toEqual([false, false]);
  });
  it('for an adopted pod that first hits its limit after the restart', () => {
    const r = new PodRecords().upsert({ uid: 'u', namespace: 'n', name: 'p', cgroup: '/c', max: 10, slots: [] }, 'adopted');
    expect([0, 1, 2].map((e) => limitEventDue(r, stats(e)))).toEqual([false, true, false]);
  });
  it('a container restart keeps the Event state (upsert merges)', () => {
    const rs = new PodRecords();
    const r = rs.upsert({ uid: 'u', namespace: 'n', name: 'p', cgroup: '/c', max: 10, slots: ['s0'] });
    limitEventDue(r, stats(2));
    const again = rs.upsert({ uid: 'u', namespace: 'n', name: 'p', cgroup: '/c', max: 10, slots: ['s1'] });
    expect(again).toBe(r);
    expect([...again.slots]).toEqual(['s0', 's1']);
    expect(limitEventDue(again, stats(3))).toBe(false);
  });
});
