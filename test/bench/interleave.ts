import { LatencyRecorder } from '../../src/workload/latency-recorder.js';

/**
 * Times several calls side by side: call i of every kind runs back to back, so noise from other
 * processes on a shared machine hits each kind alike. `warmup` rounds are not recorded. Returns
 * one latency summary (µs) per kind.
 */
export async function measureInterleaved(fns: ((i: number) => Promise<unknown>)[], o: { calls: number; warmup: number }) {
  for (let i = 0; i < o.warmup; i++) for (const fn of fns) await fn(i);
  const recs = fns.map(() => new LatencyRecorder());
  for (let i = 0; i < o.calls; i++) {
    for (const [k, fn] of fns.entries()) {
      const t = performance.now();
      await fn(i);
      recs[k].record((performance.now() - t) * 1000);
    }
  }
  return recs.map((r) => r.summary());
}
