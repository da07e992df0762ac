import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['{proxy,ingest,clickhouse,testkit,bench}/src/**/*.test.ts'],
          // chDB allows one data directory per process: every test file gets its own process.
          pool: 'forks',
          // One Kafka broker for the run, unless PERISCOPE_KAFKA_BROKERS names one.
          globalSetup: ['testkit/src/vitest-kafka-setup.ts'],
          isolate: true,
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        // UI component tests: React in jsdom.
        resolve: { alias: { '@periscope/clickhouse/testing': here('clickhouse/src/testing/fixtures.ts') } },
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
        // Needs ui/dist (`pnpm build`). The SDKs and the mock come from testkit's dependencies.
        resolve: {
          alias: {
            openai: here('testkit/node_modules/openai'),
            '@anthropic-ai/sdk': here('testkit/node_modules/@anthropic-ai/sdk'),
            '@periscope/testkit': here('testkit/src/index.ts'),
            'playwright-core': here('ui/node_modules/playwright-core'),
          },
        },
        test: {
          name: 'ui-e2e',
          include: ['ui/e2e/**/*.int.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
