import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default', './test/support/summaryReporter.ts'],
    // One scratch directory per run, where the package is packed once for every test that needs it.
    globalSetup: ['./test/support/packGlobalSetup.ts'],
  },
});
