import { availableParallelism } from 'node:os';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/** Slow proofs (a key too big for one execution, ...) run in `npm run test:long`. */
const EXCLUDE = ['test/long/**', '**/node_modules/**'];
/** Test files that replace a module with vi.mock: they cannot share a module cache. */
export const MOCKS_MODULES = ['test/report/cli.test.ts'];

/** What every test file runs with, in `npm test` and `npm run test:long` alike. */
export const common = {
  // Runbook and scenario tests start dynalite and run whole executions in virtual time.
  testTimeout: 60_000,
  hookTimeout: 30_000,
  server: {
    deps: {
      // The handler bundles load as Node loads them in Lambda, not through Vite's transforms.
      external: [/\/dist\/handlers\//],
    },
  },
  env: {
    // Powertools outside Lambda: keep test output readable, emit no EMF.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_SERVICE_NAME: 'selfheal',
    POWERTOOLS_METRICS_NAMESPACE: 'selfheal',
  },
} satisfies TestProjectInlineConfiguration['test'];

export default defineConfig({
  test: {
    // Builds the handler bundles the CDK app deploys, once, before any test file loads them.
    globalSetup: ['test/support/build-bundles.global.ts'],
    // As many workers as the machine has cores (vitest's default leaves one free: on 2 cores,
    // files ran one at a time). Files share no port or file: each has its own in-memory dynalite
    // and temporary state files.
    maxWorkers: availableParallelism(),
    projects: [
      // Files share their worker's module cache: the SDK, the CDK and dynalite are imported once
      // per worker, not once per file (about half the suite's time). What a file leaves behind
      // outside itself (a mocked client class, a stubbed variable, fake timers) is put back after
      // it by test/support/shared-worker.setup.ts.
      {
        test: {
          ...common,
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...EXCLUDE, ...MOCKS_MODULES],
          isolate: false,
          setupFiles: ['test/support/shared-worker.setup.ts'],
        },
      },
      // A file that replaces a module runs in a worker of its own.
      { test: { ...common, name: 'isolated', include: MOCKS_MODULES, isolate: true } },
    ],
  },
});
