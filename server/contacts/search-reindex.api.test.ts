// Search version 2 (CJK names family name first) on a database written by version 1: migration 0007 writes
// no row, only a partial index of the CJK-named ones, which the periodic job `contacts.reindex-search` rewrites.
// The migration's SQL regex and the JavaScript one must see the same characters.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#shared/contact.schema.ts';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
// a test of migration 0007 (the one place besides migrate.ts that imports a migration)
import { CJK_CLASS, STALE_SEARCH_ROWS as MIGRATION_STALE_ROWS, up as migrate0007 } from '../db/migrations/0007_cjk_names.ts';
import { periodicTasks } from '../jobs/handlers.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { STALE_SEARCH_ROWS } from './contacts.repo.ts';
import { CJK_RANGES, hasCjk, SEARCH_VERSION } from './search.rules.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

/** Consecutive code points merged into inclusive ranges. */
function islands(cps: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const cp of cps) {
    const last = out.at(-1);
    if (last && last[1] === cp - 1) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
}

describe('the CJK characters of migration 0007 (SQL) and of search.rules.ts (JavaScript)', () => {
  it('are written from the same ranges', () => {
    const esc = (cp: number) => (cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`);
    expect(CJK_CLASS).toBe(`[${CJK_RANGES.map(([lo, hi]) => `${esc(lo)}-${esc(hi)}`).join('')}]`);
  });

  it("select the stale rows with the very text of the migration's partial index, so the re-index job can use it", () => {
    expect(STALE_SEARCH_ROWS).toBe(MIGRATION_STALE_ROWS);
  });

  it('are the same code points for PostgreSQL and for hasCjk, up to plane 3', async () => {
    const { rows } = await sql<{ lo: number; hi: number }>`
      SELECT min(cp) AS lo, max(cp) AS hi
      FROM (SELECT cp, cp - row_number() OVER (ORDER BY cp) AS island
            FROM generate_series(1, ${0x40000}) cp
            WHERE (cp < ${0xd800} OR cp > ${0xdfff}) AND chr(cp) ~ ${CJK_CLASS}) t
      GROUP BY island ORDER BY lo`.execute(ctx.db);
    const js: number[] = [];
    for (let cp = 1; cp <= 0x40000; cp++) if ((cp < 0xd800 || cp > 0xdfff) && hasCjk(String.fromCodePoint(cp))) js.push(cp);
    expect(rows.map((r) => [r.lo, r.hi])).toEqual(islands(js));
  });

  it('tell the same names apart', async () => {
    const names: [string | null, string | null][] = [
      ['효원', '김'],
      ['花子', '佐藤'],
      ['ﾊﾅｺ', 'ｻﾄｳ'],
      ['𠮷子', '𠮷野'],
      ['Hanako', '佐藤'],
      [null, '김'],
      ['John', 'Smith'],
      ['Émile', 'Zola'],
      ['Ольга', null],
      ['John\u3000Paul', 'Smith'],
      ['「Jo」', 'ＳＭＩＴＨ'],
      [null, null],
    ];
    const { rows } = await sql<{ cjk: boolean }>`
      SELECT coalesce(f, '') || coalesce(l, '') ~ ${CJK_CLASS} AS cjk
      FROM unnest(${names.map((n) => n[0])}::text[], ${names.map((n) => n[1])}::text[]) WITH ORDINALITY AS t(f, l, i)
      ORDER BY i`.execute(ctx.db);
    expect(rows.map((r) => r.cjk)).toEqual(names.map(([f, l]) => hasCjk(f) || hasCjk(l)));
    expect(rows.filter((r) => r.cjk)).toHaveLength(6);
  });
});

describe('search version 2 on contacts written by version 1', () => {
  let team: TestTeam;
  const create = async (body: object) => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Contact;
  };
  const search = async (q: string) =>
    ((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?q=${encodeURIComponent(q)}`)).json().items as Contact[]).map((c) => c.id);
  const stored = async (id: string) =>
    (
      await sql<{ searchText: string; searchVersion: number; xmin: string }>`
        SELECT search_text, search_version, xmin::text FROM contacts WHERE id = ${id}`.execute(ctx.db)
    ).rows[0]!;
  const reindexJob = () =>
    createJobRunner({
      db: ctx.db,
      handlers: {},
      periodic: periodicTasks(ctx.services).filter((t) => t.name === 'contacts.reindex-search'),
      log: () => {},
    }).runPeriodic();

  beforeAll(async () => {
    team = await createTeam(ctx);
  });

  it('keeps the re-index job on a partial index of exactly the rows it must rewrite', async () => {
    const { rows } = await sql<{ def: string }>`SELECT pg_get_indexdef('contacts_search_stale_idx'::regclass) AS def`.execute(ctx.db);
    expect(rows[0]!.def).toContain(`(search_version < ${SEARCH_VERSION})`);
    expect(rows[0]!.def).toContain('search_version < 1');
  });

  it('re-indexes the CJK-named rows and leaves the others as they are', async () => {
    const kim = await create({ firstName: '효원', lastName: '김', primaryEmail: 'hyowon.kim@example.kr' });
    const sato = await create({ firstName: '花子', lastName: '佐藤', company: 'トヨタ' });
    const onlyFamily = await create({ lastName: '김' });
    const john = await create({ firstName: 'John', lastName: 'Smith', company: 'Acme' });
    const emile = await create({ firstName: 'Émile', lastName: 'Zola' });

    // the database as version 1 left it: its search text, its version, and its job's index
    const SEP = ' \u0001 ';
    const v1: Record<string, string> = {
      [kim.id]: `${SEP}효원 김${SEP}hyowon.kim@example.kr`,
      [sato.id]: `${SEP}花子 佐藤${SEP}トヨタ`,
      [onlyFamily.id]: `${SEP}김`,
      [john.id]: `${SEP}john smith${SEP}acme`,
      [emile.id]: `${SEP}emile zola`,
    };
    await sql`DROP INDEX contacts_search_stale_idx`.execute(ctx.db);
    await sql`CREATE INDEX contacts_search_version_idx ON contacts (search_version) WHERE search_version < 1`.execute(ctx.db);
    for (const [id, text] of Object.entries(v1)) {
      await sql`UPDATE contacts SET search_text = ${text}, search_version = 1 WHERE id = ${id}`.execute(ctx.db);
    }
    expect(await search('김효원')).toEqual([]);
    expect(await search('효원 김')).toEqual([kim.id]);

    const latinBefore = [await stored(john.id), await stored(emile.id)];
    await migrate0007(ctx.db);
    const versions = async () =>
      Object.fromEntries(await Promise.all(Object.keys(v1).map(async (id) => [id, (await stored(id)).searchVersion])));
    // the migration writes no row
    expect(await versions()).toEqual(Object.fromEntries(Object.keys(v1).map((id) => [id, 1])));

    await reindexJob();
    // CJK-named rows rewritten; Latin-named rows keep version 1, whose text is version 2's
    expect(await versions()).toEqual({ [kim.id]: 2, [sato.id]: 2, [onlyFamily.id]: 2, [john.id]: 1, [emile.id]: 1 });
    expect(await search('김효원')).toEqual([kim.id]);
    expect(await search('김 효원')).toEqual([kim.id]);
    expect(await search('佐藤花子')).toEqual([sato.id]);
    expect((await stored(kim.id)).searchText).toBe(`${SEP}효원 김${SEP}김효원${SEP}김 효원${SEP}hyowon.kim@example.kr`);
    // a family name alone is rewritten (the migration cannot tell) to the same text
    expect((await stored(onlyFamily.id)).searchText).toBe(v1[onlyFamily.id]);
    // the Latin rows were not written at all: same text, same row version
    expect([await stored(john.id), await stored(emile.id)]).toEqual(latinBefore);
    expect(latinBefore.map((r) => r.searchText)).toEqual([v1[john.id], v1[emile.id]]);
    expect(await search('smith john')).toEqual([]);
    // nothing left for the next run
    expect(await ctx.services.contacts.reindexStale()).toBe(0);
  });
});
