/**
 * The small part of CloudWatch metric math the simulated world understands: arithmetic
 * (`+ - * /`, parentheses, numbers) over other queries' ids, `SUM(METRICS())`, and
 * `FILL(series, constant)`, which DynamoDB alarms need: CloudWatch alarms on `AWS/DynamoDB`
 * metrics ignore missing data, and DynamoDB publishes throttle metrics only in minutes that
 * throttled, so an alarm must fill the quiet minutes with 0 to ever return to OK.
 *
 * Like CloudWatch, arithmetic between two series keeps only timestamps both have, while SUM adds
 * whatever series have a value at a timestamp. A division by zero drops that timestamp
 * (simplification: CloudWatch's exact handling of such points is not reproduced).
 */
import { invalidParameterValue } from './service-error.ts';

/** Timestamp (epoch ms) → value. */
export type Series = Map<number, number>;

type Value =
  { kind: 'scalar'; value: number } | { kind: 'series'; series: Series } | { kind: 'list'; list: Series[] };

export interface MathContext {
  /** The series of another query in the same request. */
  resolve(id: string): Series;
  /** Every MetricStat query's series in the request (what METRICS() means). */
  metrics(): Series[];
  /** The start of every period in the request's window (what FILL fills). */
  periods(): number[];
}

export function evaluateExpression(expression: string, context: MathContext): Series {
  const parser = new Parser(tokenize(expression), expression, context);
  const result = parser.parseExpression();
  parser.expectEnd();
  if (result.kind === 'series') return result.series;
  if (result.kind === 'scalar') return new Map();
  throw invalidParameterValue(`Expression "${expression}" must produce a single time series`);
}

interface Token {
  type: 'number' | 'name' | 'op' | 'paren' | 'comma' | 'bracket';
  text: string;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([+\-*/])|([()])|(,)|([[\]]))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw invalidParameterValue(`Unsupported metric math near "${expression.slice(index)}"`);
    index = pattern.lastIndex;
    const [, number, name, op, paren, comma, bracket] = match;
    if (number !== undefined) tokens.push({ type: 'number', text: number });
    else if (name !== undefined) tokens.push({ type: 'name', text: name });
    else if (op !== undefined) tokens.push({ type: 'op', text: op });
    else if (paren !== undefined) tokens.push({ type: 'paren', text: paren });
    else if (comma !== undefined) tokens.push({ type: 'comma', text: comma });
    else if (bracket !== undefined) tokens.push({ type: 'bracket', text: bracket });
  }
  return tokens;
}

class Parser {
  #tokens: Token[];
  #position = 0;
  #source: string;
  #context: MathContext;

  constructor(tokens: Token[], source: string, context: MathContext) {
    this.#tokens = tokens;
    this.#source = source;
    this.#context = context;
  }

  parseExpression(): Value {
    let left = this.#parseTerm();
    while (this.#peek()?.type === 'op' && (this.#peek()?.text === '+' || this.#peek()?.text === '-')) {
      const op = this.#next().text;
      left = combine(left, this.#parseTerm(), op, this.#source);
    }
    return left;
  }

  expectEnd(): void {
    if (this.#position < this.#tokens.length) this.#fail(`unexpected "${this.#peek()?.text}"`);
  }

  #parseTerm(): Value {
    let left = this.#parseFactor();
    while (this.#peek()?.type === 'op' && (this.#peek()?.text === '*' || this.#peek()?.text === '/')) {
      const op = this.#next().text;
      left = combine(left, this.#parseFactor(), op, this.#source);
    }
    return left;
  }

  #parseFactor(): Value {
    const token = this.#next();
    if (token.type === 'number') return { kind: 'scalar', value: Number(token.text) };
    if (token.type === 'op' && token.text === '-')
      return combine({ kind: 'scalar', value: -1 }, this.#parseFactor(), '*', this.#source);
    if (token.type === 'paren' && token.text === '(') {
      const inner = this.parseExpression();
      this.#expect(')');
      return inner;
    }
    if (token.type === 'bracket' && token.text === '[') {
      const list: Series[] = [];
      for (;;) {
        const item = this.parseExpression();
        if (item.kind !== 'series') this.#fail('a list holds time series only');
        list.push(item.series);
        if (this.#peek()?.type !== 'comma') break;
        this.#next();
      }
      this.#expect(']');
      return { kind: 'list', list };
    }
    if (token.type === 'name') {
      const upper = token.text.toUpperCase();
      if (upper === 'METRICS') {
        this.#expect('(');
        this.#expect(')');
        return { kind: 'list', list: this.#context.metrics() };
      }
      if (upper === 'SUM') {
        this.#expect('(');
        const argument = this.parseExpression();
        this.#expect(')');
        if (argument.kind !== 'list') this.#fail('SUM takes METRICS() or a [list] of series');
        return { kind: 'series', series: sumSeries(argument.list) };
      }
      if (upper === 'FILL') {
        this.#expect('(');
        const argument = this.parseExpression();
        this.#expect(',');
        if (/^(REPEAT|LINEAR)$/i.test(this.#peek()?.text ?? '')) this.#fail('FILL supports a constant only');
        const filler = this.parseExpression();
        this.#expect(')');
        if (argument.kind !== 'series') this.#fail('FILL takes a time series first');
        if (filler.kind !== 'scalar')
          this.#fail('FILL supports a constant value only (not REPEAT or LINEAR)');
        return { kind: 'series', series: fillSeries(argument.series, filler.value, this.#context.periods()) };
      }
      if (this.#peek()?.text === '(') this.#fail(`function ${token.text} is not supported`);
      return { kind: 'series', series: this.#context.resolve(token.text) };
    }
    return this.#fail(`unexpected "${token.text}"`);
  }

  #expect(text: string): void {
    if (this.#next().text !== text) this.#fail(`expected "${text}"`);
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#position];
  }

  #next(): Token {
    const token = this.#tokens[this.#position++];
    if (!token) return this.#fail('unexpected end');
    return token;
  }

  #fail(why: string): never {
    throw invalidParameterValue(`Unsupported metric math "${this.#source}": ${why}`);
  }
}

function combine(left: Value, right: Value, op: string, source: string): Value {
  const apply = (a: number, b: number): number | undefined => {
    if (op === '+') return a + b;
    if (op === '-') return a - b;
    if (op === '*') return a * b;
    return b === 0 ? undefined : a / b;
  };
  if (left.kind === 'list' || right.kind === 'list') {
    throw invalidParameterValue(`Unsupported metric math "${source}": arithmetic on a list of series`);
  }
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    return { kind: 'scalar', value: apply(left.value, right.value) ?? Number.NaN };
  }
  const out: Series = new Map();
  if (left.kind === 'series' && right.kind === 'series') {
    for (const [t, a] of left.series) {
      const b = right.series.get(t);
      const value = b === undefined ? undefined : apply(a, b);
      if (value !== undefined) out.set(t, value);
    }
  } else if (left.kind === 'series' && right.kind === 'scalar') {
    for (const [t, a] of left.series) setDefined(out, t, apply(a, right.value));
  } else if (left.kind === 'scalar' && right.kind === 'series') {
    for (const [t, b] of right.series) setDefined(out, t, apply(left.value, b));
  }
  return { kind: 'series', series: out };
}

function setDefined(series: Series, timestamp: number, value: number | undefined): void {
  if (value !== undefined) series.set(timestamp, value);
}

function fillSeries(series: Series, value: number, periods: readonly number[]): Series {
  const out: Series = new Map();
  for (const t of periods) out.set(t, series.get(t) ?? value);
  return out;
}

function sumSeries(list: readonly Series[]): Series {
  const out: Series = new Map();
  for (const series of list) for (const [t, v] of series) out.set(t, (out.get(t) ?? 0) + v);
  return out;
}
