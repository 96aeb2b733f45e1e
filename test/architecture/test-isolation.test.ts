/**
 * Test files share their worker's module cache (vitest.config.ts), which a file that replaces a
 * module with vi.mock cannot do: every such file must be in the config's isolated list, and only
 * those, or a new one would quietly hand its stand-ins to the next file in its worker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOCKS_MODULES } from '../../vitest.config.ts';

const ROOT = join(import.meta.dirname, '../..');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

describe('test files that replace a module', () => {
  it('are the ones the config runs each in a worker of its own', () => {
    const replacing = testFiles(join(ROOT, 'test')).filter((file) =>
      /\bvi\.(mock|doMock)\(/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(replacing.sort()).toEqual([...MOCKS_MODULES].sort());
  });
});
