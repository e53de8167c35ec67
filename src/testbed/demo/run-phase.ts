import type { CgroupSnapshot } from '../../epc/index.js';
import type { WorkloadProgress } from '../../workload/run-workload.js';
import type { SeriesPoint } from './demo-results.js';
import type { DemoTenant } from './demo-scenario.js';
import type { EpcLauncher } from './epc-launcher.js';
import type { NodeStack, StartRecord } from './node-stack.js';
import { TenantProcess, type TenantOutcome } from './tenant-process.js';
import { PAGE_SIZE as PAGE } from '../../epc/sgx.js';

/** How often the controller is sampled for the charts. */
export const SAMPLE_INTERVAL_MS = 250;
/** Longest a quiet tenant keeps running past `durationMs` while it waits for the noisy ones to
 *  start (process start-up and enclave build) and finish; it is stopped as soon as they are done. */
export const QUIET_OVERRUN_MAX_MS = 120_000;
/** How often a status line is printed while tenants run. */
export const STATUS_INTERVAL_MS = 2000;

/** One tenant's share of a phase. */
export interface PhaseTenantResult {
  tenant: DemoTenant;
  start: StartRecord;
  outcome: TenantOutcome;
  /** Its cgroup's counters at the end (pages in `current`/`peak`); undefined without a cgroup. */
  stats: CgroupSnapshot | undefined;
  series: SeriesPoint[];
}

export interface PhaseOptions {
  label: string;
  durationMs: number;
  launcher: EpcLauncher;
  log: (msg: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs tenants together on one node: each pod goes through webhook, API double and kubelet
 * emulator, then the quiet tenants' workloads start and, once their enclaves are built, the
 * noisy ones; each noisy one runs `durationMs` of accesses, the quiet ones until the noisy ones
 * are done (or `durationMs` when there is none), while the controller
 * is sampled every SAMPLE_INTERVAL_MS. Resolves when every workload has exited; a Ctrl-C
 * (`signal`) ends them early. Rejects only when a pod cannot be admitted.
 */
export async function runPhase(stack: NodeStack, tenants: DemoTenant[], o: PhaseOptions): Promise<PhaseTenantResult[]> {
  const starts: StartRecord[] = [];
  for (const t of tenants) starts.push(await stack.submitPod(t, o.label));
  const series = tenants.map((): SeriesPoint[] => []);
  // The last progress interval of each running workload; cleared when it exits, so latency
  // lines stop where the pod stopped.
  const lastLatency = tenants.map((): Pick<SeriesPoint, 'p50Us' | 'p99Us' | 'modeledNsPerPage'> | undefined => undefined);
  const t0 = performance.now();
  let sampling: Promise<void> | undefined;
  const sample = async () => {
    const snap = await stack.snapshot().catch(() => undefined);
    if (!snap) return;
    const t = Math.round(performance.now() - t0) / 1000;
    tenants.forEach((_, i) => {
      const cg = starts[i].cgroup === null ? undefined : snap.cgroups[starts[i].cgroup!];
      if (cg) series[i].push({ t, currentBytes: cg.current * PAGE, evicted: cg.evicted, reloaded: cg.reloaded, ...lastLatency[i] });
    });
  };
  const sampler = setInterval(() => {
    sampling ??= sample().finally(() => (sampling = undefined));
  }, SAMPLE_INTERVAL_MS);
  const status = setInterval(() => o.log(statusLine(o.label, tenants, series, performance.now() - t0)), STATUS_INTERVAL_MS);
  const procs: TenantProcess[] = [];
  const hasNoisy = tenants.some((t) => t.role !== 'quiet');
  const launch = (i: number) => {
    // Quiet tenants run for as long as the noisy ones do (they are stopped when those end), so
    // the noisy tenants' whole `durationMs` of accesses happens beside them at any duration.
    const durationMs = tenants[i].role === 'quiet' && hasNoisy ? o.durationMs + QUIET_OVERRUN_MAX_MS : o.durationMs;
    procs[i] = new TenantProcess({
      tenant: tenants[i], env: starts[i].env, durationMs, launcher: o.launcher, seed: i + 1,
      onProgress: (p: WorkloadProgress) => {
        if (p.accesses > 0) lastLatency[i] = { p50Us: p.intervalP50Us, p99Us: p.intervalP99Us, modeledNsPerPage: p.intervalModeledNsPerPage };
      },
    });
    void procs[i].done.then(() => (lastLatency[i] = undefined));
  };
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    void Promise.all(procs.filter(Boolean).map((p) => p.stop()));
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let outcomes: TenantOutcome[];
  try {
    await sample();
    // The quiet tenants are running when the noisy neighbour arrives: their enclaves are built
    // first. (Building them while the node is full is a race the kernel loses too: a cgroup
    // with nothing on its LRU gets ENOMEM when the node's EPC is fully charged.)
    const quiet = tenants.flatMap((t, i) => (t.role === 'quiet' ? [i] : []));
    for (const i of quiet) launch(i);
    await Promise.all(quiet.map((i) => procs[i].running));
    if (!aborted) tenants.forEach((t, i) => t.role !== 'quiet' && launch(i));
    const noisy = tenants.flatMap((t, i) => (t.role !== 'quiet' && procs[i] ? [procs[i].done] : []));
    if (noisy.length > 0) void Promise.all(noisy).then(() => Promise.all(quiet.map((i) => procs[i].stop())));
    outcomes = await Promise.all(tenants.map((t, i) => procs[i]?.done ?? { ok: false as const, error: 'not started (interrupted)' }));
  } finally {
    clearInterval(sampler);
    clearInterval(status);
    o.signal?.removeEventListener('abort', onAbort);
    await sampling;
  }
  await sample();
  const snap = await stack.snapshot();
  return tenants.map((tenant, i) => ({
    tenant, start: starts[i], outcome: outcomes[i], series: series[i],
    stats: starts[i].cgroup === null ? undefined : snap.cgroups[starts[i].cgroup!],
  }));
}

/** `off  t=4s  quiet-a 48Mi 0 pg/s | noisy-c 64Mi 5300 pg/s`: resident EPC and paging per pod. */
export function statusLine(label: string, tenants: DemoTenant[], series: SeriesPoint[][], elapsedMs: number): string {
  const parts = tenants.map((t, i) => {
    const s = series[i];
    const last = s[s.length - 1];
    if (!last) return `${t.pod} -`;
    const back = s.find((p) => p.t >= last.t - STATUS_INTERVAL_MS / 1000) ?? s[0];
    const dt = last.t - back.t;
    const rate = dt > 0 ? Math.round((last.evicted - back.evicted + last.reloaded - back.reloaded) / dt) : 0;
    return `${t.pod} ${(last.currentBytes / 1048576).toFixed(0)}Mi ${rate} pg/s`;
  });
  return `${label.padEnd(4)} t=${Math.round(elapsedMs / 1000)}s  ${parts.join(' | ')}`;
}
