import { EpcModel, type CostModel, type Step, type StepCost, type StepResult } from '../epc/index.js';

/** Async cgroup work items run per scheduler slice (each is one cgroup's coalesced work). */
export const WORK_ITEMS_PER_SLICE = 4;

/** Options of `RealtimeModel`. */
export interface RealtimeModelOptions {
  capacityPages: number;
  costs?: Partial<CostModel>;
}

/** Counters of the background scheduler (what the kernel's kworkers and ksgxd did). */
export interface SchedulerStats {
  slices: number;
  workerPages: number;
  ksgxdPages: number;
}

/**
 * The EPC model in real time: the model runs with workers and ksgxd in 'manual' mode and calls
 * `onPending` when it queues async cgroup work or wakes ksgxd; we then run that work in bounded
 * slices on `setImmediate`, i.e. after pending I/O, so API calls interleave with reclaim the way
 * kworkers and ksgxd interleave with faulting tasks. No microtask loops, no busy-waiting.
 */
export class RealtimeModel {
  readonly model: EpcModel;
  readonly stats: SchedulerStats = { slices: 0, workerPages: 0, ksgxdPages: 0 };
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;
  private waiters: Array<() => void> = [];

  constructor(opts: RealtimeModelOptions) {
    this.model = new EpcModel({
      capacityPages: opts.capacityPages,
      costs: opts.costs,
      workers: 'manual',
      ksgxd: 'manual',
      onPending: () => this.schedule(),
    });
  }

  /** Applies one step now (synchronously, as the model does). */
  apply(step: Step): StepResult & { cost: StepCost } {
    return this.model.apply(step);
  }

  /** True while async work or a ksgxd wake-up is queued. */
  busy(): boolean {
    return this.model.hasPendingWork() || this.model.ksgxdPending();
  }

  /** Resolves after the next scheduler slice ran, or on the next macrotask turn when idle. */
  afterNextSlice(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.busy()) return new Promise((r) => setImmediate(r));
    return new Promise((r) => this.waiters.push(r));
  }

  /** Resolves when no async work is queued (tests: "the drain happened by itself"). */
  async idle(): Promise<void> {
    while (this.busy() && !this.stopped) await this.afterNextSlice();
  }

  /** True once stopped (in-flight requests give up instead of waiting for work that never runs). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Stops scheduling; queued work stays queued. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.wake();
  }

  private schedule(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = setImmediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = undefined;
    if (this.stopped) return;
    this.stats.slices++;
    if (this.model.hasPendingWork()) this.stats.workerPages += this.model.runPendingWork(WORK_ITEMS_PER_SLICE);
    if (this.model.ksgxdPending()) this.stats.ksgxdPages += this.model.runKsgxd();
    if (this.busy()) this.schedule();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
