import { type MiscCgroup, type MiscCgroupTree, nextDescendantPre } from './misc-cgroup.js';
import * as sgx from './sgx.js';

// Hot-path constants as this module's own consts (see sgx-main.ts).
const { EBUSY, ENOMEM, SGX_NR_TO_SCAN } = sgx;

/** Ports the cgroup reclaimer needs from main.c and from the scheduler. */
export interface SgxCgroupPorts {
  /** sgx_reclaim_pages() on one cgroup's LRU; returns pages taken (young ones included). */
  reclaimLru(cg: MiscCgroup): number;
  /** Called when the work queue goes from empty to non-empty. */
  onQueued(): void;
}

/**
 * The EPC cgroup logic of arch/x86/kernel/cpu/sgx/epc_cgroup.c (v17): charging with
 * DO_RECLAIM/NO_RECLAIM, subtree reclaim through per-cgroup pre-order cursors, should_reclaim
 * and the coalesced per-cgroup async work items (FIFO, like the unbound workqueue's order).
 */
export class SgxCgroups {
  private queue: MiscCgroup[] = [];

  constructor(
    private readonly tree: MiscCgroupTree,
    /** nrReclaimable counts pages on every LRU, so lruEmpty(root) is O(1). */
    private readonly pages: { readonly nrReclaimable: number },
    private readonly ports: SgxCgroupPorts,
  ) {}

  // mirrors sgx_cgroup_lru_empty(): true if no cgroup in root's subtree has a reclaimable page.
  // Called on every charge near the limit: the cgroup's own LRU is tested here, small enough to
  // inline, and the subtree walk is split out.
  lruEmpty(root: MiscCgroup): boolean {
    return root.lruLen === 0 && this.subtreeLruEmpty(root);
  }

  /** lruEmpty() below a cgroup whose own LRU is empty. */
  private subtreeLruEmpty(root: MiscCgroup): boolean {
    if (root === this.tree.root) return this.pages.nrReclaimable === 0;
    for (const c of root.children) if (!this.lruEmpty(c)) return false;
    return true;
  }

  // mirrors sgx_cgroup_should_reclaim(): usage >= min limit to root (minus the margin above
  // SGX_CG_LOW_LIMIT, cached in reclaimAt) and a non-empty subtree LRU; cheap test first.
  shouldReclaim(cg: MiscCgroup): boolean {
    return cg.usage >= cg.reclaimAt && !this.lruEmpty(cg);
  }

  // mirrors sgx_cgroup_next_get(): the cursor's cgroup, advancing the cursor (wraps to root).
  nextGet(root: MiscCgroup): MiscCgroup {
    const p = root.nextCg;
    root.nextCg = nextDescendantPre(root, p);
    return p;
  }

  // mirrors sgx_cgroup_reclaim_pages(): scan at least n pages from root's subtree.
  reclaimPages(root: MiscCgroup, n: number): number {
    let cnt = 0;
    while (cnt < n && !this.lruEmpty(root)) cnt += this.ports.reclaimLru(this.nextGet(root));
    return cnt;
  }

  // mirrors sgx_cgroup_try_charge(): 0, -ENOMEM or -EBUSY. The first attempt is split out so
  // the common case stays small enough to inline into the allocator.
  tryCharge(cg: MiscCgroup, reclaim: boolean): number {
    if (this.tree.tryCharge(cg) !== null) return this.tryChargeRetry(cg, reclaim);
    if (cg.usage >= cg.reclaimAt && this.shouldReclaim(cg)) this.queueWork(cg);
    return 0;
  }

  /** The rest of sgx_cgroup_try_charge()'s loop after a refused attempt. */
  private tryChargeRetry(cg: MiscCgroup, reclaim: boolean): number {
    for (;;) {
      // __sgx_cgroup_try_charge() after misc_cg_try_charge() refused
      if (this.lruEmpty(cg)) return -ENOMEM;
      if (!reclaim) {
        this.queueWork(cg);
        return -EBUSY;
      }
      this.reclaimPages(cg, 1);
      if (this.tree.tryCharge(cg) === null) break;
    }
    if (this.shouldReclaim(cg)) this.queueWork(cg);
    return 0;
  }

  // mirrors sgx_cgroup_uncharge() (n pages at once).
  uncharge(cg: MiscCgroup, n = 1): void {
    this.tree.uncharge(cg, n);
  }

  /** queue_work(): a no-op while the cgroup's item is already queued. */
  queueWork(cg: MiscCgroup): void {
    if (!cg.workQueued) this.enqueue(cg);
  }

  private enqueue(cg: MiscCgroup): void {
    cg.workQueued = true;
    this.queue.push(cg);
    if (this.queue.length === 1) this.ports.onQueued();
  }

  /** cancel_work_sync() for a cgroup being removed. */
  cancelWork(cg: MiscCgroup): void {
    if (!cg.workQueued) return;
    cg.workQueued = false;
    this.queue = this.queue.filter((c) => c !== cg);
  }

  hasPendingWork(): boolean {
    return this.queue.length > 0;
  }

  /** Runs queued items in queue order (all, or at most maxItems); returns items run. */
  runWork(maxItems = Infinity): number {
    let ran = 0;
    while (ran < maxItems && this.queue.length > 0) {
      const cg = this.queue.shift()!;
      cg.workQueued = false;
      this.reclaimWorkFunc(cg);
      ran++;
    }
    return ran;
  }

  // mirrors sgx_cgroup_reclaim_work_func().
  private reclaimWorkFunc(cg: MiscCgroup): void {
    while (this.shouldReclaim(cg)) this.reclaimPages(cg, SGX_NR_TO_SCAN);
  }
}
