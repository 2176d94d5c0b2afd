// Browser journeys (`npm run e2e`, after `vite build`): one file at a time in a single fork, each
// starting its own kdesk server, with timeouts sized for booting PostgreSQL and Chromium.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    env: { KDESK_E2E: '1' },
    reporters: ['default'],
  },
});
