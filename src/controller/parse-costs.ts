import type { CostModel } from '../epc/index.js';

const KEYS = ['evictCycles', 'reloadCycles', 'einitCycles', 'ghz'] as const;

/**
 * Parses `--costs`: `evictCycles=40000,reloadCycles=40000,einitCycles=50000,ghz=3` or the same as
 * JSON. Returns the partial cost model or an error naming the bad key.
 */
export function parseCosts(text: string): { costs: Partial<CostModel> } | { error: string } {
  let entries: Array<[string, unknown]>;
  if (text.trim().startsWith('{')) {
    try {
      const obj = JSON.parse(text) as unknown;
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { error: 'must be a JSON object' };
      entries = Object.entries(obj);
    } catch (err) {
      return { error: `is not valid JSON: ${(err as Error).message}` };
    }
  } else {
    entries = text.split(',').filter((s) => s.trim()).map((kv) => {
      const i = kv.indexOf('=');
      return i < 0 ? [kv.trim(), undefined] : [kv.slice(0, i).trim(), Number(kv.slice(i + 1))];
    });
  }
  const costs: Partial<CostModel> = {};
  for (const [k, v] of entries) {
    if (!(KEYS as readonly string[]).includes(k)) return { error: `unknown key ${JSON.stringify(k)} (known: ${KEYS.join(', ')})` };
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k === 'ghz' && v === 0)) return { error: `${k} must be a number >= 0${k === 'ghz' ? ' (and > 0)' : ''}` };
    costs[k as (typeof KEYS)[number]] = v;
  }
  return { costs };
}
