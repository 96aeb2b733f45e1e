/** The README's benchmark tables are generated from bench/results.json, and say what it says. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../bench/readme-table.ts', import.meta.url));

describe('the README’s benchmark tables', () => {
  it('are what bench/results.json gives (npm run bench:readme regenerates them)', () => {
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });
});
