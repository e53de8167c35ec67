/**
 * Slowdown of a tenant: how much slower its enclave accesses are when it shares the node than
 * when it has the node to itself.
 *
 * Definition (used in the table, the JSON and the verdict):
 *
 *   slowdown = mean_mixed / mean_solo
 *
 * where mean_mixed is the mean per-call access latency of the tenant in a mixed run (all
 * tenants at once, enforcement off or on), and mean_solo is the same figure from the solo phase:
 * the same tenant (enclave, pattern, rate, batch) alone on a fresh idle node with no EPC limit,
 * its best case. Both exclude the warm-up (the first pass over the working set, while its pages
 * are first faulted in), as `epc workload` reports them. A latency is the round trip of one
 * access call through the enclave socket, including the simulated paging time the controller
 * charges to the caller, so every reload a tenant suffers shows up in its mean.
 *
 * Why the mean and not p99: on a shared 2-core machine the p99 of a sub-millisecond call is set
 * by CPU scheduling jitter (measured: solo p99 3-10x its p50, varying run to run), which would
 * decide the verdict by chance. The mean moves with total paging time; `p99Slowdown`
 * (p99_mixed / p99_solo, nearest rank) is reported alongside for reference.
 *
 * 1.0 means unaffected. Values are rounded to 2 decimals; null when either side has no samples
 * (the tenant did not run); the solo side is floored at 1 µs so it cannot divide by zero.
 */

/** Latency figures of one workload run (µs), as `epc workload --json` reports them. */
export interface LatencyFigures {
  samples: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Smallest solo latency used as a divisor (µs). */
export const MIN_SOLO_US = 1;

function ratio(mixed: number, solo: number): number {
  return Math.round((mixed / Math.max(solo, MIN_SOLO_US)) * 100) / 100;
}

function usable(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): [LatencyFigures, LatencyFigures] | undefined {
  return mixed && solo && mixed.samples > 0 && solo.samples > 0 ? [mixed, solo] : undefined;
}

/** mean_mixed / mean_solo (the demo's slowdown), or null when either run has no samples. */
export function slowdown(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): number | null {
  const u = usable(mixed, solo);
  return u ? ratio(u[0].mean, u[1].mean) : null;
}

/** p99_mixed / p99_solo, or null when either run has no samples. */
export function p99Slowdown(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): number | null {
  const u = usable(mixed, solo);
  return u ? ratio(u[0].p99, u[1].p99) : null;
}
