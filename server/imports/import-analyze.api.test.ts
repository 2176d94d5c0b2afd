// An import that grows `contacts` far beyond what PostgreSQL's planner statistics counted (a first import into
// an empty table) refreshes them, so its own look-ups by key and every pooled connection's cached plans are
// made for the table as it now is, not for an empty one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTeam, createTestContext, uid, type TestContext } from '../../test/harness.ts';
import { importFile } from './import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ imports: { batchRows: 2, analyzeAfterRows: 4 } });
});
afterAll(() => ctx?.close());

/** The rows of `contacts` as the planner's statistics count them (-1 or 0: never analysed). */
const planned = async () =>
  Number(
    (await sql<{ n: number }>`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'contacts'::regclass`.execute(ctx.db)).rows[0]!.n,
  );

describe('planner statistics after an import', () => {
  it('an import that creates many contacts next to what the planner counted runs ANALYZE; a small one does not', async () => {
    const t = await createTeam(ctx);
    const before = await planned();
    // fewer than 50 rows changed: autovacuum (where it runs) leaves the table alone, only the import analyses it
    expect(before).toBeLessThan(4);
    const d = `analyze-${uid()}.example`;
    const rows = (n: number, p: string) =>
      ['firstName,primaryEmail', ...Array.from({ length: n }, (_, i) => `${p}${i},${p}${i}@${d}`)].join('\n');
    expect(await importFile(ctx, t, 'first.csv', rows(7, 'a'))).toMatchObject({ status: 'succeeded', created: 7 });
    const after = await planned();
    expect(after).toBeGreaterThanOrEqual(4);
    // 3 more next to the 4 or more counted now: no new ANALYZE (the count stays what it was)
    expect(await importFile(ctx, t, 'second.csv', rows(3, 'b'))).toMatchObject({ status: 'succeeded', created: 3 });
    expect(await planned()).toBe(after);
  });
});
