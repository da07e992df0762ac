import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
);
