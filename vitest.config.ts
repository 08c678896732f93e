import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/pglite_template.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that start servers or PostgreSQL databases must not fight over 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
