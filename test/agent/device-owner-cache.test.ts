/**
 * The device-owner cache: a container restart skips the pod-resources List, and a stale entry
 * never binds a slot to the wrong pod (slot reuse after a pod is deleted or completed, a pod
 * recreated under the same name, an informer that has not seen the delete yet). The enforcer
 * runs against the real modeled controller (in process, over control.sock).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceOwnerCache } from '../../src/agent/device-owner-cache.js';
import { canBindAhead, Enforcer } from '../../src/agent/enforcer.js';
import type { PodDevices } from '../../src/agent/pod-devices.js';
import { PodRecords } from '../../src/agent/pod-records.js';
import { ModelBackend } from '../../src/backend/model-backend.js';
import { CgroupfsBackend } from '../../src/backend/cgroupfs-backend.js';
import { startControllerFixture, type ControllerFixture } from '../controller/controller-fixture.js';

const E = 'sgx.intel.com/enclave';
const MI = 1024 * 1024;
const uidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const cgroupOf = (pod: any) => `/kubepods/pod${pod.metadata.uid}`;

function epcPod(name: string, n: number, epc: string): any {
  const r = { 'sgx.intel.com/epc': epc, [E]: '1' };
  return { metadata: { name, namespace: 'ns', uid: uidOf(n) }, spec: { containers: [{ name: 'app', resources: { requests: r, limits: r } }] }, status: { phase: 'Running', qosClass: 'Guaranteed' } };
}

const owner = (pod: string, container = 'app') => ({ namespace: 'ns', pod, container });
const entry = (pod: string, uid: string, container = 'app') => ({ ...owner(pod, container), uid });

describe('DeviceOwnerCache (pure)', () => {
  it('answers only when every ID belongs to one remembered owner', () => {
    const c = new DeviceOwnerCache();
    c.remember(['e-1', 'e-2'], owner('a'), 'u1', c.generation);
    c.remember(['e-3'], owner('b'), 'u2', c.generation);
    expect(c.lookup(['e-1', 'e-2'])).toEqual(entry('a', 'u1'));
    expect(c.lookup(['e-1'])).toEqual(entry('a', 'u1'));
    expect(c.lookup(['e-1', 'e-3'])).toBeUndefined();
    expect(c.lookup(['e-1', 'e-9'])).toBeUndefined();
    expect(c.lookup([])).toBeUndefined();
  });

  it('forgets on Allocate of the IDs, on the pod\'s delete, and on a List showing another owner or none', () => {
    const c = new DeviceOwnerCache();
    c.remember(['e-1'], owner('a'), 'u1', c.generation);
    c.remember(['e-2'], owner('b'), 'u2', c.generation);
    c.remember(['e-3'], owner('c'), 'u3', c.generation);
    c.remember(['e-4'], owner('d'), 'u4', c.generation);
    c.forgetDevices(['e-1']);
    expect(c.lookup(['e-1'])).toBeUndefined();
    c.forgetPod('u2');
    expect(c.lookup(['e-2'])).toBeUndefined();
    const list: PodDevices[] = [
      { namespace: 'ns', name: 'c', containers: [{ name: 'app', devices: [{ resource_name: E, device_ids: ['e-3'] }] }] },
      { namespace: 'ns', name: 'x', containers: [{ name: 'app', devices: [{ resource_name: E, device_ids: ['e-4'] }] }] },
    ] as PodDevices[];
    c.observeList(list, E);
    expect(c.lookup(['e-3'])).toEqual(entry('c', 'u3'));
    expect(c.lookup(['e-4'])).toBeUndefined();
    c.observeList([], E);
    expect(c.size).toBe(0);
  });

  it('skips remembering when anything was dropped since the start began, and stays within its bound', () => {
    const c = new DeviceOwnerCache(3);
    const since = c.generation;
    c.forgetDevices(['e-7']); // an Allocate raced the start
    c.remember(['e-1'], owner('a'), 'u1', since);
    expect(c.size).toBe(0);
    for (let i = 0; i < 10; i++) c.remember([`e-${i}`], owner(`p${i}`), `u${i}`, c.generation);
    expect(c.size).toBe(3);
    expect(c.lookup(['e-9'])).toEqual(entry('p9', 'u9'));
    expect(c.lookup(['e-0'])).toBeUndefined();
  });
});

describe('enforcer with the device-owner cache (modeled controller)', () => {
  let f: ControllerFixture;
  let backend: ModelBackend;
  /** What kubelet's pod-resources says now: slot -> pod name. */
  let assigned: Map<string, string>;
  /** What the agent's informer holds (may lag the API server). */
  let informer: Map<string, any>;
  let lists = 0;
  let owners: DeviceOwnerCache;
  let enforcer: Enforcer;
  /** Another enforcer on the same node, binding ahead of the first start (prepareAhead). */
  let ahead: Enforcer;

  beforeEach(async () => {
    f = await startControllerFixture({ capacityPages: 65536 });
    backend = new ModelBackend({ socketDir: f.dir });
    assigned = new Map();
    informer = new Map();
    lists = 0;
    owners = new DeviceOwnerCache();
    const podResources = {
      list: async (): Promise<PodDevices[]> => {
        lists++;
        return [...assigned].map(([slot, name]) => ({ namespace: 'ns', name, containers: [{ name: 'app', devices: [{ resource_name: E, device_ids: [slot] }] }] }) as PodDevices);
      },
      close: () => undefined,
    };
    const pods = {
      waitForPod: async (ns: string, name: string) => [...informer.values()].find((p) => p.metadata.namespace === ns && p.metadata.name === name),
      getByUid: (uid: string) => informer.get(uid),
    };
    enforcer = new Enforcer({ podResources, pods, backend, driver: async () => 'cgroupfs', records: new PodRecords(), owners, mode: 'true', timeoutMs: 2000 });
    ahead = new Enforcer({ podResources, pods, backend, driver: async () => 'cgroupfs', records: new PodRecords(), owners, mode: 'true', timeoutMs: 2000, prepareAhead: canBindAhead(backend) });
  });
  afterEach(async () => {
    await backend.close();
    await f.stop();
  });

  /** kubelet admits `pod` with `slot`: Allocate (the agent forgets the slot's owner), then PreStart. */
  async function admit(pod: any, slot: string): Promise<void> {
    informer.set(pod.metadata.uid, pod);
    assigned.set(slot, pod.metadata.name);
    owners.forgetDevices([slot]);
    await enforcer.preStart({ resourceName: E, deviceIds: [slot] });
  }
  const boundTo = async (slot: string) => (await f.control.bindings()).find((b) => b.slot === slot)?.path;
  const maxOf = (pod: any) => f.control.readFile(cgroupOf(pod), 'misc.max');

  it('a container restart binds again without a pod-resources List', async () => {
    const a = epcPod('a', 1, '16Mi');
    await admit(a, 'enclave-4');
    expect(lists).toBe(1);
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lists).toBe(1);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(a));
    expect(await maxOf(a)).toBe(`sgx_epc ${16 * MI}\n`);
  });

  it('slot reused after a pod is deleted, before the informer saw the delete: the new pod gets the slot, its cgroup and its limit', async () => {
    const a = epcPod('a', 1, '16Mi');
    await admit(a, 'enclave-4');
    assigned.delete('enclave-4'); // A deleted in the API server; the informer still has it (lagging watch)
    const b = epcPod('b', 2, '4Mi');
    await admit(b, 'enclave-4');
    expect(lists).toBe(2);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(b));
    expect(await maxOf(b)).toBe(`sgx_epc ${4 * MI}\n`);
    expect(await maxOf(a)).toBe(`sgx_epc ${16 * MI}\n`);
    // B's restart now comes from the cache, and still names B.
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lists).toBe(2);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(b));
  });

  it('with no Allocate seen, a completed or deleted owner is not trusted: the start Lists and binds the pod pod-resources names', async () => {
    const a = epcPod('a', 1, '16Mi');
    await admit(a, 'enclave-4');
    // A Job pod completed: kubelet frees its slot and gives it to B (the Allocate signal is lost here).
    a.status.phase = 'Succeeded';
    const b = epcPod('b', 2, '4Mi');
    informer.set(b.metadata.uid, b);
    assigned.set('enclave-4', 'b');
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lists).toBe(2);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(b));
    // B deleted (informer delete seen) and recreated under the same name with a new UID.
    informer.delete(b.metadata.uid);
    owners.forgetPod(b.metadata.uid);
    const b2 = epcPod('b', 3, '8Mi');
    informer.set(b2.metadata.uid, b2);
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lists).toBe(3);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(b2));
    expect(await maxOf(b2)).toBe(`sgx_epc ${8 * MI}\n`);
  });

  it('an owner whose UID left the informer (deleted, delete event not seen by the cache) is dropped, and a List decides', async () => {
    const a = epcPod('a', 1, '16Mi');
    await admit(a, 'enclave-4');
    informer.delete(a.metadata.uid);
    const c = epcPod('c', 4, '2Mi');
    informer.set(c.metadata.uid, c);
    assigned.set('enclave-4', 'c');
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lists).toBe(2);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(c));
  });

  it('a pod being deleted (deletionTimestamp) is not trusted either', async () => {
    const a = epcPod('a', 1, '16Mi');
    await admit(a, 'enclave-4');
    a.metadata.deletionTimestamp = new Date().toISOString();
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lists).toBe(2);
  });

  it('binding ahead (model only): once the owner is in the cache, prepare binds the pod before its PreStart; without the capability it binds nothing', async () => {
    expect(canBindAhead(backend)).toBe(true);
    expect(canBindAhead(new CgroupfsBackend({ cgroupRoot: '/nonexistent-cgroup-root' }))).toBe(false);
    const a = epcPod('a', 1, '16Mi');
    informer.set(a.metadata.uid, a);
    owners.forgetDevices(['enclave-4']);
    // What the owner prefetch does once a List named the owner.
    owners.remember(['enclave-4'], owner('a'), a.metadata.uid, owners.generation);
    expect(await enforcer.prepare({ resourceName: E, deviceIds: ['enclave-4'] })).toBe(false);
    expect(await boundTo('enclave-4')).toBeUndefined();
    expect(await ahead.prepare({ resourceName: E, deviceIds: ['enclave-4'] })).toBe(true);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(a));
    expect(await maxOf(a)).toBe(`sgx_epc ${16 * MI}\n`);
    expect(lists).toBe(0);
    // The PreStart then finds the owner in the cache and applies the same state again.
    await ahead.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lists).toBe(0);
    expect(await boundTo('enclave-4')).toBe(cgroupOf(a));
    // An owner the informer no longer trusts (pod being deleted) is not bound ahead.
    const b = epcPod('b', 2, '4Mi');
    b.metadata.deletionTimestamp = new Date().toISOString();
    informer.set(b.metadata.uid, b);
    owners.forgetDevices(['enclave-5']);
    owners.remember(['enclave-5'], owner('b'), b.metadata.uid, owners.generation);
    expect(await ahead.prepare({ resourceName: E, deviceIds: ['enclave-5'] })).toBe(false);
    expect(await boundTo('enclave-5')).toBeUndefined();
  });
});
