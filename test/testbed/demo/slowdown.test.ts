import { describe, expect, it } from 'vitest';
import { modeledSlowdown, p99Slowdown, wallSlowdown } from '../../../src/testbed/demo/slowdown.js';
import { modeledTime, PAGE_ACCESS_NS } from '../../../src/workload/modeled-time.js';

const lat = (mean: number, p99 = mean * 3, samples = 100) => ({ samples, p50: mean, p99, mean });

describe('modeled time per page access', () => {
  it.each([
    ['no paging: the fixed cost only', 1000, 0, Math.round(PAGE_ACCESS_NS * 10) / 10],
    ['one reload (40k cycles at 3 GHz) per 10 pages', 1000, 100 * 13_333.3, Math.round((PAGE_ACCESS_NS + 1333.33) * 10) / 10],
    ['no pages', 0, 500, 0],
  ])('%s', (_n, pages, pagingNs, want) => {
    expect(modeledTime(pages, pagingNs).nsPerPage).toBeCloseTo(want, 0);
  });
});

describe('modeledSlowdown (the verdict\'s figure)', () => {
  const m = (pages: number, pagingNs: number) => modeledTime(pages, pagingNs);
  it.each([
    ['unpaged: exactly 1, whatever the page counts', m(12_000, 0), m(60_000, 0), 1],
    ['paged: one reload per 10 pages doubles it', m(10_000, 1000 * 13_333.3), m(50_000, 0), 2],
    ['alone paged too: the ratio of both', m(10_000, 1000 * 13_333.3), m(10_000, 500 * 13_333.3), 1.33],
  ])('%s', (_n, mixed, solo, want) => {
    expect(modeledSlowdown(mixed, solo)).toBe(want);
  });

  it('is null when either side touched no page', () => {
    expect(modeledSlowdown(m(0, 0), m(100, 0))).toBeNull();
    expect(modeledSlowdown(m(100, 0), undefined)).toBeNull();
  });
});

describe('wallSlowdown (informational ratio of mean wall latencies)', () => {
  it.each([
    ['unaffected', lat(200), lat(200), 1],
    ['twice as slow', lat(400), lat(200), 2],
    ['faster than alone', lat(150), lat(200), 0.75],
    ['rounded to 2 decimals', lat(1000), lat(300), 3.33],
    ['solo floored at 1 µs', lat(5), lat(0), 5],
    ['p99 does not matter', lat(200, 90_000), lat(200, 300), 1],
  ])('%s', (_n, mixed, solo, want) => {
    expect(wallSlowdown(mixed, solo)).toBe(want);
  });

  it('is null without samples on either side', () => {
    expect(wallSlowdown(lat(100, 50, 0), lat(100))).toBeNull();
    expect(wallSlowdown(lat(100), lat(100, 50, 0))).toBeNull();
    expect(wallSlowdown(undefined, lat(100))).toBeNull();
    expect(p99Slowdown(lat(100), undefined)).toBeNull();
  });

  it('has a p99 variant for reference', () => {
    expect(p99Slowdown(lat(5, 900), lat(5, 300))).toBe(3);
  });
});
