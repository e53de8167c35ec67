/**
 * Leaf validators of the scenario format, as zod schemas whose messages say what is wrong in
 * words a scenario author can act on (`must be a non-negative integer, got -3`). Structure
 * (which fields a step has) lives in scenario-schema.ts.
 */
import { z } from 'zod';
import { PAGE_SIZE } from '../epc/sgx.js';

/** Bytes per EPC page (the kernel's PAGE_SIZE); misc files speak bytes, scenarios mostly pages. */
export const PAGE_BYTES = PAGE_SIZE;
/** Largest EPC a scenario may model: 256 GiB, the issue's scale target (16 B of model state a page). */
export const MAX_CAPACITY_PAGES = (256 * 1024 ** 3) / PAGE_BYTES;
/** Largest page count of one step (add/aug) and largest page index of a range: keeps a typo from looping for hours. */
export const MAX_STEP_PAGES = 2 ** 28;
/** misc.max is a u64 in the kernel: larger values are ERANGE, here a malformed file. */
const U64_MAX = 2n ** 64n - 1n;
/** Enclave names and misc file names are short labels. */
const MAX_NAME_CHARS = 256;

const SUFFIX_BYTES: Record<string, bigint> = { Ki: 1024n, Mi: 1024n ** 2n, Gi: 1024n ** 3n, Ti: 1024n ** 4n };
const SIZE_RE = /^(\d+)(Ki|Mi|Gi|Ti)?$/;

/** Shows a bad value in a message: strings quoted, objects as JSON, all cut short. */
export function show(v: unknown): string {
  let s: string;
  if (v === undefined) s = 'nothing';
  else if (typeof v === 'string') s = JSON.stringify(v);
  else if (typeof v === 'bigint') s = v.toString();
  else s = JSON.stringify(v) ?? String(v);
  // Keep the one-line message printable whatever the file held (binary, control characters).
  s = s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A zod schema from a check that returns the value or an error message (`{error}`). */
function field<T>(check: (v: unknown) => { ok: T } | { error: string }) {
  return z.unknown().transform((v, ctx): T => {
    const r = check(v);
    if ('error' in r) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.ok;
  });
}

const required = (v: unknown) => (v === undefined || v === null ? { error: 'is required' } : undefined);

function checkCount(v: unknown, max: number): { ok: number } | { error: string } {
  const missing = required(v);
  if (missing) return missing;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return { error: `must be a non-negative integer, got ${show(v)}` };
  if (v > max) return { error: `must be at most ${max}, got ${v}` };
  return { ok: v };
}

/** A page count of one step (add/aug): integer in [0, MAX_STEP_PAGES]. */
export const pageCount = field((v) => checkCount(v, MAX_STEP_PAGES));

/** `[first, last]` page indexes (0-based, inclusive, in add order), first <= last. */
export const pageRange = field((v): { ok: [number, number] } | { error: string } => {
  const missing = required(v);
  if (missing) return missing;
  if (!Array.isArray(v) || v.length !== 2) return { error: `must be [first, last] page indexes, got ${show(v)}` };
  const a = checkCount(v[0], MAX_STEP_PAGES - 1);
  if ('error' in a) return { error: `first index ${a.error}` };
  const b = checkCount(v[1], MAX_STEP_PAGES - 1);
  if ('error' in b) return { error: `last index ${b.error}` };
  if (a.ok > b.ok) return { error: `is out of order: first index ${a.ok} is after last index ${b.ok}` };
  return { ok: [a.ok, b.ok] };
});

/** An absolute cgroup path as the model names it: "/", or "/a/b" with no empty, "." or ".." part. */
export function checkCgroupPath(v: unknown): { ok: string } | { error: string } {
  const missing = required(v);
  if (missing) return missing;
  if (typeof v !== 'string') return { error: `must be a cgroup path string like "/A", got ${show(v)}` };
  if (!v.startsWith('/')) return { error: `must start with "/", got ${show(v)}` };
  if (v === '/') return { ok: v };
  const parts = v.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || /\s/.test(p))) {
    return { error: `must be "/" or "/name/..." with no empty, ".", ".." or blank parts, got ${show(v)}` };
  }
  return { ok: v };
}

/** A cgroup path field (existence is checked by the parser, which knows the declarations). */
export const cgroupPath = field(checkCgroupPath);

/** A non-empty label: enclave names, misc file names. */
export const label = field((v): { ok: string } | { error: string } => {
  const missing = required(v);
  if (missing) return missing;
  if (typeof v !== 'string' || v === '') return { error: `must be a non-empty string, got ${show(v)}` };
  if (v.length > MAX_NAME_CHARS) return { error: `must be at most ${MAX_NAME_CHARS} characters` };
  return { ok: v };
});

/** A string written to a misc file as is (the kernel parses it; bad content is a step result). */
export const fileValue = field((v): { ok: string } | { error: string } => {
  const missing = required(v);
  if (missing) return missing;
  if (typeof v !== 'string') return { error: `must be a string (quote it, e.g. "sgx_epc 10000"), got ${show(v)}` };
  return { ok: v };
});

/** true/false. */
export const flag = field((v): { ok: boolean } | { error: string } =>
  typeof v === 'boolean' ? { ok: v } : { error: `must be true or false, got ${show(v)}` },
);

/** `auto` or `manual` scheduling of async cgroup work / ksgxd (absent = auto, set by the parser). */
export const schedule = field((v): { ok: 'auto' | 'manual' } | { error: string } => {
  return v === 'auto' || v === 'manual' ? { ok: v } : { error: `must be "auto" or "manual", got ${show(v)}` };
});

/** A cost parameter: a non-negative finite number (ghz: positive). */
export function costNumber(opts: { positive: boolean }) {
  return field((v): { ok: number | undefined } | { error: string } => {
    if (v === undefined) return { ok: undefined };
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (opts.positive && v === 0)) {
      return { error: `must be a ${opts.positive ? 'positive' : 'non-negative'} number, got ${show(v)}` };
    }
    return { ok: v };
  });
}

/** Bytes of a size with a binary suffix ("256Ki"), or undefined for a plain integer string. */
function parseSuffixed(s: string): { bytes: bigint } | { pages: bigint } | undefined {
  const m = SIZE_RE.exec(s.trim());
  if (!m) return undefined;
  return m[2] ? { bytes: BigInt(m[1]) * SUFFIX_BYTES[m[2]] } : { pages: BigInt(m[1]) };
}

/** Total EPC: pages (integer) or bytes with a Ki/Mi/Gi/Ti suffix that are a whole number of pages. */
export const capacity = field((v): { ok: number } | { error: string } => {
  const missing = required(v);
  if (missing) return missing;
  let pages: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return { error: `must be a positive integer (pages) or a size like "4Mi", got ${show(v)}` };
    pages = BigInt(v);
  } else if (typeof v === 'string') {
    const q = parseSuffixed(v);
    if (!q) return { error: `must be a positive integer (pages) or a size like "4Mi", got ${show(v)}` };
    if ('bytes' in q && q.bytes % BigInt(PAGE_BYTES) !== 0n) {
      return { error: `must be a multiple of the page size (${PAGE_BYTES} bytes), got ${show(v)} = ${q.bytes} bytes` };
    }
    pages = 'bytes' in q ? q.bytes / BigInt(PAGE_BYTES) : q.pages;
  } else {
    return { error: `must be a positive integer (pages) or a size like "4Mi", got ${show(v)}` };
  }
  if (pages === 0n) return { error: 'must be at least one page' };
  if (pages > BigInt(MAX_CAPACITY_PAGES)) return { error: `must be at most ${MAX_CAPACITY_PAGES} pages (256Gi), got ${show(v)}` };
  return { ok: Number(pages) };
});

/**
 * A cgroup's misc.max: pages (integer), bytes with a suffix ("256Ki"; any byte count, the kernel
 * floors it to pages), or "max". Returns the bytes to write, or undefined for "max".
 */
export const maxLimit = field((v): { ok: bigint | undefined } | { error: string } => {
  if (v === undefined || v === 'max') return { ok: undefined };
  let bytes: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return { error: `must be pages (a non-negative integer), a size like "256Ki" or "max", got ${show(v)}` };
    bytes = BigInt(v) * BigInt(PAGE_BYTES);
  } else if (typeof v === 'string') {
    const q = parseSuffixed(v);
    if (!q) return { error: `must be pages (a non-negative integer), a size like "256Ki" or "max", got ${show(v)}` };
    bytes = 'bytes' in q ? q.bytes : q.pages * BigInt(PAGE_BYTES);
  } else {
    return { error: `must be pages (a non-negative integer), a size like "256Ki" or "max", got ${show(v)}` };
  }
  if (bytes > U64_MAX) return { error: `must fit in 64 bits as bytes, got ${show(v)}` };
  return { ok: bytes };
});
