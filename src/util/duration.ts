const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration flag's text, "10s", "500ms", "2m", "1h", "1.5s" or a plain number of seconds, in
 * milliseconds; or why it is not one (a phrase the caller puts after the flag's name). Every
 * duration flag (`epc agent`, `epc workload`) is read with it.
 */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return { error: `must be a duration like 10s, 500ms or 2m, got ${JSON.stringify(text)}` };
  const ms = Number(m[1]) * UNITS[m[2] ?? 's'];
  if (!Number.isFinite(ms)) return { error: `is too large: ${text}` };
  return { ms: Math.round(ms) };
}
