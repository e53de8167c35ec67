import { describe, expect, it } from 'vitest';
import type { EpcModel } from '../../src/epc/index.js';
import { bareEnclave, cg, newModel, ok, run } from './model-helpers.js';

/** Which cgroups lost pages in the last step, in path order. */
function evictedDelta(m: EpcModel, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [path, s] of Object.entries(m.snapshot().cgroups)) {
    const d = s.evicted - (before[path] ?? 0);
    if (d > 0) out[path] = d;
  }
  return out;
}
const evictedNow = (m: EpcModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.snapshot().cgroups).map(([p, s]) => [p, s.evicted]));

describe('reclaim: per-cgroup pre-order cursors', () => {
  // A DO_RECLAIM charge that fails runs reclaim(g, 1) on the CHARGING cgroup g: here pages are
  // charged to /P itself (enclave p lives in /P), so P's cursor walks P's subtree.
  it('the cursor visits the subtree in pre-order (creation order) and wraps to its root', () => {
    const m = newModel([{ path: '/P', max: 64 }, { path: '/P/A' }, { path: '/P/A/X' }, { path: '/P/B' }, { path: '/P/C' }]);
    bareEnclave(m, 'a', '/P/A', 16);
    bareEnclave(m, 'x', '/P/A/X', 16);
    bareEnclave(m, 'b', '/P/B', 16);
    bareEnclave(m, 'c', '/P/C', 16);
    ok(m, { op: 'create', enclave: 'p', cgroup: '/P', bare: true });
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const before = evictedNow(m);
      ok(m, { op: 'add', enclave: 'p', pages: 16 }); // the first page is refused, one round frees 16
      order.push(...Object.keys(evictedDelta(m, before)));
    }
    // P first (its own LRU empty: the loop moves on), A, X, B, C, then wrap to P (p's pages now).
    expect(order).toEqual(['/P/A', '/P/A/X', '/P/B', '/P/C', '/P']);
  });

  it('each cgroup has its own cursor: reclaiming A moves A\u2019s cursor, not P\u2019s', () => {
    const m = newModel([{ path: '/P', max: 48 }, { path: '/P/A', max: 32 }, { path: '/P/A/X' }, { path: '/P/B' }]);
    bareEnclave(m, 'a', '/P/A', 16);
    bareEnclave(m, 'x', '/P/A/X', 16);
    bareEnclave(m, 'b', '/P/B', 16);
    ok(m, { op: 'create', enclave: 'p', cgroup: '/P', bare: true });
    let before = evictedNow(m);
    ok(m, { op: 'add', enclave: 'a', pages: 1 }); // A at its limit: A's cursor starts at A
    expect(evictedDelta(m, before)).toEqual({ '/P/A': 16 });
    before = evictedNow(m);
    ok(m, { op: 'add', enclave: 'p', pages: 16 }); // P at its limit on the 16th: P's cursor starts at P
    expect(evictedDelta(m, before)).toEqual({ '/P': 15 });
    before = evictedNow(m);
    ok(m, { op: 'add', enclave: 'a', pages: 16 }); // A at its limit again: A's cursor moved on to X
    expect(evictedDelta(m, before)).toEqual({ '/P/A/X': 16 });
  });

  it('rmdir moves an ancestor cursor that points at the removed cgroup to the next one', () => {
    const m = newModel([{ path: '/P', max: 48 }, { path: '/P/A' }, { path: '/P/B' }, { path: '/P/C' }]);
    bareEnclave(m, 'a', '/P/A', 32);
    bareEnclave(m, 'c', '/P/C', 16);
    ok(m, { op: 'create', enclave: 'p', cgroup: '/P', bare: true });
    let before = evictedNow(m);
    ok(m, { op: 'add', enclave: 'p', pages: 1 }); // cursor: P (empty), A evicts 16; cursor now at B
    expect(evictedDelta(m, before)).toEqual({ '/P/A': 16 });
    ok(m, { op: 'rmdir', cgroup: '/P/B' }); // cursor moves to C (not back to A)
    ok(m, { op: 'add', enclave: 'p', pages: 15 });
    before = evictedNow(m);
    ok(m, { op: 'add', enclave: 'p', pages: 1 });
    expect(evictedDelta(m, before)).toEqual({ '/P/C': 16 });
  });

  it('reclaim_pages takes at most 16 from the head; young pages rotate to the tail with their bit cleared', () => {
    const m = newModel([{ path: '/A', max: 40 }]);
    bareEnclave(m, 'b', '/A', 40);
    ok(m, { op: 'access', enclave: 'b', range: [0, 7] }); // 0..7 young, 8..39 cold
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    // One round: 0..7 rotate, 8..15 evicted: 8 evicted, 16 taken >= 1 -> retry succeeds.
    expect(cg(m, '/A')).toMatchObject({ evicted: 8, current: 33, events: 1 });
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: 'sgx_epc max' });
    const r = m.apply({ op: 'access', enclave: 'b', range: [0, 15] });
    expect(r.cost.reloaded).toBe(8); // 8..15 were the evicted ones
  });
});

describe('async work (drain) and ksgxd', () => {
  it('ksgxd is woken when free < 32 after an allocation and reclaims up to 64 free, ignoring limits', () => {
    const m = newModel([{ path: '/A' }, { path: '/B' }]);
    bareEnclave(m, 'a', '/A', 500);
    bareEnclave(m, 'b', '/B', 492); // free = 32: not below the low watermark
    expect(m.ksgxdPending()).toBe(false);
    ok(m, { op: 'add', enclave: 'b', pages: 1 }); // free 31
    expect(m.ksgxdPending()).toBe(true);
    expect(m.snapshot().epc.free).toBe(31);
    ok(m, { op: 'ksgxd' });
    // 31 -> 47 -> 63 -> 79: three rounds of 16 from root's cursor (root, A, B, ...).
    expect(m.snapshot().epc.free).toBe(79);
    expect(m.ksgxdPending()).toBe(false);
    expect(cg(m, '/A').evicted + cg(m, '/B').evicted).toBe(48);
    expect(cg(m, '/A').evicted).toBe(32); // cursor: root (empty), A, B, then wraps: root, A
    ok(m, { op: 'ksgxd' }); // not woken again: nothing happens
    expect(m.snapshot().epc.free).toBe(79);
  });

  it('ksgxd is not woken when nothing is reclaimable (only SECS/VA pages)', () => {
    const m = newModel([{ path: '/A' }], { capacityPages: 40 });
    for (let i = 0; i < 5; i++) ok(m, { op: 'create', enclave: `e${i}`, cgroup: '/A' });
    expect(m.snapshot().epc.free).toBe(30);
    expect(m.ksgxdPending()).toBe(false);
  });

  it('ksgxd auto runs global reclaim after the step that woke it', () => {
    const m = newModel([{ path: '/A' }], { ksgxd: 'auto' });
    bareEnclave(m, 'a', '/A', 993);
    expect(m.ksgxdPending()).toBe(false);
    expect(m.snapshot().epc.free).toBe(79);
  });

  it('drain runs queued work; work is coalesced per cgroup; manual mode waits for drain', () => {
    const m = newModel([{ path: '/A', max: 200 }, { path: '/B', max: 200 }]);
    bareEnclave(m, 'a', '/A', 170); // should_reclaim: 170 >= 200 - 32
    expect(m.hasPendingWork()).toBe(true);
    bareEnclave(m, 'b', '/B', 180);
    expect(cg(m, '/A').evicted + cg(m, '/B').evicted).toBe(0);
    const r = m.apply({ op: 'drain' });
    // A: 170 -> 154 (< 168); B: 180 -> 164; each item ran once even though many charges queued it.
    expect(r.cost.evicted).toBe(32);
    expect(cg(m, '/A')).toMatchObject({ current: 154, evicted: 16 });
    expect(cg(m, '/B')).toMatchObject({ current: 164, evicted: 16 });
    expect(m.hasPendingWork()).toBe(false);
  });

  it('the limit margin: above 128 pages the worker keeps 32 free, at or below it keeps none', () => {
    const small = newModel([{ path: '/A', max: 128 }]);
    bareEnclave(small, 'a', '/A', 127);
    expect(small.hasPendingWork()).toBe(false);
    ok(small, { op: 'add', enclave: 'a', pages: 1 });
    expect(small.hasPendingWork()).toBe(true);
    const big = newModel([{ path: '/A', max: 129 }]);
    bareEnclave(big, 'a', '/A', 96);
    expect(big.hasPendingWork()).toBe(false);
    ok(big, { op: 'add', enclave: 'a', pages: 1 }); // 97 >= 129 - 32
    expect(big.hasPendingWork()).toBe(true);
  });

  it('should_reclaim uses the minimum limit over the ancestors', () => {
    const m = newModel([{ path: '/P', max: 50 }, { path: '/P/A' }]);
    bareEnclave(m, 'a', '/P/A', 49);
    expect(m.hasPendingWork()).toBe(false);
    ok(m, { op: 'add', enclave: 'a', pages: 1 });
    expect(m.hasPendingWork()).toBe(true);
    ok(m, { op: 'drain' });
    expect(cg(m, '/P/A')).toMatchObject({ current: 34, evicted: 16 });
  });

  it('runPendingWork(maxItems) runs items in queue order and returns pages evicted', () => {
    const m = newModel([{ path: '/A', max: 64 }, { path: '/B', max: 64 }]);
    bareEnclave(m, 'b', '/B', 64); // B queued first
    bareEnclave(m, 'a', '/A', 64);
    expect(m.runPendingWork(1)).toBe(16);
    expect(cg(m, '/B').evicted).toBe(16);
    expect(cg(m, '/A').evicted).toBe(0);
    expect(m.runPendingWork()).toBe(16);
    expect(cg(m, '/A').evicted).toBe(16);
  });

  it('workers auto runs the queued work after each step', () => {
    const m = newModel([{ path: '/A', max: 64 }], { workers: 'auto' });
    bareEnclave(m, 'a', '/A', 64);
    expect(m.hasPendingWork()).toBe(false);
    expect(cg(m, '/A')).toMatchObject({ current: 48, evicted: 16 });
  });

  it('onPending fires once per transition to pending, in manual mode only', () => {
    let calls = 0;
    const m = newModel([{ path: '/A', max: 64 }, { path: '/B', max: 64 }], { onPending: () => calls++ });
    bareEnclave(m, 'a', '/A', 64);
    expect(calls).toBe(1);
    bareEnclave(m, 'b', '/B', 64); // queue already non-empty: no new transition
    expect(calls).toBe(1);
    ok(m, { op: 'drain' });
    bareEnclave(m, 'c', '/A', 16); // A at 48 + 16 = 64 again
    expect(calls).toBe(2);
    // Mixed modes: only the manual half counts (ksgxd auto woken meanwhile must not hide work).
    let mixed = 0;
    const mix = newModel([{ path: '/A', max: 1030 }], { ksgxd: 'auto', onPending: () => mixed++ });
    bareEnclave(mix, 'a', '/A', 1000); // wakes ksgxd (auto) at 993, then queues A's work at 998
    expect(mix.hasPendingWork()).toBe(true);
    expect(mixed).toBe(1);
    let ks = 0;
    const kman = newModel([{ path: '/A' }], { workers: 'auto', onPending: () => ks++ });
    bareEnclave(kman, 'a', '/A', 1000);
    expect(kman.ksgxdPending()).toBe(true);
    expect(ks).toBe(1);
    let autoCalls = 0;
    const auto = newModel([{ path: '/A', max: 64 }], { workers: 'auto', ksgxd: 'auto', onPending: () => autoCalls++ });
    bareEnclave(auto, 'a', '/A', 64);
    expect(autoCalls).toBe(0);
  });
});

describe('cgroup tree', () => {
  it.each([
    { name: 'mkdir existing', step: { op: 'mkdir', cgroup: '/A' }, errno: 'EEXIST' },
    { name: 'mkdir root', step: { op: 'mkdir', cgroup: '/' }, errno: 'EEXIST' },
    { name: 'mkdir without parent', step: { op: 'mkdir', cgroup: '/X/Y' }, errno: 'ENOENT' },
    { name: 'mkdir relative path', step: { op: 'mkdir', cgroup: 'A' }, errno: 'EINVAL' },
    { name: 'mkdir empty component', step: { op: 'mkdir', cgroup: '/A//B' }, errno: 'EINVAL' },
    { name: 'mkdir trailing slash', step: { op: 'mkdir', cgroup: '/A/' }, errno: 'EINVAL' },
    { name: 'mkdir dot-dot', step: { op: 'mkdir', cgroup: '/A/..' }, errno: 'EINVAL' },
    { name: 'rmdir unknown', step: { op: 'rmdir', cgroup: '/nope' }, errno: 'ENOENT' },
    { name: 'rmdir with a child', step: { op: 'rmdir', cgroup: '/A' }, errno: 'EBUSY' },
    { name: 'rmdir with charges', step: { op: 'rmdir', cgroup: '/B' }, errno: 'EBUSY' },
    { name: 'rmdir root', step: { op: 'rmdir', cgroup: '/' }, errno: 'EBUSY' },
  ])('$name is $errno', ({ step, errno }) => {
    const m = newModel([{ path: '/A' }, { path: '/A/C' }, { path: '/B' }]);
    bareEnclave(m, 'b', '/B', 1);
    expect(run(m, [step as never])[0].result).toBe(errno);
  });

  it('rmdir succeeds once charges and children are gone; the path can be made again', () => {
    const m = newModel([{ path: '/A' }, { path: '/A/C' }]);
    bareEnclave(m, 'b', '/A/C', 3);
    ok(m, { op: 'destroy', enclave: 'b' });
    ok(m, { op: 'rmdir', cgroup: '/A/C' });
    ok(m, { op: 'rmdir', cgroup: '/A' });
    expect(m.cgroups()).toEqual(['/']);
    ok(m, { op: 'mkdir', cgroup: '/A' });
    expect(cg(m, '/A')).toEqual({ max: 'max', current: 0, peak: 0, events: 0, eventsLocal: 0, evicted: 0, reloaded: 0 });
  });

  it('an enclave whose cgroup was removed cannot charge it any more (ENOENT)', () => {
    const m = newModel([{ path: '/A' }]);
    ok(m, { op: 'create', enclave: 'b', cgroup: '/A', bare: true });
    ok(m, { op: 'rmdir', cgroup: '/A' });
    expect(run(m, [{ op: 'add', enclave: 'b', pages: 1 }])[0].result).toBe('ENOENT');
  });

  it('cgroups() lists paths in creation order', () => {
    const m = newModel([{ path: '/B' }, { path: '/A' }, { path: '/B/X' }]);
    expect(m.cgroups()).toEqual(['/', '/B', '/A', '/B/X']);
  });
});
