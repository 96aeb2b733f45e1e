/**
 * Reads and validates the deployment's config file. A bad file stops synth with one message that
 * names the file and, for each problem, the field at fault (`tables.0.name: ...`).
 */
import { readFileSync } from 'node:fs';
import type * as z from 'zod';
import { configSchema, type SelfhealConfig } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'selfheal.config.json';

export class ConfigError extends Error {
  readonly file: string;
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[]) {
    super(`${file} is not a valid selfheal config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

export function parseConfig(raw: unknown, file = DEFAULT_CONFIG_FILE): SelfhealConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(file)'}: ${messageOf(issue)}`,
    ),
  );
}

export function loadConfig(file: string): SelfhealConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`is not JSON: ${(error as Error).message}`]);
  }
  return parseConfig(raw, file);
}

/** A record key's issue says only "Invalid key in record"; the reason is in the issues under it. */
function messageOf(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
}
