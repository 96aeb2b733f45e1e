/**
 * Command-line options through node:util's parseArgs, strict: an unknown option or a missing value
 * is a UsageError (exit 2) with the parser's own message, never a silently ignored flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseOptions<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A whole number option, e.g. `--seed 7`. */
export function integerOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

/** `--by NAME`: who acts, for the audit trail; $USER when not given, else "operator". */
export function byOption(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return value ?? (env.USER || 'operator');
}
