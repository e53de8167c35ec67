/**
 * The owner prefetch on the real stack (`epc agent` and `epc controller` as child processes, the
 * kubelet emulator with kubelet's pod-resources rate limit, the API server double): a first start
 * after a sandbox gap finds its owner learned after Allocate, so kubelet's pod-resources server
 * sees no List while the PreStartContainer is in flight, and the right pod is bound (on the model
 * even before kubelet asks: bound ahead); a burst of
 * Allocates (pods churning, never started) costs no more Lists than the prefetch budget.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStack, ENCLAVE, eventually } from './agent-stack.js';

const MI = 1024 * 1024;
/** The agent's prefetch budget (DEFAULT_PREFETCH_LIMITS): 5 Lists a second, burst 5. */
const RATE = 5;
const BURST = 5;
let s: AgentStack;

beforeAll(async () => {
  // No periodic reconcile during the test (its Lists would be counted too); pod events still trigger rounds.
  s = await AgentStack.start({ agentArgs: ['--reconcile-interval', '1h'], kubelet: { podResourcesRateLimit: { qps: 100, burst: 10 } } });
}, 300_000);
afterAll(async () => {
  await s?.stop();
});

const cgroupOf = (pod: any) => `/kubepods/besteffort/pod${pod.metadata.uid}`;
const metric = async (re: RegExp) => Number(re.exec(await (await s.fetch('/metrics')).text())?.[1] ?? 0);
const rounds = () => metric(/epc_reconcile_rounds_total\{result="ok"\} (\d+)/);

/** Waits until the reconcile rounds the pod events triggered are over (no round for two polls 400 ms apart). */
async function reconcileQuiet(): Promise<void> {
  let last = -1;
  for (;;) {
    const now = await rounds();
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 400));
  }
}

describe('owner prefetch (real processes)', () => {
  it('first starts after a sandbox gap make no pod-resources List inside PreStartContainer and bind their own pod', async () => {
    const pods = ['gap-a', 'gap-b', 'gap-c'].map((n, i) => s.createPod(n, `${4 * (i + 1)}Mi`));
    await reconcileQuiet();
    const claimed0 = await metric(/epc_owner_prefetch_total\{outcome="claimed"\} (\d+)/);
    for (const [i, pod] of pods.entries()) {
      const from = s.kubelet.events.length;
      await s.kubelet.admitPod(pod, { sandboxGapMs: 200 });
      const prestart = s.kubelet.events.slice(from).find((e) => e.type === 'prestart');
      expect(prestart).toMatchObject({ type: 'prestart', podResourcesLists: 0 });
      expect(prestart).not.toHaveProperty('error');
      const start = s.starts.find((x) => x.pod === `default/${pod.metadata.name}`);
      expect(start).toMatchObject({ restart: 0, boundTo: cgroupOf(pod), miscMax: `sgx_epc ${4 * (i + 1) * MI}\n` });
    }
    expect(await metric(/epc_owner_prefetch_total\{outcome="claimed"\} (\d+)/)).toBe(claimed0 + pods.length);
    // A restart is still a restart (no List either), and a start on Allocate's heels still binds (it Lists itself).
    await s.kubelet.restartContainer('default', 'gap-a', 'c0');
    expect(s.starts.filter((x) => x.pod === 'default/gap-a')[1]).toMatchObject({ restart: 1, boundTo: cgroupOf(pods[0]) });
    const now = s.createPod('gap-zero', '2Mi');
    await reconcileQuiet();
    await s.kubelet.admitPod(now, { sandboxGapMs: 0 });
    expect(s.starts.find((x) => x.pod === 'default/gap-zero')).toMatchObject({ boundTo: cgroupOf(now), miscMax: `sgx_epc ${2 * MI}\n` });
    for (const n of ['gap-a', 'gap-b', 'gap-c', 'gap-zero']) s.deletePod(n);
    await reconcileQuiet();
  });

  it('on the model the pod is bound ahead of its first start; one deleted without ever starting is cleaned up', async () => {
    const pods = [s.createPod('ahead', '12Mi'), s.createPod('ahead-never', '10Mi')];
    await reconcileQuiet();
    const slots: string[] = [];
    for (const [i, pod] of pods.entries()) {
      const slot = (await s.kubelet.admitPod(pod, { start: false })).containers[0].devices.get(ENCLAVE)![0];
      slots.push(slot);
      expect(await eventually(async () => (await s.control.bindings()).find((b) => b.slot === slot)?.path)).toBe(cgroupOf(pod));
      expect(await s.control.readFile(cgroupOf(pod), 'misc.max')).toBe(`sgx_epc ${(12 - 2 * i) * MI}\n`);
    }
    const from = s.kubelet.events.length;
    await s.kubelet.restartContainer('default', 'ahead', 'c0'); // its first start
    expect(s.kubelet.events.slice(from).find((e) => e.type === 'prestart')).toMatchObject({ podResourcesLists: 0 });
    expect(s.starts.find((x) => x.pod === 'default/ahead')).toMatchObject({ restart: 0, boundTo: cgroupOf(pods[0]), miscMax: `sgx_epc ${12 * MI}\n` });
    s.deletePod('ahead-never');
    expect(await eventually(async () => !(await s.control.bindings()).some((b) => b.slot === slots[1]))).toBe(true);
    s.deletePod('ahead');
    await reconcileQuiet();
  });

  it('a burst of Allocates (pods churning, never started) costs at most the prefetch budget in Lists; starts after it still skip the List', async () => {
    await new Promise((r) => setTimeout(r, 1000 / RATE * BURST)); // the budget is full again
    const lists0 = s.kubelet.podResourcesListCalls;
    const prefetchLists0 = await metric(/epc_owner_prefetch_lists_total\{result="ok"\} (\d+)/);
    const t0 = performance.now();
    // 60 admissions, pods kubelet knows and the API server (and the agent's informer) does not: their owner can never be learned.
    const churn = (i: number) => ({ metadata: { name: `churn-${i}`, namespace: 'default', uid: randomUUID() }, spec: { containers: [{ name: 'c0', resources: { requests: { [ENCLAVE]: '1' }, limits: { [ENCLAVE]: '1' } } }] } });
    for (let i = 0; i < 60; i++) {
      await s.kubelet.admitPod(churn(i), { start: false });
      if (i >= 8) s.kubelet.removePod('default', `churn-${i - 8}`);
    }
    // Every prefetch gives up 1.5 s after its Allocate: wait that out, then count.
    await new Promise((r) => setTimeout(r, 2500));
    const seconds = (performance.now() - t0) / 1000;
    const lists = s.kubelet.podResourcesListCalls - lists0;
    expect(lists).toBeGreaterThan(0);
    expect(lists, `${lists} Lists in ${seconds.toFixed(2)} s`).toBeLessThanOrEqual(BURST + Math.ceil(RATE * seconds));
    expect(await metric(/epc_owner_prefetch_lists_total\{result="ok"\} (\d+)/) - prefetchLists0).toBe(lists);
    for (let i = 52; i < 60; i++) s.kubelet.removePod('default', `churn-${i}`);

    const pod = s.createPod('after-churn', '6Mi');
    await reconcileQuiet();
    const from = s.kubelet.events.length;
    await s.kubelet.admitPod(pod, { sandboxGapMs: 200 });
    expect(s.kubelet.events.slice(from).find((e) => e.type === 'prestart')).toMatchObject({ podResourcesLists: 0 });
    expect(await eventually(() => s.starts.find((x) => x.pod === 'default/after-churn'))).toMatchObject({ boundTo: cgroupOf(pod), miscMax: `sgx_epc ${6 * MI}\n` });
  });
});
