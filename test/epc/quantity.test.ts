import { describe, expect, it } from 'vitest';
import { EpcModel, parseQuantityToPages } from '../../src/epc/index.js';

describe('parseQuantityToPages', () => {
  it.each([
    { value: 1024, opts: {}, want: { pages: 1024 } },
    { value: '1024', opts: {}, want: { pages: 1024 } },
    { value: '4Mi', opts: {}, want: { pages: 1024 } },
    { value: '256Ki', opts: {}, want: { pages: 64 } },
    { value: '1Gi', opts: {}, want: { pages: 262144 } },
    { value: '8192', opts: { plain: 'bytes' as const }, want: { pages: 2 } },
    { value: 8192, opts: { plain: 'bytes' as const }, want: { pages: 2 } },
    { value: '256Mi', opts: { plain: 'bytes' as const }, want: { pages: 65536 } },
  ])('$value ($opts) -> $want', ({ value, opts, want }) => {
    expect(parseQuantityToPages(value, opts)).toEqual(want);
  });

  it.each([
    { value: -1, opts: {}, error: /non-negative integer/ },
    { value: 1.5, opts: {}, error: /non-negative integer/ },
    { value: '4M', opts: {}, error: /size like/ },
    { value: '1Ki', opts: {}, error: /multiple of 4096/ },
    { value: '4097', opts: { plain: 'bytes' as const }, error: /multiple of 4096/ },
    { value: 'lots', opts: {}, error: /size like/ },
    { value: '99999999999999999999', opts: {}, error: /too large/ },
  ])('$value is rejected with a message', ({ value, opts, error }) => {
    const r = parseQuantityToPages(value, opts);
    expect('error' in r && r.error).toMatch(error);
  });
});

describe('EpcModel construction and bad steps', () => {
  it.each([0, -1, 1.5, 2 ** 29 + 1, Number.NaN])('capacityPages %s throws a RangeError naming the field', (capacityPages) => {
    expect(() => new EpcModel({ capacityPages })).toThrow(/capacityPages/);
  });

  it('bad costs throw a RangeError naming the field', () => {
    expect(() => new EpcModel({ capacityPages: 8, costs: { ghz: 0 } })).toThrow(/costs.ghz/);
    expect(() => new EpcModel({ capacityPages: 8, costs: { evictCycles: -1 } })).toThrow(/costs.evictCycles/);
  });

  it('an unknown op is EINVAL, not a crash', () => {
    const m = new EpcModel({ capacityPages: 8 });
    expect(m.apply({ op: 'explode' } as never).result).toBe('EINVAL');
  });
});
