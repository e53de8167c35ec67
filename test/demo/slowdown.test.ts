import { describe, expect, it } from 'vitest';
import { p99Slowdown, slowdown } from '../../src/demo/slowdown.js';

const lat = (mean: number, p99 = mean * 3, samples = 100) => ({ samples, p50: mean, p99, mean });

describe('slowdown (ratio of mean latencies)', () => {
  it.each([
    ['unaffected', lat(200), lat(200), 1],
    ['twice as slow', lat(400), lat(200), 2],
    ['faster than alone', lat(150), lat(200), 0.75],
    ['rounded to 2 decimals', lat(1000), lat(300), 3.33],
    ['solo floored at 1 µs', lat(5), lat(0), 5],
    ['p99 does not matter', lat(200, 90_000), lat(200, 300), 1],
  ])('%s', (_n, mixed, solo, want) => {
    expect(slowdown(mixed, solo)).toBe(want);
  });

  it('is null without samples on either side', () => {
    expect(slowdown(lat(100, 50, 0), lat(100))).toBeNull();
    expect(slowdown(lat(100), lat(100, 50, 0))).toBeNull();
    expect(slowdown(undefined, lat(100))).toBeNull();
    expect(p99Slowdown(lat(100), undefined)).toBeNull();
  });

  it('has a p99 variant for reference', () => {
    expect(p99Slowdown(lat(5, 900), lat(5, 300))).toBe(3);
  });
});
