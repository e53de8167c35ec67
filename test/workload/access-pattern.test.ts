import { describe, expect, it } from 'vitest';
import { accessPattern, toRanges } from '../../src/workload/access-pattern.js';
import { LatencyRecorder } from '../../src/workload/latency-recorder.js';
import { parseDuration } from '../../src/util/duration.js';

describe('access patterns', () => {
  it('sequential walks the working set in batches and wraps with two ranges', () => {
    const p = accessPattern({ kind: 'sequential', workingSetPages: 10, batch: 4 });
    expect(p.next()).toEqual([[0, 3]]);
    expect(p.next()).toEqual([[4, 7]]);
    expect(p.next()).toEqual([[8, 9], [0, 1]]);
    expect(p.next()).toEqual([[2, 5]]);
  });

  it.each(['random', 'hotcold'] as const)('%s stays inside the working set and is reproducible by seed', (kind) => {
    const a = accessPattern({ kind, workingSetPages: 100, batch: 8, seed: 7 });
    const b = accessPattern({ kind, workingSetPages: 100, batch: 8, seed: 7 });
    for (let i = 0; i < 50; i++) {
      const r = a.next();
      expect(r).toEqual(b.next());
      for (const [x, y] of r) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThan(100);
        expect(x).toBeLessThanOrEqual(y);
      }
    }
  });

  it('hotcold sends most accesses to the hot fifth', () => {
    const p = accessPattern({ kind: 'hotcold', workingSetPages: 1000, batch: 1, seed: 3 });
    let hot = 0;
    for (let i = 0; i < 2000; i++) if (p.next()[0][0] < 200) hot++;
    expect(hot / 2000).toBeGreaterThan(0.7);
    expect(hot / 2000).toBeLessThan(0.9);
  });

  it('toRanges merges adjacent and duplicate pages', () => {
    expect(toRanges([5, 3, 4, 9, 9, 1])).toEqual([[1, 1], [3, 5], [9, 9]]);
  });
});

describe('LatencyRecorder', () => {
  it('reports nearest-rank percentiles, from an offset too', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 2000; i++) r.record(i);
    expect(r.summary()).toMatchObject({ samples: 2000, p50: 1000, p99: 1980, max: 2000 });
    expect(r.summary(1000)).toMatchObject({ samples: 1000, p50: 1500, max: 2000 });
    expect(new LatencyRecorder().summary()).toEqual({ samples: 0, p50: 0, p99: 0, max: 0, mean: 0 });
  });
});

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000], ['500ms', 500], ['2m', 120_000], ['1h', 3_600_000], ['1.5s', 1500], ['3', 3000],
  ])('%s -> %d ms', (t, ms) => expect(parseDuration(t)).toEqual({ ms }));
  it('names a bad duration', () => expect(parseDuration('soon')).toMatchObject({ error: expect.stringContaining('soon') }));
});
