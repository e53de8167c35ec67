import { describe, expect, it } from 'vitest';
import { bareEnclave, cg, newModel, ok, run } from './model-helpers.js';

describe('enclaves: VA pages, SECS, EINIT, EAUG, destroy', () => {
  // current = N REG + 1 SECS + ceil((N+1)/512) VA (page_cnt counts the SECS).
  it.each([0, 1, 510, 511, 512, 1022, 1023, 1024, 1535, 2000])('an enclave of %i pages holds ceil((N+1)/512) VA pages + SECS', (n) => {
    const m = newModel([{ path: '/A' }], { capacityPages: 4096 });
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    if (n > 0) ok(m, { op: 'add', enclave: 'e', pages: n });
    expect(cg(m, '/A').current).toBe(n + 1 + Math.ceil((n + 1) / 512));
  });

  it('the VA page of EADD comes after the page, when the count before the add is a multiple of 512', () => {
    const m = newModel([{ path: '/A' }], { capacityPages: 4096 });
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    ok(m, { op: 'add', enclave: 'e', pages: 510 });
    expect(cg(m, '/A').current).toBe(512); // VA + SECS + 510
    ok(m, { op: 'add', enclave: 'e', pages: 1 }); // count before = 511: no VA
    expect(cg(m, '/A').current).toBe(513);
    ok(m, { op: 'add', enclave: 'e', pages: 1 }); // count before = 512: page + VA
    expect(cg(m, '/A').current).toBe(515);
  });

  // The bound of epc-model.md: an N-page enclave cannot be built under ceil((N+1)/512) + 2 pages
  // (VA pages + SECS + one REG page at a time, each EADD evicting the previous page).
  it.each([
    { n: 1, limit: 3, result: 'ok' },
    { n: 1, limit: 2, result: 'ENOMEM' },
    { n: 100, limit: 3, result: 'ok' },
    { n: 511, limit: 3, result: 'ok' },
    { n: 512, limit: 3, result: 'ENOMEM' },
    { n: 512, limit: 4, result: 'ok' },
    { n: 1100, limit: 5, result: 'ok' },
    { n: 1100, limit: 4, result: 'ENOMEM' },
  ])('a $n-page enclave under max $limit pages: $result', ({ n, limit, result }) => {
    const m = newModel([{ path: '/A', max: limit }], { capacityPages: 4096 });
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    expect(run(m, [{ op: 'add', enclave: 'e', pages: n }])[0].result).toBe(result);
    expect(cg(m, '/A').current).toBeLessThanOrEqual(limit);
  });

  it('a failed ECREATE leaves no charge and no enclave', () => {
    const m = newModel([{ path: '/A', max: 1 }]);
    expect(run(m, [{ op: 'create', enclave: 'e', cgroup: '/A' }])[0].result).toBe('ENOMEM');
    expect(cg(m, '/A')).toMatchObject({ current: 0, events: 1 });
    expect(m.enclaves()).toEqual([]);
    expect(run(m, [{ op: 'add', enclave: 'e', pages: 1 }])[0].result).toBe('ENOENT');
  });

  it('the SECS of an initialized enclave is evicted with its last resident page, and reloaded first', () => {
    const m = newModel([{ path: '/A' }, { path: '/B', max: 8 }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    ok(m, { op: 'add', enclave: 'e', pages: 3 });
    ok(m, { op: 'init', enclave: 'e' });
    expect(cg(m, '/A').current).toBe(5);
    // Evict all three (a tight limit elsewhere cannot touch A; use A's own limit).
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: `sgx_epc ${5 * 4096}` });
    ok(m, { op: 'create', enclave: 'f', cgroup: '/A', bare: true });
    ok(m, { op: 'add', enclave: 'f', pages: 1 }); // A at 5 -> reclaim: 3 pages + the SECS go
    expect(cg(m, '/A')).toMatchObject({ current: 2, evicted: 4 }); // VA + f's page
    expect(m.enclaves()[0]).toMatchObject({ name: 'e', resident: 0 });
    // Fault on page 1 with room for exactly one page in /B: the SECS comes back, the page cannot.
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: 'sgx_epc max' });
    ok(m, { op: 'write', cgroup: '/B', file: 'misc.max', value: 'sgx_epc 4096' });
    const r = m.apply({ op: 'access', enclave: 'e', range: [1, 1], from: '/B' });
    expect(r).toMatchObject({ result: 'ENOMEM', done: 0, cost: { reloaded: 1 } });
    expect(cg(m, '/B')).toMatchObject({ current: 1, reloaded: 1, events: 1 });
    // With room, the page follows (the SECS is already back).
    ok(m, { op: 'write', cgroup: '/B', file: 'misc.max', value: 'sgx_epc max' });
    const r2 = m.apply({ op: 'access', enclave: 'e', range: [1, 1], from: '/B' });
    expect(r2).toMatchObject({ result: 'ok', done: 1, cost: { reloaded: 1 } });
    expect(cg(m, '/B')).toMatchObject({ current: 2, reloaded: 2 });
    expect(m.verify()).toEqual([]);
  });

  it('the SECS of an uninitialized enclave stays when all its pages are evicted', () => {
    const m = newModel([{ path: '/A', max: 5 }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    ok(m, { op: 'add', enclave: 'e', pages: 3 });
    ok(m, { op: 'create', enclave: 'f', cgroup: '/A', bare: true });
    ok(m, { op: 'add', enclave: 'f', pages: 1 });
    expect(cg(m, '/A')).toMatchObject({ current: 3, evicted: 3 }); // VA + SECS + f's page
    // Reload of e's page 0: SECS resident, so one reload only.
    expect(m.apply({ op: 'access', enclave: 'e', range: [0, 0] }).cost.reloaded).toBe(1);
  });

  it('reloaded pages are young: the next reclaim round gives them a second chance', () => {
    const m = newModel([{ path: '/A', max: 16 }]);
    bareEnclave(m, 'b', '/A', 16);
    ok(m, { op: 'add', enclave: 'b', pages: 1 }); // 0..15 evicted, page 16 resident (cold)
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: 'sgx_epc max' });
    ok(m, { op: 'access', enclave: 'b', range: [0, 14] }); // reload 15 pages: young
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: `sgx_epc ${16 * 4096}` });
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    // Round 1 takes 16 (page 16 cold: evicted; 15 reloaded young: rotated) -> 15 + 1 new = 16.
    expect(cg(m, '/A')).toMatchObject({ current: 16, evicted: 17, events: 2 });
  });

  it.each([
    { name: 'init twice', steps: [{ op: 'init' }, { op: 'init' }], errno: 'EINVAL' },
    { name: 'add after init', steps: [{ op: 'init' }, { op: 'add', pages: 1 }], errno: 'EINVAL' },
    { name: 'aug before init', steps: [{ op: 'aug', pages: 1 }], errno: 'EINVAL' },
    { name: 'negative pages', steps: [{ op: 'add', pages: -1 }], errno: 'EINVAL' },
    { name: 'fractional pages', steps: [{ op: 'add', pages: 1.5 }], errno: 'EINVAL' },
    { name: 'access beyond the pages', steps: [{ op: 'access', range: [0, 4] }], errno: 'EINVAL' },
    { name: 'access reversed range', steps: [{ op: 'access', range: [3, 1] }], errno: 'EINVAL' },
    { name: 'access negative index', steps: [{ op: 'access', range: [-1, 1] }], errno: 'EINVAL' },
  ])('$name is $errno', ({ steps, errno }) => {
    const m = newModel([{ path: '/A' }]);
    bareEnclave(m, 'b', '/A', 4);
    const results = run(m, steps.map((s) => ({ ...s, enclave: 'b' }) as never));
    expect(results[results.length - 1].result).toBe(errno);
  });

  it.each([
    { op: 'add', pages: 1 },
    { op: 'aug', pages: 1 },
    { op: 'init' },
    { op: 'access', range: [0, 0] },
    { op: 'destroy' },
  ])('$op on an unknown enclave is ENOENT', (s) => {
    const m = newModel([{ path: '/A' }]);
    expect(run(m, [{ ...s, enclave: 'nope' } as never])[0].result).toBe('ENOENT');
  });

  it('create: EEXIST for a reused name, ENOENT for an unknown cgroup', () => {
    const m = newModel([{ path: '/A' }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A', bare: true });
    expect(run(m, [{ op: 'create', enclave: 'e', cgroup: '/A' }])[0].result).toBe('EEXIST');
    expect(run(m, [{ op: 'create', enclave: 'f', cgroup: '/nope' }])[0].result).toBe('ENOENT');
  });

  it('EAUG after EINIT adds young pages (with VA pages as EADD), EINIT costs einitCycles', () => {
    const m = newModel([{ path: '/A' }], { costs: { einitCycles: 90_000, ghz: 3 } });
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    ok(m, { op: 'add', enclave: 'e', pages: 500 });
    const init = m.apply({ op: 'init', enclave: 'e' });
    expect(init.cost).toEqual({ evicted: 0, reloaded: 0, einits: 1, simulatedNs: 30_000 });
    ok(m, { op: 'aug', enclave: 'e', pages: 20 }); // page_cnt passes 512: one more VA
    expect(cg(m, '/A').current).toBe(520 + 1 + 2);
    expect(m.enclaves()).toEqual([{ name: 'e', cgroup: '/A', pages: 520, resident: 520 }]);
  });

  it('destroy uncharges everything: resident pages in any cgroup, VA, SECS; evicted pages cost nothing', () => {
    const m = newModel([{ path: '/A', max: 40 }, { path: '/B' }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    ok(m, { op: 'add', enclave: 'e', pages: 60 }); // some evicted
    ok(m, { op: 'add', enclave: 'e', pages: 5, from: '/B' });
    expect(cg(m, '/A').evicted).toBeGreaterThan(0);
    ok(m, { op: 'destroy', enclave: 'e' });
    expect(cg(m, '/A').current).toBe(0);
    expect(cg(m, '/B').current).toBe(0);
    expect(m.snapshot().epc.free).toBe(1024);
    expect(m.enclaves()).toEqual([]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A', bare: true }); // the name is free again
  });

  it('costs: a step reports the evictions and reloads it caused', () => {
    const m = newModel([{ path: '/A', max: 16 }], { costs: { evictCycles: 30_000, reloadCycles: 60_000, ghz: 2 } });
    bareEnclave(m, 'b', '/A', 16);
    const add = m.apply({ op: 'add', enclave: 'b', pages: 1 });
    expect(add.cost).toEqual({ evicted: 16, reloaded: 0, einits: 0, simulatedNs: 16 * 15_000 });
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: 'sgx_epc max' });
    const acc = m.apply({ op: 'access', enclave: 'b', range: [0, 1] });
    expect(acc.cost).toEqual({ evicted: 0, reloaded: 2, einits: 0, simulatedNs: 2 * 30_000 });
    expect(m.snapshot().epc.simulatedNs).toBe(16 * 15_000 + 2 * 30_000);
  });
});
