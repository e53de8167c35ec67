import type { EnclaveInfo, EpcModelOptions, ModelSnapshot, Step, StepCost, StepResult } from './types.js';

/** The model (stub while the implementation lands; API is final). */
export class EpcModel {
  constructor(readonly opts: EpcModelOptions) {}
  /** Applies one step; expected failures are result codes, never exceptions. */
  apply(step: Step): StepResult & { cost: StepCost } {
    throw new Error(`not implemented yet: ${step.op}`);
  }
  /** Current state of every cgroup and of the EPC. */
  snapshot(): ModelSnapshot {
    throw new Error('not implemented yet');
  }
  /** True when some cgroup has queued async reclaim work. */
  hasPendingWork(): boolean {
    return false;
  }
  /** Runs queued async work items (all, or at most maxItems); returns pages reclaimed. */
  runPendingWork(maxItems?: number): number {
    void maxItems;
    return 0;
  }
  /** True when ksgxd has been woken and not yet run. */
  ksgxdPending(): boolean {
    return false;
  }
  /** Runs global reclaim (ksgxd) if woken; returns pages reclaimed. */
  runKsgxd(): number {
    return 0;
  }
  /** Alive enclaves with their cgroup, page count and resident page count. */
  enclaves(): EnclaveInfo[] {
    return [];
  }
  /** Cgroup paths in creation order ("/" first). */
  cgroups(): string[] {
    return ['/'];
  }
}
