/**
 * What a demo run produces: per pod figures for the "off" and "on" runs, time series for the
 * charts, and the verdict. `--json` prints a `DemoResult` as is.
 */
import type { TenantRole } from './demo-scenario.js';

/** The two mixed runs: per-pod limits off (global reclaim only, today's AKS node) and on. */
export type RunName = 'off' | 'on';

/** One pod's figures in one run. Bytes are bytes, latencies microseconds. */
export interface PodResult {
  namespace: string;
  name: string;
  role: TenantRole;
  /** The pod's effective `sgx.intel.com/epc` request (scheduler semantics). */
  requestBytes: number;
  /** misc.max of the pod's cgroup when its container started; null = no limit ("max"). */
  limitBytes: number | null;
  /** The pages the tenant keeps touching (bytes): compare with its request. */
  workingSetBytes: number;
  /** misc.peak of the pod's cgroup (high-water mark of resident EPC). */
  peakBytes: number;
  /** misc.events of the pod's cgroup: failed charges at its limit (`sgx_epc.max`). */
  limitEvents: number;
  /** Pages evicted from / reloaded into the pod's cgroup over the pod's life (build included). */
  evictions: number;
  reloads: number;
  /** The same after the pod's enclave was built (the access phase), as the workload counted them. */
  evictionsAfterBuild: number;
  reloadsAfterBuild: number;
  /** The same, counted by the workload after its warm-up (first pass over the working set). */
  evictionsAfterWarmup: number;
  reloadsAfterWarmup: number;
  /** Wall time per access call after warm-up (informational: moves with CPU load). Pinned names. */
  p50AccessUs: number;
  p99AccessUs: number;
  meanAccessUs: number;
  /** The same wall figures under names that say so. */
  wallP50Us: number;
  wallP99Us: number;
  accesses: number;
  /** Pages touched after warm-up and the paging cost (simulated ns) charged to those accesses. */
  pagesAccessed: number;
  pagingNs: number;
  /** Modeled time per page access after warm-up (ns): PAGE_ACCESS_NS + pagingNs / pagesAccessed. */
  modeledNsPerPage: number;
  /** Modeled time per page access here / alone (see slowdown.ts): what the verdict judges; null if either is missing. */
  slowdown: number | null;
  /** Wall mean per call here / alone (informational). */
  wallSlowdown: number | null;
  /** The ratio of wall p99s (jittery on shared machines; informational). */
  p99Slowdown: number | null;
  /** The container's limit was bound (slot bound to the pod cgroup, misc.max = request) when
   *  the kubelet emulator was about to start it. False by design in the "off" run. */
  limitBoundBeforeStart: boolean;
  /** The pod cgroup and enclave slot the agent bound, as read from the controller at start. */
  cgroup: string | null;
  slot: string;
  /** Set when the pod's workload failed (it still appears, with zeros). */
  error?: string;
}

/** One sample of a pod's cgroup, taken from the controller during a run. */
export interface SeriesPoint {
  /** Seconds since the run's first pod was admitted. */
  t: number;
  currentBytes: number;
  /** Cumulative pages evicted from / reloaded into the pod's cgroup. */
  evicted: number;
  reloaded: number;
  /** Median and p99 wall latency per call (µs) of the workload's last progress interval, while it runs. */
  p50Us?: number;
  p99Us?: number;
  /** Modeled ns per page access over the workload's last progress interval, while it runs. */
  modeledNsPerPage?: number;
}

/** One mixed run. `series` is keyed by `namespace/name`. */
export interface RunResult {
  enforcement: RunName;
  /** How limits were handled in this run, in words (shown in the report). */
  mode: string;
  pods: PodResult[];
  series: Record<string, SeriesPoint[]>;
  node: { capacityBytes: number; evicted: number; reloaded: number };
  elapsedMs: number;
}

/** A tenant alone on an idle node (the slowdown baseline), measured after warm-up like the runs. */
export interface SoloResult {
  namespace: string;
  name: string;
  /** Modeled time per page access alone (ns), over this many pages. */
  modeledNsPerPage: number;
  pagesAccessed: number;
  /** Wall latency per call (µs, informational). */
  p50AccessUs: number;
  p99AccessUs: number;
  meanAccessUs: number;
  samples: number;
  error?: string;
}

/** The whole demo: `--json` output. */
export interface DemoResult {
  scenario: { name: string; nodeEpcBytes: number; durationSeconds: number; slowdownBound: number; costScale: number; pageAccessNs: number };
  solo: SoloResult[];
  runs: Record<RunName, RunResult>;
  /** Every condition of the verdict met (see verdict.ts): the problem showed with limits off and
   *  the quiet tenants were untouched with them on. */
  isolationHolds: boolean;
  /** With limits off a quiet tenant was paged: the problem the limits exist for showed. */
  problemReproduced: boolean;
  /** Every pod of the "on" run had its limit bound before its container started. */
  limitsBoundBeforeStart: boolean;
  /** What failed (empty when the demo passes). */
  failures: string[];
  /** Things worth knowing that do not fail the demo (e.g. the "off" run did not show the problem). */
  notes: string[];
  reportFile: string | null;
  elapsedMs: number;
}

/** `namespace/name`, the key of a pod everywhere in the demo. */
export function podKey(p: { namespace: string; name: string }): string {
  return `${p.namespace}/${p.name}`;
}
