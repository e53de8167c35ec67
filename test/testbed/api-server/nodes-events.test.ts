import { EventsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDouble, statusOf, type DoubleFixture } from './double-fixture.js';

let f: DoubleFixture;
beforeEach(async () => {
  f = await startDouble();
  f.double.addNode({ metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } }, status: { capacity: { cpu: '4', memory: '16Gi' }, allocatable: { cpu: '4' } } });
});
afterEach(async () => {
  await f.close();
});

const EPC = 'sgx.intel.com/epc';
const asPatch = (type: string) => setHeaderOptions('Content-Type', type);

describe('ApiServerDouble nodes', () => {
  it('get returns the node; a missing node is 404', async () => {
    const n = await f.core.readNode({ name: 'n1' });
    expect(n.metadata?.uid).toBeTruthy();
    expect(n.status?.capacity?.cpu).toBe('4');
    const err = await f.core.readNode({ name: 'n2' }).catch((e) => e);
    expect(err.code).toBe(404);
    expect(statusOf(err).message).toBe('nodes "n2" not found');
  });

  const patchTypes: Array<[string, string, unknown]> = [
    ['merge patch', PatchStrategy.MergePatch, { status: { capacity: { [EPC]: '268435456' }, allocatable: { [EPC]: '268435456' } } }],
    ['strategic merge patch', PatchStrategy.StrategicMergePatch, { status: { capacity: { [EPC]: '268435456' }, allocatable: { [EPC]: '268435456' } } }],
    [
      'json patch',
      PatchStrategy.JsonPatch,
      [
        { op: 'add', path: '/status/capacity/sgx.intel.com~1epc', value: '268435456' },
        { op: 'add', path: '/status/allocatable/sgx.intel.com~1epc', value: '268435456' },
      ],
    ],
  ];
  it.each(patchTypes)('status %s adds EPC capacity and keeps the other entries', async (_n, type, body) => {
    const n = await f.core.patchNodeStatus({ name: 'n1', body }, asPatch(type));
    expect(n.status?.capacity).toEqual({ cpu: '4', memory: '16Gi', [EPC]: '268435456' });
    expect(n.status?.allocatable).toEqual({ cpu: '4', [EPC]: '268435456' });
    expect(f.double.getNode('n1').status.capacity[EPC]).toBe('268435456');
  });

  it('status patch ignores metadata; main patch sets labels and ignores status', async () => {
    await f.core.patchNodeStatus({ name: 'n1', body: { metadata: { labels: { x: 'y' } }, status: { capacity: { [EPC]: '1Mi' } } } }, asPatch(PatchStrategy.MergePatch));
    expect(f.double.getNode('n1').metadata.labels).toEqual({ 'kubernetes.io/hostname': 'n1' });
    const n = await f.core.patchNode({ name: 'n1', body: { metadata: { labels: { 'sgx.intel.com/capable': 'true' } }, status: { capacity: { cpu: '99' } } } }, asPatch(PatchStrategy.StrategicMergePatch));
    expect(n.metadata?.labels).toEqual({ 'kubernetes.io/hostname': 'n1', 'sgx.intel.com/capable': 'true' });
    expect(n.status?.capacity?.cpu).toBe('4');
    const removed = await f.core.patchNode({ name: 'n1', body: { metadata: { labels: { 'sgx.intel.com/capable': null } } } }, asPatch(PatchStrategy.MergePatch));
    expect(removed.metadata?.labels).toEqual({ 'kubernetes.io/hostname': 'n1' });
  });

  it('quantities are stored in canonical form, like the real server (1024Mi reads back as 1Gi)', async () => {
    const n = await f.core.patchNodeStatus({ name: 'n1', body: { status: { capacity: { [EPC]: '1024Mi', memory: '16384Mi' } } } }, asPatch(PatchStrategy.MergePatch));
    expect(n.status?.capacity?.[EPC]).toBe('1Gi');
    expect(n.status?.capacity?.memory).toBe('16Gi');
    const p = f.double.addPod({ metadata: { name: 'p', namespace: 'ns1' }, spec: { containers: [{ name: 'c', resources: { limits: { [EPC]: '65536Ki', cpu: '1000m' } } }] } });
    expect(p.spec.containers[0].resources).toEqual({ limits: { [EPC]: '64Mi', cpu: '1' }, requests: { [EPC]: '64Mi', cpu: '1' } });
  });

  it('an invalid quantity in capacity is 422 Invalid naming the field', async () => {
    const err = await f.core.patchNodeStatus({ name: 'n1', body: { status: { capacity: { [EPC]: 'lots' } } } }, asPatch(PatchStrategy.MergePatch)).catch((e) => e);
    expect(err.code).toBe(422);
    const st = statusOf(err);
    expect(st.reason).toBe('Invalid');
    expect(st.message).toContain(`status.capacity[${EPC}]`);
    expect(f.double.getNode('n1').status.capacity[EPC]).toBeUndefined();
  });

  it('an invalid label value is 422; a renamed node is 422 (immutable)', async () => {
    const e1 = await f.core.patchNode({ name: 'n1', body: { metadata: { labels: { a: 'not ok!' } } } }, asPatch(PatchStrategy.MergePatch)).catch((e) => e);
    expect(e1.code).toBe(422);
    const e2 = await f.core.patchNode({ name: 'n1', body: [{ op: 'replace', path: '/metadata/name', value: 'n9' }] }, asPatch(PatchStrategy.JsonPatch)).catch((e) => e);
    expect(e2.code).toBe(422);
    expect(statusOf(e2).message).toContain('metadata.name');
  });

  it('a json patch test failure is 422 and changes nothing', async () => {
    const err = await f.core
      .patchNodeStatus({ name: 'n1', body: [{ op: 'test', path: '/status/capacity/cpu', value: '8' }, { op: 'replace', path: '/status/capacity/cpu', value: '8' }] }, asPatch(PatchStrategy.JsonPatch))
      .catch((e) => e);
    expect(err.code).toBe(422);
    expect(f.double.getNode('n1').status.capacity.cpu).toBe('4');
  });
});

describe('ApiServerDouble events', () => {
  it('creates core/v1 and events.k8s.io/v1 events and lists them for tests', async () => {
    const ev = await f.core.createNamespacedEvent({
      namespace: 'ns1',
      body: { metadata: { generateName: 'pod-a.' }, involvedObject: { kind: 'Pod', namespace: 'ns1', name: 'a', uid: 'u1' }, reason: 'EpcLimitReached', message: 'hit', type: 'Warning' },
    });
    expect(ev.metadata?.name).toMatch(/^pod-a\./);
    const events = f.kc.makeApiClient(EventsV1Api);
    await events.createNamespacedEvent({
      namespace: 'ns1',
      body: {
        metadata: { name: 'e2' },
        eventTime: new Date(),
        reportingController: 'sgx.intel.com/epc-agent',
        reportingInstance: 'n1',
        action: 'Enforce',
        reason: 'EpcLimitReached',
        regarding: { kind: 'Pod', namespace: 'ns1', name: 'a' },
        type: 'Warning',
      },
    });
    const all = f.double.events();
    expect(all.map((e) => [e.apiVersion, e.reason])).toEqual([
      ['v1', 'EpcLimitReached'],
      ['events.k8s.io/v1', 'EpcLimitReached'],
    ]);
    const listed = await f.core.listNamespacedEvent({ namespace: 'ns1', fieldSelector: 'involvedObject.name=a' });
    expect(listed.items).toHaveLength(1);
  });

  it('events.k8s.io/v1 without the required fields is 422 naming them; a namespace mismatch is 422', async () => {
    const events = f.kc.makeApiClient(EventsV1Api);
    const err = await events.createNamespacedEvent({ namespace: 'ns1', body: { metadata: { name: 'x' }, eventTime: new Date() } }).catch((e) => e);
    expect(err.code).toBe(422);
    expect(statusOf(err).message).toContain('reportingController: Required value');
    const e2 = await f.core.createNamespacedEvent({ namespace: 'ns1', body: { metadata: { name: 'y' }, involvedObject: { namespace: 'other', name: 'a' } } }).catch((e) => e);
    expect(e2.code).toBe(422);
    expect(statusOf(e2).message).toContain('involvedObject.namespace');
  });
});
