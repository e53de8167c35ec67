/**
 * Kubernetes `resource.Quantity` parsing (apimachinery `ParseQuantity`), exact with bigint:
 * `<sign><digits>[.<digits>]<suffix>`, suffix binary SI (Ki..Ei), decimal SI (n u m "" k M G T
 * P E) or a decimal exponent (`e3`, `E-2`). "1." and ".5" are valid; "E" alone is exa.
 */

/** Longest quantity text accepted; real ones are a dozen characters. Bounds the bigint work. */
export const MAX_QUANTITY_LENGTH = 128;
const MAX_DECIMAL_EXPONENT = 400;

const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** An exact quantity `num / den` (den > 0). */
export interface ExactQuantity {
  readonly num: bigint;
  readonly den: bigint;
}

/** A quantity that does not parse; `value` is the offending input, the message names it. */
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

/**
 * Parses a quantity string (or a JSON number, as apimachinery's UnmarshalJSON accepts) exactly.
 * Throws `QuantityError` naming the value (and `field` when given) for anything else.
 */
export function parseQuantityExact(input: unknown, field?: string): ExactQuantity {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(input, 'not a finite number', field);
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw new QuantityError(input, `expected a string, got ${input === null ? 'null' : typeof input}`, field);
  }
  if (text.length === 0) throw new QuantityError(input, 'empty', field);
  if (text.length > MAX_QUANTITY_LENGTH) throw new QuantityError(input, `longer than ${MAX_QUANTITY_LENGTH} characters`, field);
  const m = QUANTITY_RE.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new QuantityError(input, 'must match the regular expression ^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', field);
  }
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
    if (!Number.isSafeInteger(decExp) || Math.abs(decExp) > MAX_DECIMAL_EXPONENT) {
      throw new QuantityError(input, 'exponent out of range', field);
    }
  }
  let mantissa = BigInt(intPart + fracPart || '0');
  if (sign === '-') mantissa = -mantissa;
  decExp -= fracPart.length;
  const scale = 2n ** BigInt(binExp);
  return decExp >= 0
    ? { num: mantissa * scale * 10n ** BigInt(decExp), den: 1n }
    : { num: mantissa * scale, den: 10n ** BigInt(-decExp) };
}

/** Integer ceiling of an exact quantity, like apimachinery `Quantity.Value()` (rounds up). */
export function ceilQuantity(q: ExactQuantity): bigint {
  const whole = q.num / q.den;
  return q.num % q.den > 0n ? whole + 1n : whole;
}

/**
 * Parses a quantity and returns its integer value rounded up (`Quantity.Value()`), e.g. bytes:
 * "64Mi" -> 67108864n, "1.5Ki" -> 1536n, "1e3" -> 1000n. Throws `QuantityError`.
 */
export function parseQuantity(input: unknown, field?: string): bigint {
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
