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
    // The web app itself: the API's types and vocabularies come from the contract, nothing else of ours.
    files: ['**/src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@periscope/*', '!@periscope/contract', '!@periscope/contract/*'], message: 'ui/src imports only @periscope/contract (the API types live there).' }],
      }],
    },
  },
);
