import { describe, expect, it } from 'vitest';
import { bareEnclave, cg, newModel, ok, read, run } from './model-helpers.js';

describe('charging: peak, events and events.local up the tree', () => {
  it('peak is the high-water mark of current and survives uncharges', () => {
    const m = newModel([{ path: '/A' }]);
    bareEnclave(m, 'b', '/A', 30);
    ok(m, { op: 'destroy', enclave: 'b' });
    bareEnclave(m, 'c', '/A', 10);
    expect(cg(m, '/A')).toMatchObject({ current: 10, peak: 30 });
    expect(read(m, '/A', 'misc.peak')).toBe(`sgx_epc ${30 * 4096}\n`);
    expect(read(m, '/', 'misc.peak')).toBe(`sgx_epc ${30 * 4096}\n`);
  });

  // The 11th page of a bare enclave in /P/Q/R fails once at the level with max 10, reclaims, retries.
  it.each([
    {
      name: 'failure at P: P counts local and events, Q and R nothing',
      cgroups: [{ path: '/P', max: 10 }, { path: '/P/Q' }, { path: '/P/Q/R' }],
      want: { '/P': [1, 1], '/P/Q': [0, 0], '/P/Q/R': [0, 0] },
    },
    {
      name: 'failure at Q: Q counts local and events, P events only, R nothing',
      cgroups: [{ path: '/P', max: 100 }, { path: '/P/Q', max: 10 }, { path: '/P/Q/R' }],
      want: { '/P': [1, 0], '/P/Q': [1, 1], '/P/Q/R': [0, 0] },
    },
    {
      name: 'failure at R: R counts local and events, Q and P events only',
      cgroups: [{ path: '/P' }, { path: '/P/Q' }, { path: '/P/Q/R', max: 10 }],
      want: { '/P': [1, 0], '/P/Q': [1, 0], '/P/Q/R': [1, 1] },
    },
  ])('$name', ({ cgroups, want }) => {
    const m = newModel(cgroups);
    bareEnclave(m, 'b', '/P/Q/R', 10);
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    expect(cg(m, '/P/Q/R')).toMatchObject({ current: 1, evicted: 10 });
    for (const [path, [events, local]] of Object.entries(want)) {
      expect(cg(m, path), path).toMatchObject({ events, eventsLocal: local });
      expect(read(m, path, 'misc.events')).toBe(`sgx_epc.max ${events}\n`);
      expect(read(m, path, 'misc.events.local')).toBe(`sgx_epc.max ${local}\n`);
    }
  });

  it('a failed charge still raises the peak of the levels below the refusing one (misc_cg_try_charge)', () => {
    const m = newModel([{ path: '/P', max: 4 }, { path: '/P/A' }, { path: '/P/B' }]);
    bareEnclave(m, 'a', '/P/A', 2);
    ok(m, { op: 'create', enclave: 'b', cgroup: '/P/B' }); // VA + SECS: P at 4
    expect(run(m, [{ op: 'add', enclave: 'b', pages: 1 }])[0]).toMatchObject({ result: 'ENOMEM' });
    // B went to 3 before P refused (B's watermark moved), then was rolled back to 2.
    expect(cg(m, '/P/B')).toMatchObject({ current: 2, peak: 3, events: 0 });
    expect(cg(m, '/P')).toMatchObject({ current: 4, peak: 4, events: 1, eventsLocal: 1 });
  });

  it('a capacity failure at root counts no event in any child (root has no events file)', () => {
    const m = newModel([{ path: '/A' }, { path: '/B' }], { capacityPages: 64 });
    bareEnclave(m, 'a', '/A', 40);
    bareEnclave(m, 'b', '/B', 24);
    ok(m, { op: 'add', enclave: 'b', pages: 1 }); // B at 25 is fine, root at 65 refuses; B reclaims
    expect(cg(m, '/B')).toMatchObject({ current: 9, evicted: 16, events: 0, eventsLocal: 0 });
    expect(cg(m, '/A')).toMatchObject({ current: 40, evicted: 0, events: 0, eventsLocal: 0 });
    expect(cg(m, '/')).toMatchObject({ current: 49, events: 0, eventsLocal: 1 });
  });

  it('the capacity check applies at every level: one child over capacity is refused at itself', () => {
    const m = newModel([{ path: '/A' }], { capacityPages: 64 });
    bareEnclave(m, 'b', '/A', 64);
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    expect(cg(m, '/A')).toMatchObject({ current: 49, evicted: 16, events: 1, eventsLocal: 1 });
  });

  it('every failed attempt counts, including retries inside one allocation', () => {
    const m = newModel([{ path: '/A', max: 32 }]);
    bareEnclave(m, 'b', '/A', 32);
    ok(m, { op: 'access', enclave: 'b', range: [0, 31] }); // all young: two rotations first
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    // attempt 1 fails, round rotates 16 young; attempt 2 fails, rotates 16; attempt 3 fails,
    // evicts 16 (now cold); attempt 4 succeeds.
    expect(cg(m, '/A')).toMatchObject({ events: 3, eventsLocal: 3, evicted: 16, current: 17 });
  });
});

describe('charge targets: task moves and reloads', () => {
  it('pages are charged to the allocating task and stay when the task moves', () => {
    const m = newModel([{ path: '/A' }, { path: '/B' }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A', bare: true });
    ok(m, { op: 'add', enclave: 'e', pages: 5 });
    ok(m, { op: 'add', enclave: 'e', pages: 3, from: '/B' }); // the task now lives in /B
    ok(m, { op: 'add', enclave: 'e', pages: 2 }); // back in /A
    expect(cg(m, '/A').current).toBe(7);
    expect(cg(m, '/B').current).toBe(3);
    // B's pages sit on B's LRU: B's limit reclaims exactly them.
    ok(m, { op: 'write', cgroup: '/B', file: 'misc.max', value: 'sgx_epc 12288' });
    ok(m, { op: 'add', enclave: 'e', pages: 1, from: '/B' });
    expect(cg(m, '/B')).toMatchObject({ current: 1, evicted: 3, events: 1 });
    expect(cg(m, '/A')).toMatchObject({ current: 7, evicted: 0 });
    ok(m, { op: 'destroy', enclave: 'e' });
    expect(cg(m, '/A').current + cg(m, '/B').current).toBe(0);
  });

  it('ECREATE from another cgroup charges VA + SECS there', () => {
    const m = newModel([{ path: '/A' }, { path: '/B' }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A', from: '/B' });
    expect(cg(m, '/B').current).toBe(2);
    expect(cg(m, '/A').current).toBe(0);
  });

  it('a reload charges the faulting cgroup, not the original one', () => {
    const m = newModel([{ path: '/A', max: 16 }, { path: '/B' }]);
    bareEnclave(m, 'b', '/A', 16);
    ok(m, { op: 'add', enclave: 'b', pages: 1 }); // evicts pages 0..15
    expect(cg(m, '/A')).toMatchObject({ current: 1, evicted: 16 });
    const r = m.apply({ op: 'access', enclave: 'b', range: [0, 3], from: '/B' });
    expect(r).toMatchObject({ result: 'ok', done: 4, cost: { reloaded: 4, evicted: 0 } });
    expect(cg(m, '/B')).toMatchObject({ current: 4, reloaded: 4 });
    expect(cg(m, '/A')).toMatchObject({ current: 1, reloaded: 0 });
    expect(m.verify()).toEqual([]);
  });

  it('unknown from-cgroup is ENOENT and charges nothing', () => {
    const m = newModel([{ path: '/A' }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A', bare: true });
    expect(run(m, [{ op: 'add', enclave: 'e', pages: 1, from: '/nope' }])[0]).toMatchObject({ result: 'ENOENT', done: 0 });
    expect(cg(m, '/A').current).toBe(0);
  });
});

describe('try_charge outcomes: ENOMEM and EBUSY', () => {
  it('ENOMEM is judged on the charging subtree, not on the sibling holding the pages', () => {
    const m = newModel([{ path: '/A' }, { path: '/B' }], { capacityPages: 256 });
    bareEnclave(m, 'a', '/A', 256); // A holds the whole EPC, all reclaimable
    ok(m, { op: 'create', enclave: 'b', cgroup: '/B', bare: true });
    expect(run(m, [{ op: 'add', enclave: 'b', pages: 1 }])[0]).toMatchObject({ result: 'ENOMEM', done: 0 });
    expect(cg(m, '/A')).toMatchObject({ current: 256, evicted: 0 });
    // ksgxd (woken by A's allocations) frees pages globally; then B can charge.
    expect(m.ksgxdPending()).toBe(true);
    ok(m, { op: 'ksgxd' });
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    expect(cg(m, '/B').current).toBe(1);
  });

  it('a DO_RECLAIM charge at the capacity reclaims its own subtree', () => {
    const m = newModel([{ path: '/A' }, { path: '/B' }], { capacityPages: 256 });
    bareEnclave(m, 'a', '/A', 128);
    bareEnclave(m, 'b', '/B', 128);
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    expect(cg(m, '/B')).toMatchObject({ evicted: 16, current: 113 });
    expect(cg(m, '/A')).toMatchObject({ evicted: 0, current: 128 });
  });

  it('a fault under an ancestor at its limit gets EBUSY forever; the worker finds nothing to do', () => {
    const m = newModel([{ path: '/P', max: 32 }, { path: '/P/A' }, { path: '/P/B' }]);
    bareEnclave(m, 'a', '/P/A', 31);
    bareEnclave(m, 'b', '/P/B', 1);
    ok(m, { op: 'init', enclave: 'b' });
    for (let i = 1; i <= 5; i++) {
      expect(run(m, [{ op: 'aug', enclave: 'b', pages: 1 }])[0]).toMatchObject({ result: 'EBUSY', done: 0 });
      expect(m.hasPendingWork()).toBe(true);
      ok(m, { op: 'drain' });
      expect(cg(m, '/P')).toMatchObject({ current: 32, events: i, evicted: 0 });
    }
    expect(cg(m, '/P/A').evicted + cg(m, '/P/B').evicted).toBe(0);
  });

  it('a fault with nothing reclaimable in its subtree is ENOMEM, not EBUSY, and queues nothing', () => {
    const m = newModel([{ path: '/P', max: 32 }, { path: '/P/A' }, { path: '/P/B' }]);
    bareEnclave(m, 'a', '/P/A', 32);
    bareEnclave(m, 'b', '/P/B', 0);
    ok(m, { op: 'init', enclave: 'b' });
    const before = m.hasPendingWork();
    expect(run(m, [{ op: 'aug', enclave: 'b', pages: 1 }])[0]).toMatchObject({ result: 'ENOMEM' });
    expect(m.hasPendingWork()).toBe(before);
  });

  it('DO_RECLAIM (EADD) never returns EBUSY: it reclaims until the charge fits', () => {
    const m = newModel([{ path: '/A', max: 20 }]);
    bareEnclave(m, 'b', '/A', 20);
    expect(ok(m, { op: 'add', enclave: 'b', pages: 100 }).done).toBe(100);
    expect(cg(m, '/A').current).toBeLessThanOrEqual(20);
  });
});
