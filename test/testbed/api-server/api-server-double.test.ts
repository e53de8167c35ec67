import { PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { podSpec, startDouble, statusOf, until, type DoubleFixture } from './double-fixture.js';

let f: DoubleFixture;
beforeEach(async () => {
  f = await startDouble();
});
afterEach(async () => {
  await f.close();
});

describe('ApiServerDouble pods through client-node', () => {
  it('create assigns uid, creationTimestamp, resourceVersion, Pending phase, QoS and defaulted requests', async () => {
    const p = await f.core.createNamespacedPod({ namespace: 'ns1', body: podSpec('a', { epc: '64Mi' }) });
    expect(p.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.metadata?.namespace).toBe('ns1');
    expect(p.metadata?.resourceVersion).toMatch(/^[0-9]+$/);
    expect(p.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(p.status?.phase).toBe('Pending');
    expect(p.status?.qosClass).toBe('BestEffort');
    expect(p.spec?.containers[0].resources?.requests?.['sgx.intel.com/epc']).toBe('64Mi');
    const got = await f.core.readNamespacedPod({ namespace: 'ns1', name: 'a' });
    expect(got.metadata?.uid).toBe(p.metadata?.uid);
  });

  it('create of an existing name is 409 AlreadyExists; generateName makes a unique name', async () => {
    await f.core.createNamespacedPod({ namespace: 'ns1', body: podSpec('a') });
    const err = await f.core.createNamespacedPod({ namespace: 'ns1', body: podSpec('a') }).catch((e) => e);
    expect(err.code).toBe(409);
    expect(statusOf(err)).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409, message: 'pods "a" already exists' });
    const body = podSpec('');
    body.metadata = { generateName: 'gen-' };
    const g1 = await f.core.createNamespacedPod({ namespace: 'ns1', body });
    const g2 = await f.core.createNamespacedPod({ namespace: 'ns1', body });
    expect(g1.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(g1.metadata?.name).not.toBe(g2.metadata?.name);
  });

  it('get of a missing pod is 404 NotFound Status', async () => {
    const err = await f.core.readNamespacedPod({ namespace: 'ns1', name: 'nope' }).catch((e) => e);
    expect(err.code).toBe(404);
    expect(statusOf(err)).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } });
  });

  it('lists across namespaces and per namespace with fieldSelector spec.nodeName and labelSelector', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1', labels: { app: 'x' } }));
    f.double.addPod(podSpec('b', { namespace: 'ns2', nodeName: 'n1', labels: { app: 'y' } }));
    f.double.addPod(podSpec('c', { namespace: 'ns1', nodeName: 'n2' }));
    f.double.addPod(podSpec('d', { namespace: 'ns1' }));
    const names = (l: { items: Array<{ metadata?: { name?: string } }> }) => l.items.map((p) => p.metadata?.name).sort();
    const all = await f.core.listPodForAllNamespaces({});
    expect(names(all)).toEqual(['a', 'b', 'c', 'd']);
    expect(all.metadata?.resourceVersion).toMatch(/^[0-9]+$/);
    expect(names(await f.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=n1' }))).toEqual(['a', 'b']);
    expect(names(await f.core.listNamespacedPod({ namespace: 'ns1', fieldSelector: 'spec.nodeName=n1' }))).toEqual(['a']);
    expect(names(await f.core.listNamespacedPod({ namespace: 'ns1', fieldSelector: 'spec.nodeName!=n1' }))).toEqual(['c', 'd']);
    expect(names(await f.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=' }))).toEqual(['d']);
    expect(names(await f.core.listPodForAllNamespaces({ labelSelector: 'app=x' }))).toEqual(['a']);
    expect(names(await f.core.listPodForAllNamespaces({ labelSelector: 'app in (x,y)' }))).toEqual(['a', 'b']);
    expect(names(await f.core.listPodForAllNamespaces({ labelSelector: '!app' }))).toEqual(['c', 'd']);
    expect(names(await f.core.listPodForAllNamespaces({ labelSelector: 'app,app!=x' }))).toEqual(['b']);
  });

  it('bad selectors are 400 naming the problem', async () => {
    const e1 = await f.core.listPodForAllNamespaces({ fieldSelector: 'spec.bogus=1' }).catch((e) => e);
    expect(e1.code).toBe(400);
    expect(statusOf(e1).message).toBe('field label not supported: spec.bogus');
    const e2 = await f.core.listPodForAllNamespaces({ labelSelector: 'a in (x' }).catch((e) => e);
    expect(e2.code).toBe(400);
    expect(statusOf(e2).message).toContain('unable to parse requirement');
  });

  it('status patch sets the phase; a no-op patch keeps the resourceVersion', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1' }));
    const patched = await f.core.patchNamespacedPodStatus(
      { namespace: 'ns1', name: 'a', body: { status: { phase: 'Running' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.status?.phase).toBe('Running');
    expect(patched.status?.qosClass).toBe('BestEffort');
    const again = await f.core.patchNamespacedPodStatus(
      { namespace: 'ns1', name: 'a', body: { status: { phase: 'Running' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(again.metadata?.resourceVersion).toBe(patched.metadata?.resourceVersion);
    expect(f.double.setPodPhase('ns1', 'a', 'Succeeded').status.phase).toBe('Succeeded');
  });

  it('a stale resourceVersion in an update is 409 Conflict', async () => {
    const p = f.double.addPod(podSpec('a', { namespace: 'ns1' }));
    f.double.setPodPhase('ns1', 'a', 'Running');
    const err = await f.core
      .replaceNamespacedPodStatus({ namespace: 'ns1', name: 'a', body: { ...p, status: { phase: 'Failed' } } })
      .catch((e) => e);
    expect(err.code).toBe(409);
    expect(statusOf(err).reason).toBe('Conflict');
  });

  it('delete removes the pod and returns it; a wrong uid precondition is 409', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1' }));
    const err = await f.core.deleteNamespacedPod({ namespace: 'ns1', name: 'a', body: { preconditions: { uid: 'other' } } }).catch((e) => e);
    expect(err.code).toBe(409);
    const gone = await f.core.deleteNamespacedPod({ namespace: 'ns1', name: 'a' });
    expect(gone.metadata?.name).toBe('a');
    expect(f.double.getPod('ns1', 'a')).toBeUndefined();
  });

  it('graceful deletion sets deletionTimestamp and keeps the pod until finalized', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    const marked = f.double.deletePod('ns1', 'a', { graceful: true });
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(f.double.getPod('ns1', 'a')).toBeDefined();
    f.double.finalizePod('ns1', 'a');
    expect(f.double.getPod('ns1', 'a')).toBeUndefined();
  });
});

describe('ApiServerDouble watch semantics', () => {
  type Ev = { type: string; name?: string; phase?: string; code?: number };
  async function collect(path: string, query: Record<string, string>): Promise<{ events: Ev[]; done: () => boolean; abort: () => void }> {
    const events: Ev[] = [];
    let finished = false;
    const ctl = await new Watch(f.kc).watch(
      path,
      query,
      (type, obj) => events.push({ type, name: obj?.metadata?.name, phase: obj?.status?.phase, code: obj?.code }),
      () => (finished = true),
    );
    return { events, done: () => finished, abort: () => ctl.abort() };
  }

  it('watch from a list resourceVersion streams only later ADDED/MODIFIED/DELETED, filtered by node', async () => {
    f.double.addPod(podSpec('old', { namespace: 'ns1', nodeName: 'n1' }));
    const list = await f.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=n1' });
    const w = await collect('/api/v1/pods', { resourceVersion: list.metadata!.resourceVersion!, fieldSelector: 'spec.nodeName=n1' });
    f.double.addPod(podSpec('new', { namespace: 'ns2', nodeName: 'n1' }));
    f.double.addPod(podSpec('elsewhere', { namespace: 'ns2', nodeName: 'n2' }));
    f.double.setPodPhase('ns2', 'new', 'Running');
    f.double.deletePod('ns2', 'new');
    await until(() => w.events.length >= 3, 'three events');
    expect(w.events).toEqual([
      { type: 'ADDED', name: 'new', phase: 'Pending', code: undefined },
      { type: 'MODIFIED', name: 'new', phase: 'Running', code: undefined },
      { type: 'DELETED', name: 'new', phase: 'Running', code: undefined },
    ]);
    w.abort();
    await until(() => f.double.openWatchCount() === 0, 'watch released after client abort');
  });

  it('watch without a resourceVersion starts with synthetic ADDED events; namespace scoping holds', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1' }));
    f.double.addPod(podSpec('b', { namespace: 'ns2' }));
    const w = await collect('/api/v1/namespaces/ns1/pods', {});
    await until(() => w.events.length >= 1, 'initial event');
    f.double.addPod(podSpec('c', { namespace: 'ns2' }));
    f.double.addPod(podSpec('d', { namespace: 'ns1' }));
    await until(() => w.events.length >= 2, 'live event');
    expect(w.events.map((e) => `${e.type}:${e.name}`)).toEqual(['ADDED:a', 'ADDED:d']);
    w.abort();
  });

  it('a too-old resourceVersion gets an ERROR event with a 410 Expired Status, then the stream ends', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1' }));
    const rv = (await f.core.listPodForAllNamespaces({})).metadata!.resourceVersion!;
    f.double.expireResourceVersions();
    const w = await collect('/api/v1/pods', { resourceVersion: rv });
    await until(() => w.done(), 'stream end');
    expect(w.events).toEqual([{ type: 'ERROR', name: undefined, phase: undefined, code: 410 }]);
    const fresh = (await f.core.listPodForAllNamespaces({})).metadata!.resourceVersion!;
    expect(Number(fresh)).toBeGreaterThan(Number(rv));
    const w2 = await collect('/api/v1/pods', { resourceVersion: fresh });
    f.double.addPod(podSpec('b', { namespace: 'ns1' }));
    await until(() => w2.events.length >= 1, 'event after relist');
    expect(w2.events[0]).toMatchObject({ type: 'ADDED', name: 'b' });
    w2.abort();
  });

  it('history beyond the limit expires: watching from before it is 410', async () => {
    await f.close();
    f = await startDouble({ historyLimit: 3 });
    f.double.addPod(podSpec('a', { namespace: 'ns1' }));
    const rv = (await f.core.listPodForAllNamespaces({})).metadata!.resourceVersion!;
    for (const n of ['b', 'c', 'd', 'e']) f.double.addPod(podSpec(n, { namespace: 'ns1' }));
    const w = await collect('/api/v1/pods', { resourceVersion: rv });
    await until(() => w.done(), 'stream end');
    expect(w.events.map((e) => e.code)).toEqual([410]);
  });

  it('a label change moving a pod out of the selector is a DELETED event', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1', labels: { app: 'x' } }));
    const rv = (await f.core.listPodForAllNamespaces({})).metadata!.resourceVersion!;
    const w = await collect('/api/v1/pods', { resourceVersion: rv, labelSelector: 'app=x' });
    await f.core.patchNamespacedPod({ namespace: 'ns1', name: 'a', body: { metadata: { labels: { app: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await until(() => w.events.length >= 1, 'event');
    expect(w.events[0]).toMatchObject({ type: 'DELETED', name: 'a' });
    w.abort();
  });

  it('timeoutSeconds ends the watch from the server side', async () => {
    const w = await collect('/api/v1/pods', { timeoutSeconds: '1' });
    await until(() => w.done(), 'server-side timeout', 5000);
    expect(f.double.openWatchCount()).toBe(0);
  });

  it('stop() ends open watches (the client sees done) and releases them', async () => {
    const w = await collect('/api/v1/pods', {});
    await until(() => f.double.openWatchCount() === 1, 'watch registered');
    await f.double.stop();
    await until(() => w.done(), 'client done callback');
    expect(f.double.openWatchCount()).toBe(0);
    await f.double.stop();
  });

  it('closeWatches() ends streams cleanly and BOOKMARKs are sent when asked for', async () => {
    await f.close();
    f = await startDouble({ bookmarkIntervalMs: 20 });
    const w = await collect('/api/v1/pods', { allowWatchBookmarks: 'true' });
    await until(() => w.events.some((e) => e.type === 'BOOKMARK'), 'bookmark');
    f.double.closeWatches();
    await until(() => w.done(), 'done');
    expect(f.double.openWatchCount()).toBe(0);
  });
});
