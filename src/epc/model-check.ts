import { EVICTED } from './encl-page-table.js';
import type { MiscCgroupTree } from './misc-cgroup.js';
import { NIL, PAGE_FREE, PAGE_KIND_MASK, PAGE_REG, PAGE_SECS, PAGE_VA } from './sgx.js';
import type { Enclave, SgxEnclaves } from './sgx-encl.js';
import type { SgxMain } from './sgx-main.js';

/**
 * Cross-checks every redundant structure of the model, O(capacity + enclave pages): for
 * diagnostics and tests. Returns the violations found (empty when consistent):
 * - free list length = nrFree, free + allocated = capacity, no page both free and allocated;
 * - every cgroup's usage = pages charged in its subtree; root usage <= capacity;
 * - every REG page is on exactly the LRU of the cgroup it is charged to, with the right owner;
 * - every enclave page table entry points at a REG page owned by it; SECS/VA pages belong to it.
 */
export function checkModel(tree: MiscCgroupTree, main: SgxMain, encls: SgxEnclaves, enclaves: Iterable<Enclave>): string[] {
  const errs: string[] = [];
  const { pages } = main;
  const cap = pages.capacity;
  const onFree = new Uint8Array(cap);
  let freeLen = 0;
  for (let p = pages.freeHead; p !== NIL; p = pages.next[p]) {
    if (onFree[p]) {
      errs.push(`free list cycles at page ${p}`);
      break;
    }
    onFree[p] = 1;
    freeLen++;
    if ((pages.flags[p] & PAGE_KIND_MASK) !== PAGE_FREE) errs.push(`page ${p} is on the free list but allocated`);
  }
  if (freeLen !== pages.nrFree) errs.push(`free list has ${freeLen} pages, nrFree says ${pages.nrFree}`);
  let allocated = 0;
  const charged = new Map<number, number>();
  for (let p = 0; p < cap; p++) {
    if ((pages.flags[p] & PAGE_KIND_MASK) === PAGE_FREE) {
      if (!onFree[p]) errs.push(`page ${p} is free but not on the free list`);
      continue;
    }
    allocated++;
    charged.set(pages.cg[p], (charged.get(pages.cg[p]) ?? 0) + 1);
  }
  if (allocated + pages.nrFree !== cap) errs.push(`allocated ${allocated} + free ${pages.nrFree} != capacity ${cap}`);
  // usage = charged pages in the subtree.
  const subtree = (cgId: number): number => {
    const cg = tree.byId[cgId]!;
    let n = charged.get(cgId) ?? 0;
    for (const c of cg.children) n += subtree(c.id);
    return n;
  };
  for (const cgId of charged.keys()) if (!tree.byId[cgId]) errs.push(`pages charged to removed cgroup id ${cgId}`);
  for (const cg of tree.all()) {
    const n = subtree(cg.id);
    if (cg.usage !== n) errs.push(`${cg.path}: usage ${cg.usage} != ${n} pages charged in its subtree`);
  }
  if (tree.root.usage > cap) errs.push(`root usage ${tree.root.usage} > capacity ${cap}`);
  // LRUs.
  const onLru = new Uint8Array(cap);
  let lruTotal = 0;
  for (const cg of tree.all()) {
    let len = 0;
    pages.forEachLru(cg, (p, owner) => {
      len++;
      if (onLru[p]) errs.push(`page ${p} on two LRUs`);
      onLru[p] = 1;
      if ((pages.flags[p] & PAGE_KIND_MASK) !== PAGE_REG) errs.push(`non-REG page ${p} on ${cg.path}'s LRU`);
      if (pages.cg[p] !== cg.id) errs.push(`page ${p} on ${cg.path}'s LRU is charged to cgroup id ${pages.cg[p]}`);
      if (encls.table.loc(owner) !== p) errs.push(`page ${p}'s owner ${owner} maps to ${encls.table.loc(owner)}`);
    });
    if (len !== cg.lruLen) errs.push(`${cg.path}: LRU has ${len} pages, lruLen says ${cg.lruLen}`);
    lruTotal += len;
  }
  if (lruTotal !== pages.nrReclaimable) errs.push(`LRUs hold ${lruTotal} pages, nrReclaimable says ${pages.nrReclaimable}`);
  // Enclaves.
  let regTotal = 0;
  for (const e of enclaves) {
    let resident = 0;
    for (let i = 0; i < e.pages; i++) {
      const p = encls.table.loc(encls.table.gidOf(e.chunks, i));
      if (p === EVICTED) continue;
      resident++;
      if (!onLru[p]) errs.push(`${e.name} page ${i} at EPC page ${p} is not on an LRU`);
    }
    if (resident !== e.resident) errs.push(`${e.name}: ${resident} resident pages, counter says ${e.resident}`);
    if (!e.bare && resident !== e.secsChildCnt) errs.push(`${e.name}: secs_child_cnt ${e.secsChildCnt} != ${resident}`);
    regTotal += resident;
    if (e.secsPage !== NIL && (pages.flags[e.secsPage] & PAGE_KIND_MASK) !== PAGE_SECS) errs.push(`${e.name}: SECS page is not SECS`);
    for (const va of e.vaPages) if ((pages.flags[va] & PAGE_KIND_MASK) !== PAGE_VA) errs.push(`${e.name}: VA page ${va} is not VA`);
    const wantVa = e.bare ? 0 : Math.ceil(e.pageCnt / 512);
    if (e.vaPages.length !== wantVa) errs.push(`${e.name}: ${e.vaPages.length} VA pages for page_cnt ${e.pageCnt}`);
  }
  if (regTotal !== lruTotal) errs.push(`enclaves hold ${regTotal} resident pages, LRUs ${lruTotal}`);
  return errs;
}
