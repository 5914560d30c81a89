// Lint: typescript-eslint's recommended rules plus the purity rules of DESIGN.md §2
// (the import direction itself is checked by dependency-cruiser, see .dependency-cruiser.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/web/dist/', 'test-output/', '.test-out/', '.venv-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'fetch'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The core reads no clock: pass time in.' },
        { object: 'Math', property: 'random', message: 'The core is deterministic.' },
        { property: 'toFixed', message: 'Money is decimal: use toFixedString from core/decimal.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The core reads no clock.' },
        { selector: "CallExpression[callee.name='parseFloat']", message: 'Money is decimal, never a binary float.' },
      ],
    },
  },
);
