import { PAGE_ACCESS_NS } from '../../workload/modeled-time.js';
import type { PodResult, RunName, RunResult, SoloResult } from './demo-results.js';
import type { PhaseTenantResult } from './run-phase.js';
import { modeledSlowdown, p99Slowdown, wallSlowdown, type LatencyFigures } from './slowdown.js';
import { PAGE_SIZE as PAGE } from '../../epc/sgx.js';


/** The solo baseline of one tenant from its solo phase. */
export function soloResult(r: PhaseTenantResult): SoloResult {
  const rep = r.outcome.report;
  const l = rep?.latencyUs;
  return {
    namespace: r.tenant.namespace, name: r.tenant.pod,
    modeledNsPerPage: rep?.modeled.nsPerPage ?? 0, pagesAccessed: rep?.modeled.pages ?? 0,
    p50AccessUs: l?.p50 ?? 0, p99AccessUs: l?.p99 ?? 0, meanAccessUs: l?.mean ?? 0, samples: l?.samples ?? 0,
    ...(r.outcome.ok ? {} : { error: r.outcome.error }),
  };
}

function figures(s: SoloResult | undefined): LatencyFigures | undefined {
  return s && !s.error ? { samples: s.samples, p50: s.p50AccessUs, p99: s.p99AccessUs, mean: s.meanAccessUs } : undefined;
}

/** A pod's row from its phase result and its solo baseline. Counters come from its cgroup. */
export function podResult(r: PhaseTenantResult, solo: SoloResult | undefined): PodResult {
  const rep = r.outcome.report;
  const l = rep?.latencyUs;
  const mixed = l ? { samples: l.samples, p50: l.p50, p99: l.p99, mean: l.mean } : undefined;
  const ok = r.outcome.ok;
  const soloModeled = solo && !solo.error ? { pages: solo.pagesAccessed, nsPerPage: solo.modeledNsPerPage } : undefined;
  return {
    namespace: r.tenant.namespace, name: r.tenant.pod, role: r.tenant.role,
    requestBytes: r.start.requestBytes, limitBytes: r.start.limitBytes, workingSetBytes: r.tenant.workingSetBytes,
    peakBytes: (r.stats?.peak ?? 0) * PAGE, limitEvents: r.stats?.events ?? 0,
    evictions: r.stats?.evicted ?? 0, reloads: r.stats?.reloaded ?? 0,
    evictionsAfterBuild: rep?.evictions ?? 0, reloadsAfterBuild: rep?.reloads ?? 0,
    evictionsAfterWarmup: rep?.evictionsAfterWarmup ?? 0, reloadsAfterWarmup: rep?.reloadsAfterWarmup ?? 0,
    p50AccessUs: l?.p50 ?? 0, p99AccessUs: l?.p99 ?? 0, meanAccessUs: l?.mean ?? 0, wallP50Us: l?.p50 ?? 0, wallP99Us: l?.p99 ?? 0,
    accesses: rep?.accesses ?? 0, pagesAccessed: rep?.modeled.pages ?? 0, pagingNs: rep?.modeled.pagingNs ?? 0,
    modeledNsPerPage: rep?.modeled.nsPerPage ?? 0,
    slowdown: ok ? modeledSlowdown(rep?.modeled, soloModeled) : null,
    wallSlowdown: ok ? wallSlowdown(mixed, figures(solo)) : null,
    p99Slowdown: ok ? p99Slowdown(mixed, figures(solo)) : null,
    limitBoundBeforeStart: r.start.limitBoundBeforeStart,
    cgroup: r.start.cgroup, slot: r.start.slot,
    ...(ok ? {} : { error: r.outcome.error }),
  };
}

/** A run's result from its phase. */
export function runResult(opts: { enforcement: RunName; mode: string; phase: PhaseTenantResult[]; solo: SoloResult[]; node: RunResult['node']; elapsedMs: number }): RunResult {
  const soloOf = (ns: string, name: string) => opts.solo.find((s) => s.namespace === ns && s.name === name);
  return {
    enforcement: opts.enforcement, mode: opts.mode,
    pods: opts.phase.map((r) => podResult(r, soloOf(r.tenant.namespace, r.tenant.pod))),
    series: Object.fromEntries(opts.phase.map((r) => [`${r.tenant.namespace}/${r.tenant.pod}`, r.series])),
    node: opts.node, elapsedMs: opts.elapsedMs,
  };
}

/** The fixed modeled cost of one page access (ns), as the demo reports it. */
export const DEMO_PAGE_ACCESS_NS = Math.round(PAGE_ACCESS_NS * 10) / 10;
