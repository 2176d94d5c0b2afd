// CSV files saved by Excel in Korea, Japan, China, Taiwan and Russia: converted from UTF-8 fixtures by the
// Debian `iconv` tool, uploaded, previewed and imported through the API.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { parseCsv, postImport, runnerFor } from './import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ imports: { batchRows: 3 } });
});
afterAll(() => ctx?.close());

const fixture = (name: string) => readFileSync(new URL(`./fixtures/encodings/${name}.csv`, import.meta.url), 'utf8');
/** The fixture as Excel would have saved it on a machine of that region. */
const convert = (name: string, iconvName: string) => execFileSync('iconv', ['-f', 'UTF-8', '-t', iconvName], { input: fixture(name) });

const api = (team: TestTeam) => ({
  get: (url: string) => call(ctx, team.ownerToken, 'GET', url),
  post: (url: string, body?: unknown) => call(ctx, team.ownerToken, 'POST', url, body),
});

async function preview(team: TestTeam, name: string, content: Buffer) {
  const res = await postImport(ctx, team.ownerToken, { name, content }, {}, {}, '/api/v1/imports/preview');
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function importUpload(team: TestTeam, body: Record<string, unknown>) {
  const res = await api(team).post('/api/v1/imports', body);
  expect(res.statusCode, res.body).toBe(202);
  await runnerFor(ctx).drain();
  return (await api(team).get(`/api/v1/imports/${res.json().id}`)).json();
}

async function namesOf(teamId: string) {
  const rows = await ctx.db
    .selectFrom('contacts')
    .select(['firstName', 'lastName', 'company', 'city'])
    .where('teamId', '=', teamId)
    .orderBy('primaryEmail')
    .execute();
  return rows.map((r) => [r.firstName, r.lastName, r.company, r.city]);
}

/** The fixture's own rows, sorted like namesOf (by email). */
const expected = (name: string) =>
  parseCsv(fixture(name))
    .slice(1)
    .sort((a, b) => a[2]!.localeCompare(b[2]!))
    .map(([first, last, , company, city]) => [first, last, company, city]);

describe('POST /api/v1/imports/preview and /imports — CSV files in Windows code pages', () => {
  const cases = [
    ['ko', 'CP949', 'euc-kr'],
    ['ja', 'SHIFT_JIS', 'shift_jis'],
    ['zh', 'GB18030', 'gb18030'],
    ['ru', 'WINDOWS-1251', 'windows-1251'],
  ] as const;
  for (const [name, iconvName, encoding] of cases) {
    it(`previews a ${iconvName} file decoded (${encoding}) and imports the names as they were written`, async () => {
      const team = await createTeam(ctx);
      const p = await preview(team, `${name}.csv`, convert(name, iconvName));
      expect(p).toMatchObject({ encoding, encodingConfident: true, headers: ['firstName', 'lastName', 'primaryEmail', 'company', 'city'] });
      expect(p.sampleRows).toEqual(parseCsv(fixture(name)).slice(1));
      expect(p.encodingChoices[0]).toMatchObject({ encoding });
      const imp = await importUpload(team, { uploadId: p.uploadId });
      expect(imp).toMatchObject({ status: 'succeeded', encoding, created: 4, failed: 0 });
      expect(await namesOf(team.teamId)).toEqual(expected(name));
    });
  }

  it('reads `서연` from a CP949 file sent straight to the import (no preview), not `¼­¿¬`', async () => {
    const team = await createTeam(ctx);
    const res = await postImport(ctx, team.ownerToken, { name: 'ko.csv', content: convert('ko', 'CP949') });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().encoding).toBe('euc-kr');
    await runnerFor(ctx).drain();
    const names = (await namesOf(team.teamId)).map((r) => r[0]);
    expect(names).toContain('서연');
    expect(names.join()).not.toMatch(/[¼­¿¬]/);
  });

  it('asks for the encoding of a Big5 file it cannot tell apart from GB18030, then imports it as chosen', async () => {
    const team = await createTeam(ctx);
    const big5 = convert('tw', 'BIG5');
    const p = await preview(team, 'tw.csv', big5);
    expect(p.encodingConfident).toBe(false);
    expect(p.encodingChoices.slice(0, 2).map((c: { encoding: string }) => c.encoding)).toEqual(expect.arrayContaining(['big5', 'gb18030']));

    // nothing starts without a choice, whether by upload id or by sending the file again
    const refused = await api(team).post('/api/v1/imports', { uploadId: p.uploadId });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().details[0]).toMatchObject({ path: 'encoding', message: expect.stringMatching(/big5/) });
    const direct = await postImport(ctx, team.ownerToken, { name: 'tw.csv', content: big5 });
    expect(direct.statusCode).toBe(400);
    expect(await namesOf(team.teamId)).toEqual([]);

    // the picker: the same upload read as each candidate
    const asGb = (await api(team).post('/api/v1/imports/preview', { uploadId: p.uploadId, encoding: 'gb18030' })).json();
    expect(asGb).toMatchObject({ encoding: 'gb18030', encodingConfident: true });
    expect(asGb.sampleRows[0][0]).not.toBe('志明');
    const asBig5 = await api(team).post('/api/v1/imports/preview', { uploadId: p.uploadId, encoding: 'big5' });
    expect(asBig5.statusCode, asBig5.body).toBe(200);
    expect(asBig5.json().sampleRows).toEqual(parseCsv(fixture('tw')).slice(1));

    const imp = await importUpload(team, { uploadId: p.uploadId, encoding: 'big5' });
    expect(imp).toMatchObject({ status: 'succeeded', encoding: 'big5', created: 4 });
    expect(await namesOf(team.teamId)).toEqual(expected('tw'));
  });

  it("takes the team's phone region as the hint: a Taiwanese team's Big5 file needs no question", async () => {
    const team = await createTeam(ctx);
    expect((await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', { defaultPhoneRegion: 'TW' })).statusCode).toBe(200);
    const p = await preview(team, 'tw.csv', convert('tw', 'BIG5'));
    expect(p).toMatchObject({ encoding: 'big5', encodingConfident: true });
    const imp = await importUpload(team, { uploadId: p.uploadId });
    expect(imp).toMatchObject({ status: 'succeeded', created: 4 });
    expect(await namesOf(team.teamId)).toEqual(expected('tw'));
  });

  it('refuses an encoding that does not exist, naming the field', async () => {
    const team = await createTeam(ctx);
    const p = await preview(team, 'ru.csv', convert('ru', 'WINDOWS-1251'));
    const bad = await api(team).post('/api/v1/imports/preview', { uploadId: p.uploadId, encoding: 'klingon' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0]).toMatchObject({ path: 'encoding' });
  });

  it("does not read another team's upload (404-like: unknown upload)", async () => {
    const a = await createTeam(ctx);
    const b = await createTeam(ctx);
    const p = await preview(a, 'ru.csv', convert('ru', 'WINDOWS-1251'));
    const res = await api(b).post('/api/v1/imports/preview', { uploadId: p.uploadId, encoding: 'windows-1251' });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toMatchObject({ path: 'uploadId' });
  });
});
