import type { CostModel } from './types.js';

/**
 * Default cycle costs. No published per-instruction EWB/ELDU counts exist; these are the
 * The EPC cgroup series' defaults (eviction ~40k cycles, reload ~40k, EINIT >= 50k) at 3 GHz.
 */
export const DEFAULT_COSTS: Readonly<CostModel> = { evictCycles: 40_000, reloadCycles: 40_000, einitCycles: 50_000, ghz: 3 };

/** Fills in defaults and checks every figure is a finite non-negative number (ghz > 0). */
export function resolveCosts(costs: Partial<CostModel> = {}): CostModel {
  const c = { ...DEFAULT_COSTS, ...costs };
  for (const [k, v] of Object.entries(c)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`costs.${k} must be a finite number >= 0, got ${v}`);
  }
  if (c.ghz <= 0) throw new RangeError(`costs.ghz must be > 0, got ${c.ghz}`);
  return c;
}

/** Simulated nanoseconds of the given paging work: (evictions*evict + reloads*reload + einits*einit) / GHz. */
export function simulatedNs(c: CostModel, evicted: number, reloaded: number, einits: number): number {
  return Math.round((evicted * c.evictCycles + reloaded * c.reloadCycles + einits * c.einitCycles) / c.ghz);
}
