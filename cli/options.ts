/**
 * Command-line options through node:util's parseArgs, strict: an unknown option or a missing value
 * is a UsageError (exit 2) in one line, never a silently ignored flag. Values are checked here, at
 * the edge, with their bounds, so a bad one is told in one line before anything runs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A negative number given as an option's value (`--seed -5`), which parseArgs takes for an option. */
const NEGATIVE_NUMBER = /^-\d/;

export function parseOptions<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({
      args: joinNegativeValues(args, options),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(firstLine(error instanceof Error ? error.message : String(error)));
  }
}

/**
 * `--seed -5` as `--seed=-5`, so the value reaches its own check (and its one clear line) instead
 * of parseArgs' three-line "argument is ambiguous".
 */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/** parseArgs' messages go on with advice over several lines; the first says what is wrong. */
function firstLine(message: string): string {
  const [first = message] = message.split('\n');
  // "Unknown option '--x'. To specify a positional argument starting with a '-', ...": the rest is noise here.
  return first.replace(/^(Unknown option '[^']*')\..*$/, '$1 (see --help)');
}

export interface Bounds {
  min: number;
  max: number;
}

/** The seed of a simulated world's noise: mulberry32 takes it as an unsigned 32-bit integer. */
export const SEED_BOUNDS: Bounds = { min: 0, max: 4_294_967_295 };

/** A whole number option within bounds, e.g. `--seed 7`; `fallback` when not given. */
export function integerOption(
  name: string,
  value: string | undefined,
  fallback: number,
  bounds: Bounds,
): number {
  if (value === undefined) return fallback;
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw new UsageError(
      `--${name} must be a whole number from ${bounds.min} to ${bounds.max}, got "${value}"`,
    );
  }
  return n;
}

/** `--seed N`, 1 when not given. */
export const seedOption = (value: string | undefined): number => integerOption('seed', value, 1, SEED_BOUNDS);

/** `--by NAME`: who acts, for the audit trail; $USER when not given, else "operator". */
export function byOption(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return value ?? (env.USER || 'operator');
}
