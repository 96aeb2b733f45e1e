import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Slow proofs (a key too big for one execution, ...) run in `npm run test:long`.
    exclude: ['test/long/**', '**/node_modules/**'],
    // Builds the handler bundles the CDK app deploys, once, before any test file loads them.
    globalSetup: ['test/support/build-bundles.global.ts'],
    // As many workers as the machine has cores (vitest's default leaves one free: on 2 cores,
    // files ran one at a time). Files share no port or file: each has its own in-memory dynalite
    // and temporary state files.
    maxWorkers: availableParallelism(),
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
  },
});
