/** The one build: reused while nothing changed, rebuilt when an output is gone, leaving nothing behind. */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHandlerBundles } from '../../packaging/handler-bundles.ts';

const ENTRIES = ['handlers/plan-capacity.ts'];

describe('the handler build', () => {
  it('reuses its bundles while nothing changed, and rebuilds one whose output is gone', () => {
    const root = mkdtempSync(join(tmpdir(), 'selfheal-bundles-'));
    const dir = join(root, 'handlers');
    const first = buildHandlerBundles({ dir, entries: ENTRIES });
    const built = statSync(first.fileOf(ENTRIES[0] as string)).mtimeMs;

    const again = buildHandlerBundles({ dir, entries: ENTRIES });
    expect(statSync(again.fileOf(ENTRIES[0] as string)).mtimeMs).toBe(built);

    rmSync(first.fileOf(ENTRIES[0] as string));
    const rebuilt = buildHandlerBundles({ dir, entries: ENTRIES });
    expect(readdirSync(rebuilt.folderOf(ENTRIES[0] as string)).sort()).toEqual([
      'index.mjs',
      'index.mjs.map',
    ]);
    // No staging or old folder is left beside the bundles.
    expect(readdirSync(root)).toEqual(['handlers']);
  });

  it('names only the modules it built', () => {
    const root = mkdtempSync(join(tmpdir(), 'selfheal-bundles-'));
    const bundles = buildHandlerBundles({ dir: join(root, 'handlers'), entries: ENTRIES });
    expect(() => bundles.folderOf('handlers/diagnose-table.ts')).toThrow(/no handler bundle is built from/);
  });
});
