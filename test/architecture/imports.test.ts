/**
 * Which way imports run. Leaves (`core/`, `contracts/`) import nothing of selfheal's; the generic
 * engine imports only leaves; the runbook catalogue imports nothing; the simulated world does not
 * read the detectors; the key router (an application library) does not reach into the domain; no
 * product folder imports the tests or reads their files; and no two modules import each other,
 * even for a type.
 *
 * Read from the sources with TypeScript's own import scanner. `KNOWN` lists, one by one, the
 * imports that still break a rule today (none now): a new one fails, and one that is gone must
 * leave the list.
 */
import ts from 'typescript';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../packaging/handler-bundles.ts';

const FILES = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.ts'], {
  cwd: REPOSITORY_ROOT,
  encoding: 'utf8',
})
  .split('\n')
  // A tracked file moved or deleted in the working tree is listed until the change is committed.
  .filter(
    (file) => file !== '' && !file.startsWith('node_modules/') && existsSync(join(REPOSITORY_ROOT, file)),
  );

/** Each file's relative imports (static, dynamic, type-only), as paths from the repository root. */
const IMPORTS = new Map(
  FILES.map((file) => {
    const scanned = ts.preProcessFile(readFileSync(join(REPOSITORY_ROOT, file), 'utf8'), true, true);
    const targets = scanned.importedFiles
      .map((imported) => imported.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => normalize(join(dirname(file), name)));
    return [file, targets] as const;
  }),
);

const folderOf = (file: string): string => file.split('/')[0] ?? '';
const PRODUCT = ['adapters', 'bench', 'bin', 'cli', 'contracts', 'core', 'detectors', 'domain', 'engine'];
PRODUCT.push(
  'handlers',
  'infra',
  'key-router',
  'local',
  'packaging',
  'runbooks',
  'scenarios',
  'simulations',
  'world',
);

interface Rule {
  name: string;
  breaks(from: string, to: string): boolean;
}

const RULES: Rule[] = [
  {
    name: 'leaves import nothing of selfheal',
    breaks: (from, to) => ['core', 'contracts'].includes(folderOf(from)) && folderOf(to) !== folderOf(from),
  },
  {
    name: 'the engine imports only the engine and the leaves',
    breaks: (from, to) => folderOf(from) === 'engine' && !['engine', 'core'].includes(folderOf(to)),
  },
  {
    name: 'the world does not read the detectors',
    breaks: (from, to) => folderOf(from) === 'world' && folderOf(to) === 'detectors',
  },
  {
    name: 'the key router does not reach into the domain',
    breaks: (from, to) => folderOf(from) === 'key-router' && folderOf(to) === 'domain',
  },
  {
    // Reading the catalogue (the CDK app, the build, the CLI) must load no task or engine code.
    name: 'the runbook catalogue imports nothing of selfheal',
    breaks: (from, to) => folderOf(from) === 'runbooks' && folderOf(to) !== 'runbooks',
  },
  {
    name: 'no product folder imports the tests',
    breaks: (from, to) => PRODUCT.includes(folderOf(from)) && folderOf(to) === 'test',
  },
];

/** Imports that break a rule today, each to go: `from -> to`. */
const KNOWN: Record<string, string[]> = {};

describe('imports', () => {
  it('were read from every source file', () => {
    expect(FILES.length).toBeGreaterThan(300);
    expect(IMPORTS.get('cli/main.ts')).toContain('cli/command.ts');
  });

  it.each(RULES)('$name (but for the imports still listed to go)', (rule) => {
    const breaking = [...IMPORTS].flatMap(([from, targets]) =>
      targets.filter((to) => rule.breaks(from, to)).map((to) => `${from} -> ${to}`),
    );
    expect(breaking.sort()).toEqual([...(KNOWN[rule.name] ?? [])].sort());
  });

  it('no product file reads a file of the tests (a fixture by URL is an import too)', () => {
    const readers = FILES.filter((file) => PRODUCT.includes(folderOf(file))).filter((file) =>
      /['"`](\.\.\/)+test\//.test(readFileSync(join(REPOSITORY_ROOT, file), 'utf8')),
    );
    expect(readers).toEqual([]);
  });

  it('form no circle: no module reaches itself through its imports', () => {
    expect(circles()).toEqual([]);
  });
});

/** Every set of modules that import each other round (Tarjan's strongly connected components). */
function circles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of IMPORTS.get(file) ?? []) {
      if (!IMPORTS.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const circle: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      circle.push(member);
      if (member === file) break;
    }
    if (circle.length > 1) found.push(circle.sort());
  };
  for (const file of IMPORTS.keys()) if (!index.has(file)) visit(file);
  return found;
}
