import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './scripts/eslint-layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', 'dist/', '.tmp/', '.data/', 'e2e/artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        localStorage: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
    },
  },
  // The server's layers (scripts/eslint-layers.js). Tests and their helpers set up and check the database
  // directly, so the SQL and repo rules leave them alone; nothing imports a migration but migrate.ts (and a
  // test of that migration).
  {
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { kdesk: layers },
    rules: { 'kdesk/no-migration-import': 'error' },
  },
  {
    files: ['server/**/*.ts', 'cli/**/*.ts', 'shared/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*-test-utils.ts', '**/*-test-support.ts'],
    plugins: { kdesk: layers },
    rules: {
      'kdesk/no-foreign-repo': [
        'error',
        // TEMPORARY: the audit rows are still written through server/audit/audit.repo.ts by every feature;
        // another change replaces that with a contacts-owned audit writer. Remove this line with it.
        { allow: ['server/audit/audit.repo.ts'] },
      ],
    },
  },
  {
    files: ['server/**/*.ts', 'cli/**/*.ts', 'shared/**/*.ts'],
    ignores: ['**/*.repo.ts', 'server/db/**', '**/*.test.ts', '**/*-test-utils.ts', '**/*-test-support.ts'],
    plugins: { kdesk: layers },
    rules: { 'kdesk/sql-in-repo': 'error' },
  },
);
