import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The suite runs dozens of Periscope systems side by side on two cores, and at the idle priority
 * shipped by default (docs/deployment.md) their store processes would wait behind the other test
 * files' CPU, not behind their own gateway's calls. The tests of that priority set it themselves
 * (background-priority.test.ts, compiled-start.int.test.ts, kafka-broker-outage.int.test.ts).
 */
const SUITE_ENV = { PERISCOPE_BACKGROUND_PRIORITY: 'normal' };

export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the cores: a single worker on the 2-core machines
    // CI runs on. Most files spend their time waiting on child processes (the gateway, Kafka,
    // Chromium), so two files at once take the suite from about 13 to about 8 minutes there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'node',
          include: ['{contract,spool,clickhouse,proxy,ingest,control-plane,server,testkit,bench}/src/**/*.test.ts', 'eslint-rules/*.test.ts'],
          // chDB allows one data directory per process: every test file gets its own process.
          pool: 'forks',
          // One Kafka broker for the run, unless PERISCOPE_KAFKA_BROKERS names one.
          globalSetup: ['testkit/src/vitest-kafka-setup.ts'],
          isolate: true,
          testTimeout: 20_000,
          hookTimeout: 60_000,
          env: SUITE_ENV,
        },
      },
      {
        // UI component tests: React in jsdom.
        test: {
          name: 'ui',
          include: ['ui/src/**/*.test.{ts,tsx}'],
          // Vitest's own jsdom peer resolved to a version that needs Node 22; see the file.
          environment: './ui/src/testing/jsdom-environment.ts',
          setupFiles: ['ui/src/testing/setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        // Browser end-to-end: a real `periscope start`, real SDK traffic, Debian's Chromium.
        // Needs ui/dist (`pnpm build`). The SDKs, the mock and the CLI come from ui's devDependencies.
        test: {
          name: 'ui-e2e',
          include: ['ui/e2e/**/*.int.test.ts'],
          environment: 'node',
          pool: 'forks',
          env: SUITE_ENV,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
