/**
 * Slowdown of a tenant: how much slower its enclave accesses are when it shares the node than
 * when it has the node to itself.
 *
 * Definition (used in the table, the JSON and the verdict):
 *
 *   slowdown = p99_mixed / p99_solo
 *
 * where p99_mixed is the 99th percentile (nearest rank) of the tenant's per-call access latency
 * in a mixed run (all tenants at once, enforcement off or on), and p99_solo is the same figure
 * from the solo phase: the same tenant, same enclave, pattern, rate and batch, alone on a fresh
 * idle node with no EPC limit (its best case: a dedicated machine). Both exclude the warm-up (the
 * first pass over the working set, while its pages are first faulted in), as `epc workload`
 * reports them. A latency is the round trip of one access call through the enclave socket,
 * including the simulated paging time the controller charges to the caller.
 *
 * 1.0 means unaffected. The value is rounded to 2 decimals; it is null when either side has no
 * samples (the tenant did not run), and the solo side is floored at 1 µs so an instant solo run
 * cannot divide by zero. `meanSlowdown` is the same ratio of means, reported alongside.
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

/** p99_mixed / p99_solo, or null when either run has no samples. */
export function slowdown(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): number | null {
  if (!mixed || !solo || mixed.samples === 0 || solo.samples === 0) return null;
  return ratio(mixed.p99, solo.p99);
}

/** mean_mixed / mean_solo, or null when either run has no samples. */
export function meanSlowdown(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): number | null {
  if (!mixed || !solo || mixed.samples === 0 || solo.samples === 0) return null;
  return ratio(mixed.mean, solo.mean);
}
