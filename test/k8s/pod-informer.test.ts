import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodInformer, type PodEvent } from '../../src/k8s/pod-informer.js';
import { podSpec, startDouble, until, type DoubleFixture } from '../testbed/api-server/double-fixture.js';

let f: DoubleFixture;
let informer: PodInformer | undefined;
beforeEach(async () => {
  f = await startDouble();
});
afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await f.close();
});

function makeInformer(nodeName = 'n1'): PodInformer {
  informer = new PodInformer({ kubeConfig: f.kc, nodeName, restartDelayMs: { min: 20, max: 200 } });
  return informer;
}
const names = (inf: PodInformer) => inf.list().map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();

describe('PodInformer against the ApiServerDouble', () => {
  it('syncs only the pods of its node and indexes them by uid and name', async () => {
    const a = f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1', epc: '64Mi' }));
    f.double.addPod(podSpec('b', { namespace: 'ns1', nodeName: 'n2' }));
    f.double.addPod(podSpec('c', { namespace: 'ns1' }));
    const inf = makeInformer();
    expect(inf.hasSynced).toBe(false);
    await inf.start();
    expect(await inf.waitForSync(5000)).toBe(true);
    expect(names(inf)).toEqual(['ns1/a']);
    expect(inf.getByUid(a.metadata.uid)?.metadata?.name).toBe('a');
    expect(inf.get('ns1', 'a')?.spec?.containers[0].resources?.requests?.['sgx.intel.com/epc']).toBe('64Mi');
    expect(inf.get('ns1', 'b')).toBeUndefined();
    const listCalls = f.double.requestLog.filter((r) => r.method === 'GET' && !r.watch);
    expect(listCalls).toHaveLength(1);
    expect(decodeURIComponent(listCalls[0].query)).toContain('fieldSelector=spec.nodeName=n1');
  });

  it('delivers add, update and delete events from the watch', async () => {
    const inf = makeInformer();
    const seen: string[] = [];
    inf.onEvent((e: PodEvent) => seen.push(`${e.type}:${e.pod.metadata?.name}:${e.pod.status?.phase}`));
    await inf.start();
    await inf.waitForSync(5000);
    const p = f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    await until(() => inf.getByUid(p.metadata.uid) !== undefined, 'pod a in the cache');
    f.double.setPodPhase('ns1', 'a', 'Running');
    await until(() => inf.get('ns1', 'a')?.status?.phase === 'Running', 'phase update');
    f.double.deletePod('ns1', 'a');
    await until(() => inf.get('ns1', 'a') === undefined, 'pod deleted');
    expect(inf.getByUid(p.metadata.uid)).toBeUndefined();
    expect(seen).toEqual(['add:a:Pending', 'update:a:Running', 'delete:a:Running']);
  });

  it('waitForPod resolves when the pod arrives, and undefined on timeout', async () => {
    const inf = makeInformer();
    await inf.start();
    await inf.waitForSync(5000);
    const waiting = inf.waitForPod('ns1', 'late', 5000);
    f.double.addPod(podSpec('late', { namespace: 'ns1', nodeName: 'n1' }));
    expect((await waiting)?.metadata?.name).toBe('late');
    expect(await inf.waitForPod('ns1', 'never', 50)).toBeUndefined();
  });

  it('relists after a 410 Expired and catches up with changes it missed', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    f.double.addPod(podSpec('b', { namespace: 'ns1', nodeName: 'n1' }));
    const inf = makeInformer();
    const deleted: string[] = [];
    inf.onEvent((e) => e.type === 'delete' && deleted.push(e.pod.metadata!.name!));
    await inf.start();
    await inf.waitForSync(5000);
    expect(inf.listCount).toBe(1);
    f.double.expireResourceVersions();
    await until(() => inf.listCount === 2, 'relist after 410');
    expect(names(inf)).toEqual(['ns1/a', 'ns1/b']);
    // the new watch works
    f.double.deletePod('ns1', 'a');
    await until(() => inf.get('ns1', 'a') === undefined, 'delete after relist');
    expect(deleted).toEqual(['a']);
    expect(f.double.openWatchCount()).toBe(1);
  });

  it('reconnects from its resourceVersion when the server ends the watch (no relist)', async () => {
    const inf = makeInformer();
    await inf.start();
    await inf.waitForSync(5000);
    f.double.closeWatches();
    f.double.addPod(podSpec('x', { namespace: 'ns1', nodeName: 'n1' }));
    await until(() => inf.get('ns1', 'x') !== undefined, 'pod added while reconnecting');
    expect(inf.listCount).toBe(1);
  });

  it('a failing list and a watch that fails to reconnect (HTTP 500) are retried until they work', async () => {
    f.double.injectFault({ code: 503, method: 'GET', watch: false, times: 1 });
    const inf = makeInformer();
    await inf.start();
    expect(await inf.waitForSync(5000)).toBe(true);
    f.double.injectFault({ code: 500, watch: true, times: 2 });
    f.double.closeWatches();
    f.double.addPod(podSpec('x', { namespace: 'ns1', nodeName: 'n1' }));
    await until(() => inf.get('ns1', 'x') !== undefined, 'pod seen after the faults');
    const failed = f.double.requestLog.filter((r) => r.status >= 500).map((r) => `${r.status}:${r.watch ? 'watch' : 'list'}`);
    expect(failed).toEqual(['503:list', '500:watch', '500:watch']);
    // a watch error resumes from the known resourceVersion (like client-go): one list after the failed one
    expect(inf.listCount).toBe(1);
    expect(f.double.openWatchCount()).toBe(1);
  });

  it('recreated pod with the same name is indexed by its new uid only', async () => {
    const inf = makeInformer();
    await inf.start();
    await inf.waitForSync(5000);
    const first = f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    await until(() => inf.getByUid(first.metadata.uid) !== undefined, 'first');
    f.double.deletePod('ns1', 'a');
    const second = f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    await until(() => inf.getByUid(second.metadata.uid) !== undefined, 'second');
    expect(inf.getByUid(first.metadata.uid)).toBeUndefined();
  });

  it('keeps retrying while the API server is down and syncs once it is back', async () => {
    f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    const url = f.double.url;
    await f.double.stop();
    const inf = makeInformer();
    await inf.start();
    expect(await inf.waitForSync(300)).toBe(false);
    await f.double.start();
    expect(f.double.url).toBe(url);
    expect(await inf.waitForSync(10_000)).toBe(true);
    expect(names(inf)).toEqual(['ns1/a']);
    f.double.addPod(podSpec('b', { namespace: 'ns1', nodeName: 'n1' }));
    await until(() => inf.get('ns1', 'b') !== undefined, 'watch works after the outage');
    await inf.stop();
  });

  it('start and stop are idempotent, stop before start is safe, and stop releases the watch', async () => {
    const inf = makeInformer();
    await inf.stop();
    await Promise.all([inf.start(), inf.start()]);
    await inf.waitForSync(5000);
    await until(() => f.double.openWatchCount() === 1, 'one watch');
    await inf.stop();
    await inf.stop();
    await until(() => f.double.openWatchCount() === 0, 'watch released');
    // cache stays readable after stop
    expect(inf.list()).toEqual([]);
    const before = f.double.requestLog.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(f.double.requestLog.length).toBe(before);
  });
});
