/**
 * Parsing and formatting of the misc controller's files, as `kernel/cgroup/misc.c` prints them:
 * one `<resource> <value>` line per resource (`misc.capacity`, `misc.max`, `misc.current`,
 * `misc.peak`) and `<resource>.max <count>` lines in `misc.events` / `misc.events.local`.
 * Pure functions: both backends and the test fakes share them.
 */
import type { EpcMax } from './epc-backend.js';
import { EpcBackendError } from './epc-backend-error.js';

/** The misc resource name of SGX EPC. */
export const SGX_EPC = 'sgx_epc';

/** Value of `key` in a keyed file ("sev 0\nsgx_epc 4096\n"), or undefined when the line is absent. */
export function miscKeyedValue(text: string, key: string): string | undefined {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    const sp = t.search(/\s/);
    if (sp < 0) continue;
    if (t.slice(0, sp) === key) return t.slice(sp).trim();
  }
  return undefined;
}

/** Parses an unsigned decimal counter; undefined if it is not one. */
export function parseCounter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `sgx_epc <bytes>` from misc.capacity / misc.current / misc.peak; undefined if absent or malformed. */
export function parseSgxBytes(text: string): number | undefined {
  return parseCounter(miscKeyedValue(text, SGX_EPC));
}

/** `sgx_epc max` or `sgx_epc <bytes>` from misc.max; undefined if absent or malformed. */
export function parseSgxMax(text: string): EpcMax | undefined {
  const v = miscKeyedValue(text, SGX_EPC);
  if (v === 'max') return 'max';
  return parseCounter(v);
}

/** `sgx_epc.max <n>` from misc.events / misc.events.local; undefined if absent or malformed. */
export function parseSgxEvents(text: string): number | undefined {
  return parseCounter(miscKeyedValue(text, `${SGX_EPC}.max`));
}

/** The line to write to misc.max. */
export function formatSgxMax(max: EpcMax): string {
  return `${SGX_EPC} ${max === 'max' ? 'max' : String(max)}`;
}

/** True when a `misc.max` value is acceptable to every backend: 'max' or a safe non-negative integer. */
export function isValidMax(max: unknown): max is EpcMax {
  return max === 'max' || (typeof max === 'number' && Number.isSafeInteger(max) && max >= 0);
}

/** Throws EpcBackendError EINVAL (naming `path`) unless `max` is a valid `misc.max` value. */
export function requireValidMax(path: string, max: unknown): asserts max is EpcMax {
  if (!isValidMax(max)) throw new EpcBackendError('EINVAL', `invalid misc.max ${JSON.stringify(max)}: bytes (integer >= 0) or 'max'`, { path });
}
