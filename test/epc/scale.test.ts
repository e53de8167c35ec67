import { describe, expect, it } from 'vitest';
import { EpcModel } from '../../src/epc/index.js';

// The scale budget (<= 16 bytes of model state per EPC page) measured on the typed arrays the
// model actually holds; the 256 GiB figure itself is printed by `npm run bench -- epc-model`.
describe('model state per page', () => {
  it('an empty model holds 11 bytes per EPC page (next, prev^owner, cgroup id, flags)', () => {
    const m = new EpcModel({ capacityPages: 1 << 20 });
    expect(m.modelBytes() / (1 << 20)).toBeCloseTo(11, 3); // + a 256-byte chunk-owner table
  });

  it('a model filled by 40 enclaves stays under 16 bytes per EPC page; evicted pages cost 4 bytes each', () => {
    const cap = 1 << 20;
    const m = new EpcModel({ capacityPages: cap, workers: 'manual', ksgxd: 'manual' });
    const per = Math.floor(cap / 40) - 3 - Math.ceil(cap / 40 / 512);
    for (let i = 0; i < 40; i++) {
      m.apply({ op: 'mkdir', cgroup: `/p${i}` });
      m.apply({ op: 'create', enclave: `e${i}`, cgroup: `/p${i}` });
      expect(m.apply({ op: 'add', enclave: `e${i}`, pages: per }).result).toBe('ok');
    }
    expect(m.modelBytes() / cap).toBeLessThanOrEqual(16);
    // Evicted pages live in the enclave page table only (4 bytes each), never in EPC arrays.
    // (a bare enclave: a real one's VA pages, one per 512, would hit the limit first)
    m.apply({ op: 'mkdir', cgroup: '/small' });
    m.apply({ op: 'write', cgroup: '/small', file: 'misc.max', value: `sgx_epc ${100 * 4096}` });
    m.apply({ op: 'create', enclave: 'z', cgroup: '/small', bare: true });
    const before = m.modelBytes();
    const n = 1 << 19;
    expect(m.apply({ op: 'add', enclave: 'z', pages: n }).result).toBe('ok');
    expect(m.snapshot().cgroups['/small'].current).toBeLessThanOrEqual(100);
    const grown = m.modelBytes() - before;
    const slab = 64 * 1024 * 4; // the page table grows in 256 KiB slabs
    expect(grown).toBeGreaterThanOrEqual(4 * n - slab);
    expect(grown).toBeLessThanOrEqual(4 * n + 2 * slab);
  });
});
