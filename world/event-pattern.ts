/**
 * EventBridge's matching of an event against a rule's event pattern, for the features selfheal's
 * rules use (`infra/config/signal-patterns.ts`), as AWS documents them ("Event pattern syntax",
 * "Matching on multiple field values", "Content filtering: prefix matching"):
 *
 * - every field the pattern names must be in the event, at the same nesting; the event's other
 *   fields are ignored;
 * - a leaf of the pattern is an array of values, any of which may match (OR); fields are ANDed;
 * - a value matches exactly, character by character and case-sensitively (strings, numbers,
 *   booleans, null); `{ "prefix": "..." }` matches a string value that starts with it;
 * - when the event's value is an array, the pattern matches if any of its elements matches.
 *
 * Any other operator (anything-but, suffix, numeric, exists, wildcard, ...) is refused rather than
 * guessed at: a rule using one needs this matcher taught it first.
 */

/** A pattern leaf's value: an exact value, or a content filter. */
export type PatternValue = string | number | boolean | null | { prefix: string };

/** An event pattern, as a rule's `EventPattern` holds it (`detail-type`, not CDK's `detailType`). */
export interface EventPattern {
  [field: string]: readonly PatternValue[] | EventPattern;
}

export class UnsupportedEventPatternError extends Error {
  constructor(path: string, what: string) {
    super(`event pattern at ${path || '(top)'}: ${what}`);
    this.name = 'UnsupportedEventPatternError';
  }
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event, '');
}

function matchObject(pattern: EventPattern, value: unknown, path: string): boolean {
  if (!isObject(value)) return false;
  for (const [field, expected] of Object.entries(pattern)) {
    const where = path ? `${path}.${field}` : field;
    // Own fields only: a pattern field `constructor` must not find Object.prototype's.
    if (!Object.hasOwn(value, field)) return false;
    const actual = value[field];
    const matched = Array.isArray(expected)
      ? matchLeaf(expected as readonly PatternValue[], actual, where)
      : matchNested(expected as EventPattern, actual, where);
    if (!matched) return false;
  }
  return true;
}

function matchNested(pattern: EventPattern, actual: unknown, path: string): boolean {
  if (!isObject(pattern))
    throw new UnsupportedEventPatternError(path, 'a field must hold an array or an object');
  if (Array.isArray(actual)) {
    throw new UnsupportedEventPatternError(
      path,
      'matching an object pattern inside an array is not supported',
    );
  }
  return matchObject(pattern, actual, path);
}

function matchLeaf(values: readonly PatternValue[], actual: unknown, path: string): boolean {
  if (values.length === 0) throw new UnsupportedEventPatternError(path, 'an empty array matches nothing');
  const candidates = Array.isArray(actual) ? (actual as unknown[]) : [actual];
  return candidates.some((candidate) => values.some((value) => matchValue(value, candidate, path)));
}

function matchValue(value: PatternValue, actual: unknown, path: string): boolean {
  if (value === null || typeof value !== 'object') return actual === value;
  const operators = Object.keys(value);
  if (operators.length === 1 && operators[0] === 'prefix' && typeof value.prefix === 'string') {
    return typeof actual === 'string' && actual.startsWith(value.prefix);
  }
  throw new UnsupportedEventPatternError(path, `unsupported filter ${JSON.stringify(value)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
