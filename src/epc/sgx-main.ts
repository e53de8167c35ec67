import { SgxCgroups } from './epc-cgroup.js';
import { EpcPages } from './epc-pages.js';
import type { MiscCgroup, MiscCgroupTree } from './misc-cgroup.js';
import * as sgx from './sgx.js';

// The constants the hot paths use, as this module's own consts: V8 folds those into optimized
// code, but reads an imported binding through its module cell (and checks it is initialized) at
// every use, which costs a thrashing cgroup ~10% of its evict+reload time.
const { NIL, PAGE_ACCESSED, SGX_NR_HIGH_PAGES, SGX_NR_LOW_PAGES, SGX_NR_TO_SCAN } = sgx;

/** The enclave side of eviction (sgx_reclaimer_write() in main.c, owner bookkeeping in encl.c). */
export interface ReclaimOwner {
  /** EWB of REG page `page` owned by enclave page `owner`, charged to `cg`; the caller frees it. */
  reclaimerWrite(page: number, owner: number, cg: MiscCgroup): void;
}

/** Options for SgxMain: the tree it charges, and the ports that tell a scheduler about work. */
export interface SgxMainOptions {
  tree: MiscCgroupTree;
  /** Async cgroup work went from none to some. */
  onWorkQueued(): void;
  /** ksgxd was woken (it was not already). */
  onKsgxdWoken(): void;
}

/**
 * arch/x86/kernel/cpu/sgx/main.c: the EPC page allocator with its cgroup charge, the batch
 * reclaimer (sgx_reclaim_pages) and ksgxd's watermarks. Owns the per-page arrays.
 */
export class SgxMain {
  readonly pages: EpcPages;
  readonly cgroups: SgxCgroups;
  readonly tree: MiscCgroupTree;
  /** Set once by the enclave layer (the owner of every REG page). */
  owner!: ReclaimOwner;
  /** ksgxd has been woken and has not run yet. */
  ksgxdWoken = false;
  /** Pages evicted/reloaded so far, all cgroups. */
  nrEvicted = 0;
  nrReloaded = 0;
  private readonly onKsgxdWoken: () => void;

  constructor(capacity: number, opts: SgxMainOptions) {
    this.tree = opts.tree;
    this.pages = new EpcPages(capacity);
    this.onKsgxdWoken = opts.onKsgxdWoken;
    this.cgroups = new SgxCgroups(opts.tree, this.pages, {
      reclaimLru: (cg) => this.reclaimPages(cg),
      onQueued: opts.onWorkQueued,
    });
  }

  /**
   * mirrors sgx_alloc_epc_page(): charges `cg` (reclaiming its subtree if `reclaim`), takes a
   * free page of `kind` and wakes ksgxd below the low watermark. Returns the page, or -ENOMEM /
   * -EBUSY.
   */
  allocEpcPage(cg: MiscCgroup, kind: number, reclaim: boolean): number {
    const ret = this.cgroups.tryCharge(cg, reclaim);
    if (ret !== 0) return ret;
    // A successful charge passed the capacity check at root, and every allocated page is
    // charged, so the free list cannot be empty here (the kernel's global-reclaim retry loop
    // never runs in this model).
    const p = this.pages.alloc(kind, cg.id);
    if (p === NIL) freeListEmpty();
    if (this.shouldReclaimGlobal(SGX_NR_LOW_PAGES)) this.wakeKsgxd();
    return p;
  }

  // mirrors sgx_free_epc_page() with sgx_epc_page_uncharge().
  freeEpcPage(p: number): void {
    this.cgroups.uncharge(this.tree.byId[this.pages.cg[p]]!);
    this.pages.free(p);
  }

  /**
   * mirrors sgx_reclaim_pages(): isolates up to SGX_NR_TO_SCAN pages from the LRU head, gives the
   * young ones a second chance at the tail, evicts the others. Returns the number isolated.
   *
   * The kernel isolates the whole batch before ageing it; taking exactly min(16, length) pages
   * and ageing each as it is taken is equivalent (a rotated page cannot be taken twice, and the
   * batch's evictions commute: same LRU order, same counts, same SECS outcome).
   */
  reclaimPages(lru: MiscCgroup): number {
    const pages = this.pages;
    const { next, px, flags } = pages;
    const owner = this.owner;
    const n = lru.lruLen < SGX_NR_TO_SCAN ? lru.lruLen : SGX_NR_TO_SCAN;
    // The LRU's ends stay in locals for the batch and are written back after it (nothing the
    // loop calls touches an LRU): this is the hottest loop of a thrashing cgroup.
    let head = lru.lruHead;
    let tail = lru.lruTail;
    let old = 0;
    for (let i = 0; i < n; i++) {
      // list_first_entry + list_del_init (EpcPages.lruTakeHead, inlined)
      const p = head;
      const o = px[p] ^ NIL;
      head = next[p];
      if (head === NIL) tail = NIL;
      else px[head] ^= p ^ NIL;
      const f = flags[p];
      if ((f & PAGE_ACCESSED) !== 0) {
        // sgx_reclaimer_age(): young -> accessed bit cleared, back to the tail (second chance).
        flags[p] = f & ~PAGE_ACCESSED;
        next[p] = NIL;
        px[p] = o ^ tail;
        if (tail === NIL) head = p;
        else next[tail] = p;
        tail = p;
        continue;
      }
      owner.reclaimerWrite(p, o, lru);
      pages.free(p); // sgx_free_epc_page(); the batch is uncharged below
      old++;
    }
    lru.lruHead = head;
    lru.lruTail = tail;
    lru.lruLen -= old;
    pages.nrReclaimable -= old;
    if (old > 0) {
      // The pages were charged to the cgroup whose LRU they were on.
      this.cgroups.uncharge(lru, old);
      lru.evicted += old;
      this.nrEvicted += old;
    }
    return n;
  }

  // mirrors sgx_should_reclaim_global().
  shouldReclaimGlobal(watermark: number): boolean {
    return this.pages.nrFree < watermark && this.pages.nrReclaimable > 0;
  }

  private wakeKsgxd(): void {
    if (this.ksgxdWoken) return;
    this.ksgxdWoken = true;
    this.onKsgxdWoken();
  }

  /** mirrors one wake-up of ksgxd(): global reclaim (limits ignored) up to the high watermark. */
  runKsgxd(): void {
    if (!this.ksgxdWoken) return;
    this.ksgxdWoken = false;
    while (this.shouldReclaimGlobal(SGX_NR_HIGH_PAGES)) {
      // sgx_cgroup_reclaim_pages_global()
      this.cgroups.reclaimPages(this.tree.root, SGX_NR_TO_SCAN);
    }
  }

  /** Marks a freshly added/reloaded REG page reclaimable (after the add/reload completed). */
  markReclaimable(p: number, owner: number, cg: MiscCgroup): void {
    this.pages.lruAddTail(cg, p, owner);
  }
}

/** A successful charge found no free page: the model's accounting is broken. */
function freeListEmpty(): never {
  throw new Error('EPC free list empty after a successful charge');
}
