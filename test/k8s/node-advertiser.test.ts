import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeAdvertiser, SGX_CAPABLE_LABEL } from '../../src/k8s/node-advertiser.js';
import { startDouble, until, type DoubleFixture } from '../testbed/api-server/double-fixture.js';

const EPC = 'sgx.intel.com/epc';
const CAP = 256n << 20n;
let f: DoubleFixture;
let adv: NodeAdvertiser | undefined;

beforeEach(async () => {
  f = await startDouble();
  f.double.addNode({
    metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', team: 'a' } },
    status: { capacity: { cpu: '4', memory: '16Gi', 'example.com/foo': '2' }, allocatable: { cpu: '3800m', memory: '15Gi' } },
  });
});
afterEach(async () => {
  await adv?.stop();
  adv = undefined;
  await f.close();
});

const patches = () => f.double.requestLog.filter((r) => r.method === 'PATCH');

describe('NodeAdvertiser', () => {
  it('sets capacity, allocatable and the capable label, and removes nothing else', async () => {
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: CAP });
    const r = await adv.reconcileNow();
    expect(r).toEqual({ outcome: 'patched', patchedStatus: true, patchedLabel: true });
    const node = f.double.getNode('n1');
    expect(node.status.capacity).toEqual({ cpu: '4', memory: '16Gi', 'example.com/foo': '2', [EPC]: String(CAP) });
    expect(node.status.allocatable).toEqual({ cpu: '3800m', memory: '15Gi', [EPC]: String(CAP) });
    expect(node.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'n1', team: 'a', [SGX_CAPABLE_LABEL]: 'true' });
    expect(patches().map((p) => [p.path, p.contentType])).toEqual([
      ['/api/v1/nodes/n1/status', 'application/merge-patch+json'],
      ['/api/v1/nodes/n1', 'application/merge-patch+json'],
    ]);
  });

  it('patches only when different: a converged node gets reads only', async () => {
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: CAP });
    await adv.reconcileNow();
    f.double.clearRequestLog();
    expect((await adv.reconcileNow()).outcome).toBe('unchanged');
    expect((await adv.reconcileNow()).outcome).toBe('unchanged');
    expect(patches()).toHaveLength(0);
    expect(f.double.requestLog.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('compares quantities by value (256Mi written by someone else is already right)', async () => {
    await f.core.patchNodeStatus({ name: 'n1', body: { status: { capacity: { [EPC]: '256Mi' }, allocatable: { [EPC]: '256Mi' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: CAP });
    const r = await adv.reconcileNow();
    expect(r.patchedStatus).toBe(false);
    expect(r.patchedLabel).toBe(true);
  });

  it('the loop repairs a rewritten capacity and a removed label', async () => {
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: async () => CAP, intervalMs: 20 });
    adv.start();
    adv.start();
    await until(() => f.double.getNode('n1').status.capacity[EPC] === String(CAP), 'first advertisement');
    await f.core.patchNodeStatus({ name: 'n1', body: { status: { capacity: { [EPC]: '1' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await f.core.patchNode({ name: 'n1', body: { metadata: { labels: { [SGX_CAPABLE_LABEL]: null } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(f.double.getNode('n1').status.capacity[EPC]).toBe('1');
    await until(
      () => f.double.getNode('n1').status.capacity[EPC] === String(CAP) && f.double.getNode('n1').metadata.labels[SGX_CAPABLE_LABEL] === 'true',
      'drift repaired',
    );
    expect(f.double.getNode('n1').status.allocatable[EPC]).toBe(String(CAP));
    await adv.stop();
    const after = f.double.requestLog.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(f.double.requestLog.length).toBe(after);
  });

  it('follows a changed capacity', async () => {
    let cap = CAP;
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: () => cap });
    await adv.reconcileNow();
    cap = 128n << 20n;
    await adv.reconcileNow();
    expect(f.double.getNode('n1').status.capacity[EPC]).toBe(String(cap));
  });

  it('API errors are reported and retried, never thrown out of the loop', async () => {
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'missing', capacityBytes: CAP, intervalMs: 1000, retryDelayMs: 20 });
    const r = await adv.reconcileNow();
    expect(r.outcome).toBe('error');
    expect(r.error).toContain('404 NotFound nodes "missing" not found');
    adv.start();
    await until(() => f.double.requestLog.filter((x) => x.path === '/api/v1/nodes/missing').length >= 3, 'retries');
    f.double.addNode('missing');
    await until(() => f.double.getNode('missing').status?.capacity?.[EPC] === String(CAP), 'advertised once the node exists');
  });

  it('says a lasting failure at warn once, repeats at debug, and warns again once it changes or after a success', async () => {
    const said: string[] = [];
    const logger = { warn: (o: { error: string }) => said.push(`warn ${o.error}`), debug: (o: { error: string }) => said.push(`debug ${o.error}`), info: () => undefined };
    let fail: string | undefined = 'no sgx_epc';
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', logger: logger as never, capacityBytes: () => { if (fail) throw new Error(fail); return CAP; } });
    for (const next of ['no sgx_epc', 'no sgx_epc', 'controller gone', undefined, 'controller gone']) {
      await adv.reconcileNow();
      fail = next;
    }
    expect(said).toEqual(['warn no sgx_epc', 'debug no sgx_epc', 'debug no sgx_epc', 'warn controller gone']);
    await adv.reconcileNow();
    expect(said.at(-1)).toBe('warn controller gone');
  });

  it('a bad capacity is an error round, not a crash', async () => {
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: () => { throw new Error('backend unreachable'); } });
    expect(await adv.reconcileNow()).toMatchObject({ outcome: 'error', error: 'backend unreachable' });
    const neg = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: -1 });
    expect((await neg.reconcileNow()).error).toContain('must not be negative');
    expect(patches()).toHaveLength(0);
  });

  it('an unreachable API server is an error round', async () => {
    const url = f.double.url;
    await f.double.stop();
    adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: CAP });
    const r = await adv.reconcileNow();
    expect(r.outcome).toBe('error');
    expect(r.error).toBeTruthy();
    await f.double.start();
    expect(f.double.url).toBe(url);
    expect((await adv.reconcileNow()).outcome).toBe('patched');
  });

  it('enabled: false makes no API calls at all', async () => {
    adv = new NodeAdvertiser({ enabled: false, nodeName: 'n1', capacityBytes: CAP, intervalMs: 5 });
    adv.start();
    expect(await adv.reconcileNow()).toEqual({ outcome: 'disabled', patchedStatus: false, patchedLabel: false });
    await new Promise((r) => setTimeout(r, 50));
    await adv.stop();
    expect(f.double.requestLog).toHaveLength(0);
    expect(f.double.getNode('n1').status.capacity[EPC]).toBeUndefined();
  });

  it('stop before start is safe; enabled without a kubeConfig is refused', async () => {
    await new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: CAP }).stop();
    expect(() => new NodeAdvertiser({ nodeName: 'n1', capacityBytes: CAP })).toThrow('kubeConfig is required');
  });
});
