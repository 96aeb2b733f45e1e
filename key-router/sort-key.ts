/**
 * Sort key values as DynamoDB orders and identifies them: strings by their UTF-8 bytes, numbers by
 * decimal value (at DynamoDB's 38 digits of precision, beyond what a JavaScript number holds), and
 * binary values by their bytes.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidQueryError } from './errors.ts';

/** A key attribute value, parsed for comparison: DynamoDB keys are S, N or B. */
export type KeyValue =
  { kind: 'S'; value: string } | { kind: 'N'; value: Decimal } | { kind: 'B'; value: Uint8Array };

/** A finite decimal as sign, significant digits (no leading or trailing zeros) and exponent:
 *  value = sign × 0.digits × 10^exponent; zero is sign 0 with no digits. */
interface Decimal {
  sign: -1 | 0 | 1;
  digits: string;
  exponent: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parseDecimal(text: string): Decimal {
  const match = NUMBER.exec(text.trim());
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match ?? [];
  if (!match || whole.length + fraction.length === 0) {
    throw new InvalidQueryError(`Not a DynamoDB number: ${JSON.stringify(text)}`);
  }
  const all = whole + fraction;
  const leading = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(leading).replace(/0+$/, '');
  if (digits.length === 0) return { sign: 0, digits: '', exponent: 0 };
  return {
    sign: sign === '-' ? -1 : 1,
    digits,
    exponent: whole.length - leading + Number(exponent),
  };
}

function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign - b.sign;
  if (a.sign === 0) return 0;
  const magnitude =
    a.exponent !== b.exponent
      ? a.exponent - b.exponent
      : a.digits < b.digits
        ? -1
        : a.digits > b.digits
          ? 1
          : 0;
  return a.sign * Math.sign(magnitude);
}

/** The plain decimal DynamoDB returns for a number: `1.5` for `1.50`, `1000` for `1e3`. */
function formatDecimal({ sign, digits, exponent }: Decimal): string {
  if (sign === 0) return '0';
  const magnitude =
    exponent <= 0
      ? `0.${'0'.repeat(-exponent)}${digits}`
      : exponent >= digits.length
        ? digits + '0'.repeat(exponent - digits.length)
        : `${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  return sign < 0 ? `-${magnitude}` : magnitude;
}

/** Parses a sort key value once, for many comparisons ({@link compareKeyValues}). */
export function keyValue(value: AttributeValue, attribute = 'sort key'): KeyValue {
  if (value.S !== undefined) return { kind: 'S', value: value.S };
  if (value.N !== undefined) return { kind: 'N', value: parseDecimal(value.N) };
  if (value.B !== undefined) return { kind: 'B', value: value.B };
  throw new InvalidQueryError(`Sort key ${attribute} is not a string, number or binary value`);
}

/**
 * UTF-8 byte order is code point order. UTF-16 code units follow it except that surrogates
 * (U+D800-U+DFFF, halves of code points above U+FFFF) sort below U+E000-U+FFFF: shift them apart.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const left = a.charCodeAt(i);
    const right = b.charCodeAt(i);
    if (left !== right) return codePointRank(left) - codePointRank(right);
  }
  return a.length - b.length;
}

/** Orders two parsed sort key values as DynamoDB does (ascending); both must be of the same type. */
export function compareKeyValues(left: KeyValue, right: KeyValue, attribute = 'sort key'): number {
  if (left.kind === 'S' && right.kind === 'S') return compareStrings(left.value, right.value);
  if (left.kind === 'N' && right.kind === 'N') return compareDecimals(left.value, right.value);
  if (left.kind === 'B' && right.kind === 'B') return Buffer.compare(left.value, right.value);
  throw new InvalidQueryError(`Sort key ${attribute} mixes types ${left.kind} and ${right.kind}`);
}

/** Orders two sort key values as DynamoDB does (ascending); both must be of the same type. */
export function compareSortKeys(a: AttributeValue, b: AttributeValue, attribute = 'sort key'): number {
  return compareKeyValues(keyValue(a, attribute), keyValue(b, attribute), attribute);
}

/**
 * The stable identity of an item with this sort key value, for `KeyRouter.writeKey`: a string is
 * itself, a number its plain decimal as DynamoDB returns it (`1.5` for `1.50`), binary its base64.
 * Writers and the mover hash the same identity, so they agree on an item's shard.
 */
export function sortKeyIdentity(value: AttributeValue, attribute = 'sort key'): string {
  return identity(keyValue(value, attribute));
}

/** Distinct for distinct parsed sort key values of any type: the de-duplication key of a merge. */
export function keyValueId(key: KeyValue): string {
  return `${key.kind}:${identity(key)}`;
}

function identity(key: KeyValue): string {
  if (key.kind === 'S') return key.value;
  if (key.kind === 'N') return formatDecimal(key.value);
  return Buffer.from(key.value).toString('base64');
}
