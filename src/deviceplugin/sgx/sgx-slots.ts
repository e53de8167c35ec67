import { HEALTHY, UNHEALTHY, type Device } from '../../contracts/device-plugin-api.js';
import { listAndWatchBytes } from '../list-and-watch-size.js';

/** Slot IDs `<prefix>-0 .. <prefix>-(n-1)`: a pure function of the count, so stable across restarts. */
export function slotIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** Numeric index of a slot ID (`enclave-7` -> 7), or NaN for anything else. */
export function slotIndex(id: string): number {
  const m = /-(\d+)$/.exec(id);
  return m ? Number(m[1]) : Number.NaN;
}

/** The device list for `ids`, all with the same health. */
export function slotDevices(ids: readonly string[], healthy: boolean): Device[] {
  const health = healthy ? HEALTHY : UNHEALTHY;
  return ids.map((ID) => ({ ID, health }));
}

/**
 * Preferred allocation for shareable slots: the must-include IDs, then the lowest-numbered
 * available ones, so allocations stay compact and deterministic.
 */
export function preferLowestSlots(available: readonly string[], mustInclude: readonly string[], size: number): string[] {
  const out = [...new Set(mustInclude)].slice(0, size);
  const taken = new Set(out);
  const rest = available.filter((id) => !taken.has(id)).sort((a, b) => slotIndex(a) - slotIndex(b) || a.localeCompare(b));
  for (const id of rest) {
    if (out.length >= size) break;
    out.push(id);
  }
  return out;
}

/**
 * Encoded ListAndWatch size of `count` slots `<prefix>-0..` (all Unhealthy, the longer word)
 * without building the list: IDs with the same number of digits encode to the same size, so a
 * huge `--enclave-slots` is checked in O(digits), before anything is allocated.
 */
export function slotListBytes(prefix: string, count: number): number {
  let bytes = 0;
  for (let digits = 1, lo = 0; lo < count; digits++) {
    const hi = Math.min(count, 10 ** digits);
    bytes += (hi - lo) * listAndWatchBytes(slotDevices([`${prefix}-${lo}`], false));
    lo = hi;
  }
  return bytes;
}
