/**
 * `epc agent` in cluster mode as a real child process with `epc controller` (child), the kubelet
 * emulator and the API server double: the limit is bound before the container starts, survives
 * container, agent and kubelet restarts, is repaired when it drifts, and goes with the pod.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnclaveClient } from '../../src/contracts/controller-api/enclave-client.js';
import { slotSocketPath } from '../../src/contracts/controller-api/socket-names.js';
import { AgentStack, eventually, NODE } from './agent-stack.js';

const MI64 = 64 * 1024 * 1024;
let s: AgentStack;

beforeAll(async () => {
  s = await AgentStack.start();
}, 300_000);
afterAll(async () => {
  await s?.stop();
});

const cgroupOf = (pod: any) => `/kubepods/besteffort/pod${pod.metadata.uid}`;
const startsOf = (name: string) => s.starts.filter((x) => x.pod === `default/${name}`);

async function podEnclave(slot: string, pages: number): Promise<string> {
  const c = new EnclaveClient(slotSocketPath(s.ctlDir, slot), slot);
  try {
    const { enclave } = await c.create();
    await c.add(enclave, pages);
    await c.init(enclave);
    return enclave;
  } finally {
    c.close();
  }
}

describe('epc agent enforcement (real processes)', () => {
  it('a 64Mi pod has misc.max 64Mi and its slot bound to its own cgroup before its container starts; a restart keeps it', async () => {
    const pod = await s.runPod('a64', '64Mi');
    const [first] = startsOf('a64');
    expect(first).toMatchObject({ restart: 0, boundTo: cgroupOf(pod), miscMax: `sgx_epc ${MI64}\n` });
    await s.kubelet.restartContainer('default', 'a64', 'c0');
    expect(startsOf('a64')[1]).toMatchObject({ restart: 1, slot: first.slot, boundTo: cgroupOf(pod), miscMax: `sgx_epc ${MI64}\n` });
  });

  it('a slot kubelet frees and hands to the next pod while the API server still lists its old pod (completed, or a lagging delete) is bound to the new pod', async () => {
    const a = await s.runPod('reuse-a', '64Mi');
    const { slot } = startsOf('reuse-a')[0];
    await s.kubelet.restartContainer('default', 'reuse-a', 'c0'); // the agent now knows the slot's owner
    expect(startsOf('reuse-a')[1]).toMatchObject({ slot, boundTo: cgroupOf(a) });
    s.kubelet.removePod('default', 'reuse-a'); // kubelet frees the slot; the API server (and the agent's informer) still has the pod
    const b = await s.runPod('reuse-b', '24Mi');
    expect(startsOf('reuse-b')[0]).toMatchObject({ slot, boundTo: cgroupOf(b), miscMax: `sgx_epc ${24 * 1024 * 1024}\n` });
    await s.kubelet.restartContainer('default', 'reuse-b', 'c0');
    expect(startsOf('reuse-b')[1]).toMatchObject({ slot, boundTo: cgroupOf(b) });
    s.api.deletePod('default', 'reuse-a');
    s.deletePod('reuse-b');
  });

  it('a pod with two enclave containers: both slots charge the one pod cgroup with the pod\'s limit', async () => {
    const pod = await s.runPod('duo', '24Mi', { containers: 2 });
    const starts = startsOf('duo');
    expect(starts.map((x) => x.container)).toEqual(['c0', 'c1']);
    expect(new Set(starts.map((x) => x.slot)).size).toBe(2);
    for (const st of starts) expect(st).toMatchObject({ boundTo: cgroupOf(pod), miscMax: `sgx_epc ${48 * 1024 * 1024}\n` });
  });

  it('pod deleted -> its enclaves destroyed, its cgroup removed, its slot unbound, its metrics gone', async () => {
    const pod = await s.runPod('gone', '32Mi');
    const { slot } = startsOf('gone')[0];
    const enclave = await podEnclave(slot, 256);
    expect((await s.control.enclaves(cgroupOf(pod))).map((e) => e.name)).toContain(enclave);
    const current = (await s.control.stats(cgroupOf(pod))).current;
    expect(current).toBeGreaterThanOrEqual(256 * 4096);
    expect(await (await s.fetch('/metrics')).text()).toContain(`epc_pod_current_bytes{namespace="default",pod="gone"} ${current}`);
    s.deletePod('gone');
    expect(await eventually(async () => !(await s.control.listCgroups('/kubepods')).includes(cgroupOf(pod)))).toBe(true);
    expect((await s.control.enclaves('/', { recursive: true })).map((e) => e.name)).not.toContain(enclave);
    expect((await s.control.bindings()).find((b) => b.slot === slot)).toBeUndefined();
    expect(await (await s.fetch('/metrics')).text()).not.toMatch(/pod="gone"/);
  });

  it('misc.max rewritten behind its back is repaired by the reconcile loop', async () => {
    const pod = await s.runPod('drift', '16Mi');
    await s.control.writeFile(cgroupOf(pod), 'misc.max', 'sgx_epc max');
    expect(await eventually(async () => (await s.control.readFile(cgroupOf(pod), 'misc.max')) === `sgx_epc ${16 * 1024 * 1024}\n`)).toBe(true);
    expect(await (await s.fetch('/metrics')).text()).toMatch(/epc_reconcile_actions_total\{action="set-max",result="ok"\} [1-9]/);
  });

  it('a pod the API server does not know is refused within --prestart-timeout, naming the pod and the cause', async () => {
    const ghost = { metadata: { name: 'ghost', namespace: 'default', uid: '0b7c8a52-9f0e-4c1e-a7b4-000000000001' }, spec: { nodeName: 'node-a', containers: [{ name: 'c0', resources: { requests: { 'sgx.intel.com/epc': '8Mi', 'sgx.intel.com/enclave': '1' }, limits: { 'sgx.intel.com/epc': '8Mi', 'sgx.intel.com/enclave': '1' } } }] } };
    const t0 = Date.now();
    await expect(s.kubelet.admitPod(ghost)).rejects.toThrow(/refused to start pod default\/ghost \(container c0\): pod default\/ghost is not in the API server \(node-scoped pod informer\) within the 10000 ms bound/);
    expect(Date.now() - t0).toBeLessThan(20_000); // bounded (the 10s default), under kubelet's 30s
    expect(startsOf('ghost')).toHaveLength(0);
    s.kubelet.removePod('default', 'ghost');
  });

  it('a pod with an enclave slot but no EPC request is refused (it would run unlimited); pods without EPC and slot are untouched', async () => {
    await expect(s.runPod('noepc', undefined)).rejects.toThrow(/refused to start pod default\/noepc.*requests no sgx.intel.com\/epc/);
    s.deletePod('noepc');
    const before = await s.control.listCgroups('/');
    const plain = await s.runPod('plain', undefined, { slot: false });
    expect(startsOf('plain')).toHaveLength(0); // no slot: the hook never sees it
    expect(s.kubelet.events.filter((e) => e.type === 'container-start' && (e as any).pod === 'plain')).toHaveLength(1);
    await s.reconcileSettles();
    expect(await s.control.listCgroups('/')).toEqual(before);
    expect((await s.control.listCgroups('/')).some((c) => c.includes(plain.metadata.uid))).toBe(false);
  });

  it('a pod over its limit gets one EpcLimitReached Event and limit-event metrics', async () => {
    const pod = await s.runPod('hog', '1Mi');
    const { slot } = startsOf('hog')[0];
    const c = new EnclaveClient(slotSocketPath(s.ctlDir, slot), slot);
    const { enclave } = await c.create();
    await c.add(enclave, 1024); // 4Mi into a 1Mi limit: reclaimed from its own cgroup
    await c.init(enclave);
    await c.access(enclave, [[0, 1023]]);
    c.close();
    const mine = () => s.api.events().filter((e) => e.involvedObject?.uid === pod.metadata.uid);
    await eventually(() => mine().length > 0, 10_000);
    const ev = mine();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ reason: 'EpcLimitReached', type: 'Warning', involvedObject: { kind: 'Pod', name: 'hog', namespace: 'default' } });
    const text = await (await s.fetch('/metrics')).text();
    expect(text).toMatch(/epc_pod_limit_events_total\{namespace="default",pod="hog"\} [1-9]/);
    expect(text).toMatch(/epc_pod_evicted_pages_total\{namespace="default",pod="hog"\} [1-9]/);
    expect(text).toMatch(/epc_pod_limit_bytes\{namespace="default",pod="hog"\} 1048576/);
    await s.reconcileSettles();
    await (await s.fetch('/metrics')).text();
    expect(s.api.events().filter((e) => e.involvedObject?.uid === pod.metadata.uid)).toHaveLength(1);
  });

  it('advertises the node\'s EPC (capacity and allocatable in bytes) and labels the Node', async () => {
    const node = s.api.getNode(NODE);
    expect(node.status.capacity['sgx.intel.com/epc']).toBe('268435456');
    expect(node.status.allocatable['sgx.intel.com/epc']).toBe('268435456');
    expect(node.metadata.labels['sgx.intel.com/capable']).toBe('true');
  });

  it('health endpoints: /healthz and /readyz 200, unknown paths 404, other methods 405', async () => {
    expect((await s.fetch('/healthz')).status).toBe(200);
    const ready = await s.fetch('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.text()).toMatch(/\[\+\] informer\n\[\+\] backend\n\[\+\] enforcement: EPC limits enforced \(--enforce=auto\)[^\n]*\n\[\+\] plugins/);
    const nf = await s.fetch('/nope');
    expect(nf.status).toBe(404);
    expect(await nf.text()).toMatch(/not found: \/nope/);
    expect((await s.fetch('/metrics', { method: 'POST', body: 'x' })).status).toBe(405);
    const m = await s.fetch('/metrics');
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await m.text();
    expect(text).toMatch(/epc_node_capacity_bytes 268435456/);
    expect(text).toMatch(/epc_enforcement_duration_seconds_count\{result="ok"\} [1-9]/);
    expect(text).toMatch(/epc_enforcement_duration_seconds_count\{result="error"\} [1-9]/);
  });

  it('agent killed (SIGKILL) and restarted: limits, bindings and enclaves intact; a drift after the restart is repaired; new pods enforced', async () => {
    const pod = await s.runPod('survivor', '64Mi');
    const { slot } = startsOf('survivor')[0];
    const enclave = await podEnclave(slot, 512);
    const exit = await s.stopAgent('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(await s.control.readFile(cgroupOf(pod), 'misc.max')).toBe(`sgx_epc ${MI64}\n`);
    await s.startAgent();
    await s.control.writeFile(cgroupOf(pod), 'misc.max', 'sgx_epc 4096');
    expect(await eventually(async () => (await s.control.readFile(cgroupOf(pod), 'misc.max')) === `sgx_epc ${MI64}\n`)).toBe(true);
    expect((await s.control.bindings()).find((b) => b.slot === slot)?.path).toBe(cgroupOf(pod));
    expect((await s.control.enclaves(cgroupOf(pod))).map((e) => e.name)).toContain(enclave);
    expect(await (await s.fetch('/metrics')).text()).toMatch(/epc_pod_limit_bytes\{namespace="default",pod="survivor"\} 67108864/);
    const fresh = await s.runPod('after-restart', '8Mi');
    expect(startsOf('after-restart')[0].boundTo).toBe(cgroupOf(fresh));
  });

  it('a pod deleted while the agent was down is cleaned up after its restart', async () => {
    const pod = await s.runPod('orphan', '8Mi');
    const enclave = await podEnclave(startsOf('orphan')[0].slot, 64);
    await s.stopAgent('SIGKILL');
    s.deletePod('orphan');
    await s.startAgent();
    expect(await eventually(async () => !(await s.control.listCgroups('/kubepods')).includes(cgroupOf(pod)))).toBe(true);
    expect((await s.control.enclaves('/', { recursive: true })).map((e) => e.name)).not.toContain(enclave);
  });

  it('kubelet restart: the plugin registers again and enforcement still works', async () => {
    const from = s.kubelet.events.length;
    await s.kubelet.restart();
    await s.kubelet.waitForRegistration('sgx.intel.com/enclave', { timeoutMs: 30_000, from });
    await eventually(() => (s.kubelet.resource('sgx.intel.com/enclave')?.allocatable ?? 0) > 0, 10_000);
    const pod = await s.runPod('post-kubelet', '32Mi');
    expect(startsOf('post-kubelet')[0]).toMatchObject({ boundTo: cgroupOf(pod), miscMax: `sgx_epc ${32 * 1024 * 1024}\n` });
  });

  it('SIGTERM: exits 0, removes its plugin sockets, leaves every limit in place', async () => {
    const pod = startsOf('survivor')[0];
    const exit = await s.stopAgent('SIGTERM');
    expect(exit.code).toBe(0);
    expect(readdirSync(s.kubelet.deviceDir)).toEqual(['kubelet.sock']);
    expect(await s.control.readFile(`/kubepods/besteffort/pod${pod.uid}`, 'misc.max')).toBe(`sgx_epc ${MI64}\n`);
    expect(existsSync(join(s.ctlDir, 'control.sock'))).toBe(true);
    s.agent = undefined;
  });
});
