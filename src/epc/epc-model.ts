import { resolveCosts, simulatedNs } from './cost-model.js';
import { checkModel } from './model-check.js';
import { formatMax, readMiscFile, writeMiscFile } from './misc-files.js';
import { type MiscCgroup, MiscCgroupTree } from './misc-cgroup.js';
import { EBUSY, ENOMEM, MAX_CAPACITY_PAGES } from './sgx.js';
import { type Enclave, type LoopResult, SgxEnclaves } from './sgx-encl.js';
import { SgxMain } from './sgx-main.js';
import type {
  CgroupSnapshot,
  CostModel,
  EnclaveInfo,
  EpcModelOptions,
  Errno,
  ModelSnapshot,
  Step,
  StepCost,
  StepResult,
} from './types.js';

type Applied = StepResult & { cost: StepCost };

const errnoName = (err: number): Errno => (err === -ENOMEM ? 'ENOMEM' : err === -EBUSY ? 'EBUSY' : 'EINVAL');
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * The modeled EPC controller of one node: misc cgroup tree, EPC pages, enclaves, per-cgroup
 * reclaim, async workers and ksgxd (the kernel v17 EPC cgroup series; README "The simulator and simulation files").
 *
 * Pure and deterministic: no timers, no I/O. Async work and ksgxd run after each step in 'auto'
 * mode, or when the caller says so in 'manual' mode (onPending tells a real-time scheduler).
 */
export class EpcModel {
  private readonly tree: MiscCgroupTree;
  private readonly main: SgxMain;
  private readonly encls: SgxEnclaves;
  private readonly byName = new Map<string, Enclave>();
  private readonly costs: CostModel;
  private readonly workersAuto: boolean;
  private readonly ksgxdAuto: boolean;

  constructor(opts: EpcModelOptions) {
    const capacity = opts.capacityPages;
    if (!Number.isSafeInteger(capacity) || capacity <= 0 || capacity > MAX_CAPACITY_PAGES) {
      throw new RangeError(`capacityPages must be an integer in 1..${MAX_CAPACITY_PAGES}, got ${capacity}`);
    }
    this.costs = resolveCosts(opts.costs);
    this.workersAuto = (opts.workers ?? 'auto') === 'auto';
    this.ksgxdAuto = (opts.ksgxd ?? 'auto') === 'auto';
    const onPending = opts.onPending ?? (() => {});
    this.tree = new MiscCgroupTree(capacity);
    this.main = new SgxMain(capacity, {
      tree: this.tree,
      // Only work left to the caller (manual mode) counts as pending; onPending fires when that
      // goes from nothing to something.
      onWorkQueued: () => {
        if (!this.workersAuto && !(!this.ksgxdAuto && this.main.ksgxdWoken)) onPending();
      },
      onKsgxdWoken: () => {
        if (!this.ksgxdAuto && !(!this.workersAuto && this.main.cgroups.hasPendingWork())) onPending();
      },
    });
    this.encls = new SgxEnclaves(this.main);
  }

  /** Applies one step; expected failures are result codes (ENOENT for unknown names), never exceptions. */
  apply(step: Step): Applied {
    const main = this.main;
    const ev0 = main.nrEvicted;
    const rl0 = main.nrReloaded;
    const ei0 = this.encls.nrEinit;
    const r = this.dispatch(step) as Applied;
    const evicted = main.nrEvicted - ev0;
    const reloaded = main.nrReloaded - rl0;
    const einits = this.encls.nrEinit - ei0;
    r.cost = { evicted, reloaded, einits, simulatedNs: simulatedNs(this.costs, evicted, reloaded, einits) };
    if (this.workersAuto && main.cgroups.hasPendingWork()) this.runPendingWork();
    if (this.ksgxdAuto && main.ksgxdWoken) this.runKsgxd();
    return r;
  }

  /** Current state of every cgroup (creation order) and of the EPC. */
  snapshot(): ModelSnapshot {
    const cgroups: Record<string, CgroupSnapshot> = {};
    for (const cg of this.tree.all()) {
      cgroups[cg.path] = {
        max: formatMax(cg.maxBytes),
        current: cg.usage,
        peak: cg.peak,
        events: cg.events,
        eventsLocal: cg.eventsLocal,
        evicted: cg.evicted,
        reloaded: cg.reloaded,
      };
    }
    const c = this.counters();
    return {
      cgroups,
      epc: {
        capacity: this.main.pages.capacity,
        free: this.main.pages.nrFree,
        evicted: c.evicted,
        reloaded: c.reloaded,
        simulatedNs: simulatedNs(this.costs, c.evicted, c.reloaded, c.einits),
      },
    };
  }

  /** True when some cgroup has queued async reclaim work. */
  hasPendingWork(): boolean {
    return this.main.cgroups.hasPendingWork();
  }

  /** Runs queued async work items in queue order (all, or at most maxItems); returns pages evicted. */
  runPendingWork(maxItems?: number): number {
    const before = this.main.nrEvicted;
    this.main.cgroups.runWork(maxItems);
    return this.main.nrEvicted - before;
  }

  /** True when ksgxd has been woken and not yet run. */
  ksgxdPending(): boolean {
    return this.main.ksgxdWoken;
  }

  /** Runs ksgxd if woken (global reclaim up to the high watermark); returns pages evicted. */
  runKsgxd(): number {
    const before = this.main.nrEvicted;
    this.main.runKsgxd();
    return this.main.nrEvicted - before;
  }

  /** Alive enclaves (creation order) with their cgroup, page count and resident page count. */
  enclaves(): EnclaveInfo[] {
    return [...this.byName.values()].map((e) => ({ name: e.name, cgroup: e.cg.path, pages: e.pages, resident: e.resident }));
  }

  /** Cgroup paths in creation order ("/" first). */
  /** Whether a cgroup exists (no list built). */
  hasCgroup(path: string): boolean {
    return this.tree.get(path) !== undefined;
  }

  cgroups(): string[] {
    return [...this.tree.all()].map((c) => c.path);
  }

  /** Bytes held in typed arrays (per-page state and enclave page tables): the scale budget. */
  modelBytes(): number {
    return this.main.pages.bytes() + this.encls.table.bytes();
  }

  /** Cross-checks the model's redundant structures (diagnostics, tests); [] when consistent. O(capacity). */
  verify(): string[] {
    return checkModel(this.tree, this.main, this.encls, this.byName.values());
  }

  private counters(): { evicted: number; reloaded: number; einits: number } {
    return { evicted: this.main.nrEvicted, reloaded: this.main.nrReloaded, einits: this.encls.nrEinit };
  }

  private dispatch(step: Step): StepResult {
    switch (step.op) {
      case 'mkdir':
        return { op: step.op, result: this.tree.mkdir(step.cgroup) };
      case 'rmdir': {
        const cg = this.tree.get(step.cgroup);
        if (cg && cg.usage === 0 && cg.children.length === 0) this.main.cgroups.cancelWork(cg);
        return { op: step.op, result: this.tree.rmdir(step.cgroup).result };
      }
      case 'create':
        return { op: step.op, result: this.create(step) };
      case 'add':
      case 'aug':
        return this.addPages(step);
      case 'init': {
        const e = this.byName.get(step.enclave);
        if (!e) return { op: step.op, result: 'ENOENT' };
        if (e.initialized) return { op: step.op, result: 'EINVAL' };
        this.encls.einit(e);
        return { op: step.op, result: 'ok' };
      }
      case 'access':
        return this.access(step);
      case 'write': {
        const cg = this.tree.get(step.cgroup);
        if (!cg) return { op: step.op, result: 'ENOENT' };
        if (typeof step.value !== 'string' || typeof step.file !== 'string') return { op: step.op, result: 'EINVAL' };
        return { op: step.op, result: writeMiscFile(this.tree, cg, step.file, step.value) };
      }
      case 'read': {
        const cg = this.tree.get(step.cgroup);
        if (!cg) return { op: step.op, result: 'ENOENT' };
        return { op: step.op, ...readMiscFile(cg, step.file, this.tree.capacity) };
      }
      case 'drain':
        this.runPendingWork();
        return { op: step.op, result: 'ok' };
      case 'ksgxd':
        this.runKsgxd();
        return { op: step.op, result: 'ok' };
      case 'destroy': {
        const e = this.byName.get(step.enclave);
        if (!e) return { op: step.op, result: 'ENOENT' };
        this.encls.release(e);
        this.byName.delete(e.name);
        return { op: step.op, result: 'ok' };
      }
      default:
        return { op: (step as { op: Step['op'] }).op, result: 'EINVAL' };
    }
  }

  /** The charging cgroup: `from` if given, else the enclave's; undefined if unknown or removed. */
  private chargeTarget(from: string | undefined, fallback: MiscCgroup): MiscCgroup | undefined {
    const cg = from === undefined ? fallback : this.tree.get(from);
    return cg && !cg.removed ? cg : undefined;
  }

  private create(step: Extract<Step, { op: 'create' }>): 'ok' | Errno {
    if (typeof step.enclave !== 'string' || step.enclave === '') return 'EINVAL';
    if (this.byName.has(step.enclave)) return 'EEXIST';
    const cg = this.tree.get(step.cgroup);
    if (!cg) return 'ENOENT';
    const from = this.chargeTarget(step.from, cg);
    if (!from) return 'ENOENT';
    const e = this.encls.newEnclave(step.enclave, cg, step.bare === true);
    const err = this.encls.ecreate(e, from);
    if (err !== 0) {
      this.encls.release(e);
      return errnoName(err);
    }
    this.byName.set(e.name, e);
    return 'ok';
  }

  private addPages(step: Extract<Step, { op: 'add' | 'aug' }>): StepResult {
    const e = this.byName.get(step.enclave);
    if (!e) return { op: step.op, result: 'ENOENT', done: 0 };
    const from = this.chargeTarget(step.from, e.cg);
    if (!from) return { op: step.op, result: 'ENOENT', done: 0 };
    if (!isCount(step.pages)) return { op: step.op, result: 'EINVAL', done: 0 };
    // EADD only before EINIT, EAUG only after (sgx_ioc_enclave_add_pages / sgx_vma_fault).
    if (e.initialized !== (step.op === 'aug')) return { op: step.op, result: 'EINVAL', done: 0 };
    const r = step.op === 'add' ? this.encls.eadd(e, from, step.pages) : this.encls.eaug(e, from, step.pages);
    return loopResult(step.op, r);
  }

  private access(step: Extract<Step, { op: 'access' }>): StepResult {
    const e = this.byName.get(step.enclave);
    if (!e) return { op: step.op, result: 'ENOENT', done: 0 };
    const from = this.chargeTarget(step.from, e.cg);
    if (!from) return { op: step.op, result: 'ENOENT', done: 0 };
    const range = step.range;
    if (!Array.isArray(range) || range.length !== 2 || !isCount(range[0]) || !isCount(range[1])) {
      return { op: step.op, result: 'EINVAL', done: 0 };
    }
    const [a, b] = range;
    if (a > b || b >= e.pages) return { op: step.op, result: 'EINVAL', done: 0 };
    return loopResult(step.op, this.encls.access(e, from, a, b));
  }
}

function loopResult(op: Step['op'], r: LoopResult): StepResult {
  return r.err === 0 ? { op, result: 'ok', done: r.done } : { op, result: errnoName(r.err), done: r.done };
}
