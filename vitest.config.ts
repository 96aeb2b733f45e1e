import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Runbook and scenario tests start dynalite and run whole executions in virtual time.
    testTimeout: 60_000,
    hookTimeout: 30_000,
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
