import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{proxy,ingest,clickhouse,testkit}/src/**/*.test.ts'],
    // chDB allows one data directory per process: every test file gets its own process.
    pool: 'forks',
    // One Kafka broker for the run, unless PERISCOPE_KAFKA_BROKERS names one.
    globalSetup: ['testkit/src/vitest-kafka-setup.ts'],
    isolate: true,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
