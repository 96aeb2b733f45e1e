import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidQueryError, compareSortKeys, sortKeyIdentity } from '../../key-router/index.ts';

const sign = (value: number): number => Math.sign(value) || 0;

/** A decimal as an exact scaled integer, to compare against: value = mantissa × 10^-scale. */
function scaled(mantissa: bigint, scale: number, target: number): bigint {
  return mantissa * 10n ** BigInt(target - scale);
}

describe('compareSortKeys', () => {
  it('orders strings by their UTF-8 bytes, as DynamoDB does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const expected = sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        expect(sign(compareSortKeys({ S: a }, { S: b }))).toBe(expected);
      }),
      { numRuns: 500 },
    );
    // Where UTF-16 order differs: U+FF61 sorts before U+1F600 in UTF-8, after it in UTF-16.
    expect(compareSortKeys({ S: '\uff61' }, { S: '\u{1f600}' })).toBeLessThan(0);
  });

  it('orders numbers by value, at full precision and in any notation', () => {
    const decimal = fc.record({
      mantissa: fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }),
      scale: fc.integer({ min: 0, max: 40 }),
      notation: fc.constantFrom('plain', 'exponent'),
    });
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const expected = sign(Number(scaled(a.mantissa, a.scale, 80) - scaled(b.mantissa, b.scale, 80)));
        expect(sign(compareSortKeys({ N: write(a) }, { N: write(b) }))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('orders binary values by their bytes', () => {
    expect(compareSortKeys({ B: Uint8Array.from([1, 2]) }, { B: Uint8Array.from([1, 2, 0]) })).toBeLessThan(
      0,
    );
    expect(compareSortKeys({ B: Uint8Array.from([200]) }, { B: Uint8Array.from([3, 4]) })).toBeGreaterThan(0);
  });

  it('refuses to compare values of different types, or a non-number N', () => {
    expect(() => compareSortKeys({ S: '1' }, { N: '1' })).toThrow(InvalidQueryError);
    expect(() => compareSortKeys({ N: 'one' }, { N: '1' })).toThrow(InvalidQueryError);
    expect(() => compareSortKeys({ BOOL: true }, { BOOL: false })).toThrow(InvalidQueryError);
  });
});

describe('sortKeyIdentity', () => {
  it('is the same for every notation of a number, and differs between numbers', () => {
    expect(
      new Set(['12.50', '1.25e1', '0012.5', '+12.5', '125E-1'].map((N) => sortKeyIdentity({ N }))),
    ).toEqual(new Set(['12.5']));
    expect(['0', '-0', '0.000', '0e10'].map((N) => sortKeyIdentity({ N }))).toEqual(['0', '0', '0', '0']);
    expect(sortKeyIdentity({ N: '-1.5e-3' })).toBe('-0.0015');
    expect(sortKeyIdentity({ N: '9.9e40' })).toBe(`99${'0'.repeat(39)}`);
  });
});

/** A decimal written plain (`-12.345`) or in exponent notation (`-12345e-3`). */
function write({ mantissa, scale, notation }: { mantissa: bigint; scale: number; notation: string }): string {
  if (notation === 'exponent') return `${mantissa}e-${scale}`;
  const digits = (mantissa < 0n ? -mantissa : mantissa).toString().padStart(scale + 1, '0');
  const plain = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return mantissa < 0n ? `-${plain}` : plain;
}
