import { describe, expect, it } from 'vitest';
import { formatBytes, parseByteQuantity, parseQuantity } from '../../src/pod/quantity.js';

const Ki = 1024n;
const Mi = Ki * Ki;

describe('parseByteQuantity: an EPC amount, whole bytes > 0', () => {
  const ok: Array<[string | number, bigint]> = [
    ['10Mi', 10n * Mi],
    ['4096', 4096n],
    ['1Ki', Ki],
    ['1Ei', 1n << 60n],
    ['1k', 1000n],
    ['10M', 10_000_000n],
    ['1G', 1_000_000_000n],
    ['1E', 10n ** 18n],
    ['1e3', 1000n],
    ['1E3', 1000n],
    ['1e+3', 1000n],
    ['1.5Ki', 1536n],
    ['0.5Mi', Mi / 2n],
    ['.5Ki', 512n],
    ['1.Ki', Ki],
    ['+8Mi', 8n * Mi],
    ['4096000m', 4096n],
    ['4096000000u', 4096n],
    ['000012', 12n],
    [4096, 4096n],
    [1e21, 10n ** 21n],
  ];
  for (const [input, bytes] of ok) {
    it(`${JSON.stringify(input)} = ${bytes} bytes`, () => {
      expect(parseByteQuantity(input)).toEqual({ ok: true, bytes });
    });
  }

  const bad: Array<[unknown, string, RegExp]> = [
    ['', 'epc-invalid', /empty/],
    ['10MB', 'epc-invalid', /not a valid quantity/],
    ['10mi', 'epc-invalid', /not a valid quantity/],
    ['1K', 'epc-invalid', /not a valid quantity/],
    ['1e', 'epc-invalid', /not a valid quantity/],
    ['1..5', 'epc-invalid', /not a valid quantity/],
    ['--1', 'epc-invalid', /not a valid quantity/],
    ['1 Mi', 'epc-invalid', /not a valid quantity/],
    ['0x10', 'epc-invalid', /not a valid quantity/],
    ['Mi', 'epc-invalid', /not a valid quantity/], // a number is required (the stricter of the two former parsers)
    ['.', 'epc-invalid', /not a valid quantity/],
    [' 10Mi ', 'epc-invalid', /not a valid quantity/], // no surrounding whitespace (stricter)
    ['10Mi\n', 'epc-invalid', /not a valid quantity/],
    ['1.5', 'epc-invalid', /whole number/],
    ['1m', 'epc-invalid', /whole number/],
    ['1e-3', 'epc-invalid', /whole number/],
    ['1e-99999', 'epc-invalid', /out of range/],
    ['1e-401', 'epc-invalid', /out of range/], // exponents beyond +-400 (stricter)
    ['1e401', 'epc-invalid', /out of range/],
    ['1e99999', 'epc-invalid', /out of range/],
    ['9'.repeat(200), 'epc-invalid', /longer than/],
    [null, 'epc-invalid', /got null/],
    [{}, 'epc-invalid', /got object/],
    [Number.NaN, 'epc-invalid', /finite/],
    ['0', 'epc-not-positive', /zero/],
    ['0Mi', 'epc-not-positive', /zero/],
    ['0e99999999', 'epc-invalid', /out of range/],
    ['0e400', 'epc-not-positive', /zero/],
    ['-10Mi', 'epc-not-positive', /negative/],
    [-1, 'epc-not-positive', /negative/],
  ];
  for (const [input, rule, reason] of bad) {
    it(`rejects ${JSON.stringify(input)?.slice(0, 30)} (${rule})`, () => {
      const r = parseByteQuantity(input);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.rule).toBe(rule);
        expect(r.reason).toMatch(reason);
      }
    });
  }

  it('keeps exact rationals for fractional quantities', () => {
    const q = parseQuantity('1.25m');
    expect(q.ok && Number(q.value.num) / Number(q.value.den)).toBe(0.00125);
  });

  it('formats bytes with the largest exact binary suffix', () => {
    expect(formatBytes(10n * Mi)).toBe('10Mi');
    expect(formatBytes(1536n)).toBe('1536');
    expect(formatBytes(3n << 30n)).toBe('3Gi');
  });
});
