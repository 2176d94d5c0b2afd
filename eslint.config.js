import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import oneContactWriter from './eslint-rules/one-contact-writer.js';
import layerRules from './scripts/eslint-layers.js';

// one plugin for kdesk's own rules (ESLint refuses two plugins under one name)
const kdesk = { ...layerRules, rules: { ...layerRules.rules, ...oneContactWriter.rules } };

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
  {
    // contacts and audit_log have one writer; tests, benchmarks and migrations may set up rows directly
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: [
      'server/contacts/contacts-writer.repo.ts',
      'server/db/migrations/**',
      '**/*.test.ts',
      'test/**',
      'e2e/**',
      'bench/**',
      'eslint-rules/**',
    ],
    plugins: { kdesk },
    rules: { 'kdesk/one-contact-writer': 'error' },
  },
  // The server's layers (scripts/eslint-layers.js). Tests and their helpers set up and check the database
  // directly, so the SQL and repo rules leave them alone; nothing imports a migration but migrate.ts (and a
  // test of that migration).
  {
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { kdesk },
    rules: { 'kdesk/no-migration-import': 'error' },
  },
  {
    files: ['server/**/*.ts', 'cli/**/*.ts', 'shared/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*-test-utils.ts', '**/*-test-support.ts'],
    plugins: { kdesk },
    rules: {
      'kdesk/no-foreign-repo': 'error',
    },
  },
  {
    files: ['server/**/*.ts', 'cli/**/*.ts', 'shared/**/*.ts'],
    ignores: ['**/*.repo.ts', 'server/db/**', '**/*.test.ts', '**/*-test-utils.ts', '**/*-test-support.ts'],
    plugins: { kdesk },
    rules: { 'kdesk/sql-in-repo': 'error' },
  },
);
