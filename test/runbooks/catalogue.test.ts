/**
 * The catalogue holds together or says, in one line naming the file, why not: every ASL file is
 * owned by exactly one manifest, every task id is used once, every module is there, and a manifest
 * is validated like any input (an unscoped grant says why).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CATALOGUE,
  CatalogueError,
  STATEMACHINES_DIR,
  functionSubstitution,
  readCatalogue,
} from '../../runbooks/catalogue.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

interface RootFiles {
  asl?: string[];
  manifests?: Record<string, unknown>;
  modules?: string[];
}

/** A root laid out like the repository, with the files given. */
function rootWith({ asl = [], manifests = {}, modules = [] }: RootFiles): string {
  const root = mkdtempSync(join(tmpdir(), 'selfheal-catalogue-'));
  roots.push(root);
  for (const dir of ['statemachines', 'runbooks', 'handlers']) mkdirSync(join(root, dir));
  for (const name of asl) writeFileSync(join(root, 'statemachines', `${name}.asl.json`), '{}');
  for (const [name, manifest] of Object.entries(manifests))
    writeFileSync(join(root, 'runbooks', `${name}.json`), JSON.stringify(manifest));
  for (const module of modules) writeFileSync(join(root, module), 'export {};');
  return root;
}

const task = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  entry: 'handlers/tasks.ts',
  ports: 'none',
  grants: [],
  ...extra,
});
const manifest = (runbooks: string[], tasks: unknown[] = []) => ({
  description: 'a runbook of the tests',
  runbooks,
  tasks,
});

describe("selfheal's own catalogue", () => {
  it('owns every ASL file in statemachines/, each once, and names each task once', () => {
    const aslFiles = readdirSync(STATEMACHINES_DIR).filter((file) => file.endsWith('.asl.json'));
    expect(CATALOGUE.runbooks.map((r) => `${r.name}.asl.json`)).toEqual(aslFiles.sort());
    expect(new Set(CATALOGUE.tasks.map((t) => t.id)).size).toBe(CATALOGUE.tasks.length);
  });

  it('invokes a task as the substitution its id spells', () => {
    expect(functionSubstitution('build-backpressure-ledger-item')).toBe(
      'BuildBackpressureLedgerItemFunctionArn',
    );
    expect(CATALOGUE.tasks.find((t) => t.id === 'plan-capacity')?.substitution).toBe(
      'PlanCapacityFunctionArn',
    );
  });
});

describe('a catalogue that does not hold together', () => {
  it.each([
    {
      case: 'an ASL file no manifest owns',
      files: { asl: ['a', 'b'], manifests: { a: manifest(['a']) } },
      error: /statemachines\/b\.asl\.json: no manifest in runbooks\/ owns it$/,
    },
    {
      case: 'a manifest naming a runbook with no ASL',
      files: { asl: [], manifests: { a: manifest(['a']) } },
      error: /runbooks\/a\.json: runbook a has no ASL/,
    },
    {
      case: 'two manifests owning one runbook',
      files: { asl: ['a'], manifests: { a: manifest(['a']), b: manifest(['a']) } },
      error: /runbooks\/b\.json: runbook a is owned by another manifest/,
    },
    {
      case: 'a task id used twice',
      files: {
        asl: ['a'],
        manifests: { a: manifest(['a'], [task('check'), task('check')]) },
        modules: ['handlers/tasks.ts'],
      },
      error: /runbooks\/a\.json: task check is declared twice$/,
    },
    {
      case: 'a task whose module is not there',
      files: { asl: ['a'], manifests: { a: manifest(['a'], [task('check')]) } },
      error: /runbooks\/a\.json: task check: no module handlers\/tasks\.ts$/,
    },
    {
      case: 'an unscoped grant that does not say why',
      files: {
        asl: ['a'],
        manifests: {
          a: manifest(
            ['a'],
            [task('check', { grants: [{ actions: ['xray:GetInsightSummaries'], scope: 'unscoped' }] })],
          ),
        },
        modules: ['handlers/tasks.ts'],
      },
      error: /runbooks\/a\.json: tasks\.0\.grants\.0: an unscoped grant says why/,
    },
    {
      case: 'ports the local deployment does not know',
      files: { asl: ['a'], manifests: { a: manifest(['a'], [task('check', { ports: 'everything' })]) } },
      error: /runbooks\/a\.json: tasks\.0\.ports: /,
    },
  ])('is refused: $case', ({ files, error }) => {
    const root = rootWith(files);
    expect(() => readCatalogue([root])).toThrow(CatalogueError);
    expect(() => readCatalogue([root])).toThrow(error);
  });

  it('is refused when a runbook of an added root has the name of one of selfheal’s', () => {
    const root = rootWith({ asl: ['dispatch'], manifests: { dispatch: manifest(['dispatch']) } });
    expect(() => readCatalogue([...CATALOGUE.roots, root])).toThrow(/runbook dispatch is in two roots/);
  });
});
