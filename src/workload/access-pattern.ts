/** Access patterns of the simulated enclave application. */
export type PatternKind = 'sequential' | 'random' | 'hotcold';
export const PATTERN_KINDS: readonly PatternKind[] = ['sequential', 'random', 'hotcold'];

/** Share of the working set that is hot, and share of accesses that go to it (hotcold). */
export const HOT_FRACTION = 0.2;
export const HOT_ACCESS_SHARE = 0.8;

/** Deterministic PRNG (mulberry32) so runs with the same --seed touch the same pages. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields the page ranges (inclusive) of each access call over pages [0, workingSetPages). */
export interface AccessPattern {
  next(): Array<[number, number]>;
}

/**
 * Builds a pattern. sequential: `batch` consecutive pages, wrapping; random: `batch` uniform
 * pages; hotcold: each page from the hot first 20% with probability 0.8, else from the rest.
 * Random picks are sorted and merged into ranges (one access call, fewer ranges).
 */
export function accessPattern(opts: { kind: PatternKind; workingSetPages: number; batch: number; seed?: number }): AccessPattern {
  const ws = opts.workingSetPages;
  const batch = Math.min(opts.batch, ws);
  if (!(ws > 0) || !(batch > 0)) throw new RangeError('working set and batch must be >= 1 page');
  if (opts.kind === 'sequential') {
    let cursor = 0;
    return {
      next() {
        const first = cursor;
        const last = first + batch - 1;
        cursor = (last + 1) % ws;
        return last < ws ? [[first, last]] : [[first, ws - 1], [0, last - ws]];
      },
    };
  }
  const rnd = seededRandom(opts.seed ?? 1);
  const hot = Math.max(1, Math.floor(ws * HOT_FRACTION));
  const pick =
    opts.kind === 'random' || hot >= ws
      ? () => Math.floor(rnd() * ws)
      : () => (rnd() < HOT_ACCESS_SHARE ? Math.floor(rnd() * hot) : hot + Math.floor(rnd() * (ws - hot)));
  return {
    next() {
      const pages = new Array<number>(batch);
      for (let i = 0; i < batch; i++) pages[i] = pick();
      return toRanges(pages);
    },
  };
}

/** Sorts page indexes and merges them into inclusive ranges (duplicates collapse). */
export function toRanges(pages: number[]): Array<[number, number]> {
  const sorted = [...pages].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p <= last[1] + 1) last[1] = Math.max(last[1], p);
    else out.push([p, p]);
  }
  return out;
}
