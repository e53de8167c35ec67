import { describe, expect, it } from 'vitest';
import { meanSlowdown, slowdown } from '../../src/demo/slowdown.js';

const lat = (p99: number, mean = p99 / 2, samples = 100) => ({ samples, p50: mean, p99, mean });

describe('slowdown', () => {
  it.each([
    ['unaffected', lat(200), lat(200), 1],
    ['twice as slow', lat(400), lat(200), 2],
    ['faster than alone', lat(150), lat(200), 0.75],
    ['rounded to 2 decimals', lat(1000), lat(300), 3.33],
    ['solo floored at 1 µs', lat(5), lat(0), 5],
  ])('%s', (_n, mixed, solo, want) => {
    expect(slowdown(mixed, solo)).toBe(want);
  });

  it('is null without samples on either side', () => {
    expect(slowdown(lat(100, 50, 0), lat(100))).toBeNull();
    expect(slowdown(lat(100), lat(100, 50, 0))).toBeNull();
    expect(slowdown(undefined, lat(100))).toBeNull();
  });

  it('has a mean variant', () => {
    expect(meanSlowdown(lat(999, 300), lat(999, 100))).toBe(3);
  });
});
