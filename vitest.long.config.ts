/** `npm run test:long`: the slow proofs in test/long/, with the main config's set-up. */
import { defineConfig } from 'vitest/config';
import main from './vitest.config.ts';

export default defineConfig({
  ...main,
  test: {
    ...main.test,
    // The slow proofs, and the reshuffle soak tests at full size (10,000 items; 1,000 in npm test).
    include: ['test/long/**/*.test.ts', 'test/domain/reshuffle/{move,merge}.test.ts'],
    exclude: ['**/node_modules/**'],
    env: { ...main.test?.env, SELFHEAL_SOAK_ITEMS: '10000' },
  },
});
