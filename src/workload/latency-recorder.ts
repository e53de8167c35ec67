/** Latency summary in microseconds. */
export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Collects per-call latencies (µs) and reports nearest-rank percentiles. Keeps every sample in a
 * growing Float64Array (8 bytes each: a minute at 10k calls/s is under 5 MB).
 */
export class LatencyRecorder {
  private buf = new Float64Array(1024);
  private n = 0;

  record(us: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = us;
  }

  get count(): number {
    return this.n;
  }

  /** Summary of samples [from, count) (default all); zeros when empty. */
  summary(from = 0): LatencySummary {
    const s = this.buf.slice(Math.min(from, this.n), this.n).sort();
    if (s.length === 0) return { samples: 0, p50: 0, p99: 0, max: 0, mean: 0 };
    const rank = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
    let sum = 0;
    for (const v of s) sum += v;
    const r = (v: number) => Math.round(v * 10) / 10;
    return { samples: s.length, p50: r(rank(0.5)), p99: r(rank(0.99)), max: r(s[s.length - 1]), mean: r(sum / s.length) };
  }
}
