/**
 * What a demo run produces: per pod figures for the "off" and "on" runs, time series for the
 * charts, and the verdict. `--json` prints a `DemoResult` as is.
 */
import type { TenantRole } from './demo-scenario.js';

/** The two mixed runs: per-pod limits off (global reclaim only, today's AKS node) and on. */
export type RunName = 'off' | 'on';
export const RUN_NAMES: readonly RunName[] = ['off', 'on'];

/** One pod's figures in one run. Bytes are bytes, latencies microseconds. */
export interface PodResult {
  namespace: string;
  name: string;
  role: TenantRole;
  /** The pod's effective `sgx.intel.com/epc` request (scheduler semantics). */
  requestBytes: number;
  /** misc.max of the pod's cgroup when its container started; null = no limit ("max"). */
  limitBytes: number | null;
  /** misc.peak of the pod's cgroup (high-water mark of resident EPC). */
  peakBytes: number;
  /** misc.events of the pod's cgroup: failed charges at its limit (`sgx_epc.max`). */
  limitEvents: number;
  /** Pages evicted from / reloaded into the pod's cgroup over the pod's life (build included). */
  evictions: number;
  reloads: number;
  /** The same, counted by the workload after its warm-up (first pass over the working set). */
  evictionsAfterWarmup: number;
  reloadsAfterWarmup: number;
  /** Access latency after warm-up (per access call round trip). */
  p50AccessUs: number;
  p99AccessUs: number;
  meanAccessUs: number;
  accesses: number;
  /** Mean latency here / mean alone on an idle node (see slowdown.ts); null if either is missing. */
  slowdown: number | null;
  /** The same ratio of p99s (jittery on shared machines; for reference). */
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
  /** Median and p99 access latency (µs) of the workload's last progress interval, when one was reported. */
  p50Us?: number;
  p99Us?: number;
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

/** Latency of a tenant alone on an idle node (the slowdown baseline). */
export interface SoloResult {
  namespace: string;
  name: string;
  p50AccessUs: number;
  p99AccessUs: number;
  meanAccessUs: number;
  samples: number;
  error?: string;
}

/** The whole demo: `--json` output. */
export interface DemoResult {
  scenario: { name: string; nodeEpcBytes: number; durationSeconds: number; slowdownBound: number; costScale: number };
  solo: SoloResult[];
  runs: Record<RunName, RunResult>;
  /** Every quiet tenant unaffected with enforcement on (no paging after warm-up, slowdown within bound). */
  isolationHolds: boolean;
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
