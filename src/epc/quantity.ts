import { PAGE_SIZE } from './sgx.js';

const SUFFIX: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** How a quantity without a suffix is read: a page count (scenario capacity/max) or bytes. */
export interface QuantityOptions {
  /** Unit of a plain integer: 'pages' (default, scenario files) or 'bytes'. */
  plain?: 'pages' | 'bytes';
}

/**
 * Parses the scenario forms of a size: a non-negative integer (pages by default) or bytes with a
 * binary suffix ("4Mi", "256Ki"). Bytes must be a whole number of pages. Returns the page count,
 * or an error message naming what is wrong (the caller adds the field name).
 */
export function parseQuantityToPages(
  value: number | string,
  opts: QuantityOptions = {},
): { pages: number } | { error: string } {
  const plainIsPages = (opts.plain ?? 'pages') === 'pages';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return { error: `must be a non-negative integer, got ${value}` };
    return plainIsPages ? { pages: value } : bytesToPages(value);
  }
  const m = /^\s*(\d+)\s*(Ki|Mi|Gi|Ti)?\s*$/.exec(value);
  if (!m) return { error: `must be an integer or a size like "4Mi", got ${JSON.stringify(value)}` };
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (!Number.isSafeInteger(n)) return { error: `is too large: ${JSON.stringify(value)}` };
  if (suffix === '' && plainIsPages) return { pages: n };
  return bytesToPages(n * SUFFIX[suffix]);
}

function bytesToPages(bytes: number): { pages: number } | { error: string } {
  if (!Number.isSafeInteger(bytes)) return { error: `is too large: ${bytes} bytes` };
  if (bytes % PAGE_SIZE !== 0) return { error: `must be a multiple of ${PAGE_SIZE} bytes, got ${bytes}` };
  return { pages: bytes / PAGE_SIZE };
}
