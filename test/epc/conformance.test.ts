import { describe, expect, it } from 'vitest';
import { bareEnclave, cg, newModel, ok, read, run } from './model-helpers.js';

// The 8 conformance scenarios of docs/epc-model.md at library level (C = 1024 pages, cold
// pages, workers and ksgxd manual). The simulate suite runs the same scenarios as files.
describe('epc-model.md conformance scenarios', () => {
  it('1: fresh files read as the kernel prints them; max round-trips; bad resource is EINVAL', () => {
    const m = newModel([{ path: '/A' }]);
    expect(read(m, '/A', 'misc.max')).toBe('sgx_epc max\n');
    expect(read(m, '/A', 'misc.current')).toBe('sgx_epc 0\n');
    expect(read(m, '/A', 'misc.events')).toBe('sgx_epc.max 0\n');
    expect(read(m, '/', 'misc.capacity')).toBe('sgx_epc 4194304\n');
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: 'sgx_epc 10000' });
    expect(read(m, '/A', 'misc.max')).toBe('sgx_epc 10000\n');
    expect(run(m, [{ op: 'write', cgroup: '/A', file: 'misc.max', value: 'foo 1' }])[0].result).toBe('EINVAL');
    expect(read(m, '/A', 'misc.max')).toBe('sgx_epc 10000\n');
    // 10000 bytes = 2 pages effective: VA + SECS fit, the first EADD does not (nothing reclaimable).
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    expect(run(m, [{ op: 'add', enclave: 'e', pages: 1 }])[0]).toEqual({ op: 'add', result: 'ENOMEM', done: 0 });
    expect(cg(m, '/A')).toMatchObject({ current: 2, events: 1 });
  });

  it('2: /A max 64, bare enclave, 40 adds: current 40, peak 40, no events, no evictions', () => {
    const m = newModel([{ path: '/A', max: 64 }]);
    ok(m, { op: 'create', enclave: 'b', cgroup: '/A', bare: true });
    expect(ok(m, { op: 'add', enclave: 'b', pages: 40 }).done).toBe(40);
    expect(cg(m, '/A')).toEqual({ max: '262144', current: 40, peak: 40, events: 0, eventsLocal: 0, evicted: 0, reloaded: 0 });
    expect(m.snapshot().epc).toMatchObject({ capacity: 1024, free: 984, evicted: 0 });
  });

  it('3: the 65th add at max 64 evicts the 16 oldest; a later drain does nothing', () => {
    const m = newModel([{ path: '/A', max: 64 }]);
    bareEnclave(m, 'b', '/A', 64);
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    expect(cg(m, '/A')).toMatchObject({ events: 1, evicted: 16, current: 49, peak: 64 });
    // the 16 oldest: pages 0..15 are gone, 16 is still resident (access costs no reload).
    expect(m.enclaves()).toEqual([{ name: 'b', cgroup: '/A', pages: 65, resident: 49 }]);
    expect(m.apply({ op: 'access', enclave: 'b', range: [16, 64] }).cost.reloaded).toBe(0);
    // The 64th add queued A's work (usage reached the limit); by now it finds nothing to do.
    expect(m.hasPendingWork()).toBe(true);
    ok(m, { op: 'drain' });
    expect(m.hasPendingWork()).toBe(false);
    expect(cg(m, '/A')).toMatchObject({ evicted: 16, current: 49 });
  });

  it('4: all 16 accessed at max 16: the 17th add rotates once, then evicts 16 (events 2)', () => {
    const m = newModel([{ path: '/A', max: 16 }]);
    bareEnclave(m, 'b', '/A', 16);
    ok(m, { op: 'access', enclave: 'b', range: [0, 15] });
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    expect(cg(m, '/A')).toMatchObject({ events: 2, evicted: 16, current: 1 });
  });

  it('5: writing max below usage changes nothing; the next add pays (events 4, 64 evicted)', () => {
    const m = newModel([{ path: '/A' }]);
    bareEnclave(m, 'b', '/A', 100);
    ok(m, { op: 'write', cgroup: '/A', file: 'misc.max', value: `sgx_epc ${50 * 4096}` });
    expect(cg(m, '/A')).toMatchObject({ current: 100, events: 0, evicted: 0 });
    expect(m.hasPendingWork()).toBe(false);
    ok(m, { op: 'add', enclave: 'b', pages: 1 });
    expect(cg(m, '/A')).toMatchObject({ events: 4, evicted: 64, current: 37 });
  });

  it.each([
    { adds: 168, evicted: 16, current: 152 },
    { adds: 167, evicted: 0, current: 167 },
  ])('6: max 200, $adds adds, then drain evicts $evicted', ({ adds, evicted, current }) => {
    const m = newModel([{ path: '/A', max: 200 }]);
    bareEnclave(m, 'b', '/A', adds);
    ok(m, { op: 'drain' });
    expect(cg(m, '/A')).toMatchObject({ evicted, current, events: 0 });
  });

  it('7: a fault at the limit gets EBUSY; drain evicts 16; the retried fault succeeds', () => {
    const m = newModel([{ path: '/A', max: 64 }]);
    bareEnclave(m, 'b', '/A', 64);
    ok(m, { op: 'init', enclave: 'b' });
    expect(run(m, [{ op: 'aug', enclave: 'b', pages: 1 }])[0]).toEqual({ op: 'aug', result: 'EBUSY', done: 0 });
    expect(cg(m, '/A')).toMatchObject({ events: 1, current: 64 });
    ok(m, { op: 'drain' });
    expect(cg(m, '/A')).toMatchObject({ evicted: 16, current: 48 });
    ok(m, { op: 'aug', enclave: 'b', pages: 1 });
    expect(cg(m, '/A')).toMatchObject({ current: 49, events: 1 });
  });

  it('8: a 1000-page enclave holds 2 VA + SECS; destroy uncharges all, peak stays', () => {
    const m = newModel([{ path: '/A' }]);
    ok(m, { op: 'create', enclave: 'e', cgroup: '/A' });
    ok(m, { op: 'add', enclave: 'e', pages: 1000 });
    expect(cg(m, '/A')).toMatchObject({ current: 1003, peak: 1003 });
    ok(m, { op: 'destroy', enclave: 'e' });
    expect(cg(m, '/A')).toMatchObject({ current: 0, peak: 1003 });
    expect(m.snapshot().epc.free).toBe(1024);
  });
});
