import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { importFile, parseCsv, postImport, runnerFor, xlsxOf, zip } from './import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({
    imports: { batchRows: 3, maxBytes: 64 * 1024, xlsxMaxUncompressedBytes: 8 * 1024 * 1024, leaseSeconds: 5 },
  });
});
afterAll(() => ctx?.close());

const api = (team: TestTeam) => ({
  get: (url: string) => call(ctx, team.ownerToken, 'GET', url),
  post: (url: string, body?: unknown, headers?: Record<string, string>) => call(ctx, team.ownerToken, 'POST', url, body, headers),
});

/** Everything stored for a team's contacts, to show that a failed row changed nothing. */
async function snapshot(teamId: string) {
  const rows = await ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', teamId).orderBy('id').execute();
  const audits = await ctx.db
    .selectFrom('auditLog')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('teamId', '=', teamId)
    .executeTakeFirstOrThrow();
  return { rows, audits: Number(audits.n) };
}

async function contactsOf(teamId: string) {
  return ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', teamId).orderBy('id').execute();
}

/** Imports `csv` and returns the import and its per-row outcomes. */
async function run(team: TestTeam, csv: string | Buffer, fields: Record<string, string> = {}, name = 'file.csv') {
  const imp = await importFile(ctx, team, name, csv, fields);
  const rows = (await api(team).get(`/api/v1/imports/${imp.id}/rows?limit=1000`)).json().items;
  return { imp, rows: rows as { row: number; action: string; error: string | null; contactId: string | null; cells: string[] }[] };
}

describe('POST /api/v1/imports — a CSV end to end', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
  });

  it('answers 202 with the import, then counts what was written; the same file again changes nothing', async () => {
    const csv =
      'firstName,lastName,primaryEmail,phones,contactIsActive\r\nJane,Doe,jane@example.com,+1 555 123 4567,yes\r\nBob,Roe,bob@example.com,,no\r\n';
    const res = await postImport(ctx, team.ownerToken, { name: 'people.csv', content: csv });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      status: 'queued',
      mode: 'upsert',
      dryRun: false,
      format: 'csv',
      encoding: 'utf-8',
      delimiter: ',',
      total: null,
    });
    await runnerFor(ctx).drain();
    const done = (await api(team).get(`/api/v1/imports/${res.json().id}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', total: 2, processed: 2, created: 2, updated: 0, unchanged: 0, failed: 0 });
    const jane = (await contactsOf(team.teamId)).find((c) => c.primaryEmail === 'jane@example.com')!;
    expect(jane).toMatchObject({
      firstName: 'Jane',
      phones: { phone: '+1 555 123 4567' },
      phonesE164: ['+15551234567'],
      active: true,
      version: 1,
    });
    const history = (await api(team).get(`/api/v1/contacts/${jane.id}/history`)).json();
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ action: 'create', actor: { label: expect.stringContaining('(import)') } });

    const again = await importFile(ctx, team, 'people.csv', csv);
    expect(again).toMatchObject({ status: 'succeeded', created: 0, updated: 0, unchanged: 2, failed: 0 });
    expect((await api(team).get(`/api/v1/contacts/${jane.id}/history`)).json().items).toHaveLength(1);
  });

  it('updates by id, then by primary email; empty cells leave fields unchanged; version + 1 and one audit entry per change', async () => {
    const [jane] = (await contactsOf(team.teamId)).filter((c) => c.primaryEmail === 'jane@example.com');
    const { imp } = await run(team, `id,primaryEmail,company,lastName\n${jane!.id},,Acme,\n,bob@example.com,Bobco,Roe\n`);
    expect(imp).toMatchObject({ updated: 2, unchanged: 0, failed: 0 });
    const after = await contactsOf(team.teamId);
    expect(after.find((c) => c.id === jane!.id)).toMatchObject({
      company: 'Acme',
      lastName: 'Doe',
      primaryEmail: 'jane@example.com',
      version: 2,
    });
    expect(after.find((c) => c.primaryEmail === 'bob@example.com')).toMatchObject({ company: 'Bobco', lastName: 'Roe', version: 2 });
    const history = (await api(team).get(`/api/v1/contacts/${jane!.id}/history`)).json();
    expect(history.items[0]).toMatchObject({ action: 'update', changes: { company: { before: null, after: 'Acme' } } });
  });

  it('reads semicolons, a UTF-8 BOM, quoted line breaks and formula-protected cells', async () => {
    const csv =
      '\uFEFFfirstName;primaryEmail;notes\r\n"Zoë";zoe@example.com;"line 1\nline 2; still notes"\r\nEve;eve@example.com;\'=1+2\r\n';
    const { imp } = await run(team, csv);
    expect(imp).toMatchObject({
      delimiter: ';',
      encoding: 'utf-8',
      created: 2,
      failed: 0,
      headers: ['firstName', 'primaryEmail', 'notes'],
    });
    const c = await contactsOf(team.teamId);
    expect(c.find((x) => x.primaryEmail === 'zoe@example.com')).toMatchObject({ firstName: 'Zoë', notes: 'line 1\nline 2; still notes' });
    expect(c.find((x) => x.primaryEmail === 'eve@example.com')!.notes).toBe('=1+2');
  });

  it('reads UTF-16 LE and BE with a BOM, tab-separated', async () => {
    const text = '\uFEFFfirstName\tprimaryEmail\nŁukasz\tlukasz@example.com\n日本\tnihon@example.com\n';
    const le = await run(team, Buffer.from(text, 'utf16le'));
    expect(le.imp).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', created: 2 });
    const be = await run(team, Buffer.from(text.replace(/example/g, 'example-be'), 'utf16le').swap16());
    expect(be.imp).toMatchObject({ encoding: 'utf-16be', created: 2 });
    const names = (await contactsOf(team.teamId)).map((c) => c.firstName);
    expect(names.filter((n) => n === 'Łukasz' || n === '日本')).toHaveLength(4);
  });

  it('detects Windows-1252 (a file from old Excel)', async () => {
    const bytes = Buffer.from([
      ...Buffer.from('firstName,company,primaryEmail\r\nJos'),
      0xe9,
      ...Buffer.from(',Caf'),
      0xe9,
      0x20,
      0x80,
      ...Buffer.from(',jose@example.com\r\n'),
    ]);
    const { imp } = await run(team, bytes);
    expect(imp).toMatchObject({ encoding: 'windows-1252', created: 1 });
    expect((await contactsOf(team.teamId)).find((c) => c.primaryEmail === 'jose@example.com')).toMatchObject({
      firstName: 'José',
      company: 'Café €',
    });
  });

  it('imports an XLSX workbook', async () => {
    const file = await xlsxOf([
      ['First Name', 'Last Name', 'E-mail Address', 'Mobile Phone', 'Active'],
      ['Xena', 'Lsx', 'xena@example.com', 15551230000, true],
      ['Yan', null, 'yan@example.com', '555-123-0001', false],
    ]);
    const { imp } = await run(team, file, {}, 'book.xlsx');
    expect(imp).toMatchObject({ format: 'xlsx', encoding: null, created: 2, failed: 0 });
    const c = await contactsOf(team.teamId);
    expect(c.find((x) => x.primaryEmail === 'xena@example.com')).toMatchObject({
      lastName: 'Lsx',
      phones: { mobile: '15551230000' },
      active: true,
    });
    expect(c.find((x) => x.primaryEmail === 'yan@example.com')).toMatchObject({ active: false });
  });

  it('imports an XLSX saved by LibreOffice Calc, whose rows leave out empty cells at the end and in the middle', async () => {
    const file = readFileSync(path.resolve('server/imports/fixtures/libreoffice-short-rows.xlsx'));
    const { imp, rows } = await run(team, file, {}, 'libreoffice.xlsx');
    expect(rows.filter((r) => r.action === 'fail')).toEqual([]);
    expect(imp).toMatchObject({ status: 'succeeded', format: 'xlsx', created: 4, failed: 0 });
    expect(imp.headers).toHaveLength(30);
    const c = await contactsOf(team.teamId);
    expect(c.find((x) => x.primaryEmail === 'lena@example.com')).toMatchObject({
      firstName: 'Lena',
      lastName: 'Short',
      phones: { phone: '+1 555 010 0001' },
    });
    expect(c.find((x) => x.primaryEmail === 'mia@example.com')).toMatchObject({ firstName: 'Mia', lastName: null, company: 'Acme' });
    expect(c.find((x) => x.primaryEmail === 'noah@example.com')).toMatchObject({ lastName: 'Far', notes: 'met at the fair' });
  });

  it('imports a Google Contacts export: labels from the Type columns, several values in a cell', async () => {
    const csv = [
      'Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Name',
      'Gina Gee,Gina,Gee,* Work ::: Home,gina@acme.example ::: gina@home.example,Other,g@other.example,Mobile,+1 555 0150,Acme',
    ].join('\n');
    const { imp } = await run(team, csv, {}, 'google.csv');
    expect(imp).toMatchObject({ created: 1, failed: 0, unmappedColumns: ['Name'] });
    expect((await contactsOf(team.teamId)).find((c) => c.primaryEmail === 'gina@acme.example')).toMatchObject({
      firstName: 'Gina',
      emails: { home: 'gina@home.example', other: 'g@other.example' },
      phones: { mobile: '+1 555 0150' },
      company: 'Acme',
    });
  });
});

describe('malformed input: a row-level reason, and nothing stored changes', () => {
  let team: TestTeam;
  let other: TestTeam;
  let ann: { id: string };
  let foreign: { id: string };
  beforeAll(async () => {
    team = await createTeam(ctx);
    other = await createTeam(ctx);
    ann = (await api(team).post('/api/v1/contacts', { firstName: 'Ann', primaryEmail: 'ann@example.com', company: 'Old' })).json();
    await api(team).post('/api/v1/contacts', { firstName: 'Ben', primaryEmail: 'ben@example.com' });
    foreign = (await api(other).post('/api/v1/contacts', { firstName: 'Foreign', primaryEmail: 'f@example.com' })).json();
  });

  const cases: [string, string, RegExp | string, Record<string, string>?][] = [
    ['a bad email', 'primaryEmail,company\nnot-an-email,New\n', 'primaryEmail: Email address must look like name@example.com'],
    [
      'a bad boolean',
      'primaryEmail,company,portalAccess\nann@example.com,New,sometimes\n',
      /^portalAccess: "sometimes" is not a yes\/no value/,
    ],
    [
      'an email of another contact',
      `id,primaryEmail\n${'<ann>'},ben@example.com\n`,
      /^primaryEmail: ben@example.com already belongs to contact "Ben"/,
    ],
    [
      'a value longer than the API allows',
      `primaryEmail,firstName\nann@example.com,${'x'.repeat(201)}\n`,
      'firstName: Must be at most 200 characters',
    ],
    ['a ragged row', 'primaryEmail,company\nann@example.com,New,extra\n', /^The row has 3 cells but the header has 2 columns/],
    ['a short row', 'primaryEmail,company,city\nann@example.com,New\n', /^The row has 2 cells but the header has 3 columns/],
    ['an unterminated quote', 'primaryEmail,company\nann@example.com,"New\n', /^A quote \(".*never closed/],
    ['an id of another team', `id,company\n${'<foreign>'},Hijacked\n`, /^id: no contact with the id .* in this team$/],
    ['an id that is not an id', 'id,company\n42,New\n', 'id: "42" is not a kdesk contact id', { mapping: '{"id":"id"}' }],
    [
      'a read-only directory field',
      'primaryEmail,directorySyncId\nann@example.com,abc\n',
      'directorySyncId: read-only (written by Contact Sync): the contact has none, the file says "abc"; leave the cell as exported or empty',
    ],
    ['a broken JSON list', 'primaryEmail,emails\nann@example.com,"{""work"":"\n', /^emails: is not valid JSON/],
  ];
  for (const [name, csvTemplate, reason, fields] of cases) {
    it(`fails ${name}`, async () => {
      const csv = csvTemplate.replace('<ann>', ann.id).replace('<foreign>', foreign.id);
      const before = await snapshot(team.teamId);
      const otherBefore = await snapshot(other.teamId);
      const { imp, rows } = await run(team, csv, fields);
      expect(imp).toMatchObject({ status: 'succeeded', failed: 1, created: 0, updated: 0 });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ row: 2, action: 'fail' });
      if (typeof reason === 'string') expect(rows[0]!.error).toBe(reason);
      else expect(rows[0]!.error).toMatch(reason);
      expect(await snapshot(team.teamId)).toEqual(before);
      expect(await snapshot(other.teamId)).toEqual(otherBefore);
    });
  }

  it('fails XLSX rows with a value far right of the header, naming its column, without padding them to column XFD', async () => {
    const sheet =
      '<row r="1"><c r="A1" t="inlineStr"><is><t>primaryEmail</t></is></c><c r="B1" t="inlineStr"><is><t>company</t></is></c></row>' +
      Array.from({ length: 300 }, (_, i) => `<row r="${i + 2}"><c r="XFD${i + 2}"><v>${i}</v></c></row>`).join('') +
      '<row r="302"><c r="A302" t="inlineStr"><is><t>ann@example.com</t></is></c><c r="D302"><v>7</v></c></row>';
    const file = zip([
      { name: 'xl/workbook.xml', data: '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>' },
      { name: 'xl/worksheets/sheet1.xml', data: `<worksheet><sheetData>${sheet}</sheetData></worksheet>` },
    ]);
    const before = await snapshot(team.teamId);
    const { imp, rows } = await run(team, file, {}, 'far-right.xlsx');
    expect(imp).toMatchObject({ status: 'succeeded', total: 301, failed: 301, created: 0, updated: 0 });
    expect(rows[0]).toMatchObject({ row: 2, action: 'fail', cells: ['', ''] });
    expect(rows[0]!.error).toMatch(/^Column XFD holds a value, but the header ends at column B/);
    expect(rows.at(-1)).toMatchObject({ row: 302, cells: ['ann@example.com', '', '', '7'] });
    expect(rows.at(-1)!.error).toMatch(/^Column D holds a value/);
    expect(await snapshot(team.teamId)).toEqual(before);
  });

  it('answers 400 for a header with more columns than KDESK_IMPORT_MAX_COLUMNS', async () => {
    const file = zip([
      { name: 'xl/workbook.xml', data: '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>' },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>primaryEmail</t></is></c><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>',
      },
    ]);
    const res = await postImport(ctx, team.ownerToken, { name: 'wide.xlsx', content: file });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].message).toBe(
      'The header row has 16384 columns; at most 1000 are accepted (KDESK_IMPORT_MAX_COLUMNS). Remove the columns you do not import.',
    );
  });

  it('fails the row of a quoted cell over KDESK_IMPORT_MAX_CELL_CHARS, imports the rows after it and none of the text inside it', async () => {
    const small = await createTestContext({ imports: { maxCellChars: 200 } });
    try {
      const t = await createTeam(small);
      const inside = Array.from({ length: 20 }, (_, i) => `Fake,fake${i}@example.com`).join('\n');
      const csv = `firstName,primaryEmail,notes\nJane,jane@example.com,"${inside}"\nReal,real@example.com,short\n`;
      const imp = await importFile(small, t, 'long-cell.csv', csv);
      expect(imp).toMatchObject({ status: 'succeeded', total: 2, created: 1, failed: 1 });
      const rows = (await call(small, t.ownerToken, 'GET', `/api/v1/imports/${imp.id}/rows?action=fail`)).json().items;
      expect(rows).toEqual([
        expect.objectContaining({
          row: 2,
          error: 'Column 3 holds more than 200 characters, the most a cell may hold (KDESK_IMPORT_MAX_CELL_CHARS)',
        }),
      ]);
      const emails = (await small.db.selectFrom('contacts').select('primaryEmail').where('teamId', '=', t.teamId).execute()).map(
        (c) => c.primaryEmail,
      );
      expect(emails).toEqual(['real@example.com']);
    } finally {
      await small.close();
    }
  });

  it('fails the row of a CSV line without line breaks, or longer than a row may hold, and imports the rows after it', async () => {
    // a row may hold KDESK_IMPORT_BATCH_MAX_BYTES / 2 = 10,000 characters
    const small = await createTestContext({ imports: { batchMaxBytes: 20_000 } });
    try {
      const t = await createTeam(small);
      // 75,000 rows that lost their line breaks: 2 MB on one line
      const lost = Array.from({ length: 75_000 }, (_, i) => `Fake,fake${i}@example.com,x`).join(',');
      const longRow = `Long,long@example.com,"${'n'.repeat(15_000)}"`;
      const csv = `firstName,primaryEmail,notes\nJane,jane@example.com,first\n${lost}\n${longRow}\nReal,real@example.com,after\n`;
      const imp = await importFile(small, t, 'one-line.csv', csv);
      expect(imp).toMatchObject({ status: 'succeeded', total: 4, created: 2, failed: 2 });
      const rows = (await call(small, t.ownerToken, 'GET', `/api/v1/imports/${imp.id}/rows?action=fail`)).json().items;
      expect(rows.map((r: { row: number; error: string; cells: string[] }) => [r.row, r.error, r.cells.length])).toEqual([
        [3, 'The row has 225000 cells but the header has 3 columns (a missing line break?)', 13],
        [4, `The row holds ${longRow.length} characters, more than the 10000 a row may hold (KDESK_IMPORT_BATCH_MAX_BYTES / 2)`, 2],
      ]);
      const emails = (await small.db.selectFrom('contacts').select('primaryEmail').where('teamId', '=', t.teamId).execute()).map(
        (c) => c.primaryEmail,
      );
      expect(emails.sort()).toEqual(['jane@example.com', 'real@example.com']);

      const header = await postImport(small, t.ownerToken, { name: 'long-header.csv', content: `a,${'b'.repeat(12_000)}\n1,2\n` });
      expect(header.statusCode).toBe(400);
      expect(header.json().details[0]).toEqual({
        path: 'file',
        message:
          'The header row cannot be read: The row holds 12002 characters, more than the 10000 a row may hold (KDESK_IMPORT_BATCH_MAX_BYTES / 2)',
      });
    } finally {
      await small.close();
    }
  });

  it('fails a key repeated in the file, naming the first row, and writes the first one only', async () => {
    const csv = 'primaryEmail,company\nnew1@example.com,A\nNEW1@example.com,B\nann@example.com,C\nann@example.com,D\n';
    const { imp, rows } = await run(team, csv);
    expect(imp).toMatchObject({ created: 1, updated: 1, failed: 2 });
    expect(rows.filter((r) => r.action === 'fail').map((r) => [r.row, r.error])).toEqual([
      [3, 'primaryEmail: the same primary email (new1@example.com) as row 2 of this file (each contact once per file)'],
      [5, 'primaryEmail: the same primary email (ann@example.com) as row 4 of this file (each contact once per file)'],
    ]);
    const c = await contactsOf(team.teamId);
    expect(c.find((x) => x.primaryEmail === 'new1@example.com')!.company).toBe('A');
    expect(c.find((x) => x.primaryEmail === 'ann@example.com')!.company).toBe('C');
  });

  it('fails a row that reaches a contact an earlier row changed, by another key', async () => {
    const csv = `id,primaryEmail,city\n${ann.id},,Lyon\n,ann@example.com,Nice\n`;
    const { imp, rows } = await run(team, csv);
    expect(imp).toMatchObject({ updated: 1, failed: 1 });
    expect(rows[1]).toMatchObject({ row: 3, action: 'fail', error: `This row changes the same contact (${ann.id}) as row 2 of this file` });
    expect((await contactsOf(team.teamId)).find((c) => c.id === ann.id)!.city).toBe('Lyon');
  });

  it('moves emails along a chain in one batch (each row sees the rows before it)', async () => {
    const t = await createTeam(ctx);
    const x = (await api(t).post('/api/v1/contacts', { firstName: 'X', primaryEmail: 'x@chain.example' })).json();
    const y = (await api(t).post('/api/v1/contacts', { firstName: 'Y', primaryEmail: 'y@chain.example' })).json();
    // row 2 frees y@ that row 3 takes; one UPDATE statement may hit the unique index in either order
    const { imp } = await run(t, `id,primaryEmail\n${y.id},z@chain.example\n${x.id},y@chain.example\n,x@chain.example\n`);
    expect(imp).toMatchObject({ updated: 2, created: 1, failed: 0 });
    const byId = new Map((await contactsOf(t.teamId)).map((c) => [c.id, c.primaryEmail]));
    expect(byId.get(y.id)).toBe('z@chain.example');
    expect(byId.get(x.id)).toBe('y@chain.example');
    expect([...byId.values()].sort()).toEqual(['x@chain.example', 'y@chain.example', 'z@chain.example']);
  });

  it('fails rows with bytes that are not UTF-8 in a UTF-8 file, and imports the others', async () => {
    const bytes = Buffer.concat([
      Buffer.from('firstName,primaryEmail\nRenée,renee@example.com\nBad'),
      Buffer.from([0xff]),
      Buffer.from(',bad@example.com\n'),
    ]);
    const { imp, rows } = await run(team, bytes);
    expect(imp).toMatchObject({ encoding: 'utf-8', created: 1, failed: 1 });
    expect(rows.find((r) => r.action === 'fail')!.error).toBe(
      'firstName: contains bytes that are not valid UTF-8 (save the file as UTF-8 and upload it again)',
    );
    expect((await contactsOf(team.teamId)).some((c) => c.primaryEmail === 'bad@example.com')).toBe(false);
  });

  it('reports a column it does not know in unmappedColumns and imports the rest', async () => {
    const { imp } = await run(team, 'primaryEmail,shoe size\nunk@example.com,44\n');
    expect(imp).toMatchObject({ created: 1, unmappedColumns: ['shoe size'] });
  });

  it('answers 400 for an empty file and a header without rows, storing nothing', async () => {
    const before = await snapshot(team.teamId);
    const empty = await postImport(ctx, team.ownerToken, { name: 'empty.csv', content: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().details).toEqual([{ path: 'file', message: 'The file is empty' }]);
    const header = await postImport(ctx, team.ownerToken, { name: 'header.csv', content: 'firstName,primaryEmail\r\n' });
    expect(header.statusCode).toBe(400);
    expect(header.json().details).toEqual([{ path: 'file', message: 'The file has a header row but no contacts' }]);
    expect(await snapshot(team.teamId)).toEqual(before);
    expect(
      await ctx.db
        .selectFrom('imports')
        .select('id')
        .where('teamId', '=', team.teamId)
        .where('fileName', 'in', ['empty.csv', 'header.csv'])
        .execute(),
    ).toEqual([]);
  });

  it('answers 413 for an upload over KDESK_IMPORT_MAX_BYTES and keeps no part of it', async () => {
    const big = `primaryEmail\n${'x@example.com\n'.repeat(6000)}`;
    const filesBefore = await ctx.db.selectFrom('files').select('id').execute();
    const res = await postImport(ctx, team.ownerToken, { name: 'big.csv', content: big });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('KDESK_IMPORT_MAX_BYTES') });
    expect(await ctx.db.selectFrom('files').select('id').execute()).toEqual(filesBefore);
  });

  it('refuses a zip bomb before inflating it, and an entry that inflates beyond what it declared', async () => {
    const before = await snapshot(team.teamId);
    const bomb = zip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(20 * 1024 * 1024, 0x20) }]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await postImport(ctx, team.ownerToken, { name: 'bomb.xlsx', content: bomb });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].message).toMatch(/zip bomb|unpacks to more than/);

    const liar = zip([
      { name: 'xl/workbook.xml', data: '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>' },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: `<worksheet><sheetData>${'<row><c t="inlineStr"><is><t>a</t></is></c></row>'.repeat(20000)}</sheetData></worksheet>`,
        declaredSize: 1000,
      },
    ]);
    const res2 = await postImport(ctx, team.ownerToken, { name: 'liar.xlsx', content: liar });
    expect(res2.statusCode).toBe(400);
    expect(res2.json().details[0].message).toMatch(/damaged/);

    const many = zip(Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    const small = await createTestContext({ imports: { xlsxMaxEntries: 5 } });
    try {
      const t = await createTeam(small);
      const r3 = await postImport(small, t.ownerToken, { name: 'many.xlsx', content: many });
      expect(r3.statusCode).toBe(400);
      expect(r3.json().details[0].message).toBe('The XLSX file has 10 entries; at most 5 are accepted');
    } finally {
      await small.close();
    }
    expect(await snapshot(team.teamId)).toEqual(before);
  });

  it('answers 415 for an old .xls or a binary file', async () => {
    const xls = await postImport(ctx, team.ownerToken, {
      name: 'old.xls',
      content: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]),
    });
    expect(xls.statusCode).toBe(415);
    expect(xls.json().message).toContain('.xls');
    const bin = await postImport(ctx, team.ownerToken, { name: 'x.csv', content: Buffer.from('%PDF-1.4\n\u0000\u0001\u0002') });
    expect(bin.statusCode).toBe(415);
  });
});

describe('permissions and team setting', () => {
  it('answers 403 naming the missing member permission, the team setting, or both', async () => {
    const team = await createTeam(ctx);
    const agent = await createMember(ctx, team, { permissions: { importContacts: false } });
    const importer = await createMember(ctx, team, { permissions: { importContacts: true } });
    const csv = { name: 'a.csv', content: 'primaryEmail\na@example.com\n' };

    const noPerm = await postImport(ctx, agent.token, csv);
    expect(noPerm.statusCode).toBe(403);
    expect(noPerm.json().message).toContain('the member permission "Import contacts (bulk)"');
    expect(noPerm.json().message).not.toContain('team setting');
    // shown to people as it is: the permission's name, never its API key
    expect(noPerm.json().message).not.toContain('importContacts');

    expect((await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', { allowBulkContactImport: false })).statusCode).toBe(200);
    const noSetting = await postImport(ctx, importer.token, csv);
    expect(noSetting.statusCode).toBe(403);
    expect(noSetting.json().message).toContain('"Allow bulk contact import"');
    expect(noSetting.json().message).not.toContain('importContacts');
    const both = await postImport(ctx, agent.token, csv);
    expect(both.json().message).toMatch(/"Import contacts \(bulk\)".*and.*Allow bulk contact import/);
    expect((await call(ctx, importer.token, 'GET', '/api/v1/imports/template.csv')).statusCode).toBe(403);
    expect(await contactsOf(team.teamId)).toEqual([]);
    expect(await ctx.db.selectFrom('files').select('id').where('teamId', '=', team.teamId).execute()).toEqual([]);
  });

  it("hides another team's import (404)", async () => {
    const a = await createTeam(ctx);
    const b = await createTeam(ctx);
    const imp = await importFile(ctx, a, 'a.csv', 'primaryEmail\nonly-a@example.com\n');
    for (const url of [`/api/v1/imports/${imp.id}`, `/api/v1/imports/${imp.id}/rows`, `/api/v1/imports/${imp.id}/errors.csv`]) {
      expect((await call(ctx, b.ownerToken, 'GET', url)).statusCode).toBe(404);
    }
    expect((await call(ctx, b.ownerToken, 'POST', `/api/v1/imports/${imp.id}/cancel`)).statusCode).toBe(404);
  });
});

describe('re-importing an export of synced contacts', () => {
  it('passes the read-only directory columns as exported (unchanged) and fails a changed one with both values', async () => {
    const team = await createTeam(ctx);
    const created = await api(team).post('/api/v1/contacts', { firstName: 'Sam', lastName: 'Synced', primaryEmail: 'sam@example.com' });
    expect(created.statusCode).toBe(201);
    // what Contact Sync writes (the API refuses it)
    await ctx.db
      .updateTable('contacts')
      .set({ directorySyncId: 'ad-4711', directoryOrganizationId: 'org-9', reportsToSyncId: 'ad-1000' })
      .where('id', '=', created.json().id)
      .execute();
    const exported = (await api(team).get('/api/v1/contacts/export.csv')).body;
    expect(exported).toContain('ad-4711');

    const again = await run(team, exported);
    expect(again.imp).toMatchObject({ status: 'succeeded', unchanged: 1, failed: 0, updated: 0 });

    const changed = await run(team, exported.replace('ad-4711', 'ad-9999'));
    expect(changed.imp).toMatchObject({ failed: 1, updated: 0 });
    expect(changed.rows[0]!.error).toBe(
      'directorySyncId: read-only (written by Contact Sync): the contact has "ad-4711", the file says "ad-9999"; leave the cell as exported or empty',
    );
    const stored = await ctx.db
      .selectFrom('contacts')
      .select('directorySyncId')
      .where('id', '=', created.json().id)
      .executeTakeFirstOrThrow();
    expect(stored.directorySyncId).toBe('ad-4711');
  });
});

describe('reportsToContactId by import', () => {
  it('sets who a contact reports to (audited), refuses an id of another team or of no contact, and a synced contact', async () => {
    const team = await createTeam(ctx);
    const other = await createTeam(ctx);
    const boss = (await api(team).post('/api/v1/contacts', { firstName: 'Boss', primaryEmail: 'boss@example.com' })).json();
    const foreign = (await call(ctx, other.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Foreign' })).json();
    const synced = (await api(team).post('/api/v1/contacts', { firstName: 'Synced', primaryEmail: 'synced@example.com' })).json();
    await ctx.db
      .updateTable('contacts')
      .set({ directoryConnectionId: '0190a0a0-0000-7000-8000-00000000c0c0' })
      .where('id', '=', synced.id)
      .execute();
    const csv = [
      'primaryEmail,firstName,reportsToContactId',
      `ann@example.com,Ann,${boss.id.toUpperCase()}`,
      `bob@example.com,Bob,${foreign.id}`,
      `synced@example.com,Synced,${boss.id}`,
      'cy@example.com,Cy,42',
    ].join('\n');
    const { imp, rows } = await run(team, csv);
    expect(imp).toMatchObject({ created: 1, failed: 3 });
    const byRow = Object.fromEntries(rows.map((r) => [r.row, r.error]));
    expect(byRow[3]).toBe(`reportsToContactId: no contact with the id ${foreign.id} in this team`);
    expect(byRow[4]).toMatch(/^reportsToContactId: read-only \(written by Contact Sync\)/);
    expect(byRow[5]).toBe('reportsToContactId: Must be the id of a contact');
    const ann = (await contactsOf(team.teamId)).find((c) => c.firstName === 'Ann')!;
    expect(ann.reportsToContactId).toBe(boss.id);
    const history = (await api(team).get(`/api/v1/contacts/${ann.id}/history`)).json();
    expect(JSON.stringify(history)).toContain(boss.id);
    // the same file again changes nothing for Ann
    const again = await run(team, csv.split('\n').slice(0, 2).join('\n'));
    expect(again.imp).toMatchObject({ unchanged: 1 });
  });
});

describe('template, preview and mapping', () => {
  let team: TestTeam;
  beforeEach(async () => {
    team = await createTeam(ctx);
  });

  it('serves the template with exactly the SPEC §4 columns, then the linked company', async () => {
    const res = await api(team).get('/api/v1/imports/template.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(parseCsv(res.body)).toEqual([
      'id,firstName,lastName,primaryEmail,emails,phones,company,job,division,addressLine1,addressLine2,city,state,postalCode,country,contactIsActive,portalAccess,canPostComments,canCloseTickets,emailNewTickets,emailTicketUpdates,emailNewComments,emailFormAssignments,reportsToContactId,reportsToSyncId,directorySyncId,directoryOrganizationId,notes,createdAt,updatedAt,linkedCompany'.split(
        ',',
      ),
    ]);
  });

  it('previews headers, mapping and first rows; the import then runs on the same upload with a hand mapping', async () => {
    const csv = 'E-mail Address,Given Name,Shoe,Ticket Count\nkim@example.com,Kim,44,3\nlee@example.com,Lee,45,1\n';
    const p = await postImport(ctx, team.ownerToken, { name: 'outlook.csv', content: csv }, {}, {}, '/api/v1/imports/preview');
    expect(p.statusCode).toBe(200);
    const preview = p.json();
    expect(preview).toMatchObject({
      fileName: 'outlook.csv',
      format: 'csv',
      headers: ['E-mail Address', 'Given Name', 'Shoe', 'Ticket Count'],
      unmappedColumns: ['Shoe', 'Ticket Count'],
      sampleRows: [
        ['kim@example.com', 'Kim', '44', '3'],
        ['lee@example.com', 'Lee', '45', '1'],
      ],
    });
    expect(preview.mapping.map((m: { field: string | null }) => m.field)).toEqual(['primaryEmail', 'firstName', null, null]);
    expect(preview.fields.length).toBeGreaterThan(20);

    const bad = await api(team).post('/api/v1/imports', { uploadId: preview.uploadId, mapping: { Shoe: 'shoeSize' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0]).toMatchObject({ path: 'mapping.Shoe' });

    const res = await api(team).post('/api/v1/imports', { uploadId: preview.uploadId, mapping: { Shoe: 'notes', 'Ticket Count': null } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ unmappedColumns: [] });
    await runnerFor(ctx).drain();
    expect((await api(team).get(`/api/v1/imports/${res.json().id}`)).json()).toMatchObject({ created: 2 });
    expect((await contactsOf(team.teamId)).map((c) => [c.firstName, c.notes])).toEqual([
      ['Kim', '44'],
      ['Lee', '45'],
    ]);
  });

  it('maps labeled targets by hand with the multipart mapping field', async () => {
    const { imp } = await run(team, 'mail,Desk,Badge\nm@example.com,555 0100,b@example.com\n', {
      mapping: JSON.stringify({ mail: 'primaryEmail', Desk: 'phones.desk', Badge: 'emails.badge' }),
    });
    expect(imp).toMatchObject({ created: 1, unmappedColumns: [] });
    expect((await contactsOf(team.teamId))[0]).toMatchObject({ phones: { desk: '555 0100' }, emails: { badge: 'b@example.com' } });
  });

  it('answers 400 for mapping that is not JSON or a mode that does not exist', async () => {
    const f = { name: 'a.csv', content: 'primaryEmail\na@example.com\n' };
    expect((await postImport(ctx, team.ownerToken, f, { mapping: '{nope' })).json().details).toEqual([
      { path: 'mapping', message: 'Must be JSON: {"<column>": "<field>" | null}' },
    ]);
    expect((await postImport(ctx, team.ownerToken, f, { mode: 'merge' })).json().details).toEqual([
      { path: 'mode', message: 'Must be upsert, create or update' },
    ]);
  });
});

describe('modes and dry run', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
    await api(team).post('/api/v1/contacts', { firstName: 'Existing', primaryEmail: 'existing@example.com' });
  });
  const csv = 'primaryEmail,company\nexisting@example.com,Changed\nfresh@example.com,New\n';

  it('mode create only adds, mode update only changes', async () => {
    const c = await run(team, csv, { mode: 'create' });
    expect(c.imp).toMatchObject({ mode: 'create', created: 1, updated: 0, failed: 1 });
    expect(c.rows[0]!.error).toMatch(/mode "create" only adds new contacts/);
    const u = await run(team, 'primaryEmail,company\nexisting@example.com,Changed\nnobody@example.com,New\n', { mode: 'update' });
    expect(u.imp).toMatchObject({ mode: 'update', created: 0, updated: 1, failed: 1 });
    expect(u.rows[1]!.error).toMatch(/mode "update" only changes existing contacts/);
  });

  it('a dry run answers per-row actions and would-be counts, and writes nothing', async () => {
    const before = await snapshot(team.teamId);
    const { imp, rows } = await run(
      team,
      'primaryEmail,company,portalAccess\nexisting@example.com,Dry,\nnew-dry@example.com,X,\nexisting@example.com,Again,\nfresh@example.com,New,\nbad@,Y,\n',
      {
        dryRun: 'true',
      },
    );
    expect(imp).toMatchObject({ dryRun: true, status: 'succeeded', created: 1, updated: 1, unchanged: 1, failed: 2 });
    expect(rows.map((r) => r.action)).toEqual(['update', 'create', 'fail', 'unchanged', 'fail']);
    expect(rows[2]!.error).toMatch(/as row 2 of this file/);
    expect(await snapshot(team.teamId)).toEqual(before);
  });
});

describe('idempotency, one import per team, cancel, lease expiry', () => {
  it('a retried POST with the same Idempotency-Key answers the same import; another file with it is 409', async () => {
    const team = await createTeam(ctx);
    const f = { name: 'a.csv', content: 'primaryEmail\nidem@example.com\n' };
    const first = await postImport(ctx, team.ownerToken, f, {}, { 'idempotency-key': 'k-1' });
    const second = await postImport(ctx, team.ownerToken, f, {}, { 'idempotency-key': 'k-1' });
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json().id).toBe(first.json().id);
    const differ = await postImport(
      ctx,
      team.ownerToken,
      { name: 'b.csv', content: 'primaryEmail\nother@example.com\n' },
      {},
      { 'idempotency-key': 'k-1' },
    );
    expect(differ.statusCode).toBe(409);
    expect(differ.json().details).toEqual({ importId: first.json().id });
    await runnerFor(ctx).drain();
    // after it ran, the retry still answers it (with its counts), and the contact exists once
    const third = await postImport(ctx, team.ownerToken, f, {}, { 'idempotency-key': 'k-1' });
    expect(third.json()).toMatchObject({ id: first.json().id, status: 'succeeded', created: 1 });
    expect(await contactsOf(team.teamId)).toHaveLength(1);
    // the same key in another team is another import
    const otherTeam = await createTeam(ctx);
    const elsewhere = await postImport(ctx, otherTeam.ownerToken, f, {}, { 'idempotency-key': 'k-1' });
    expect(elsewhere.json().id).not.toBe(first.json().id);
    await runnerFor(ctx).drain();
  });

  it("answers 409 with the running import's id while one is queued or running; other teams are not blocked; cancel frees it", async () => {
    const team = await createTeam(ctx);
    const other = await createTeam(ctx);
    const f = { name: 'a.csv', content: 'primaryEmail\nq@example.com\n' };
    const first = await postImport(ctx, team.ownerToken, f);
    const second = await postImport(ctx, team.ownerToken, f);
    expect(second.statusCode).toBe(409);
    expect(second.json().details).toMatchObject({ importId: first.json().id, status: 'queued' });
    expect((await postImport(ctx, other.ownerToken, f)).statusCode).toBe(202);
    const cancelled = await api(team).post(`/api/v1/imports/${first.json().id}/cancel`);
    expect(cancelled.statusCode).toBe(202);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelRequested: true, processed: 0 });
    const third = await postImport(ctx, team.ownerToken, f);
    expect(third.statusCode).toBe(202);
    // the import queued after the cancelled one runs
    await runnerFor(ctx).drain();
    expect((await api(team).get(`/api/v1/imports/${third.json().id}`)).json()).toMatchObject({ status: 'succeeded', created: 1 });
  });

  it('gives up, with the committed counts, after 5 worker deaths in a row without progress', async () => {
    const team = await createTeam(ctx);
    const res = await postImport(ctx, team.ownerToken, { name: 'p.csv', content: 'primaryEmail\npoison@example.com\n' });
    const id = res.json().id;
    // five workers took its job (the job has the import's id) and died, each time before a checkpoint
    await sql`UPDATE imports SET status = 'running' WHERE id = ${id}`.execute(ctx.db);
    await sql`UPDATE jobs SET status = 'running', lease_owner = 'dead', lease_expiries = 4, lease_until = now() - interval '1 second' WHERE id = ${id}`.execute(
      ctx.db,
    );
    expect(await runnerFor(ctx).runOnce()).toBe(id);
    expect((await api(team).get(`/api/v1/imports/${id}`)).json()).toMatchObject({
      status: 'failed',
      processed: 0,
      error: expect.stringContaining('The job stopped the worker 5 times'),
    });
    expect(await contactsOf(team.teamId)).toEqual([]);
  });

  it('commits rows with long cells in smaller batches, bounded by KDESK_IMPORT_BATCH_MAX_BYTES as well as by rows', async () => {
    const bounded = await createTestContext({ imports: { batchRows: 1000, batchMaxBytes: 10_000 } });
    try {
      const t = await createTeam(bounded);
      const csv = `primaryEmail,notes\n${Array.from({ length: 12 }, (_, i) => `long${i}@example.com,${'n'.repeat(2000)}`).join('\n')}\n`;
      const res = await postImport(bounded, t.ownerToken, { name: 'long.csv', content: csv });
      expect(res.statusCode).toBe(202);
      const progress: number[] = [];
      await runnerFor(bounded).runOnce({ onProgress: (p) => progress.push(p.processed) });
      // each row weighs ~4 kB: a batch closes at its third row
      expect(progress).toEqual([3, 6, 9, 12]);
      const imp = (await call(bounded, t.ownerToken, 'GET', `/api/v1/imports/${res.json().id}`)).json();
      expect(imp).toMatchObject({ status: 'succeeded', created: 12, failed: 0 });
    } finally {
      await bounded.close();
    }
  });

  it('a worker that dies loses its lease; another resumes from the checkpoint with exact counts and no duplicate', async () => {
    const team = await createTeam(ctx);
    await api(team).post('/api/v1/contacts', { firstName: 'Pre', primaryEmail: 'r3@example.com' });
    const lines = Array.from({ length: 10 }, (_, i) => `r${i}@example.com,Co ${i}`);
    const res = await postImport(ctx, team.ownerToken, { name: 'r.csv', content: `primaryEmail,company\n${lines.join('\n')}\n` });
    const id = res.json().id;

    // worker 1 commits one batch (3 rows) and dies: it neither finishes nor gives the lease back
    const dying = new AbortController();
    const w1 = runnerFor(ctx);
    await w1.runOnce({ signal: dying.signal, onProgress: () => dying.abort() });
    const mid = (await api(team).get(`/api/v1/imports/${id}`)).json();
    expect(mid).toMatchObject({ status: 'running', processed: 3, created: 3, total: 10 });
    // nobody else may take it while the lease holds
    expect(await runnerFor(ctx).runOnce()).toBeNull();
    await sql`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = ${id}`.execute(ctx.db);

    const w2 = runnerFor(ctx);
    expect(await w2.runOnce()).toBe(id);
    const done = (await api(team).get(`/api/v1/imports/${id}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', total: 10, processed: 10, created: 9, updated: 1, unchanged: 0, failed: 0 });
    const all = await contactsOf(team.teamId);
    expect(all).toHaveLength(10);
    expect(new Set(all.map((c) => c.primaryEmail)).size).toBe(10);
    const audits = await ctx.db.selectFrom('auditLog').select('entityId').where('teamId', '=', team.teamId).execute();
    expect(audits).toHaveLength(11); // 1 API create + 9 import creates + 1 import update

    // the dead worker, were it alive, could not commit any more (fenced by the lease owner)
    const stale = await ctx.db.selectFrom('imports').select(['leaseOwner', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stale).toMatchObject({ leaseOwner: null, attempts: 0 }); // progress resets the count of deaths
  });

  it('stops an import at its next batch when its member loses the Import permission, keeping what was committed', async () => {
    const team = await createTeam(ctx);
    const agent = await createMember(ctx, team, { permissions: { importContacts: true } });
    const lines = Array.from({ length: 10 }, (_, i) => `perm${i}@example.com`);
    const res = await postImport(ctx, agent.token, { name: 'p.csv', content: `primaryEmail\n${lines.join('\n')}\n` });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id;
    // one batch (3 rows) is committed, then the worker dies
    const dying = new AbortController();
    await runnerFor(ctx).runOnce({ signal: dying.signal, onProgress: () => dying.abort() });
    const patch = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { permissions: { importContacts: false } });
    expect(patch.statusCode, patch.body).toBe(200);
    await sql`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = ${id}`.execute(ctx.db);
    expect(await runnerFor(ctx).runOnce()).toBe(id);
    const done = (await api(team).get(`/api/v1/imports/${id}`)).json();
    expect(done).toMatchObject({ status: 'failed', processed: 3, created: 3 });
    expect(done.error).toMatch(/no longer has the permission .*importContacts/);
    expect(await contactsOf(team.teamId)).toHaveLength(3);
  });

  it('fails a queued import of a member removed before it ran, saying why, and imports nothing', async () => {
    const team = await createTeam(ctx);
    const agent = await createMember(ctx, team, { permissions: { importContacts: true } });
    const res = await postImport(ctx, agent.token, { name: 'q.csv', content: 'primaryEmail\nqueued1@example.com\nqueued2@example.com\n' });
    expect(res.statusCode, res.body).toBe(202);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/${agent.id}`)).statusCode).toBe(204);
    await runnerFor(ctx).drain();
    const done = (await api(team).get(`/api/v1/imports/${res.json().id}`)).json();
    expect(done).toMatchObject({ status: 'failed', created: 0 });
    expect(done.error).toMatch(/was removed from the team/);
    expect(await contactsOf(team.teamId)).toHaveLength(0);
  });
});
