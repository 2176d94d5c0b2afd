// Tests that start several real kdesk processes on one PostgreSQL (2 web + 2 worker). Slow and heavy, so
// not part of `npm test`; `.ci/run` runs them against the machine's PostgreSQL:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx vitest run --config vitest.instances.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/instances/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
