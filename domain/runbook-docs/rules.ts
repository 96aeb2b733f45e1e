/**
 * Choice rules read aloud. The diagram labels its edges with a short symbolic form
 * (`$.decision.action == "raise"`); the page says the same in words, paths and values as code.
 */
import type { ChoiceRule } from './graph.ts';
import { code } from './markdown-text.ts';

type Rule = Readonly<Record<string, unknown>>;

interface Style {
  /** How a path or a value is shown. */
  operand(text: string): string;
  /** Which of a comparison's two forms: 0 its symbol, 1 its words. */
  form: 0 | 1;
}

const SYMBOLS: Style = { operand: (text) => text, form: 0 };
const WORDS: Style = { operand: code, form: 1 };

/** Each comparison's symbol and words, by the operator's name less its type and `Path`. */
const COMPARISONS: Readonly<Record<string, readonly [string, string]>> = {
  Equals: ['==', 'equals'],
  LessThan: ['<', 'is less than'],
  GreaterThan: ['>', 'is greater than'],
  LessThanEquals: ['<=', 'is at most'],
  GreaterThanEquals: ['>=', 'is at least'],
  Matches: ['matches', 'matches'],
};

// Timestamps compare in time, which "less than" would hide.
const TIMESTAMP_COMPARISONS: Readonly<Record<string, readonly [string, string]>> = {
  ...COMPARISONS,
  LessThan: ['<', 'is before'],
  GreaterThan: ['>', 'is after'],
  LessThanEquals: ['<=', 'is at or before'],
  GreaterThanEquals: ['>=', 'is at or after'],
};

const TYPE_TESTS: Readonly<Record<string, string>> = {
  IsPresent: 'present',
  IsNull: 'null',
  IsNumeric: 'a number',
  IsString: 'a string',
  IsBoolean: 'a boolean',
  IsTimestamp: 'a timestamp',
};

const OPERATOR =
  /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$/;

function comparison(variable: string, operator: string, operand: unknown, style: Style): string | undefined {
  const typeTest = TYPE_TESTS[operator];
  if (typeTest !== undefined)
    return `${style.operand(variable)} is ${operand === false ? 'not ' : ''}${typeTest}`;
  const match = OPERATOR.exec(operator);
  if (!match) return undefined;
  const [, type, name = '', path] = match;
  const subject = style.operand(variable);
  if (type === 'Boolean' && !path && style.form === 1) return `${subject} is ${String(operand)}`;
  const table = type === 'Timestamp' ? TIMESTAMP_COMPARISONS : COMPARISONS;
  const verb = (table[name] as readonly [string, string])[style.form];
  const value = path ? String(operand) : JSON.stringify(operand);
  return `${subject} ${verb} ${style.operand(value)}`;
}

function describe(rule: Rule, style: Style): string {
  const nested = (r: unknown): string => {
    const text = describe(r as Rule, style);
    return isCompound(r as Rule) ? `(${text})` : text;
  };
  if (Array.isArray(rule.And)) return rule.And.map(nested).join(' and ');
  if (Array.isArray(rule.Or)) return rule.Or.map(nested).join(' or ');
  // Always parenthesised: "not `$.dryRun` is true" would read as a different rule.
  if (rule.Not !== undefined) return `not (${describe(rule.Not as Rule, style)})`;
  if (typeof rule.Variable === 'string') {
    for (const [operator, operand] of Object.entries(rule)) {
      const text = comparison(rule.Variable, operator, operand, style);
      if (text !== undefined) return text;
    }
  }
  // A rule this module does not know (JSONata's Condition, a future operator): shown as written.
  const { Next: _next, ...rest } = rule;
  return style.operand(JSON.stringify(rest));
}

const isCompound = (rule: Rule): boolean => Array.isArray(rule.And) || Array.isArray(rule.Or);

/** `$.decision.action == "raise"`, for a diagram's edge label (plain text: the caller escapes it). */
export const ruleSymbols = (rule: ChoiceRule): string => describe(rule, SYMBOLS);

/** `` `$.decision.action` equals `"raise"` ``, as inline Markdown. */
export const ruleInWords = (rule: ChoiceRule): string => describe(rule, WORDS);
