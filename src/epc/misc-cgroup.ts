import type { SgxLru } from './epc-pages.js';
import { LIMIT_CLAMP_PAGES, NIL, PAGE_SIZE, SGX_CG_LOW_MARGIN_THRESHOLD, SGX_CG_MIN_FREE_PAGE } from './sgx.js';
import type { Errno } from './types.js';

/** misc.c MAX_NUM: the "max" value of misc.max (U64_MAX). */
export const MAX_NUM = (1n << 64n) - 1n;
/** Cgroup ids index a Uint16Array per page. */
const MAX_CGROUPS = 0x10000;

/**
 * One misc cgroup with its sgx_epc resource (struct misc_cg + struct sgx_cgroup). Counters are in
 * pages; the files print bytes. Holds its LRU list head and its reclaim cursor (next_cg).
 */
export class MiscCgroup implements SgxLru {
  readonly children: MiscCgroup[] = [];
  /** misc.max as written, in bytes (MAX_NUM prints "max"). */
  maxBytes = MAX_NUM;
  /** floor(maxBytes / PAGE_SIZE), clamped to LIMIT_CLAMP_PAGES: the limit the charge walk enforces. */
  limit = limitPages(MAX_NUM);
  /** min(limit) over this cgroup and its ancestors: sgx_cgroup_max_pages_to_root(), cached by setMax()/mkdir. */
  minLimitToRoot = this.limit;
  /** should_reclaim()'s usage threshold derived from minLimitToRoot (see reclaimThreshold()). */
  reclaimAt = reclaimThreshold(this.limit);
  usage = 0;
  /** misc.peak watermark. */
  peak = 0;
  events = 0;
  eventsLocal = 0;
  /** Pages evicted from / reloaded into this cgroup's own charges. */
  evicted = 0;
  reloaded = 0;
  lruHead = NIL;
  lruTail = NIL;
  lruLen = 0;
  /** Reclaim cursor over this subtree (sgx_cgroup->next_cg); starts at itself. */
  nextCg: MiscCgroup = this;
  /** The coalesced async reclaim work item is queued. */
  workQueued = false;
  removed = false;

  constructor(
    readonly id: number,
    readonly path: string,
    readonly parent: MiscCgroup | null,
  ) {}
}

/** floor(bytes / PAGE_SIZE) clamped to LIMIT_CLAMP_PAGES (see there why that is exact). */
export function limitPages(maxBytes: bigint): number {
  const pages = maxBytes / BigInt(PAGE_SIZE);
  return pages > BigInt(LIMIT_CLAMP_PAGES) ? LIMIT_CLAMP_PAGES : Number(pages);
}

/**
 * The usage at which sgx_cgroup_should_reclaim() says yes, for a min-limit-to-root of m pages:
 * unless the limit is low (<= SGX_CG_LOW_LIMIT), keep SGX_CG_MIN_FREE_PAGE pages of margin.
 */
export function reclaimThreshold(m: number): number {
  return m > SGX_CG_LOW_MARGIN_THRESHOLD ? m - SGX_CG_MIN_FREE_PAGE : m;
}

/** Splits and checks a cgroup path ("/", "/a/b"); undefined when malformed. */
export function parseCgroupPath(path: string): string[] | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  if (path === '/') return [];
  const parts = path.slice(1).split('/');
  for (const p of parts) if (p === '' || p === '.' || p === '..') return undefined;
  return parts;
}

/**
 * The misc cgroup hierarchy and its charge accounting (kernel/cgroup/misc.c, >= 6.11).
 * Root is "/" with id 0. Creation order is kept (children arrays), which is the pre-order
 * child order the reclaim cursors follow.
 */
export class MiscCgroupTree {
  readonly root: MiscCgroup;
  private readonly byPath = new Map<string, MiscCgroup>();
  /** id -> cgroup, for the per-page cgroup ids. */
  readonly byId: (MiscCgroup | undefined)[] = [];
  private readonly freeIds: number[] = [];

  /** @param capacity misc_res_capacity in pages (misc.capacity). */
  constructor(readonly capacity: number) {
    this.root = new MiscCgroup(0, '/', null);
    this.byPath.set('/', this.root);
    this.byId[0] = this.root;
  }

  /** The cgroup at path, if it exists. */
  get(path: string): MiscCgroup | undefined {
    return this.byPath.get(path);
  }

  /** Live cgroups in creation order ("/" first). */
  all(): IterableIterator<MiscCgroup> {
    return this.byPath.values();
  }

  /** Every live cgroup in pre-order (creation order among siblings), root first. */
  preOrder(from: MiscCgroup = this.root): MiscCgroup[] {
    const out: MiscCgroup[] = [];
    const walk = (c: MiscCgroup): void => {
      out.push(c);
      for (const k of c.children) walk(k);
    };
    walk(from);
    return out;
  }

  /** Stores misc.max (bytes) and refreshes the cached min-limit-to-root of the subtree. */
  setMax(cg: MiscCgroup, maxBytes: bigint): void {
    cg.maxBytes = maxBytes;
    cg.limit = limitPages(maxBytes);
    const refresh = (c: MiscCgroup): void => {
      c.minLimitToRoot = c.parent ? Math.min(c.limit, c.parent.minLimitToRoot) : c.limit;
      c.reclaimAt = reclaimThreshold(c.minLimitToRoot);
      for (const k of c.children) refresh(k);
    };
    refresh(cg);
  }

  /** mkdir: the parent must exist (ENOENT); EEXIST if taken; EINVAL for a malformed path. */
  mkdir(path: string): 'ok' | Errno {
    const parts = parseCgroupPath(path);
    if (!parts) return 'EINVAL';
    if (this.byPath.has(path)) return 'EEXIST';
    const parentPath = parts.length === 1 ? '/' : '/' + parts.slice(0, -1).join('/');
    const parent = this.byPath.get(parentPath);
    if (!parent) return 'ENOENT';
    const id = this.freeIds.pop() ?? this.byId.length;
    if (id >= MAX_CGROUPS) return 'ENOMEM';
    const cg = new MiscCgroup(id, path, parent);
    cg.minLimitToRoot = Math.min(cg.limit, parent.minLimitToRoot);
    cg.reclaimAt = reclaimThreshold(cg.minLimitToRoot);
    parent.children.push(cg);
    this.byPath.set(path, cg);
    this.byId[id] = cg;
    return 'ok';
  }

  /**
   * rmdir: EBUSY while the cgroup has children or charges (the model's stand-in for a populated
   * cgroup), EBUSY for root. Ancestors whose cursor points at it move on (sgx_cgroup_free()).
   */
  rmdir(path: string): { result: 'ok' | Errno; removed?: MiscCgroup } {
    if (!parseCgroupPath(path)) return { result: 'EINVAL' };
    const cg = this.byPath.get(path);
    if (!cg) return { result: 'ENOENT' };
    if (cg === this.root || cg.children.length > 0 || cg.usage > 0) return { result: 'EBUSY' };
    // mirrors sgx_cgroup_next_skip() for every ancestor.
    for (let a = cg.parent; a; a = a.parent) {
      if (a.nextCg === cg) a.nextCg = nextDescendantPre(a, cg);
    }
    const siblings = cg.parent!.children;
    siblings.splice(siblings.indexOf(cg), 1);
    cg.removed = true;
    this.byPath.delete(path);
    this.byId[cg.id] = undefined;
    this.freeIds.push(cg.id);
    return { result: 'ok', removed: cg };
  }

  // mirrors misc_cg_try_charge(): returns null on success, else the level that refused.
  tryCharge(cg: MiscCgroup): MiscCgroup | null {
    const capacity = this.capacity;
    for (let i: MiscCgroup | null = cg; i !== null; i = i.parent) {
      const newUsage = ++i.usage;
      if (newUsage > i.limit || newUsage > capacity) return this.refuse(cg, i);
      // The watermark moves as the walk passes, even if a higher level refuses afterwards.
      if (newUsage > i.peak) i.peak = newUsage;
    }
    return null;
  }

  /** The refused end of misc_cg_try_charge(): the event at `at`, the walk rolled back up to it. */
  private refuse(cg: MiscCgroup, at: MiscCgroup): MiscCgroup {
    this.event(at);
    for (let j: MiscCgroup | null = cg; j !== null; j = j.parent) {
      j.usage--;
      if (j === at) break;
    }
    return at;
  }

  // mirrors misc_cg_uncharge() (n pages at once).
  uncharge(cg: MiscCgroup, n = 1): void {
    for (let i: MiscCgroup | null = cg; i !== null; i = i.parent) i.usage -= n;
  }

  // mirrors misc_cg_event(): events.local at the refusing level, events there and above (not root).
  private event(cg: MiscCgroup): void {
    cg.eventsLocal++;
    for (let c: MiscCgroup = cg; c.parent !== null; c = c.parent) c.events++;
  }
}

/**
 * mirrors css_next_descendant_pre() + wrap (sgx_cgroup_next_descendant_pre()): the cgroup after
 * pos in a pre-order walk of root's subtree, or root when the walk is over.
 */
export function nextDescendantPre(root: MiscCgroup, pos: MiscCgroup): MiscCgroup {
  if (pos.children.length > 0) return pos.children[0];
  for (let c = pos; c !== root; ) {
    const parent = c.parent!;
    const idx = parent.children.indexOf(c);
    if (idx + 1 < parent.children.length) return parent.children[idx + 1];
    c = parent;
  }
  return root;
}
