/**
 * Enforcement and reconcile on the cgroupfs backend (a real kernel's cgroup v2 files), in process
 * against a temp dir laid out like cgroupfs. kubelet owns the pod cgroups there: the agent only
 * writes misc.max (and enables +misc), never removes a directory.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { EpcControllerCheck } from '../../src/agent/epc-controller-check.js';
import { Enforcer } from '../../src/agent/enforcer.js';
import { PodRecords } from '../../src/agent/pod-records.js';
import type { PodResourcesLister } from '../../src/agent/pod-resources-client.js';
import { Reconciler } from '../../src/agent/reconciler.js';
import { CgroupfsBackend } from '../../src/backend/cgroupfs-backend.js';
import type { CgroupDriver } from '../../src/pod/pod-cgroup-path.js';
import type { PodResourcesMsg } from '../../src/testbed/kubelet/index.js';
import { FakeCgroupfs } from '../backend/fake-cgroupfs.js';

const E = 'sgx.intel.com/enclave';
const UID = '6f0c3c1e-2d4b-4c55-9a1e-3b2f1d0e9c11';
const fakes: FakeCgroupfs[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.destroy();
});

function setup(driver: CgroupDriver, o: { pods?: any[] } = {}) {
  const pods: any[] = o.pods ?? [{
    metadata: { name: 'web', namespace: 'shop', uid: UID },
    spec: { containers: [{ name: 'app', resources: { requests: { cpu: '100m', 'sgx.intel.com/epc': '64Mi', [E]: '1' }, limits: { 'sgx.intel.com/epc': '64Mi', [E]: '1' } } }] },
    status: { phase: 'Running' },
  }];
  const list: PodResourcesMsg[] = pods.map((p) => ({ name: p.metadata.name, namespace: p.metadata.namespace, containers: [{ name: 'app', devices: [{ resource_name: E, device_ids: ['enclave-4'] }], cpu_ids: [], memory: [], dynamic_resources: [] }] }));
  const podResources: PodResourcesLister = { list: async () => list, close: () => undefined };
  const lookup = { waitForPod: async (ns: string, name: string) => pods.find((p) => p.metadata.namespace === ns && p.metadata.name === name), list: () => pods };
  return { pods, podResources, lookup, driver: async () => driver };
}

async function fake(): Promise<FakeCgroupfs> {
  const f = await FakeCgroupfs.create({ capacityBytes: 256 * 1024 * 1024 });
  fakes.push(f);
  return f;
}

describe('cgroupfs backend enforcement (temp dir laid out like cgroupfs)', () => {
  it.each([
    ['cgroupfs', `kubepods/burstable/pod${UID}`],
    ['systemd', `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replaceAll('-', '_')}.slice`],
  ] as const)('PreStart writes misc.max of the kubelet pod cgroup (%s driver) and enables +misc along the path', async (driver, path) => {
    const f = await fake();
    const backend = new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port });
    const records = new PodRecords();
    const { podResources, lookup } = setup(driver);
    const enforcer = new Enforcer({ podResources, pods: lookup, backend, driver: async () => driver, records, mode: 'true', timeoutMs: 1000 });
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(await readFile(join(f.root, path, 'misc.max'), 'utf8')).toBe(`sgx_epc ${64 * 1024 * 1024}\n`);
    const top = path.split('/')[0];
    expect((await readFile(join(f.root, 'cgroup.subtree_control'), 'utf8')).split(/\s+/)).toContain('misc');
    expect((await readFile(join(f.root, top, 'cgroup.subtree_control'), 'utf8')).split(/\s+/)).toContain('misc');
    expect(records.get(UID)).toMatchObject({ cgroup: `/${path}`, max: 64 * 1024 * 1024 });
    // idempotent: a container restart re-applies without error
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(await readFile(join(f.root, path, 'misc.max'), 'utf8')).toBe(`sgx_epc ${64 * 1024 * 1024}\n`);
    // the pod cgroup vanished between two starts (kubelet recreates it on a real node): created again
    await f.port.rmdir(join(f.root, path));
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(await readFile(join(f.root, path, 'misc.max'), 'utf8')).toBe(`sgx_epc ${64 * 1024 * 1024}\n`);
  });

  it('a kernel without sgx_epc fails the start closed, naming the pod, the kernel and the way out', async () => {
    const f = await FakeCgroupfs.create({ capacityBytes: 0, sgxEpc: false });
    fakes.push(f);
    const { podResources, lookup } = setup('cgroupfs');
    const backend = new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port });
    const results: string[] = [];
    const enforcer = new Enforcer({ podResources, pods: lookup, backend, driver: async () => 'cgroupfs', records: new PodRecords(), mode: 'true', timeoutMs: 1000,
      controller: new EpcControllerCheck({ backend, cgroupRoot: f.root }), onResult: (r) => results.push(r) });
    await expect(enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] })).rejects.toThrow(
      `epc agent refused to start pod shop/web (container app): kernel has no sgx_epc misc cgroup (${f.root}/misc.capacity) - this kernel cannot hold pods to their EPC; run a node image whose kernel has the sgx_epc misc cgroup, or set the chart value agent.enforce=auto (flag --enforce auto) to start pods without limits on nodes that lack it`);
    expect(results).toEqual(['error']);
    expect(await f.port.listDirs(f.root)).toEqual([]);
    // Without the controller check the backend's own error still fails the start closed.
    const bare = new Enforcer({ podResources, pods: lookup, backend, driver: async () => 'cgroupfs', records: new PodRecords(), mode: 'true', timeoutMs: 1000 });
    await expect(bare.preStart({ resourceName: E, deviceIds: ['enclave-4'] })).rejects.toThrow(/refused to start pod shop\/web \(container app\): .*no sgx_epc line: this kernel has no EPC cgroup/);
  });

  it.each(['false', 'auto'] as const)('--enforce %s on a kernel without sgx_epc: the container starts unbound (nothing written, nothing recorded), logged once per pod at info', async (mode) => {
    const f = await FakeCgroupfs.create({ capacityBytes: 0, sgxEpc: false });
    fakes.push(f);
    const { podResources, lookup } = setup('cgroupfs');
    const backend = new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port });
    const records = new PodRecords();
    const results: string[] = [];
    const lines: Array<{ level: number; msg: string; pod?: string; reason?: string }> = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const enforcer = new Enforcer({ podResources, pods: lookup, backend, driver: async () => { throw new Error('driver must not be asked'); }, records, mode, timeoutMs: 1000,
      controller: new EpcControllerCheck({ backend, cgroupRoot: f.root }), onResult: (r) => results.push(r), logger });
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] }); // container restart
    expect(results).toEqual(['unbound', 'unbound']);
    expect(records.size).toBe(0);
    expect(await f.port.listDirs(f.root)).toEqual([]);
    expect(await readFile(join(f.root, 'cgroup.subtree_control'), 'utf8')).toBe('\n');
    const said = lines.filter((l) => l.msg.includes('without an EPC cgroup binding'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 30, pod: 'shop/web', msg: `observe-only (--enforce=${mode}): container starts without an EPC cgroup binding, EPC unlimited`, reason: expect.stringContaining('kernel has no sgx_epc misc cgroup') });
  });

  it('--enforce false where the kernel has sgx_epc: today\'s behaviour (cgroup bound with misc.max max, recorded)', async () => {
    const f = await fake();
    const backend = new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port });
    const records = new PodRecords();
    const { podResources, lookup, driver } = setup('cgroupfs');
    const results: string[] = [];
    const enforcer = new Enforcer({ podResources, pods: lookup, backend, driver, records, mode: 'false', timeoutMs: 1000, controller: new EpcControllerCheck({ backend, cgroupRoot: f.root }), onResult: (r) => results.push(r) });
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(await readFile(join(f.root, `kubepods/burstable/pod${UID}`, 'misc.max'), 'utf8')).toBe('sgx_epc max\n');
    expect(records.get(UID)).toMatchObject({ max: 'max' });
    expect(results).toEqual(['ok']);
  });

  it('--enforce false: a binding that fails on a usable controller starts the pod unbound (warn); enforcing refuses it', async () => {
    const f = await fake();
    const backend = new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port });
    const { podResources, lookup } = setup('cgroupfs');
    const driver = async (): Promise<CgroupDriver> => { throw new Error('cannot tell the kubelet cgroup driver'); };
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const observe = new Enforcer({ podResources, pods: lookup, backend, driver, records: new PodRecords(), mode: 'false', timeoutMs: 1000, controller: new EpcControllerCheck({ backend, cgroupRoot: f.root }), logger });
    await observe.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    expect(lines.find((l) => l.msg.includes('without an EPC cgroup binding'))).toMatchObject({ level: 40, reason: 'cannot tell the kubelet cgroup driver' });
    const enforcing = new Enforcer({ podResources, pods: lookup, backend, driver, records: new PodRecords(), mode: 'true', timeoutMs: 1000, controller: new EpcControllerCheck({ backend, cgroupRoot: f.root }) });
    await expect(enforcing.preStart({ resourceName: E, deviceIds: ['enclave-4'] })).rejects.toThrow(/refused to start pod shop\/web.*cannot tell the kubelet cgroup driver/);
  });

  it('reconcile repairs a rewritten misc.max, and for a gone pod forgets it without removing kubelet\'s cgroup', async () => {
    const f = await fake();
    const backend = new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port });
    const records = new PodRecords();
    const { pods, podResources, lookup, driver } = setup('cgroupfs');
    const enforcer = new Enforcer({ podResources, pods: lookup, backend, driver, records, mode: 'true', timeoutMs: 1000 });
    await enforcer.preStart({ resourceName: E, deviceIds: ['enclave-4'] });
    const dir = join(f.root, `kubepods/burstable/pod${UID}`);
    await writeFile(join(dir, 'misc.max'), 'sgx_epc max');
    const rec = new Reconciler({ pods: lookup, podResources, backend, driver, records, enclaveResource: E, enforce: true, removeCgroups: false });
    const r1 = await rec.reconcileNow();
    expect(r1.actions.map((a) => a.type)).toEqual(['set-max']);
    expect(await readFile(join(dir, 'misc.max'), 'utf8')).toBe(`sgx_epc ${64 * 1024 * 1024}\n`);
    pods[0].status.phase = 'Succeeded';
    const r2 = await rec.reconcileNow();
    expect(r2.actions).toMatchObject([{ type: 'cleanup', uid: UID, removeCgroup: false }]);
    expect(records.size).toBe(0);
    expect(existsSync(dir)).toBe(true);
  });

  it('after an agent restart the reconciler adopts an EPC pod and re-applies its limit; pods without EPC are untouched', async () => {
    const f = await fake();
    const backend = new CgroupfsBackend({ cgroupRoot: f.root, fs: f.port });
    const plainUid = '1a2b3c4d-0000-4000-8000-000000000002';
    const { pods, podResources, lookup, driver } = setup('cgroupfs');
    pods.push({ metadata: { name: 'plain', namespace: 'shop', uid: plainUid }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } });
    // kubelet created both pod cgroups; the EPC one lost its limit
    await backend.ensureCgroup(`/kubepods/burstable/pod${UID}`);
    await backend.ensureCgroup(`/kubepods/besteffort/pod${plainUid}`);
    const records = new PodRecords();
    const rec = new Reconciler({ pods: lookup, podResources: { list: async () => [], close: () => undefined }, backend, driver, records, enclaveResource: E, enforce: true, removeCgroups: false });
    const r = await rec.reconcileNow();
    expect(r.actions.map((a) => a.type)).toEqual(['adopt', 'set-max']);
    expect(await backend.getMax(`/kubepods/burstable/pod${UID}`)).toBe(64 * 1024 * 1024);
    expect(await backend.getMax(`/kubepods/besteffort/pod${plainUid}`)).toBe('max');
    expect(records.get(plainUid)).toBeUndefined();
    await rec.stop();
  });
});
