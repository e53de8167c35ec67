/**
 * Public vocabulary of the EPC model (contract: /work/notes/model-api.md). The step shapes are
 * exactly the steps of a simulation file (README "The simulator and simulation files") plus mkdir/rmdir.
 */

/** Kernel error names the model returns as values (never thrown). */
export type Errno = 'EINVAL' | 'ERANGE' | 'ENOENT' | 'EBUSY' | 'ENOMEM' | 'EEXIST';
/** A step's outcome: 'ok' or the errno the kernel would return. */
export type StepResultCode = 'ok' | Errno;

/** One operation, exactly the scenario step shapes of epc-model.md, plus mkdir/rmdir. */
export type Step =
  | { op: 'mkdir'; cgroup: string }
  | { op: 'rmdir'; cgroup: string }
  | { op: 'create'; enclave: string; cgroup: string; bare?: boolean; from?: string }
  | { op: 'add'; enclave: string; pages: number; from?: string }
  | { op: 'init'; enclave: string }
  | { op: 'aug'; enclave: string; pages: number; from?: string }
  | { op: 'access'; enclave: string; range: [number, number]; from?: string }
  | { op: 'write'; cgroup: string; file: string; value: string }
  | { op: 'read'; cgroup: string; file: string }
  | { op: 'drain' }
  | { op: 'ksgxd' }
  | { op: 'destroy'; enclave: string };

/** Scenario JSON step result: {op, result, done?, value?}. */
export interface StepResult {
  op: Step['op'];
  result: StepResultCode;
  /** add/aug/access: operations that succeeded before the step stopped. */
  done?: number;
  /** read: the file content exactly as the kernel prints it (trailing newline included). */
  value?: string;
}

/** What a step cost, for callers that turn it into time (epc controller delays the caller). */
export interface StepCost {
  evicted: number;
  reloaded: number;
  einits: number;
  simulatedNs: number;
}

/** Per-cgroup summary; current/peak in pages, max as misc.max prints it ("max" or bytes). */
export interface CgroupSnapshot {
  max: string;
  current: number;
  peak: number;
  events: number;
  eventsLocal: number;
  evicted: number;
  reloaded: number;
}

/** Whole-model summary (the scenario --json tail). */
export interface ModelSnapshot {
  cgroups: Record<string, CgroupSnapshot>;
  epc: { capacity: number; free: number; evicted: number; reloaded: number; simulatedNs: number };
}

/** Cycle costs of the paging instructions and the clock that turns them into nanoseconds. */
export interface CostModel {
  evictCycles: number;
  reloadCycles: number;
  einitCycles: number;
  ghz: number;
}

/** Construction options; scheduling comes in through workers/ksgxd/onPending (no timers). */
export interface EpcModelOptions {
  /** Total EPC in pages (> 0). */
  capacityPages: number;
  costs?: Partial<CostModel>;
  /** 'auto': run queued async cgroup work after each step (scenario default);
   *  'manual': only on {op:'drain'} or runPendingWork(). */
  workers?: 'auto' | 'manual';
  /** 'auto': run global reclaim to completion after each step when woken;
   *  'manual': on {op:'ksgxd'} or runKsgxd(). */
  ksgxd?: 'auto' | 'manual';
  /** Port for real-time use: called synchronously, once per transition (nothing pending ->
   *  something pending), when async work is queued or ksgxd is woken in 'manual' mode, so a
   *  scheduler can run runPendingWork()/runKsgxd() later. */
  onPending?: () => void;
}

/** Enclave listing entry: pages = REG/TCS pages added (resident + evicted). */
export interface EnclaveInfo {
  name: string;
  cgroup: string;
  pages: number;
  resident: number;
}
