import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Forks: tests that start servers, worker processes or PostgreSQL clusters stay apart. Three on
    // 2 cores because the longest files mostly wait on real-time calls (the CPU sat ~40 % idle with
    // two: 1,104 s wall for 2,058 s of tests on 2026-12-05).
    pool: 'forks',
    maxWorkers: 3,
    fileParallelism: true,
  },
});
