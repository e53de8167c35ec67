/**
 * The owner prefetch (pure parts, fake clock): one List serves every pending prefetch, tries stop
 * after the give-up bound, prefetch Lists stay within their budget whatever the Allocate rate,
 * and a List that began before an Allocate never names the IDs' old owner.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceOwnerCache } from '../../src/agent/device-owner-cache.js';
import { OwnerPrefetch, type PrefetchOutcome } from '../../src/agent/owner-prefetch.js';
import type { PodDevices } from '../../src/agent/pod-devices.js';
import { RateBudget } from '../../src/util/rate-budget.js';

const E = 'sgx.intel.com/enclave';

/** A fake node: kubelet's committed slots (slot -> pod name), the informer's pods, Lists counted and optionally held. */
class Node {
  assigned = new Map<string, string>();
  pods = new Map<string, any>();
  lists = 0;
  /** When set, each List waits for `release()` and answers what was assigned when it began. */
  hold = false;
  private held: (() => void)[] = [];
  readonly owners = new DeviceOwnerCache();
  readonly outcomes: PrefetchOutcome[] = [];

  snapshot(): PodDevices[] {
    return [...this.assigned].map(([slot, name]) => ({ namespace: 'ns', name, containers: [{ name: 'app', devices: [{ resource_name: E, device_ids: [slot] }] }] }));
  }

  lister = {
    list: (): Promise<PodDevices[]> => {
      this.lists++;
      const answer = this.snapshot();
      if (!this.hold) return Promise.resolve(answer);
      return new Promise((r) => this.held.push(() => r(answer)));
    },
    close: () => undefined,
  };

  release(): void {
    for (const r of this.held.splice(0)) r();
  }

  addPod(name: string, uid: string, extra: Record<string, unknown> = {}): void {
    this.pods.set(name, { metadata: { name, namespace: 'ns', uid, ...extra }, status: { phase: 'Pending' } });
  }

  prefetch(limits: Record<string, number> = {}): OwnerPrefetch {
    return new OwnerPrefetch({
      podResources: this.lister, resourceName: E, owners: this.owners,
      pods: { get: (ns, name) => (ns === 'ns' ? this.pods.get(name) : undefined) },
      limits, now: () => Date.now(), onOutcome: (o) => this.outcomes.push(o),
    });
  }

  /** kubelet: Allocate of `slot` (the agent's hook: cache forget, then prefetch), then commit to `pod`. */
  allocate(p: OwnerPrefetch, slot: string, pod: string, commit = true): void {
    this.owners.forgetDevices([slot]);
    p.allocated([slot]);
    if (commit) this.assigned.set(slot, pod);
  }
}

describe('RateBudget', () => {
  it('spends its burst, then one token per 1/rate, and takes refunds up to the burst', () => {
    let t = 0;
    const b = new RateBudget(5, 2, () => t);
    expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
    expect(b.waitMs()).toBeCloseTo(200);
    t = 100;
    expect(b.take()).toBe(false);
    t = 200;
    expect(b.take()).toBe(true);
    b.refund();
    b.refund();
    b.refund();
    expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
    expect(() => new RateBudget(0, 1)).toThrow(/ratePerSec > 0/);
  });
});

describe('OwnerPrefetch (fake clock)', () => {
  let node: Node;
  beforeEach(() => {
    vi.useFakeTimers();
    node = new Node();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('learns the owner (with the informer UID) after the first-try pause, with one List; a PreStart claims it once', async () => {
    const p = node.prefetch();
    node.addPod('a', 'uid-a');
    node.allocate(p, 'e-1', 'a');
    await vi.advanceTimersByTimeAsync(4);
    expect(node.lists).toBe(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(node.lists).toBe(1);
    expect(node.owners.lookup(['e-1'])).toEqual({ namespace: 'ns', pod: 'a', container: 'app', uid: 'uid-a' });
    expect(p.pendingCount).toBe(0);
    expect(p.settle(['e-1'])).toBeUndefined();
    expect(p.claim(['e-1'])).toBe(true);
    expect(p.claim(['e-1'])).toBe(false); // a restart later is a restart
    expect(node.outcomes).toEqual(['resolved', 'claimed']);
    p.close();
  });

  it('coalesces: a burst of Allocates is served by one List in flight at a time', async () => {
    const p = node.prefetch();
    node.hold = true;
    for (let i = 0; i < 20; i++) {
      node.addPod(`p${i}`, `uid-${i}`);
      node.allocate(p, `e-${i}`, `p${i}`);
    }
    await vi.advanceTimersByTimeAsync(50);
    expect(node.lists).toBe(1); // still in flight: no second List meanwhile
    node.release();
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 20; i++) expect(node.owners.lookup([`e-${i}`])?.uid).toBe(`uid-${i}`);
    await vi.advanceTimersByTimeAsync(2000);
    expect(node.lists).toBe(1);
    p.close();
  });

  it('backs off while the IDs are not listed, and gives up within the bound', async () => {
    const p = node.prefetch({ firstDelayMs: 5, maxDelayMs: 320, giveUpMs: 1500, ratePerSec: 100, burst: 100 });
    node.allocate(p, 'e-1', 'a', false); // never committed (the Allocate answer was lost)
    await vi.advanceTimersByTimeAsync(10_000);
    // Tries at 5, 15, 35, 75, 155, 315, 635, 955, 1275 ms: doubling pauses capped at 320, none after 1500.
    expect(node.lists).toBe(9);
    expect(p.pendingCount).toBe(0);
    expect(node.outcomes).toEqual(['gave-up']);
    p.close();
  });

  it('a commit seen on a retry is remembered (kubelet committed a little after the first List)', async () => {
    const p = node.prefetch();
    node.addPod('a', 'uid-a');
    node.allocate(p, 'e-1', 'a', false);
    await vi.advanceTimersByTimeAsync(6);
    expect(node.lists).toBe(1);
    node.assigned.set('e-1', 'a');
    await vi.advanceTimersByTimeAsync(10);
    expect(node.lists).toBe(2);
    expect(node.owners.lookup(['e-1'])?.uid).toBe('uid-a');
    p.close();
  });

  it('hostile churn: Allocates at 1 kHz for 3 s cost at most burst + rate x 3 s Lists, and the waiting set stays bounded', async () => {
    const p = node.prefetch({ ratePerSec: 5, burst: 5, maxPending: 64 });
    let maxPending = 0;
    for (let i = 0; i < 3000; i++) {
      node.addPod(`p${i}`, `uid-${i}`);
      node.allocate(p, `e-${i % 500}`, `p${i}`, i % 2 === 0); // half never committed: those retry
      maxPending = Math.max(maxPending, p.pendingCount);
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(node.lists).toBeGreaterThan(0);
    expect(node.lists).toBeLessThanOrEqual(5 + 5 * 5); // 3 s of churn + 2 s of tail
    expect(maxPending).toBeLessThanOrEqual(64);
    expect(p.pendingCount).toBe(0);
    p.close();
  });

  it('claimed owners give their List back: starts keep the prefetch going beyond the bare rate', async () => {
    const p = node.prefetch({ ratePerSec: 1, burst: 2 });
    let hits = 0;
    for (let i = 0; i < 20; i++) {
      node.addPod(`p${i}`, `uid-${i}`);
      node.allocate(p, `e-${i}`, `p${i}`);
      await vi.advanceTimersByTimeAsync(30); // the sandbox gap
      p.settle([`e-${i}`]);
      if (node.owners.lookup([`e-${i}`]) && p.claim([`e-${i}`])) hits++;
    }
    expect(hits).toBe(20);
    expect(node.lists).toBe(20);
    p.close();
  });

  it('Allocate of slot S to pod B while a List showing S with pod A is in flight: S is never remembered as A', async () => {
    const p = node.prefetch();
    node.addPod('a', 'uid-a');
    node.addPod('b', 'uid-b');
    node.addPod('c', 'uid-c');
    node.allocate(p, 'e-9', 'c'); // another pending prefetch, covered by the List below
    node.assigned.set('e-1', 'a');
    node.hold = true;
    node.allocate(p, 'e-0', 'a');
    await vi.advanceTimersByTimeAsync(6);
    expect(node.lists).toBe(1); // in flight, will show e-1 -> a, e-9 -> c
    // A is deleted in kubelet, S re-allocated to B: the agent forgets S, a new prefetch begins.
    node.assigned.delete('e-1');
    node.allocate(p, 'e-1', 'b');
    node.hold = false;
    node.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(node.owners.lookup(['e-1'])).toBeUndefined();
    expect(node.owners.lookup(['e-9'])).toBeUndefined();
    // e-9's answer in that List is not trusted either (something left the cache meanwhile): tried again.
    await vi.advanceTimersByTimeAsync(50);
    expect(node.owners.lookup(['e-1'])?.uid).toBe('uid-b');
    expect(node.owners.lookup(['e-9'])?.uid).toBe('uid-c');
    p.close();
  });

  it('a PreStart waits for the List in flight begun after its Allocate, and finds the owner it named', async () => {
    const p = node.prefetch();
    node.addPod('a', 'uid-a');
    node.hold = true;
    node.allocate(p, 'e-1', 'a');
    await vi.advanceTimersByTimeAsync(6);
    expect(node.lists).toBe(1);
    const wait = p.settle(['e-1']);
    expect(wait).toBeDefined();
    let done = false;
    void wait!.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    node.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(node.owners.lookup(['e-1'])?.uid).toBe('uid-a');
    expect(p.claim(['e-1'])).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(node.lists).toBe(1);
    expect(p.pendingCount).toBe(0);
    p.close();
  });

  it('a PreStart does not wait for a List begun before its Allocate; an Allocate during a List voids that List for every prefetch', async () => {
    const p = node.prefetch();
    node.addPod('a', 'uid-a');
    node.addPod('b', 'uid-b');
    node.hold = true;
    node.allocate(p, 'e-1', 'a');
    await vi.advanceTimersByTimeAsync(6);
    expect(node.lists).toBe(1);
    node.allocate(p, 'e-2', 'b'); // after that List began
    expect(p.settle(['e-2'])).toBeUndefined(); // nothing that can name it: the PreStart Lists itself
    const wait = p.settle(['e-1']);
    node.release();
    await wait;
    // The cache generation moved while the List was in flight: its answer is not trusted, and
    // e-1's PreStart (waiting) Lists itself rather than waiting for another try.
    expect(node.owners.lookup(['e-1'])).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2000);
    expect(node.lists).toBe(1);
    expect(p.pendingCount).toBe(0);
    p.close();
  });

  it('any List through lister() serves prefetches begun before it; multi-ID keys ignore order', async () => {
    const p = node.prefetch({ firstDelayMs: 100 });
    node.addPod('a', 'uid-a');
    node.owners.forgetDevices(['e-1', 'e-2']);
    p.allocated(['e-2', 'e-1']);
    node.snapshot = () => [{ namespace: 'ns', name: 'a', containers: [{ name: 'app', devices: [{ resource_name: E, device_ids: ['e-1', 'e-2'] }] }] }];
    await p.lister(node.lister).list(); // a PreStart's or the reconciler's List
    await vi.advanceTimersByTimeAsync(0);
    expect(node.owners.lookup(['e-1', 'e-2'])?.uid).toBe('uid-a');
    expect(p.claim(['e-1', 'e-2'])).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(node.lists).toBe(1);
    p.close();
  });

  it('a pod not in the informer yet is tried again; a pod being deleted is given up', async () => {
    const p = node.prefetch();
    node.allocate(p, 'e-1', 'a');
    await vi.advanceTimersByTimeAsync(6);
    expect(node.owners.lookup(['e-1'])).toBeUndefined();
    node.addPod('a', 'uid-a');
    await vi.advanceTimersByTimeAsync(20);
    expect(node.owners.lookup(['e-1'])?.uid).toBe('uid-a');
    node.addPod('b', 'uid-b', { deletionTimestamp: '2026-01-01T00:00:00Z' });
    node.allocate(p, 'e-2', 'b');
    await vi.advanceTimersByTimeAsync(2000);
    expect(node.owners.lookup(['e-2'])).toBeUndefined();
    expect(node.outcomes.filter((o) => o === 'gave-up')).toHaveLength(1);
    p.close();
  });

  it('a failed List is retried within the bounds, and close stops everything', async () => {
    const p = node.prefetch();
    node.addPod('a', 'uid-a');
    let fail = true;
    const list = node.lister.list;
    node.lister.list = () => (fail ? (node.lists++, Promise.reject(new Error('RESOURCE_EXHAUSTED'))) : list());
    node.allocate(p, 'e-1', 'a');
    await vi.advanceTimersByTimeAsync(6);
    expect(node.lists).toBe(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(10);
    expect(node.owners.lookup(['e-1'])?.uid).toBe('uid-a');
    p.close();
    node.allocate(p, 'e-2', 'a');
    await vi.advanceTimersByTimeAsync(2000);
    expect(node.lists).toBe(2);
  });
});
