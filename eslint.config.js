import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import kdesk from './eslint-rules/one-contact-writer.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', '.data/', 'e2e/artifacts/', 'coverage/'] },
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
);
