/** `npm run test:long`: the slow proofs in test/long/, with the main config's set-up. */
import { defineConfig } from 'vitest/config';
import main, { common } from './vitest.config.ts';

export default defineConfig({
  test: {
    ...common,
    globalSetup: main.test?.globalSetup,
    maxWorkers: main.test?.maxWorkers,
    // The slow proofs, and the reshuffle soak tests at full size (10,000 items; 1,000 in npm test),
    // each file in a worker of its own: they are few and long.
    include: ['test/long/**/*.test.ts', 'test/domain/reshuffle/{move,merge}.test.ts'],
    exclude: ['**/node_modules/**'],
    env: { ...common.env, SELFHEAL_SOAK_ITEMS: '10000' },
  },
});
