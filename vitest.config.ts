import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Once per run: a folder the workers share, where the packed tarball is made once.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Real git, real PostgreSQL: two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
