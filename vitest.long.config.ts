/** `npm run test:long`: the slow proofs in test/long/, with the main config's set-up. */
import { defineConfig } from 'vitest/config';
import main from './vitest.config.ts';

export default defineConfig({
  ...main,
  test: { ...main.test, include: ['test/long/**/*.test.ts'], exclude: ['**/node_modules/**'] },
});
