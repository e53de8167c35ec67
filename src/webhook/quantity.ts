/**
 * Kubernetes `resource.Quantity` parsing, exact (bigint rationals, no floating point), following
 * apimachinery's `parseQuantityString` + suffixer: `<sign><digits>[.<digits>]<suffix>` where the
 * suffix is binary SI (Ki..Ei), decimal SI (n u m "" k M G T P E) or an exponent (`e3`, `E-2`).
 * Like apimachinery, "1." and ".5" are accepted, and "E" alone means exa while "e" alone is junk.
 */

/** Longest quantity string we look at; real ones are a dozen characters. Bounds the bigint work. */
export const MAX_QUANTITY_LENGTH = 128;
/** Exponent magnitude beyond which the value is certainly out of range (too big or below 1). */
const MAX_DECIMAL_EXPONENT = 1000;

const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** An exact rational value `num / den` (den > 0, not necessarily reduced). */
export interface Rational {
  num: bigint;
  den: bigint;
}

export type QuantityParse = { ok: true; value: Rational } | { ok: false; reason: string };

/**
 * Parses a Kubernetes quantity given as a string (or a JSON number, which apimachinery's
 * UnmarshalJSON also accepts). Never throws; returns `{ok:false, reason}` for junk.
 */
export function parseQuantity(input: unknown): QuantityParse {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'is not a finite number' };
    text = String(input);
    // String(1e21) = "1e+21": valid exponent syntax, handled below.
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    return { ok: false, reason: `must be a quantity string, got ${input === null ? 'null' : typeof input}` };
  }
  if (text.length === 0) return { ok: false, reason: 'is empty' };
  if (text.length > MAX_QUANTITY_LENGTH) return { ok: false, reason: `is longer than ${MAX_QUANTITY_LENGTH} characters` };
  const m = QUANTITY_RE.exec(text);
  if (!m) return { ok: false, reason: 'is not a valid quantity' };
  const [, sign, intPart = '', fracPart = '', suffix = ''] = m;
  let decExp: number;
  let binExp = 0;
  if (suffix in BINARY_SUFFIX) {
    decExp = 0;
    binExp = BINARY_SUFFIX[suffix];
  } else if (suffix in DECIMAL_SUFFIX) {
    decExp = DECIMAL_SUFFIX[suffix];
  } else {
    decExp = Number(suffix.slice(1));
    if (!Number.isSafeInteger(decExp)) return { ok: false, reason: 'has an out-of-range exponent' };
  }
  let mantissa = BigInt((intPart + fracPart) || '0');
  decExp -= fracPart.length;
  if (mantissa === 0n) return { ok: true, value: { num: 0n, den: 1n } };
  if (sign === '-') mantissa = -mantissa;
  if (decExp > MAX_DECIMAL_EXPONENT) return { ok: false, reason: 'is out of range' };
  if (decExp < -MAX_DECIMAL_EXPONENT) {
    // |mantissa| < 10^128 and 2^60 < 10^19, so the magnitude is far below 1: a tiny fraction.
    return { ok: true, value: { num: mantissa, den: 10n ** BigInt(MAX_DECIMAL_EXPONENT) * 10n ** 200n } };
  }
  const scale = 2n ** BigInt(binExp);
  return decExp >= 0
    ? { ok: true, value: { num: mantissa * scale * 10n ** BigInt(decExp), den: 1n } }
    : { ok: true, value: { num: mantissa * scale, den: 10n ** BigInt(-decExp) } };
}

export type ByteCount = { ok: true; bytes: bigint } | { ok: false; reason: string; rule: 'epc-invalid' | 'epc-not-positive' };

/**
 * An EPC amount: a quantity that is an integer number of bytes > 0. Returns the byte count or
 * the rule it breaks (`epc-invalid`: does not parse or is fractional; `epc-not-positive`).
 */
export function parseByteQuantity(input: unknown): ByteCount {
  if (typeof input !== 'string') return parseByteQuantityUncached(input);
  let r = byteCache.get(input);
  if (r === undefined) {
    if (byteCache.size >= BYTE_CACHE_SIZE) byteCache.clear();
    byteCache.set(input, (r = parseByteQuantityUncached(input)));
  }
  return r;
}

// Pods repeat the same few quantity strings ("10Mi"); results are immutable values.
const BYTE_CACHE_SIZE = 512;
const byteCache = new Map<string, ByteCount>();

function parseByteQuantityUncached(input: unknown): ByteCount {
  const q = parseQuantity(input);
  if (!q.ok) return { ok: false, reason: q.reason, rule: 'epc-invalid' };
  const { num, den } = q.value;
  if (num === 0n) return { ok: false, reason: 'is zero', rule: 'epc-not-positive' };
  if (num < 0n) return { ok: false, reason: 'is negative', rule: 'epc-not-positive' };
  if (num % den !== 0n) return { ok: false, reason: 'is not a whole number of bytes', rule: 'epc-invalid' };
  return { ok: true, bytes: num / den };
}

/** Human form of a byte count for messages: exact binary suffix when it divides, else bytes. */
export function formatBytes(bytes: bigint): string {
  const units: Array<[string, bigint]> = [['Gi', 1n << 30n], ['Mi', 1n << 20n], ['Ki', 1n << 10n]];
  for (const [unit, size] of units) if (bytes >= size && bytes % size === 0n) return `${bytes / size}${unit}`;
  return `${bytes}`;
}
