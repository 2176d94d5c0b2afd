// Import and export carry the company link: the export's `linkedCompany` column names the contact's
// company, and the import links by that name within the team (never another team's), creating companies
// only when asked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_COLUMNS } from '#shared/import.schema.ts';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { createContact } from '../portal/portal-test-support.ts';
import { importFile, parseCsv, postImport } from './import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

async function newCompany(tm: TestTeam, body: Record<string, unknown>) {
  const res = await call(ctx, tm.ownerToken, 'POST', '/api/v1/companies', body);
  if (res.statusCode !== 201) throw new Error(`newCompany: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; name: string };
}
const contactOf = async (tm: TestTeam, id: string) => (await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/${id}`)).json();
const companiesOf = async (tm: TestTeam) =>
  (await call(ctx, tm.ownerToken, 'GET', '/api/v1/companies?limit=100')).json().items as {
    id: string;
    name: string;
    contactCount: number;
  }[];
const failedRows = async (tm: TestTeam, importId: string) =>
  (await call(ctx, tm.ownerToken, 'GET', `/api/v1/imports/${importId}/rows?action=fail&limit=100`)).json().items as {
    row: number;
    error: string;
  }[];
const exportOf = async (tm: TestTeam) => {
  const res = await call(ctx, tm.ownerToken, 'GET', '/api/v1/contacts/export.csv?status=all');
  expect(res.statusCode).toBe(200);
  return { text: res.body, rows: parseCsv(res.body) };
};
const LINKED = TEMPLATE_COLUMNS.indexOf('linkedCompany');
const EMAIL = TEMPLATE_COLUMNS.indexOf('primaryEmail');

describe('export → import keeps company links', () => {
  it('exports the linked company by name and re-links contacts moved meanwhile, leaving the others unchanged', async () => {
    const team = await createTeam(ctx);
    const d = `acme-${uid()}.example`;
    const acme = await newCompany(team, { name: 'Acme, Inc.', domains: [d] });
    const globex = await newCompany(team, { name: 'Globex' });
    const byDomain = await createContact(ctx, team, { primaryEmail: `ada@${d}` });
    const byHand = await createContact(ctx, team, { primaryEmail: `grace-${uid()}@example.com`, companyId: globex.id });
    const none = await createContact(ctx, team, { primaryEmail: `ken-${uid()}@example.com` });
    expect((await contactOf(team, byDomain.id)).companyId).toBe(acme.id);

    const first = await exportOf(team);
    expect(first.rows[0]).toEqual([...TEMPLATE_COLUMNS]);
    const linkOf = (rows: string[][], email: string) => rows.find((r) => r[EMAIL] === email)?.[LINKED];
    expect(linkOf(first.rows, byDomain.primaryEmail)).toBe('Acme, Inc.');
    expect(linkOf(first.rows, byHand.primaryEmail)).toBe('Globex');
    expect(linkOf(first.rows, none.primaryEmail)).toBe('');
    // a name with a comma is quoted like any other cell
    expect(first.text).toContain(',"Acme, Inc."\r\n');

    // the links change after the export: ada moves to Globex, grace loses hers
    expect((await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${byDomain.id}`, { companyId: globex.id })).statusCode).toBe(200);
    expect((await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${byHand.id}`, { companyId: null })).statusCode).toBe(200);

    const imp = await importFile(ctx, team, 'export.csv', first.text);
    expect(imp).toMatchObject({ status: 'succeeded', created: 0, updated: 2, unchanged: 1, failed: 0 });
    expect((await contactOf(team, byDomain.id)).companyId).toBe(acme.id);
    expect((await contactOf(team, byHand.id)).companyId).toBe(globex.id);
    expect((await contactOf(team, none.id)).companyId).toBe(null);
    // the history says the import linked them
    const history = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${byHand.id}/history`)).json().items;
    expect(history[0]).toMatchObject({ action: 'update', changes: { companyId: { before: null, after: globex.id } } });
    expect(history[0].actor.label ?? JSON.stringify(history[0].actor)).toContain('(import)');

    // the same file again changes nothing, and the export reads as before but for the rows the import changed
    expect(await importFile(ctx, team, 'export.csv', first.text)).toMatchObject({ updated: 0, unchanged: 3, failed: 0 });
    const again = await exportOf(team);
    const UPDATED = TEMPLATE_COLUMNS.indexOf('updatedAt');
    const sansUpdated = (rows: string[][]) => rows.map((r) => r.filter((_, i) => i !== UPDATED));
    expect(sansUpdated(again.rows)).toEqual(sansUpdated(first.rows));
    expect(await companiesOf(team)).toHaveLength(2);
  }, 90_000);
});

describe('a company name no company has', () => {
  it('fails the row with the reason, creating nothing, unless the import creates companies (once per name)', async () => {
    const team = await createTeam(ctx);
    await newCompany(team, { name: 'Initrode' });
    const csv = [
      'primaryEmail,firstName,Linked Company',
      `a-${uid()}@example.com,Ann,Initech`,
      `b-${uid()}@example.com,Bo,initrode`,
      `c-${uid()}@example.com,Cy,INITECH`,
      `d-${uid()}@example.com,Di,`,
    ].join('\n');

    const refused = await importFile(ctx, team, 'people.csv', csv);
    expect(refused).toMatchObject({ status: 'succeeded', created: 2, failed: 2, createCompanies: false });
    const fails = await failedRows(team, refused.id);
    expect(fails.map((f) => f.row)).toEqual([2, 4]);
    expect(fails[0]!.error).toBe(
      'Linked Company: no company named "Initech" in this team (add it on the Companies page, or import again with "Create missing companies")',
    );
    expect((await companiesOf(team)).map((c) => c.name)).toEqual(['Initrode']);

    // a dry run that would create them writes nothing either
    const dry = await importFile(ctx, team, 'people.csv', csv, { dryRun: 'true', createCompanies: 'true' });
    expect(dry).toMatchObject({ status: 'succeeded', created: 2, unchanged: 2, failed: 0, dryRun: true });
    expect(await companiesOf(team)).toHaveLength(1);

    const created = await importFile(ctx, team, 'people.csv', csv, { createCompanies: 'true' });
    expect(created).toMatchObject({ status: 'succeeded', created: 2, unchanged: 2, failed: 0, createCompanies: true });
    const companies = await companiesOf(team);
    // one company for both spellings, named as the file first wrote it
    expect(companies.map((c) => [c.name, c.contactCount])).toEqual([
      ['Initech', 2],
      ['Initrode', 1],
    ]);
    const audit = await sql<{ action: string; actorLabel: string }>`
      SELECT action, actor_label FROM audit_log WHERE team_id = ${team.teamId} AND entity_type = 'company' AND entity_id = ${companies[0]!.id}`.execute(
      ctx.db,
    );
    expect(audit.rows).toEqual([{ action: 'create', actorLabel: expect.stringContaining('(import)') }]);
  });

  it('fails a row whose name two companies of the team share, saying so', async () => {
    const team = await createTeam(ctx);
    await newCompany(team, { name: 'Twin' });
    await newCompany(team, { name: 'TWIN' });
    const imp = await importFile(ctx, team, 'p.csv', `primaryEmail,linkedCompany\nt-${uid()}@example.com,twin\n`, {
      createCompanies: 'true',
    });
    expect(imp).toMatchObject({ created: 0, failed: 1 });
    expect((await failedRows(team, imp.id))[0]!.error).toBe(
      'linkedCompany: 2 companies of this team are named "twin"; rename them so the name says which one',
    );
  });

  it('answers 403 to a member who may import but not change contacts asking to create companies', async () => {
    const team = await createTeam(ctx);
    const m = await createMember(ctx, team, { permissions: { importContacts: true, modifyContacts: false } });
    const csv = `primaryEmail,linkedCompany\nq-${uid()}@example.com,Anything\n`;
    const res = await postImport(ctx, m.token, { name: 'p.csv', content: csv }, { createCompanies: 'true' });
    expect(res.statusCode).toBe(403);
    expect(await companiesOf(team)).toHaveLength(0);
  });

  it('answers 400 on createCompanies that is not a boolean', async () => {
    const team = await createTeam(ctx);
    const res = await postImport(
      ctx,
      team.ownerToken,
      { name: 'p.csv', content: 'primaryEmail\na@example.com\n' },
      { createCompanies: 'maybe' },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: 'createCompanies', message: 'Must be true or false' }]);
  });
});

describe('company names across teams', () => {
  it("never links to another team's company, even of the same name; creating makes this team its own", async () => {
    const mine = await createTeam(ctx);
    const theirs = await createTeam(ctx);
    const umbrella = await newCompany(theirs, { name: 'Umbrella' });
    const email = `u-${uid()}@example.com`;
    const csv = `primaryEmail,linkedCompany\n${email},Umbrella\n`;
    const refused = await importFile(ctx, mine, 'p.csv', csv);
    expect(refused).toMatchObject({ created: 0, failed: 1 });
    expect((await failedRows(mine, refused.id))[0]!.error).toContain('no company named "Umbrella" in this team');

    const created = await importFile(ctx, mine, 'p.csv', csv, { createCompanies: 'true' });
    expect(created).toMatchObject({ created: 1, failed: 0 });
    const [own] = await companiesOf(mine);
    expect(own).toMatchObject({ name: 'Umbrella', contactCount: 1 });
    expect(own!.id).not.toBe(umbrella.id);
    expect((await companiesOf(theirs)).map((c) => [c.name, c.contactCount])).toEqual([['Umbrella', 0]]);
    // the other team's export does not see this team's link
    expect((await exportOf(theirs)).rows).toHaveLength(1);
    const mineRows = (await exportOf(mine)).rows;
    expect(mineRows[1]![LINKED]).toBe('Umbrella');
  });
});

describe('XLSX', () => {
  it('links the contacts of a sheet saved by LibreOffice Calc by company name, whatever the capitals', async () => {
    const team = await createTeam(ctx);
    const acme = await newCompany(team, { name: 'Acme Corp' });
    const globex = await newCompany(team, { name: 'Globex' });
    const file = readFileSync(path.resolve('server/imports/fixtures/libreoffice-companies.xlsx'));
    const imp = await importFile(ctx, team, 'libreoffice.xlsx', file);
    expect(imp).toMatchObject({ status: 'succeeded', format: 'xlsx', created: 3, failed: 1 });
    expect(imp.mapping.find((m: { column: string }) => m.column === 'Linked company')).toMatchObject({ field: 'linkedCompany' });
    expect((await failedRows(team, imp.id)).map((f) => [f.row, f.error])).toEqual([
      [4, expect.stringContaining('no company named "Initech Ltd"')],
    ]);
    const list = (await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts?limit=10&sort=firstName')).json().items as {
      firstName: string;
      companyId: string | null;
    }[];
    expect(list.map((c) => [c.firstName, c.companyId])).toEqual([
      ['Ada', acme.id],
      ['Grace', globex.id],
      ['Ken', null],
    ]);
  });
});
