import { describe, expect, it } from 'vitest';
import { canonicalQuantity, compareQuantities, parseQuantityExact, quantityValue, QuantityError } from '../../src/pod/quantity.js';

describe('quantityValue (apimachinery ParseQuantity, rounded up like Value())', () => {
  const good: Array<[string, string | number, bigint]> = [
    ['plain bytes', '1024', 1024n],
    ['JSON number', 4096, 4096n],
    ['binary Ki', '1Ki', 1024n],
    ['binary Mi', '64Mi', 64n * 1024n * 1024n],
    ['binary Gi', '256Gi', 256n << 30n],
    ['binary Ti', '1Ti', 1n << 40n],
    ['binary Ei', '1Ei', 1n << 60n],
    ['fractional binary', '1.5Ki', 1536n],
    ['decimal k', '10k', 10_000n],
    ['decimal M', '10M', 10_000_000n],
    ['decimal G', '1G', 1_000_000_000n],
    ['E alone is exa', '2E', 2_000_000_000_000_000_000n],
    ['exponent e', '1e3', 1000n],
    ['exponent E', '5E6', 5_000_000n],
    ['exponent with sign', '12e+2', 1200n],
    ['negative exponent rounds up', '15e-1', 2n],
    ['milli rounds up', '100m', 1n],
    ['zero milli', '0m', 0n],
    ['nano', '1500000000n', 2n],
    ['trailing dot', '1.', 1n],
    ['leading dot', '.5Ki', 512n],
    ['explicit plus', '+7', 7n],
    ['negative', '-1Ki', -1024n],
  ];
  it.each(good)('%s: %s', (_name, input, want) => {
    expect(quantityValue(input)).toBe(want);
  });

  const bad: Array<[string, unknown]> = [
    ['empty', ''],
    ['junk', 'abc'],
    ['unknown suffix', '10Mx'],
    ['lowercase ki', '1ki'],
    ['K is not a suffix', '1K'],
    ['bare e', '1e'],
    ['space inside', '1 Mi'],
    ['leading space', ' 1Mi'],
    ['only a dot', '.'],
    ['only a sign', '-'],
    ['two dots', '1.2.3'],
    ['huge exponent', '1e9999'],
    ['null', null],
    ['object', {}],
    ['NaN', Number.NaN],
    ['too long', '1'.repeat(200)],
  ];
  it.each(bad)('rejects %s', (_name, input) => {
    expect(() => quantityValue(input, 'spec.x')).toThrow(QuantityError);
    try {
      quantityValue(input, 'spec.x');
    } catch (e) {
      expect((e as Error).message).toContain('spec.x: invalid quantity');
      expect((e as QuantityError).value).toBe(input);
    }
  });

  it('compares exactly across forms (1 == 1000m, 1Gi == 1024Mi, 1G != 1Gi)', () => {
    expect(compareQuantities(parseQuantityExact('1'), parseQuantityExact('1000m'))).toBe(0);
    expect(compareQuantities(parseQuantityExact('1Gi'), parseQuantityExact('1024Mi'))).toBe(0);
    expect(compareQuantities(parseQuantityExact('1G'), parseQuantityExact('1Gi'))).toBe(-1);
    expect(compareQuantities(parseQuantityExact('0.5'), parseQuantityExact('499m'))).toBe(1);
  });
});

describe('canonicalQuantity (what the API server stores, Quantity.String())', () => {
  const cases: Array<[string | number, string]> = [
    ['1024Mi', '1Gi'],
    ['65536Ki', '64Mi'],
    ['64Mi', '64Mi'],
    ['1.5Gi', '1536Mi'],
    ['1.5Ki', '1536'],
    ['512Ki', '512Ki'],
    ['1000Ki', '1000Ki'],
    ['268435456', '268435456'],
    ['2000', '2k'],
    ['1000000', '1M'],
    ['0.5', '500m'],
    ['1500m', '1500m'],
    ['100m', '100m'],
    ['0', '0'],
    ['0Mi', '0'],
    ['1e3', '1e3'],
    ['12e6', '12e6'],
    ['-1Gi', '-1Gi'],
    [4096, '4096'],
  ];
  it.each(cases)('%s -> %s', (input, want) => {
    expect(canonicalQuantity(input)).toBe(want);
    expect(quantityValue(canonicalQuantity(input))).toBe(quantityValue(input));
  });
  it('rejects junk', () => {
    expect(() => canonicalQuantity('1Zi')).toThrow(QuantityError);
  });
});
