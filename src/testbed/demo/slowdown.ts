/**
 * Slowdown figures of a tenant: how much worse it fared in a mixed run than alone on an idle
 * node with no EPC limit, its best case. Both sides are measured the same way: after the
 * workload's warm-up (its first pass over the working set and at least its first second).
 *
 * `slowdown` (the verdict's figure) is the ratio of modeled time per page access (see
 * src/workload/modeled-time.ts): a fixed cost per page plus the paging the controller charged to
 * the tenant's accesses. It depends only on paging, never on this machine's CPU load: a tenant
 * that is not paged shows 1.00x.
 *
 * `wallSlowdown` and `p99Slowdown` are informational: the mean and p99 wall time of one access
 * call's round trip through the enclave socket (including the controller's paging delay). On a
 * shared machine they move with CPU contention, whatever the limits do.
 *
 * Values are rounded to 2 decimals; null when either side has no samples (the tenant did not
 * run); a divisor is floored (1 µs, 1 ns) so it cannot divide by zero.
 */

/** Wall latency figures of one workload run (µs), as `epc workload --json` reports them. */
export interface LatencyFigures {
  samples: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Smallest solo latency used as a divisor (µs). */
export const MIN_SOLO_US = 1;

function ratio(mixed: number, solo: number, floor: number): number {
  return Math.round((mixed / Math.max(solo, floor)) * 100) / 100;
}

function usable(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): [LatencyFigures, LatencyFigures] | undefined {
  return mixed && solo && mixed.samples > 0 && solo.samples > 0 ? [mixed, solo] : undefined;
}

/** Modeled ns per page here / alone (the demo's slowdown), or null when either side touched no page. */
export function modeledSlowdown(mixed: { pages: number; nsPerPage: number } | undefined, solo: { pages: number; nsPerPage: number } | undefined): number | null {
  return mixed && solo && mixed.pages > 0 && solo.pages > 0 ? ratio(mixed.nsPerPage, solo.nsPerPage, 1) : null;
}

/** mean_mixed / mean_solo of wall latency (informational), or null when either run has no samples. */
export function wallSlowdown(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): number | null {
  const u = usable(mixed, solo);
  return u ? ratio(u[0].mean, u[1].mean, MIN_SOLO_US) : null;
}

/** p99_mixed / p99_solo of wall latency (informational), or null when either run has no samples. */
export function p99Slowdown(mixed: LatencyFigures | undefined, solo: LatencyFigures | undefined): number | null {
  const u = usable(mixed, solo);
  return u ? ratio(u[0].p99, u[1].p99, MIN_SOLO_US) : null;
}
