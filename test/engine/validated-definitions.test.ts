/**
 * Validation once per definition (issue 19): a definition whose exact text passed the validator is
 * not validated again, in the process or (by a marker file) in the next one; anything the
 * validator would refuse is refused every time, and a change of a single character is a new
 * definition.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidatedDefinitions } from '../../engine/validated-definitions.ts';
import { LocalEngine } from '../../engine/local-engine.ts';
import type { AslDefinition } from '../../engine/asl.ts';
import { functionTable } from './lambda-functions.ts';

const dirs: string[] = [];
const cacheDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'asl-valid-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const pass = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };

describe('validated definitions', () => {
  it('validates a definition once, and again when one character changes', () => {
    const cache = new ValidatedDefinitions({ cacheDir: null, validator: 'v1' });
    let runs = 0;
    const validate = () => void (runs += 1);
    expect(cache.ensure(pass, validate)).toBe(true);
    expect(cache.ensure(structuredClone(pass), validate)).toBe(false);
    expect(cache.ensure({ ...pass, Comment: 'x' }, validate)).toBe(true);
    expect(runs).toBe(2);
    expect(cache.validations).toBe(2);
  });

  it('keeps no failure: a refused definition is refused every time', () => {
    const cache = new ValidatedDefinitions({ cacheDir: null, validator: 'v1' });
    const refuse = () => {
      throw new Error('State machine definition is invalid');
    };
    expect(() => cache.ensure(pass, refuse)).toThrow(/invalid/);
    expect(() => cache.ensure(pass, refuse)).toThrow(/invalid/);
  });

  it('remembers a pass across processes by a marker file, per validator version', () => {
    const dir = cacheDir();
    let runs = 0;
    const validate = () => void (runs += 1);
    new ValidatedDefinitions({ cacheDir: dir, validator: 'v1' }).ensure(pass, validate);
    expect(readdirSync(dir)).toHaveLength(1);
    // Another process, the same validator: known.
    expect(new ValidatedDefinitions({ cacheDir: dir, validator: 'v1' }).ensure(pass, validate)).toBe(false);
    // A new validator: validated again.
    expect(new ValidatedDefinitions({ cacheDir: dir, validator: 'v2' }).ensure(pass, validate)).toBe(true);
    expect(runs).toBe(2);
  });

  it('still refuses, in the engine, a definition the validator refuses', () => {
    const engine = new LocalEngine({ functions: functionTable({}) });
    const broken: AslDefinition = { StartAt: 'Missing', States: { A: { Type: 'Pass', End: true } } };
    expect(() => engine.register('broken', broken)).toThrow(/invalid/);
    expect(() => engine.register('broken-again', broken)).toThrow(/invalid/);
  });
});
