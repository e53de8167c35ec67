/**
 * Readers of one flag's text as the components' config builders need it. Each returns the value
 * or throws a ConfigError whose message names the flag and shows what was given; none has side
 * effects, so a builder made of them is pure.
 */
import { parseQuantityToPages } from '../epc/quantity.js';
import { PAGE_SIZE } from '../epc/sgx.js';
import { ConfigError } from './config-error.js';
import { parseDuration } from './duration.js';
import { parseListenAddr } from './listen-addr.js';
import { unixSocketPathProblem } from './unix-socket-path.js';

/** true|false (also given as a bare flag = true). */
export function boolFlag(flag: string, v: string | boolean): boolean {
  if (v === true || v === false) return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new ConfigError(flag, `${flag} must be true or false, got ${JSON.stringify(v)}`);
}

/** One of `allowed`, exactly. */
export function oneOfFlag<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new ConfigError(flag, `${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
}

/** Any text but empty or blanks. */
export function nonEmptyFlag(flag: string, v: string | undefined): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(flag, `${flag} must not be empty`);
  return v;
}

/** A whole number (digits only: no sign, fraction, exponent or hex) from `min` to `max`. */
export function intFlag(flag: string, v: string, range: { min: number; max?: number }): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) throw new ConfigError(flag, `${flag} must be a whole number >= ${range.min}, got ${JSON.stringify(v)}`);
  if (n < range.min) throw new ConfigError(flag, `${flag} must be >= ${range.min}, got ${n}`);
  if (range.max !== undefined && n > range.max) throw new ConfigError(flag, `${flag} must be at most ${range.max}, got ${n}`);
  return n;
}

/** A decimal number (`1`, `0.5`, `2e3`) >= `min`. */
export function numberFlag(flag: string, v: string, range: { min: number }): number {
  const n = Number(v);
  if (!/^\s*\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v) || !Number.isFinite(n) || n < range.min) throw new ConfigError(flag, `${flag} must be a number >= ${range.min}, got ${JSON.stringify(v)}`);
  return n;
}

/** A duration (`10s`, `500ms`, `2m`, `1h`; a plain number is seconds) in milliseconds, within `range`. */
export function durationMsFlag(flag: string, v: string, range: { min?: number; max?: number } = {}): number {
  const d = parseDuration(String(v));
  if ('error' in d) throw new ConfigError(flag, `${flag} ${d.error}`);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  if (d.ms < min || d.ms > max) {
    const bounds = range.max === undefined ? `at least ${min} ms` : `between ${min} ms and ${max} ms`;
    throw new ConfigError(flag, `${flag} must be ${bounds}, got ${JSON.stringify(v)}`);
  }
  return d.ms;
}

/** An EPC size (bytes, or with a Ki/Mi/Gi suffix) in whole pages, at least one. */
export function pagesFlag(flag: string, v: string): number {
  const r = parseQuantityToPages(v, { plain: 'bytes' });
  if ('error' in r) throw new ConfigError(flag, `${flag} ${r.error}`);
  if (r.pages < 1) throw new ConfigError(flag, `${flag} must be at least one page (${PAGE_SIZE} bytes)`);
  return r.pages;
}

/** HOST:PORT to listen on (`[v6]:PORT` too; an empty host is 0.0.0.0; port 0 = any free port). */
export function listenAddrFlag(flag: string, v: string): { host: string; port: number } {
  try {
    return parseListenAddr(v, flag);
  } catch (err) {
    throw new ConfigError(flag, (err as Error).message);
  }
}

/** A TCP port, 0-65535 (0 = any free port). */
export function portFlag(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new ConfigError(flag, `${flag}: must be a port number 0-65535, got ${JSON.stringify(v)}`);
  return n;
}

/** A path that can be a unix socket's (not empty, no NUL, within the platform's length limit). */
export function socketPathFlag(flag: string, v: string): string {
  const bad = unixSocketPathProblem(flag, nonEmptyFlag(flag, v));
  if (bad) throw new ConfigError(flag, bad);
  return v;
}
