// What one batch of an import writes changes what the next batch must see: these tests make the batch before
// (or another writer) change the rows a later batch reads, across batches of two rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { call, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { importFile } from './import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ imports: { batchRows: 2 } });
});
afterAll(() => ctx?.close());

const post = async (t: TestTeam, body: Record<string, unknown>) => {
  const res = await call(ctx, t.ownerToken, 'POST', '/api/v1/contacts', body);
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
  return res.json() as { id: string; version: number };
};
const emailsOf = async (teamId: string) =>
  new Map(
    (
      await sql<{ id: string; primaryEmail: string | null; version: number }>`
        SELECT id, primary_email, version FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NULL`.execute(ctx.db)
    ).rows.map((r) => [r.id, r]),
  );

describe('batches that depend on the batch before', () => {
  it('an email freed by an earlier batch is taken by a later one', async () => {
    const t = await createTeam(ctx);
    const d = `chain-${uid()}.example`;
    const a = await post(t, { firstName: 'A', primaryEmail: `x@${d}` });
    const b = await post(t, { firstName: 'B', primaryEmail: `y@${d}` });
    // batch 1 moves a: x → z and changes b; batch 2 creates a contact with x (read as a's while batch 1 ran)
    // and changes b's name again: a row of the file may change b only once
    const csv = ['id,primaryEmail,firstName', `${a.id},z@${d},A`, `,w@${d},W`, `,x@${d},New X`, `${b.id},,B again`, `,v@${d},V`].join('\n');
    const imp = await importFile(ctx, t, 'chain.csv', csv);
    expect(imp).toMatchObject({ status: 'succeeded', created: 3, updated: 2, failed: 0, processed: 5 });
    const byId = await emailsOf(t.teamId);
    expect(byId.get(a.id)!.primaryEmail).toBe(`z@${d}`);
    expect([...byId.values()].map((c) => c.primaryEmail).sort()).toEqual([`v@${d}`, `w@${d}`, `x@${d}`, `y@${d}`, `z@${d}`]);
    // every contact once, every version bumped once
    expect(byId.get(a.id)!.version).toBe(a.version + 1);
    expect(byId.get(b.id)!.version).toBe(b.version + 1);
  }, 120_000);

  it('a row repeating the id of a row of an earlier batch fails, naming it, whatever was read meanwhile', async () => {
    const t = await createTeam(ctx);
    const a = await post(t, { firstName: 'A', primaryEmail: `a-${uid()}@example.com` });
    const csv = ['id,firstName', `${a.id},One`, `,Filler`, `,Filler 2`, `${a.id},Two`].join('\n');
    const imp = await importFile(ctx, t, 'repeat.csv', csv);
    expect(imp).toMatchObject({ updated: 1, created: 2, failed: 1 });
    const rows = (await call(ctx, t.ownerToken, 'GET', `/api/v1/imports/${imp.id}/rows?action=fail`)).json().items;
    expect(rows[0]).toMatchObject({ row: 5, error: 'id: the same id as row 2 of this file (each contact once per file)' });
    expect((await emailsOf(t.teamId)).get(a.id)!.version).toBe(a.version + 1);
  });

  it('creates a company once when rows of several batches name it', async () => {
    const t = await createTeam(ctx);
    const name = `Hooli ${uid()}`;
    const csv = [
      'primaryEmail,linkedCompany',
      ...Array.from({ length: 7 }, (_, i) => `h${i}-${uid()}@example.com,${i % 2 ? name.toUpperCase() : name}`),
    ].join('\n');
    const imp = await importFile(ctx, t, 'hooli.csv', csv, { createCompanies: 'true' });
    expect(imp).toMatchObject({ created: 7, failed: 0 });
    const companies = (await call(ctx, t.ownerToken, 'GET', '/api/v1/companies')).json().items;
    expect(companies.map((c: { name: string; contactCount: number }) => [c.name, c.contactCount])).toEqual([[name, 7]]);
  });
});
