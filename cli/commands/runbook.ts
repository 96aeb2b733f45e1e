/**
 * `selfheal runbook list|render`: the runbooks in `statemachines/` as reviewers read them. `render
 * --all` regenerates `docs/runbooks/`, which a test keeps in step with the definitions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseOptions } from '../options.ts';
import { COMMON_USAGE } from '../usage.ts';
import { localOnlyUsage, statelessLocalOnly, TARGET_OPTIONS } from '../target.ts';
import type { Command } from '../command.ts';
import { loadDefinitionFile } from '../../engine/asl.ts';
import { CATALOGUE, stateMachineSubstitution, type Catalogue } from '../../runbooks/catalogue.ts';
import { renderRunbookMarkdown, type RunbookSource } from '../../domain/runbook-docs/markdown.ts';
import { renderIndex, summarise } from '../../domain/runbook-docs/index-page.ts';
import { resourceNames, type ResourceNames } from '../../domain/runbook-docs/resources.ts';

/** What regenerates docs/runbooks; every generated page names it. */
export const REGENERATE_DOCS = 'npm run docs:runbooks';
export const RUNBOOK_DOCS_DIR = fileURLToPath(new URL('../../docs/runbooks/', import.meta.url));

const USAGE = `Usage: selfheal runbook list [--json]
       selfheal runbook render <name> [--out FILE] [--json]
       selfheal runbook render --all --out-dir DIR [--json]

Shows the runbooks in statemachines/ as reviewers read them. A page has the runbook's purpose, a
Mermaid flowchart of every state and transition, and a section per state: what it calls, Retry,
Catch, timeouts, waits and Choice rules in words. Links assume the page lives in docs/runbooks/.

Commands:
  list                    each runbook: name, number of states, first sentence of its Comment
  render <name>           print one runbook's page (Markdown)
  render --all            write every runbook's page and the README.md index

Options:
  --json          list: print the runbooks as JSON; render: print {name, file, markdown} (or, with
                  --out or --all, the files written) as JSON
  --out FILE      render <name>: write the page to FILE instead of printing it
  --out-dir DIR   render --all: the folder to write into (docs/runbooks to regenerate the docs)
${COMMON_USAGE}

${localOnlyUsage('runbook', 'it reads the definitions in this checkout, the same ones AWS and --local run', false)}

Exit codes: 0 done, 2 usage error (unknown runbook or option).`;

async function loadSources(catalogue: Catalogue = CATALOGUE): Promise<RunbookSource[]> {
  return Promise.all(
    catalogue.runbooks.map(async (f) => ({
      name: f.name,
      file: `statemachines/${basename(f.path)}`,
      definition: await loadDefinitionFile(f.path),
    })),
  );
}

function namesFor(sources: readonly RunbookSource[]): ResourceNames {
  return resourceNames({
    functions: CATALOGUE.tasks,
    stateMachines: sources.map((s) => ({ name: s.name, substitution: stateMachineSubstitution(s.name) })),
  });
}

function page(source: RunbookSource, names: ResourceNames): string {
  return renderRunbookMarkdown(source, {
    names,
    sourceHref: `../../${source.file}`,
    regenerate: REGENERATE_DOCS,
  });
}

/** Every file of docs/runbooks, by file name: a page per runbook and the README.md index. */
export async function renderRunbookDocs(catalogue: Catalogue = CATALOGUE): Promise<Map<string, string>> {
  const sources = await loadSources(catalogue);
  const names = namesFor(sources);
  return new Map([
    ...sources.map((s): [string, string] => [`${s.name}.md`, page(s, names)]),
    ['README.md', renderIndex(sources.map(summarise), REGENERATE_DOCS)],
  ]);
}

async function list(json: boolean): Promise<void> {
  const summaries = (await loadSources()).map(summarise);
  if (json) {
    console.log(JSON.stringify(summaries, null, 2));
    return;
  }
  const width = Math.max(...summaries.map((s) => s.name.length));
  const count = Math.max(...summaries.map((s) => String(s.states).length));
  for (const s of summaries)
    console.log(`${s.name.padEnd(width)}  ${String(s.states).padStart(count)} states  ${s.purpose}`);
}

async function renderOne(name: string, out: string | undefined, json: boolean): Promise<void> {
  const sources = await loadSources();
  const source = sources.find((s) => s.name === name);
  if (!source) {
    throw new UsageError(`unknown runbook "${name}"; valid names: ${sources.map((s) => s.name).join(', ')}`);
  }
  const markdown = page(source, namesFor(sources));
  if (out !== undefined) await writeFile(out, markdown);
  if (json) {
    const printed = out === undefined ? { markdown } : { written: [out] };
    console.log(JSON.stringify({ name: source.name, file: source.file, ...printed }, null, 2));
  }
  // console.log adds back the final newline: piped to a file, the page is byte for byte the one written.
  else if (out === undefined) console.log(markdown.replace(/\n$/, ''));
  else console.log(`wrote ${out}`);
}

async function renderAll(outDir: string, json: boolean): Promise<void> {
  const docs = await renderRunbookDocs();
  await mkdir(outDir, { recursive: true });
  for (const [file, content] of docs) await writeFile(join(outDir, file), content);
  const written = [...docs.keys()].map((file) => join(outDir, file));
  if (json) console.log(JSON.stringify({ written }, null, 2));
  else console.log(`wrote ${docs.size} files to ${outDir}: ${[...docs.keys()].join(', ')}`);
}

export const runbookCommand: Command = {
  name: 'runbook',
  summary: 'list the runbooks, or render them as Markdown pages with a flowchart (docs/runbooks)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      all: { type: 'boolean', default: false },
      'out-dir': { type: 'string' },
    });
    statelessLocalOnly(values, 'runbook', 'it reads the definitions in statemachines/ of this checkout');
    const [action, ...rest] = positionals;
    if (action === 'list') {
      if (rest.length > 0 || values.out !== undefined || values.all || values['out-dir'] !== undefined) {
        throw new UsageError('runbook list takes no argument but --json');
      }
      await list(values.json);
      return EXIT.ok;
    }
    if (action !== 'render')
      throw new UsageError(`runbook needs "list" or "render", got ${JSON.stringify(action ?? '')}`);
    if (values.all) {
      if (rest.length > 0 || values.out !== undefined)
        throw new UsageError('render --all takes no name and no --out');
      if (values['out-dir'] === undefined) throw new UsageError('render --all needs --out-dir DIR');
      await renderAll(values['out-dir'], values.json);
      return EXIT.ok;
    }
    if (values['out-dir'] !== undefined) throw new UsageError('--out-dir is for render --all');
    if (rest.length !== 1) throw new UsageError('render needs exactly one runbook name (or --all)');
    await renderOne(rest[0] as string, values.out, values.json);
    return EXIT.ok;
  },
};
