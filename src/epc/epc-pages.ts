import * as sgx from './sgx.js';

// Hot-path constants as this module's own consts (see sgx-main.ts).
const { MAX_CAPACITY_PAGES, NIL, PAGE_ACCESSED, PAGE_FREE } = sgx;

/**
 * An LRU list head (struct sgx_epc_lru_list): the reclaimable pages of one cgroup, oldest at the
 * head. The list nodes live in EpcPages' typed arrays; this is only the head/tail/length.
 */
export interface SgxLru {
  lruHead: number;
  lruTail: number;
  lruLen: number;
}

/**
 * Per-EPC-page state in typed arrays indexed by page number (struct sgx_epc_page, main.c):
 * 11 bytes a page.
 *
 * - `next`  (Int32): next page on its LRU list, or on the free list (free pages).
 * - `px`    (Int32): for a page on an LRU: prev XOR owner, where owner is the global enclave-page
 *   id (see EnclavePageTable). Every list operation knows one of the two (the head's prev is
 *   NIL, a page found through its enclave knows its owner), so storing both costs 4 bytes, not 8:
 *   this is what keeps the whole model under 16 bytes a page. For SECS/VA pages: the enclave id.
 * - `cg`    (Uint16): id of the cgroup the page is charged to (sgx_epc_page->sgx_cg).
 * - `flags` (Uint8): page kind (free/REG/SECS/VA) and the accessed bit.
 *
 * Free list: a LIFO stack through `next` (sgx_free_epc_page() list_add()s at the head).
 */
export class EpcPages {
  readonly capacity: number;
  readonly next: Int32Array;
  readonly px: Int32Array;
  readonly cg: Uint16Array;
  readonly flags: Uint8Array;
  /** Head of the free list and its length (sgx_nr_free_pages). */
  freeHead: number;
  nrFree: number;
  /** Owner of the page last returned by lruTakeHead(). */
  takenOwner = 0;
  /** Pages on any LRU (root's subtree is non-empty iff > 0). */
  nrReclaimable = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0 || capacity > MAX_CAPACITY_PAGES) {
      throw new RangeError(`capacityPages must be an integer in 1..${MAX_CAPACITY_PAGES}, got ${capacity}`);
    }
    this.capacity = capacity;
    this.next = new Int32Array(capacity);
    this.px = new Int32Array(capacity);
    this.cg = new Uint16Array(capacity);
    this.flags = new Uint8Array(capacity);
    for (let i = 0; i < capacity - 1; i++) this.next[i] = i + 1;
    this.next[capacity - 1] = NIL;
    this.freeHead = 0;
    this.nrFree = capacity;
  }

  /** Bytes of typed arrays this structure holds (for the scale budget). */
  bytes(): number {
    return this.next.byteLength + this.px.byteLength + this.cg.byteLength + this.flags.byteLength;
  }

  // mirrors __sgx_alloc_epc_page(): pops the free list; NIL when empty. `kind` may carry PAGE_ACCESSED.
  alloc(kind: number, cgId: number): number {
    const p = this.freeHead;
    if (p === NIL) return NIL;
    this.freeHead = this.next[p];
    this.nrFree--;
    this.flags[p] = kind;
    this.cg[p] = cgId;
    return p;
  }

  // mirrors sgx_free_epc_page() (the uncharge is the caller's): pushes on the free list.
  free(p: number): void {
    this.flags[p] = PAGE_FREE;
    this.next[p] = this.freeHead;
    this.freeHead = p;
    this.nrFree++;
  }

  // mirrors sgx_mark_page_reclaimable(): list_add_tail() on the cgroup's LRU.
  lruAddTail(lru: SgxLru, p: number, owner: number): void {
    const t = lru.lruTail;
    this.next[p] = NIL;
    this.px[p] = owner ^ t;
    if (t === NIL) lru.lruHead = p;
    else this.next[t] = p;
    lru.lruTail = p;
    lru.lruLen++;
    this.nrReclaimable++;
  }

  /** Unlinks the LRU head (list_first_entry + list_del_init); its owner is left in takenOwner. */
  lruTakeHead(lru: SgxLru): number {
    const h = lru.lruHead;
    if (h === NIL) return NIL;
    this.takenOwner = this.px[h] ^ NIL;
    const n = this.next[h];
    if (n === NIL) lru.lruTail = NIL;
    else this.px[n] ^= h ^ NIL;
    lru.lruHead = n;
    lru.lruLen--;
    this.nrReclaimable--;
    this.next[h] = NIL;
    return h;
  }

  // mirrors sgx_unmark_page_reclaimable(): list_del() from anywhere in the LRU, O(1).
  lruRemove(lru: SgxLru, p: number, owner: number): void {
    const prev = this.px[p] ^ owner;
    const n = this.next[p];
    if (prev === NIL) lru.lruHead = n;
    else this.next[prev] = n;
    if (n === NIL) lru.lruTail = prev;
    else this.px[n] ^= p ^ prev;
    lru.lruLen--;
    this.nrReclaimable--;
    this.next[p] = NIL;
  }

  /** Test-and-clear of the accessed bit (sgx_reclaimer_age()): true if the page was young. */
  testAndClearYoung(p: number): boolean {
    const f = this.flags[p];
    if ((f & PAGE_ACCESSED) === 0) return false;
    this.flags[p] = f & ~PAGE_ACCESSED;
    return true;
  }

  /** Walks an LRU from head to tail calling fn(page, owner); for checks and tests, not hot paths. */
  forEachLru(lru: SgxLru, fn: (page: number, owner: number) => void): void {
    let prev = NIL;
    for (let p = lru.lruHead; p !== NIL; ) {
      const owner = this.px[p] ^ prev;
      fn(p, owner);
      prev = p;
      p = this.next[p];
    }
  }
}
