import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // creates the `test` database when missing; says what to start when PostgreSQL is not there
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // each file isolates itself in its own schema or database, so files run in parallel
    fileParallelism: true,
  },
});
