/**
 * Kubernetes `resource.Quantity` (apimachinery `ParseQuantity`), exact with bigint rationals:
 * `<sign><digits>[.<digits>]<suffix>`, the suffix binary SI (Ki..Ei), decimal SI (n u m "" k M
 * G T P E) or a decimal exponent (`e3`, `E-2`). "1." and ".5" are valid and "E" alone is exa.
 *
 * One core, `parseQuantity`, returns a result and never throws; the webhook, the agent, the
 * kubelet emulator and the API server double all read quantities through it. Where the
 * webhook's and the agent's parsers used to differ, the stricter rule holds: no surrounding
 * whitespace, a number is required ("Mi" and "." are junk), exponents beyond +-400 are out of
 * range, and an EPC amount must be a whole number of bytes (`parseByteQuantity`).
 */

/** Longest quantity text accepted; real ones are a dozen characters. Bounds the bigint work. */
export const MAX_QUANTITY_LENGTH = 128;
/** Largest decimal exponent magnitude (suffix or `e` form): far beyond any real quantity. */
export const MAX_DECIMAL_EXPONENT = 400;

const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** An exact quantity `num / den` (den > 0, not necessarily reduced). */
export interface ExactQuantity {
  readonly num: bigint;
  readonly den: bigint;
}

/** A parsed quantity, or why the input is not one (a phrase that follows the value: "is empty"). */
export type QuantityParse = { ok: true; value: ExactQuantity } | { ok: false; reason: string };

/**
 * Parses a quantity string (or a JSON number, which apimachinery's UnmarshalJSON also accepts)
 * exactly. Never throws: junk gives `{ok: false, reason}`.
 */
export function parseQuantity(input: unknown): QuantityParse {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'is not a finite number' };
    text = String(input); // String(1e21) = "1e+21": exponent syntax, handled below
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return { ok: false, reason: `must be a quantity string, got ${input === null ? 'null' : typeof input}` };
  }
  if (text.length === 0) return { ok: false, reason: 'is empty' };
  if (text.length > MAX_QUANTITY_LENGTH) return { ok: false, reason: `is longer than ${MAX_QUANTITY_LENGTH} characters` };
  const m = QUANTITY_RE.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return { ok: false, reason: 'is not a valid quantity' };
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
    if (!Number.isSafeInteger(decExp) || Math.abs(decExp) > MAX_DECIMAL_EXPONENT) return { ok: false, reason: 'is out of range' };
  }
  let mantissa = BigInt(intPart + fracPart || '0');
  if (sign === '-') mantissa = -mantissa;
  decExp -= fracPart.length;
  const scale = 2n ** BigInt(binExp);
  return decExp >= 0
    ? { ok: true, value: { num: mantissa * scale * 10n ** BigInt(decExp), den: 1n } }
    : { ok: true, value: { num: mantissa * scale, den: 10n ** BigInt(-decExp) } };
}

/** A quantity that does not parse; `value` is the offending input, the message names it and `field`. */
export class QuantityError extends Error {
  constructor(
    readonly value: unknown,
    readonly reason: string,
    /** Where the value came from (e.g. `spec.containers[0].resources.requests[cpu]`), if known. */
    readonly field?: string,
  ) {
    super(`${field ? `${field}: ` : ''}invalid quantity ${JSON.stringify(value)}: ${reason}`);
    this.name = 'QuantityError';
  }
}

/** `parseQuantity` for callers that treat junk as an error: throws `QuantityError` naming `field`. */
export function parseQuantityExact(input: unknown, field?: string): ExactQuantity {
  const r = parseQuantity(input);
  if (!r.ok) throw new QuantityError(input, r.reason, field);
  return r.value;
}

/** Integer ceiling of an exact quantity, like apimachinery `Quantity.Value()` (rounds up). */
export function ceilQuantity(q: ExactQuantity): bigint {
  const whole = q.num / q.den;
  return q.num % q.den > 0n ? whole + 1n : whole;
}

/**
 * A quantity's integer value rounded up (`Quantity.Value()`): "64Mi" -> 67108864n, "1.5Ki" ->
 * 1536n, "100m" -> 1n. Throws `QuantityError`. Not for EPC amounts: those must be whole bytes
 * (`parseByteQuantity`).
 */
export function quantityValue(input: unknown, field?: string): bigint {
  return ceilQuantity(parseQuantityExact(input, field));
}

/** Compares two exact quantities: negative, 0 or positive like `a - b`. */
export function compareQuantities(a: ExactQuantity, b: ExactQuantity): number {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Sum of two exact quantities. */
export function addQuantities(a: ExactQuantity, b: ExactQuantity): ExactQuantity {
  return a.den === b.den ? { num: a.num + b.num, den: a.den } : { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}

/** Why an EPC amount is unusable: it does not parse or is fractional, or it is zero or negative. */
export type ByteRule = 'epc-invalid' | 'epc-not-positive';

/** An EPC amount in bytes, or the rule it breaks and why. */
export type ByteCount = { ok: true; bytes: bigint } | { ok: false; reason: string; rule: ByteRule };

/**
 * An EPC amount: a quantity that is a whole number of bytes > 0 (a fraction of a byte cannot be
 * enforced, and the webhook denies it, so the agent refuses it too). Cached per string: pods
 * repeat the same few ("10Mi") and results are immutable values.
 */
export function parseByteQuantity(input: unknown): ByteCount {
  if (typeof input !== 'string') return byteCount(input);
  let r = byteCache.get(input);
  if (r === undefined) {
    if (byteCache.size >= BYTE_CACHE_SIZE) byteCache.clear();
    byteCache.set(input, (r = byteCount(input)));
  }
  return r;
}

const BYTE_CACHE_SIZE = 512;
const byteCache = new Map<string, ByteCount>();

function byteCount(input: unknown): ByteCount {
  const q = parseQuantity(input);
  if (!q.ok) return { ok: false, reason: q.reason, rule: 'epc-invalid' };
  const { num, den } = q.value;
  if (num === 0n) return { ok: false, reason: 'is zero', rule: 'epc-not-positive' };
  if (num < 0n) return { ok: false, reason: 'is negative', rule: 'epc-not-positive' };
  if (num % den !== 0n) return { ok: false, reason: 'is not a whole number of bytes', rule: 'epc-invalid' };
  return { ok: true, bytes: num / den };
}

const BYTE_UNITS: ReadonlyArray<readonly [string, bigint]> = [['Gi', 1n << 30n], ['Mi', 1n << 20n], ['Ki', 1n << 10n]];

/** Human form of a byte count for messages: exact binary suffix when it divides, else bytes. */
export function formatBytes(bytes: bigint): string {
  for (const [unit, size] of BYTE_UNITS) if (bytes >= size && bytes % size === 0n) return `${bytes / size}${unit}`;
  return `${bytes}`;
}

const SI_BY_EXPONENT: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * The canonical text the API server stores and returns for a quantity (apimachinery
 * `Quantity.String()` / `CanonicalizeBytes`): "1024Mi" -> "1Gi", "2000" -> "2k", "0.5" ->
 * "500m", "1536" stays, "1.5Gi" -> "1536Mi", "1e3" -> "1e3". Precision below 1n rounds up.
 * Throws `QuantityError` like `parseQuantityExact`.
 */
export function canonicalQuantity(input: unknown): string {
  const q = parseQuantityExact(input);
  const text = String(input);
  const suffix = /(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE])$/.exec(text)?.[1] ?? '';
  const format = suffix.endsWith('i') ? 'binary' : /^[eE]./.test(suffix) ? 'exponent' : 'decimal';
  // round up to nano precision, like the apiserver
  let nanos = (q.num * 1_000_000_000n) / q.den;
  if ((q.num * 1_000_000_000n) % q.den > 0n) nanos += 1n;
  if (nanos === 0n) return '0';
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const sign = negative ? '-' : '';
  if (format === 'binary' && abs >= 1024n * 1_000_000_000n && abs % 1_000_000_000n === 0n) {
    let whole = abs / 1_000_000_000n;
    let power = 0;
    while (power < 6 && whole % 1024n === 0n) {
      whole /= 1024n;
      power++;
    }
    return `${sign}${whole}${BINARY_BY_POWER[power]}`;
  }
  // decimal: the largest exponent (multiple of 3, >= -9) that keeps an integer mantissa
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 1000n === 0n && (format === 'exponent' || exponent < 18)) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (format === 'exponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
  return `${sign}${mantissa}${SI_BY_EXPONENT[exponent]}`;
}
