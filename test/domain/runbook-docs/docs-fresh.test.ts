/**
 * docs/runbooks is generated from statemachines/: this fails when a definition (or the renderer)
 * changed and the pages were not regenerated, and says which file and how to regenerate it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REGENERATE_DOCS, renderRunbookDocs, RUNBOOK_DOCS_DIR } from '../../../cli/commands/runbook.ts';

const COMMAND = `${REGENERATE_DOCS} (node bin/selfheal.js runbook render --all --out-dir docs/runbooks)`;
const expected = await renderRunbookDocs();
const committed = (await readdir(RUNBOOK_DOCS_DIR).catch(() => [] as string[])).filter((f) =>
  f.endsWith('.md'),
);

describe('docs/runbooks', () => {
  it.each([...expected.keys()])('%s matches its state machine', async (file) => {
    const onDisk = await readFile(`${RUNBOOK_DOCS_DIR}${file}`, 'utf8').catch(() => undefined);

    expect(onDisk, `docs/runbooks/${file} is missing; generate it with ${COMMAND}`).toBeDefined();
    expect(onDisk, `docs/runbooks/${file} is stale; regenerate it with ${COMMAND}`).toBe(expected.get(file));
  });

  it('has no page for a runbook that is gone', () => {
    const orphans = committed.filter((f) => !expected.has(f));

    expect(orphans, `docs/runbooks has pages with no state machine; delete them and run ${COMMAND}`).toEqual(
      [],
    );
  });
});
