/**
 * The lean reflector loop against the ApiServerDouble reached through `loadKubeAccess` (what the
 * agent runs): bookmarks move the resourceVersion, a silent watch is resumed without a relist,
 * a 410 relists and replays deletions, errors back off and recover, stop releases everything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/k8s/kube-access.js';
import { KubeHttp } from '../../src/k8s/kube-http.js';
import { ListWatch, type KubeObject } from '../../src/k8s/list-watch.js';
import { PodInformer } from '../../src/k8s/pod-informer.js';
import { podSpec, startDouble, until, type DoubleFixture } from '../testbed/api-server/double-fixture.js';

let f: DoubleFixture | undefined;
let lw: ListWatch<KubeObject> | undefined;
afterEach(async () => {
  await lw?.stop();
  lw = undefined;
  await f?.close();
  f = undefined;
});

async function start(o: { bookmarkIntervalMs?: number; idleMs?: number; watchTimeoutSeconds?: number } = {}) {
  f = await startDouble({ bookmarkIntervalMs: o.bookmarkIntervalMs });
  const http = new KubeHttp(await loadKubeAccess({ file: f.kubeconfigPath }));
  const seen: string[] = [];
  const errors: string[] = [];
  let lists = 0;
  lw = new ListWatch<KubeObject>({
    http, path: '/api/v1/pods', fieldSelector: 'spec.nodeName=n1', backoffMs: { min: 10, max: 50 }, idleMs: o.idleMs, watchTimeoutSeconds: o.watchTimeoutSeconds,
    onChange: (t, p) => seen.push(`${t}:${p.metadata?.name}`),
    onList: () => lists++,
    onError: (e) => errors.push(e.message),
  });
  await lw.start();
  return { double: f.double, lw, seen, errors, lists: () => lists, watches: () => f!.double.requestLog.filter((r) => r.watch).length };
}

describe('ListWatch (lean client)', () => {
  it('lists, then watches with bookmarks: a bookmark moves the resourceVersion without an event', async () => {
    const t = await start({ bookmarkIntervalMs: 30 });
    t.double.addPod(podSpec('a', { namespace: 'ns', nodeName: 'n1' }));
    await until(() => t.seen.includes('add:a'), 'a added');
    t.double.addPod(podSpec('other', { namespace: 'ns', nodeName: 'n2' })); // moves the store's version, filtered out
    const rv = t.lw.lastResourceVersion;
    await until(() => t.lw.lastResourceVersion !== rv, 'bookmark moved the resourceVersion');
    expect(t.seen).toEqual(['add:a']);
    await t.lw.stop();
    await until(() => t.double.requestLog.some((r) => r.watch), 'the watch logged once closed');
    const w = t.double.requestLog.find((r) => r.watch)!;
    expect(decodeURIComponent(w.query)).toContain('allowWatchBookmarks=true');
    expect(decodeURIComponent(w.query)).toMatch(/timeoutSeconds=\d+/);
  });

  it('resumes a watch that went silent from its resourceVersion, without a relist', async () => {
    const t = await start({ idleMs: 150 });
    await until(() => t.watches() >= 3, 'silent watches resumed');
    t.double.addPod(podSpec('late', { namespace: 'ns', nodeName: 'n1' }));
    await until(() => t.seen.includes('add:late'), 'event after resuming');
    expect(t.lists()).toBe(1);
    expect(t.errors).toEqual([]);
  });

  it('relists after a 410 ERROR event and replays pods deleted meanwhile as deletes', async () => {
    const t = await start();
    t.double.addPod(podSpec('a', { namespace: 'ns', nodeName: 'n1' }));
    await until(() => t.seen.includes('add:a'), 'a');
    await t.lw.stop();
    t.double.deletePod('ns', 'a');
    t.double.addPod(podSpec('b', { namespace: 'ns', nodeName: 'n1' }));
    t.double.expireResourceVersions();
    await t.lw.start(); // its resourceVersion is too old now: the watch gets a 410 and it relists
    await until(() => t.seen.includes('add:b'), 'b after the relist');
    expect(t.seen).toEqual(['add:a', 'delete:a', 'add:b']);
    expect(t.lists()).toBe(2);
  });

  it('backs off through a failing list and watch (real Status errors) and recovers', async () => {
    f = await startDouble();
    f.double.injectFault({ code: 500, method: 'GET', watch: false, times: 2 });
    const inf = new PodInformer({ kubeConfig: await loadKubeAccess({ file: f.kubeconfigPath }), nodeName: 'n1', restartDelayMs: { min: 10, max: 40 } });
    try {
      await inf.start();
      expect(await inf.waitForSync(5000)).toBe(true);
      f.double.injectFault({ code: 503, watch: true, times: 2 });
      f.double.closeWatches();
      f.double.addPod(podSpec('x', { namespace: 'ns', nodeName: 'n1' }));
      await until(() => inf.get('ns', 'x') !== undefined, 'x after the faults');
      expect(inf.listCount).toBe(1);
    } finally {
      await inf.stop();
    }
    await until(() => f!.double.openWatchCount() === 0, 'watch released');
  });

  it('drops managedFields from cached pods (bounded per-pod state)', async () => {
    f = await startDouble();
    f.double.addPod({ ...podSpec('m', { namespace: 'ns', nodeName: 'n1' }), metadata: { name: 'm', namespace: 'ns', managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }] } });
    const inf = new PodInformer({ kubeConfig: await loadKubeAccess({ file: f.kubeconfigPath }), nodeName: 'n1' });
    try {
      await inf.start();
      expect(await inf.waitForSync(5000)).toBe(true);
      expect(inf.get('ns', 'm')?.metadata?.name).toBe('m');
      expect(inf.get('ns', 'm')?.metadata?.managedFields).toBeUndefined();
    } finally {
      await inf.stop();
    }
  });
});
