import type { WorkloadProgress, WorkloadReport } from '../../workload/run-workload.js';
import type { DemoTenant } from './demo-scenario.js';
import type { EpcLauncher } from './epc-launcher.js';
import { ManagedChild } from './managed-child.js';

/** How often each workload reports progress (the charts' latency resolution). */
export const PROGRESS_INTERVAL_MS = 250;
/** Shortest warm-up of every workload, solo and mixed alike: wall latency of a fresh process
 *  falls over its first second (JIT, connection set-up), so no figure includes it. */
export const MIN_WARMUP_MS = 1000;

/** A tenant's workload run: its final report, or why there is none. */
export type TenantOutcome = { ok: true; report: WorkloadReport } | { ok: false; error: string; report?: WorkloadReport };

/**
 * Runs one tenant's container as an `epc workload` child process with the env its Allocate
 * answer set (EPC_ENCLAVE_SOCKET, EPC_ENCLAVE_SLOT), for `durationMs` of accesses. Progress lines
 * go to `onProgress`; resolves when the process has exited (never rejects).
 */
export class TenantProcess {
  private readonly child: ManagedChild;
  readonly done: Promise<TenantOutcome>;
  /** Resolves at the first progress line (the enclave is built and being accessed) or at exit. */
  readonly running: Promise<void>;

  constructor(opts: { tenant: DemoTenant; env: Record<string, string>; durationMs: number; launcher: EpcLauncher; seed?: number; onProgress?: (p: WorkloadProgress) => void }) {
    const t = opts.tenant;
    let markRunning!: () => void;
    this.running = new Promise<void>((resolve) => (markRunning = resolve));
    this.child = new ManagedChild({
      name: `workload ${t.namespace}/${t.pod}`,
      launcher: opts.launcher,
      args: ['workload', '--json', '--enclave-size', String(t.enclaveBytes), '--working-set', String(t.workingSetBytes), '--pattern', t.pattern,
        '--rate', String(t.rate), '--batch', String(t.batch), '--duration', `${Math.round(opts.durationMs)}ms`, '--seed', String(opts.seed ?? 1),
        '--progress-interval', `${PROGRESS_INTERVAL_MS}ms`, '--min-warmup', `${MIN_WARMUP_MS}ms`],
      env: { ...process.env, EPC_LOG_LEVEL: process.env.EPC_LOG_LEVEL ?? 'warn', ...opts.env },
      onStderrLine: (line) => {
        if (!line.startsWith('{"type":"progress"')) return;
        markRunning();
        try {
          opts.onProgress?.(JSON.parse(line) as WorkloadProgress);
        } catch {
          // a torn line: skip it
        }
      },
    });
    void this.child.exited.then(markRunning);
    this.done = this.child.exited.then((e) => {
      const last = this.child.stdout.trim().split('\n').pop() ?? '';
      let report: WorkloadReport | undefined;
      try {
        report = last.startsWith('{') ? (JSON.parse(last) as WorkloadReport) : undefined;
      } catch {
        report = undefined;
      }
      if (report && e.code === 0) return { ok: true as const, report };
      const why = report?.error ?? this.child.stderr().split('\n').filter((l) => !l.startsWith('{"type":"progress"')).pop() ?? '';
      return { ok: false as const, error: `exited ${e.signal ?? `with code ${e.code}`}${why ? `: ${why.replace(/^epc: /, '')}` : ''}`, report };
    });
  }

  /** Ends the workload early (SIGTERM: it stops accessing, destroys its enclave and reports). */
  stop(): Promise<unknown> {
    return this.child.stop({ graceMs: 5000 });
  }
}
