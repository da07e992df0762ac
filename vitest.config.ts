import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{proxy,ingest,clickhouse,testkit}/src/**/*.test.ts'],
    // chDB allows one data directory per process: every test file gets its own process.
    pool: 'forks',
    isolate: true,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
