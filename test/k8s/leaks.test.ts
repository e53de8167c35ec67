import { afterEach, describe, expect, it } from 'vitest';
import { NodeAdvertiser } from '../../src/k8s/node-advertiser.js';
import { PodInformer } from '../../src/k8s/pod-informer.js';
import { podSpec, startDouble, until, type DoubleFixture } from '../testbed/api-server/double-fixture.js';

/** Handles that keep a process alive: servers, sockets, timers. */
function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (/TCP|Timeout|Pipe/.test(r)) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

let f: DoubleFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('stop releases every socket, watch and timer', () => {
  it('double + informer + advertiser leave no TCP servers or sockets behind', async () => {
    const before = liveHandles();
    f = await startDouble();
    f.double.addNode('n1');
    f.double.addPod(podSpec('a', { namespace: 'ns1', nodeName: 'n1' }));
    const inf = new PodInformer({ kubeConfig: f.kc, nodeName: 'n1' });
    const adv = new NodeAdvertiser({ kubeConfig: f.kc, nodeName: 'n1', capacityBytes: 1024, intervalMs: 10 });
    await inf.start();
    adv.start();
    await inf.waitForSync(5000);
    await until(() => f!.double.getNode('n1').status?.capacity?.['sgx.intel.com/epc'] === '1024', 'advertised');
    expect(f.double.openWatchCount()).toBe(1);
    await adv.stop();
    await inf.stop();
    await until(() => f!.double.openWatchCount() === 0, 'watch released');
    const requests = f.double.requestLog.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(f.double.requestLog.length).toBe(requests);
    await f.close();
    f = undefined;
    await until(() => {
      const now = liveHandles();
      return Object.entries(now).every(([k, v]) => v <= (before[k] ?? 0));
    }, `handles back to the baseline ${JSON.stringify(before)}`, 5000).catch((e) => {
      throw new Error(`${(e as Error).message}; now ${JSON.stringify(liveHandles())}`);
    });
  });
});
