import * as pageTable from './encl-page-table.js';
import type { MiscCgroup } from './misc-cgroup.js';
import type { ReclaimOwner, SgxMain } from './sgx-main.js';
import * as sgx from './sgx.js';

// Hot-path constants as this module's own consts (see sgx-main.ts).
const { EnclavePageTable, EVICTED } = pageTable;
const { NIL, PAGE_ACCESSED, PAGE_REG, PAGE_SECS, PAGE_VA, SGX_DO_RECLAIM, SGX_NO_RECLAIM, SGX_VA_SLOT_COUNT } = sgx;

/** One enclave (struct sgx_encl): its SECS, VA pages and the page table of its REG pages. */
export class Enclave {
  /** REG/TCS pages added (resident + evicted), i.e. the add-order index range. */
  pages = 0;
  resident = 0;
  /** encl->page_cnt: pages needing a VA slot, SECS included; a VA page every 512. */
  pageCnt = 0;
  /** encl->secs_child_cnt: resident child pages. */
  secsChildCnt = 0;
  initialized = false;
  /** EPC page of the SECS, NIL when evicted (or bare). */
  secsPage = NIL;
  readonly vaPages: number[] = [];
  /** Page-table chunks (EnclavePageTable). */
  readonly chunks: number[] = [];

  constructor(
    readonly id: number,
    readonly name: string,
    /** The cgroup of the task that owns it: the default charge target. */
    readonly cg: MiscCgroup,
    /** Plain reclaimable pages without SECS/VA. */
    readonly bare: boolean,
  ) {}
}

/** Result of a page loop: how many succeeded and the errno that stopped it (0 = none). */
export interface LoopResult {
  done: number;
  err: number;
}

/**
 * Enclave operations (arch/x86/kernel/cpu/sgx/encl.c and ioctl.c): ECREATE, EADD, EINIT, EAUG,
 * the reload fault (ELDU) and release, plus the owner side of eviction.
 */
export class SgxEnclaves implements ReclaimOwner {
  readonly table = new EnclavePageTable();
  readonly byId: (Enclave | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** EINITs performed (cost model). */
  nrEinit = 0;

  constructor(private readonly main: SgxMain) {
    main.owner = this;
  }

  /** Allocates an enclave id and registers it. */
  newEnclave(name: string, cg: MiscCgroup, bare: boolean): Enclave {
    const id = this.freeIds.pop() ?? this.byId.length;
    const e = new Enclave(id, name, cg, bare);
    this.byId[id] = e;
    return e;
  }

  // mirrors sgx_encl_create(): VA page (sgx_encl_grow) then SECS, both DO_RECLAIM. 0 or -errno.
  ecreate(e: Enclave, from: MiscCgroup): number {
    if (e.bare) return 0;
    const err = this.grow(e, from, SGX_DO_RECLAIM);
    if (err !== 0) return err;
    const secs = this.main.allocEpcPage(from, PAGE_SECS, SGX_DO_RECLAIM);
    if (secs < 0) {
      this.shrink(e);
      return secs;
    }
    this.main.pages.px[secs] = e.id;
    e.secsPage = secs;
    return 0;
  }

  // mirrors sgx_encl_add_page() for n pages (sgx_ioc_enclave_add_pages loop).
  eadd(e: Enclave, from: MiscCgroup, n: number): LoopResult {
    for (let i = 0; i < n; i++) {
      const err = this.addOne(e, from, SGX_DO_RECLAIM, 0);
      if (err !== 0) return { done: i, err };
    }
    return { done: n, err: 0 };
  }

  // mirrors sgx_encl_eaug_page() for n faults: NO_RECLAIM, the faulting access makes it young.
  eaug(e: Enclave, from: MiscCgroup, n: number): LoopResult {
    for (let i = 0; i < n; i++) {
      if (!e.bare && e.secsPage === NIL) {
        const err = this.elduSecs(e, from);
        if (err !== 0) return { done: i, err };
      }
      const err = this.addOne(e, from, SGX_NO_RECLAIM, PAGE_ACCESSED);
      if (err !== 0) return { done: i, err };
    }
    return { done: n, err: 0 };
  }

  /** Touches pages [a, b]: resident -> accessed bit; evicted -> reload fault (SECS first). */
  access(e: Enclave, from: MiscCgroup, a: number, b: number): LoopResult {
    const table = this.table;
    const flags = this.main.pages.flags;
    const chunks = e.chunks;
    for (let i = a; i <= b; i++) {
      const gid = table.gidOf(chunks, i);
      const slab = table.slabOf(gid);
      const p = slab[table.slotOf(gid)];
      if (p !== EVICTED) {
        flags[p] |= PAGE_ACCESSED;
        continue;
      }
      // mirrors __sgx_encl_load_page(): SECS first, then the page, both NO_RECLAIM.
      if (!e.bare && e.secsPage === NIL) {
        const err = this.elduSecs(e, from);
        if (err !== 0) return { done: i - a, err };
      }
      const q = this.eldu(e, gid, from);
      if (q < 0) return { done: i - a, err: q };
      slab[table.slotOf(gid)] = q;
    }
    return { done: b - a + 1, err: 0 };
  }

  /** EINIT. */
  einit(e: Enclave): void {
    e.initialized = true;
    this.nrEinit++;
  }

  // mirrors sgx_encl_release(): frees (and uncharges) every resident page, VA pages and SECS.
  release(e: Enclave): void {
    const main = this.main;
    const pages = main.pages;
    const table = this.table;
    for (let i = 0; i < e.pages; i++) {
      const gid = table.gidOf(e.chunks, i);
      const p = table.loc(gid);
      if (p === EVICTED) continue;
      pages.lruRemove(main.tree.byId[pages.cg[p]]!, p, gid);
      main.freeEpcPage(p);
    }
    for (const va of e.vaPages) main.freeEpcPage(va);
    e.vaPages.length = 0;
    if (e.secsPage !== NIL) main.freeEpcPage(e.secsPage);
    e.secsPage = NIL;
    e.resident = 0;
    e.secsChildCnt = 0;
    table.release(e.chunks);
    this.byId[e.id] = undefined;
    this.freeIds.push(e.id);
  }

  // mirrors sgx_reclaimer_write(): the page goes to backing store; the SECS follows the last
  // child of an initialized enclave.
  reclaimerWrite(page: number, owner: number, _cg: MiscCgroup): void {
    void page;
    const e = this.byId[this.table.ownerOf(owner)]!;
    this.table.setLoc(owner, EVICTED);
    e.resident--;
    if (e.bare) return;
    e.secsChildCnt--;
    if (e.secsChildCnt === 0 && e.initialized && e.secsPage !== NIL) this.evictSecs(e);
  }

  /** The SECS follows its initialized enclave's last child out (EWB, uncharge, free). */
  private evictSecs(e: Enclave): void {
    const main = this.main;
    const secs = e.secsPage;
    main.tree.byId[main.pages.cg[secs]]!.evicted++;
    main.nrEvicted++;
    main.freeEpcPage(secs);
    e.secsPage = NIL;
  }

  /** One EADD/EAUG: the page, then a VA page when page_cnt is a multiple of 512. 0 or -errno. */
  private addOne(e: Enclave, from: MiscCgroup, reclaim: boolean, young: number): number {
    const main = this.main;
    const p = main.allocEpcPage(from, PAGE_REG | young, reclaim);
    if (p < 0) return p;
    if (!e.bare) {
      const err = this.grow(e, from, reclaim);
      if (err !== 0) {
        main.freeEpcPage(p);
        return err;
      }
      e.secsChildCnt++;
    }
    const gid = this.table.gidFor(e.id, e.chunks, e.pages++);
    this.table.setLoc(gid, p);
    e.resident++;
    main.markReclaimable(p, gid, from);
    return 0;
  }

  // mirrors sgx_encl_grow(): a VA page when page_cnt is a multiple of 512. 0 or -errno.
  private grow(e: Enclave, from: MiscCgroup, reclaim: boolean): number {
    if ((e.pageCnt & (SGX_VA_SLOT_COUNT - 1)) === 0) {
      const va = this.main.allocEpcPage(from, PAGE_VA, reclaim);
      if (va < 0) return va;
      this.main.pages.px[va] = e.id;
      e.vaPages.push(va);
    }
    e.pageCnt++;
    return 0;
  }

  // mirrors sgx_encl_shrink() after a failed ECREATE: gives back the VA page grow() just took.
  private shrink(e: Enclave): void {
    e.pageCnt--;
    this.main.freeEpcPage(e.vaPages.pop()!);
  }

  // mirrors sgx_encl_eldu() for a REG page, charged to the faulting task (NO_RECLAIM). Returns the
  // EPC page (the caller records it in the page table, whose slab it has at hand) or -errno.
  private eldu(e: Enclave, gid: number, from: MiscCgroup): number {
    const main = this.main;
    // The access that faulted completes once the page is back: a reloaded page is young.
    const p = main.allocEpcPage(from, PAGE_REG | PAGE_ACCESSED, SGX_NO_RECLAIM);
    if (p < 0) return p;
    from.reloaded++;
    main.nrReloaded++;
    e.resident++;
    if (!e.bare) e.secsChildCnt++;
    main.pages.lruAddTail(from, p, gid); // sgx_mark_page_reclaimable()
    return p;
  }

  // mirrors sgx_encl_eldu() for the SECS (encl->secs), before its first child comes back.
  private elduSecs(e: Enclave, from: MiscCgroup): number {
    const main = this.main;
    const p = main.allocEpcPage(from, PAGE_SECS, SGX_NO_RECLAIM);
    if (p < 0) return p;
    from.reloaded++;
    main.nrReloaded++;
    main.pages.px[p] = e.id;
    e.secsPage = p;
    return 0;
  }

}
