import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EpcModel, type Step } from '../../src/epc/index.js';

const CGROUPS = ['/', '/A', '/B', '/A/C', '/B/D'];
const ENCLAVES = ['e0', 'e1', 'e2'];
const RESULTS = new Set(['ok', 'EINVAL', 'ERANGE', 'ENOENT', 'EBUSY', 'ENOMEM', 'EEXIST']);

const cgroup = fc.constantFrom(...CGROUPS);
const enclave = fc.constantFrom(...ENCLAVES);
const from = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('/', '/A', '/B', '/A/C') },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('create' as const), enclave, cgroup, bare: fc.boolean(), from }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), enclave, pages: fc.integer({ min: 0, max: 40 }), from }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('init' as const), enclave }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('aug' as const), enclave, pages: fc.integer({ min: 0, max: 12 }), from }) },
  {
    weight: 5,
    arbitrary: fc
      .record({ enclave, a: fc.nat(30), len: fc.nat(20), from })
      .map(({ enclave, a, len, from }) => ({ op: 'access' as const, enclave, range: [a, a + len] as [number, number], from })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ cgroup: fc.constantFrom('/A', '/B', '/A/C', '/B/D'), pages: fc.option(fc.nat(60), { nil: undefined }) })
      .map(({ cgroup, pages }) => ({
        op: 'write' as const,
        cgroup,
        file: 'misc.max',
        value: pages === undefined ? 'sgx_epc max' : `sgx_epc ${pages * 4096}`,
      })),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'drain' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'ksgxd' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('destroy' as const), enclave }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('mkdir' as const, 'rmdir' as const), cgroup: fc.constant('/B/D') }) },
);

const limitPages = (max: string): number => (max === 'max' ? Infinity : Math.floor(Number(max) / 4096));

describe('model invariants under random operation sequences (fast-check, seeded)', () => {
  it('structures stay consistent and no successful charge exceeds a limit', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: 48, max: 160 }),
        fc.constantFrom('auto' as const, 'manual' as const),
        fc.constantFrom('auto' as const, 'manual' as const),
        fc.array(step, { minLength: 10, maxLength: 80, size: 'max' }),
        (capacityPages, workers, ksgxd, steps) => {
          const m = new EpcModel({ capacityPages, workers, ksgxd });
          for (const c of ['/A', '/B', '/A/C']) m.apply({ op: 'mkdir', cgroup: c });
          for (const s of steps) {
            const before = m.snapshot();
            const r = m.apply(s);
            seen.add(`${s.op}:${r.result}`);
            if (r.cost.evicted > 0) seen.add('evicted');
            if (r.cost.reloaded > 0) seen.add('reloaded');
            expect(RESULTS.has(r.result)).toBe(true);
            if (s.op === 'add' || s.op === 'aug') expect(r.done ?? 0).toBeLessThanOrEqual(s.pages);
            const after = m.snapshot();
            // free + resident = capacity, no page both free and resident, usage = charged pages
            // in the subtree, LRUs and page tables agree (see checkModel()).
            expect(m.verify()).toEqual([]);
            expect(after.cgroups['/'].current + after.epc.free).toBe(capacityPages);
            expect(after.cgroups['/'].current).toBeLessThanOrEqual(capacityPages);
            for (const [path, c] of Object.entries(after.cgroups)) {
              // A charge only succeeds under the limit; above it usage can only be a lowered max
              // that was already exceeded (writing max below current only stores it).
              const prev = before.cgroups[path]?.current ?? 0;
              expect(c.current, `${path} after ${JSON.stringify(s)}`).toBeLessThanOrEqual(Math.max(limitPages(c.max), prev));
              expect(c.peak).toBeGreaterThanOrEqual(c.current);
              // events counts failures at this level and below, events.local only at this level.
              if (path !== '/') expect(c.eventsLocal).toBeLessThanOrEqual(c.events);
            }
            if (workers === 'auto') expect(m.hasPendingWork()).toBe(false);
            if (ksgxd === 'auto') expect(m.ksgxdPending()).toBe(false);
          }
        },
      ),
      { seed: 0x5ec, numRuns: 150 },
    );
    // The generator reaches the interesting outcomes (else the property above proves little).
    for (const k of ['evicted', 'reloaded', 'add:ENOMEM', 'aug:EBUSY', 'access:EBUSY', 'access:ok', 'rmdir:EBUSY', 'rmdir:ok', 'create:EEXIST']) {
      expect(seen, k).toContain(k);
    }
  });

  it('destroying every enclave returns every page and leaves every cgroup at zero', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 40, size: 'max' }), (steps) => {
        const m = new EpcModel({ capacityPages: 200, workers: 'manual', ksgxd: 'manual' });
        for (const c of ['/A', '/B', '/A/C']) m.apply({ op: 'mkdir', cgroup: c });
        for (const s of steps) m.apply(s);
        for (const e of m.enclaves()) expect(m.apply({ op: 'destroy', enclave: e.name }).result).toBe('ok');
        const snap = m.snapshot();
        expect(snap.epc.free).toBe(200);
        for (const c of Object.values(snap.cgroups)) expect(c.current).toBe(0);
        expect(m.verify()).toEqual([]);
      }),
      { seed: 0xe9c, numRuns: 100 },
    );
  });
});
