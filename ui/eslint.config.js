import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { periscopePlugin } from '../eslint-rules/index.js';

// The root config ignores ui/; `pnpm lint` runs this one for it (browser code, TSX).
export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Package boundaries (docs/architecture.md): ui's own code imports only @periscope/contract.
    files: ['**/*.{ts,tsx}'],
    plugins: { periscope: periscopePlugin },
    rules: { 'periscope/package-boundaries': 'error' },
  },
  {
    // The web app itself: values only from the contract; the store's API result types as types.
    files: ['**/src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: '@periscope/clickhouse', message: 'ui takes only types from the store (the API result shapes).', allowTypeImports: true }],
        patterns: [{ group: ['@periscope/*', '!@periscope/contract', '!@periscope/contract/*', '!@periscope/clickhouse'], message: 'ui/src imports only @periscope/contract (and the store\'s result types).' }],
      }],
    },
  },
);
