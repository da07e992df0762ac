import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { periscopePlugin } from './eslint-rules/index.js';

export default tseslint.config(
  // dist-*: earlier builds kept beside dist/ for `pnpm bench --only paired`.
  { ignores: ['**/node_modules/**', '**/dist/**', 'dist-*/**', '.periscope/**', 'ui/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Package boundaries (docs/architecture.md). Import cycles, type-only ones included, are
    // checked by scripts/import-graph.ts --check, the last step of `pnpm lint`.
    files: ['**/*.ts'],
    plugins: { periscope: periscopePlugin },
    rules: { 'periscope/package-boundaries': 'error' },
  },
  {
    // The packages whose code runs per call or per event (the gateway, the spool, the ingest).
    files: ['{contract,spool,proxy,ingest,server}/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/src/testing/**'],
    plugins: { periscope: periscopePlugin },
    rules: { 'periscope/no-properties-after-leading-spread': 'error' },
  },
);
