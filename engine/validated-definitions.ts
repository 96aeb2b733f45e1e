/**
 * Definitions already validated, by content hash: aws-local-stepfunctions validates a definition
 * with asl-validator on every `new StateMachine`, compiling its JSON schemas each time (60-90 ms a
 * definition, some 400 ms an engine start), though a runbook's definition changes only when its
 * file does. A definition whose exact text (and validator) passed once is not validated again: in
 * this process (a map), and across processes (a marker file per hash under
 * `node_modules/.cache/selfheal/asl-valid/`, which a fresh clone does not have). Only a pass is
 * kept, so a definition the validator would refuse is validated, and refused, every time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where passes are kept between processes; none (memory only) when the folder cannot be made. */
export const DEFAULT_CACHE_DIR = fileURLToPath(
  new URL('../node_modules/.cache/selfheal/asl-valid/', import.meta.url),
);

/** The validator's own version: a new one validates everything again. */
function validatorVersion(): string {
  try {
    const manifest = new URL('../node_modules/aws-local-stepfunctions/package.json', import.meta.url);
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface ValidatedDefinitionsOptions {
  /** Folder for the markers; `null` keeps passes in memory only. */
  cacheDir?: string | null;
  /** Part of every hash (default: aws-local-stepfunctions' version). */
  validator?: string;
}

export class ValidatedDefinitions {
  readonly #passed = new Set<string>();
  readonly #cacheDir: string | null;
  readonly #validator: string;
  #validations = 0;

  constructor(options: ValidatedDefinitionsOptions = {}) {
    this.#cacheDir = options.cacheDir === undefined ? DEFAULT_CACHE_DIR : options.cacheDir;
    this.#validator = options.validator ?? validatorVersion();
  }

  /**
   * Runs `validate` (which throws on an invalid definition) unless this exact definition passed
   * before; returns whether it ran.
   */
  ensure(definition: unknown, validate: () => void): boolean {
    const hash = createHash('sha256')
      .update(this.#validator)
      .update('\n')
      .update(JSON.stringify(definition))
      .digest('hex');
    if (this.#passed.has(hash) || this.#markedOnDisk(hash)) {
      this.#passed.add(hash);
      return false;
    }
    this.#validations += 1;
    validate();
    this.#passed.add(hash);
    this.#markOnDisk(hash);
    return true;
  }

  /** How many definitions this instance validated (the rest were known). */
  get validations(): number {
    return this.#validations;
  }

  #markedOnDisk(hash: string): boolean {
    return this.#cacheDir !== null && existsSync(join(this.#cacheDir, hash));
  }

  #markOnDisk(hash: string): void {
    if (this.#cacheDir === null) return;
    try {
      mkdirSync(this.#cacheDir, { recursive: true });
      writeFileSync(join(this.#cacheDir, hash), '');
    } catch {
      // A read-only tree: the pass is kept in memory, and the next process validates again.
    }
  }
}

/** The process's one cache, shared by every engine it starts. */
export const validatedDefinitions = new ValidatedDefinitions();
