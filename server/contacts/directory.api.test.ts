// The directory at work: search against a brute-force oracle, keyset paging while others write,
// bulk actions (at once and as jobs), and the trash.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact, ContactInput } from '#shared/contact.schema.ts';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { phonesE164 } from './contacts.rules.ts';
import { createContactsService } from './contacts.service.ts';
import { createSearchStats } from './search-stats.ts';
import { foldText, parseSearch } from './search.rules.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'John',
  'Maria',
  'Émile',
  'Hélène',
  'Zoé',
  'İnci',
  'Işık',
  'Jürgen',
  'José',
  '민준',
  '서연',
  'ゆうき',
  'がくと',
  'Ольга',
  'Νίκος',
  'Ann',
  'Jo',
];
const LAST = [
  'Smith',
  'Smith',
  'Smith',
  'Johnson',
  'Straße',
  'Müller',
  'Groß',
  'Núñez',
  'Peña',
  '김',
  '이',
  '田中',
  'İnce',
  'Öztürk',
  'Zola',
  'Ab',
];
const COMPANIES = ['Acme', 'Globex GmbH', 'İnci Ltd', 'Société Générale', '삼성', null, null];
const DOMAINS = ['acme.com', 'globex.de', 'example.org', 'gmail.com'];
const PHONE_FORMATS = [
  (d: string) => `+1 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
  (d: string) => `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
  (d: string) => `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`,
  (d: string) => d,
];

function generate(n: number, seed: number, tag: string): ContactInput[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const first = r() < 0.95 || i % 7 === 0 ? pick(FIRST) : null;
    const last = r() < 0.9 ? pick(LAST) : null;
    const digits = `${200 + Math.floor(r() * 700)}${String(Math.floor(r() * 10_000_000)).padStart(7, '0')}`;
    const phones: Record<string, string> = r() < 0.7 ? { mobile: pick(PHONE_FORMATS)(digits) } : {};
    if (r() < 0.2) phones.work = pick(PHONE_FORMATS)(`${digits.slice(0, 6)}${String(i % 10_000).padStart(4, '0')}`);
    const emails: Record<string, string> = r() < 0.3 ? { billing: `billing${i}@${pick(DOMAINS)}` } : {};
    return {
      firstName: first,
      lastName: last,
      company: pick(COMPANIES),
      primaryEmail: r() < 0.85 ? `${tag}${i}.${(first ?? 'x').length}@${pick(DOMAINS)}` : null,
      emails,
      phones,
      permissions: { active: r() < 0.8 },
    };
  });
}

async function allContacts(team: TestTeam): Promise<Contact[]> {
  const out: Contact[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?limit=500&sort=createdAt${cursor ? `&cursor=${cursor}` : ''}`);
    const page = res.json();
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Every page of a listing, following nextCursor. */
async function walk(team: TestTeam, query: string, limit = 50) {
  const items: Contact[] = [];
  let cursor: string | null = null;
  let first: { total: number; totalIsEstimate: boolean } | null = null;
  for (let i = 0; i < 1000; i++) {
    const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json();
    first ??= page;
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { items, total: first!.total, totalIsEstimate: first!.totalIsEstimate };
}

// The oracle: the definition of a match written out plainly over the stored record. A name in a CJK script
// is also matched family name first, with and without a space ("김효원", "김 효원").
const CJK_SCRIPT = /[\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;
function oracle(c: Contact, q: string): boolean {
  const s = parseSearch(q);
  if (!s) return true;
  const familyFirst = c.firstName && c.lastName && CJK_SCRIPT.test(c.firstName + c.lastName);
  const fields = [
    [c.firstName, c.lastName].filter(Boolean).join(' '),
    ...(familyFirst ? [c.lastName + c.firstName!, `${c.lastName} ${c.firstName}`] : []),
    c.company ?? '',
    c.primaryEmail ?? '',
    ...Object.values(c.emails),
    ...Object.values(c.phones).map((p) => p.replace(/\D/g, '')),
    ...phonesE164(c.phones, 'US').map((p) => p.replace(/\D/g, '')),
  ]
    .map((f) => foldText(f))
    .filter(Boolean);
  return fields.some((f) => (s.mode === 'substring' ? f.includes(s.needle) : ` ${f}`.includes(` ${s.needle}`)));
}

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('GET /api/v1/contacts?q= (search)', () => {
  let team: TestTeam;
  let contacts: Contact[];
  beforeAll(async () => {
    team = await createTeam(ctx);
    const r = await ctx.services.contacts.createMany(systemActor(team.teamId), generate(1500, 42, 's'));
    expect(r.failed.map((f) => JSON.stringify(f))).toEqual([]);
    contacts = await allContacts(team);
    expect(contacts).toHaveLength(1500);
  }, 120_000);

  function queryMix(): string[] {
    const r = rng(7);
    const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
    const queries = [
      'smith',
      'SMITH',
      'strasse',
      'STRAẞE',
      'straße',
      'muller',
      'MÜLLER',
      'emile',
      'Émile',
      'helene',
      'İnci',
      'inci',
      'ISIK',
      'ışık',
      'nunez',
      '김',
      '민준',
      '김 민',
      '서연 이',
      '김민준',
      '이 서연',
      '田中ゆうき',
      '田中 がくと',
      '田中',
      'ゆうき',
      'がくと',
      'ольга',
      'ΝΙΚΟΣ',
      'νικοσ',
      'societe',
      '삼성',
      'jo',
      'Jo',
      'ab',
      'sm',
      'zz',
      '@acme.com',
      'globex.de',
      'billing1',
      'gmail',
      'no such person',
      '%',
      '_',
      'a_b',
    ];
    for (let i = 0; i < 15; i++) {
      const c = pick(contacts);
      const phone = Object.values(c.phones)[0];
      if (phone) {
        const d = phone.replace(/\D/g, '').slice(-10);
        queries.push(
          d,
          `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
          `+1 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
          d.slice(2, 7),
        );
      }
      const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
      if (name.length > 4) {
        const start = Math.floor(r() * (name.length - 3));
        queries.push(name.slice(start, start + 3 + Math.floor(r() * 3)));
      }
      if (c.primaryEmail) queries.push(c.primaryEmail.toUpperCase(), c.primaryEmail.slice(0, 5));
    }
    return queries;
  }

  it('finds exactly what a brute-force filter finds, for Unicode, phone and prefix queries', async () => {
    for (const q of queryMix()) {
      const expected = contacts.filter((c) => oracle(c, q)).map((c) => c.id);
      const got = await walk(team, `status=all&sort=lastName&q=${encodeURIComponent(q)}`);
      const ids = got.items.map((c) => c.id);
      expect(new Set(ids).size, `no repeats for "${q}"`).toBe(ids.length);
      expect([...ids].sort(), `results for "${q}"`).toEqual([...expected].sort());
      expect(got.total, `total for "${q}"`).toBe(expected.length);
      expect(got.totalIsEstimate).toBe(false);
    }
  }, 240_000);

  it('finds the same through every search strategy (index walk, trigram index, estimates) as in a big team', async () => {
    // a small walk budget and count cap make 1,500 contacts behave like a million: dense queries are
    // served by the sort-index walk with an estimated total, sparse ones by the trigram index
    // trigram statistics from this data, so the trigram path looks up only the needle's rarest trigrams
    // (one of them at most in the last case) and filters the rest
    const searchStats = createSearchStats(ctx.db);
    await searchStats.refresh();
    for (const tuning of [
      { scanBudget: 200, exactCountCap: 100 },
      { scanBudget: 400, probeRows: 100, exactCountCap: 100 },
      { scanBudget: 200, exactCountCap: 100_000 },
      { scanBudget: 100, exactCountCap: 100_000, coreTrigrams: 1 },
    ]) {
      const service = createContactsService({ db: ctx.db, teams: ctx.services.teams, jobs: ctx.services.jobs, tuning, searchStats });
      const actor = systemActor(team.teamId);
      for (const q of queryMix()) {
        const expected = contacts.filter((c) => oracle(c, q)).map((c) => c.id);
        const ids: string[] = [];
        let cursor: string | undefined;
        let first: { total: number; totalIsEstimate: boolean } | undefined;
        do {
          const page = await service.list(actor, { q, status: 'all', sort: '-lastName', limit: 40, cursor });
          first ??= page;
          ids.push(...page.items.map((c) => c.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(new Set(ids).size, `no repeats for "${q}"`).toBe(ids.length);
        expect([...ids].sort(), `results for "${q}" (${JSON.stringify(tuning)})`).toEqual([...expected].sort());
        if (!first!.totalIsEstimate) expect(first!.total, `total for "${q}"`).toBe(expected.length);
        else expect(first!.total).toBeGreaterThan(40);
      }
    }
  }, 240_000);

  it("estimates a big scope's total from the planner without counting it, and still lists every row", async () => {
    await sql`ANALYZE contacts`.execute(ctx.db);
    const service = createContactsService({
      db: ctx.db,
      teams: ctx.services.teams,
      jobs: ctx.services.jobs,
      tuning: { exactCountCap: 100, trustEstimateAbove: 400 },
    });
    const ids: string[] = [];
    let cursor: string | undefined;
    let first: { total: number; totalIsEstimate: boolean } | undefined;
    do {
      const page = await service.list(systemActor(team.teamId), { status: 'all', sort: 'firstName', limit: 500, cursor });
      first ??= page;
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(ids).size).toBe(1500);
    expect(first!.totalIsEstimate).toBe(true);
    expect(first!.total).toBeGreaterThan(1500 * 0.8);
    expect(first!.total).toBeLessThan(1500 * 1.2);
    // below the threshold the same scope is counted exactly
    const exact = await createContactsService({
      db: ctx.db,
      teams: ctx.services.teams,
      jobs: ctx.services.jobs,
      tuning: { exactCountCap: 2000, trustEstimateAbove: 4000 },
    }).list(systemActor(team.teamId), { status: 'all', sort: 'firstName', limit: 10 });
    expect(exact).toMatchObject({ total: 1500, totalIsEstimate: false });
  });

  it('sorts by every main column both ways, across pages', async () => {
    const keys: Record<string, (c: Contact) => string> = {
      lastName: (c) => [foldText(c.lastName ?? ''), foldText(c.firstName ?? ''), c.primaryEmail ?? ''].join('\u0001'),
      firstName: (c) => [foldText(c.firstName ?? ''), foldText(c.lastName ?? ''), c.primaryEmail ?? ''].join('\u0001'),
      company: (c) => (c.company ? foldText(c.company) : '\u{10ffff}'),
      primaryEmail: (c) => c.primaryEmail ?? '\u{10ffff}',
    };
    for (const [field, key] of Object.entries(keys)) {
      for (const desc of [false, true]) {
        const got = await walk(team, `status=active&sort=${desc ? '-' : ''}${field}&q=smith`, 37);
        const expected = contacts
          .filter((c) => c.permissions.active && oracle(c, 'smith'))
          .sort((a, b) => utf8Order(key(a), key(b)) || utf8Order(a.id, b.id));
        if (desc) expected.reverse();
        expect(
          got.items.map((c) => c.id),
          `${desc ? '-' : ''}${field}`,
        ).toEqual(expected.map((c) => c.id));
      }
    }
    for (const field of ['createdAt', 'updatedAt']) {
      const got = await walk(team, `status=all&sort=-${field}`, 200);
      expect(got.items).toHaveLength(1500);
      const times = got.items.map((c) => (c as unknown as Record<string, string>)[field]!);
      expect(times).toEqual([...times].sort().reverse());
    }
  }, 120_000);

  it('filters by status and verification', async () => {
    const active = await walk(team, 'status=active&sort=lastName', 500);
    const inactive = await walk(team, 'status=inactive&sort=lastName', 500);
    expect(active.items.every((c) => c.permissions.active)).toBe(true);
    expect(inactive.items.every((c) => !c.permissions.active)).toBe(true);
    expect(active.total + inactive.total).toBe(1500);
    const someone = inactive.items[0]!;
    await sql`UPDATE contacts SET portal_verified_at = now() WHERE id = ${someone.id}`.execute(ctx.db);
    const verified = await walk(team, 'status=all&verified=true', 500);
    expect(verified.items.map((c) => c.id)).toEqual([someone.id]);
    expect((await walk(team, 'status=all&verified=false', 500)).total).toBe(1499);
  });

  it('finds a new or changed contact in the very next request', async () => {
    const created = (await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Quixotic', lastName: 'Ödegaard' })).json();
    expect((await walk(team, 'q=odegaard')).items.map((c) => c.id)).toEqual([created.id]);
    await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${created.id}`, {
      lastName: 'Quartermain',
      phones: { m: '+1 212 555 0199' },
    });
    expect((await walk(team, 'q=odegaard')).items).toEqual([]);
    expect((await walk(team, 'q=quarter')).items.map((c) => c.id)).toEqual([created.id]);
    expect((await walk(team, `q=${encodeURIComponent('(212) 555-0199')}`)).items.map((c) => c.id)).toEqual([created.id]);
    await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${created.id}`);
    expect((await walk(team, 'q=quarter')).items).toEqual([]);
  });

  it('finds Korean, Japanese and Chinese names family name first, with or without a space', async () => {
    const own = await createTeam(ctx);
    const create = async (body: ContactInput) => (await call(ctx, own.ownerToken, 'POST', '/api/v1/contacts', body)).json() as Contact;
    const kim = await create({ firstName: '효원', lastName: '김', company: '한빛소프트' });
    const kimMinjun = await create({ firstName: '민준', lastName: '김' });
    const sato = await create({ firstName: '花子', lastName: '佐藤' });
    const satoKana = await create({ firstName: 'ﾊﾅｺ', lastName: 'ｻﾄｳ' });
    const yamada = await create({ firstName: '太郎', lastName: '山田' });
    const wang = await create({ firstName: '小明', lastName: '王' });
    const john = await create({ firstName: 'John', lastName: 'Smith' });
    const ids = async (q: string) => (await walk(own, `q=${encodeURIComponent(q)}`)).items.map((c) => c.id).sort();
    for (const [q, expected] of [
      ['김효원', [kim.id]],
      ['김 효원', [kim.id]],
      ['효원 김', [kim.id]],
      ['효원', [kim.id]],
      ['김', [kim.id, kimMinjun.id]],
      ['김민준', [kimMinjun.id]],
      ['佐藤花子', [sato.id]],
      ['佐藤 花子', [sato.id]],
      ['サトウハナコ', [satoKana.id]],
      ['山田太郎', [yamada.id]],
      ['王小明', [wang.id]],
      ['john smith', [john.id]],
      ['smith john', []],
      ['smithjohn', []],
      ['김효원한빛', []],
    ] as const) {
      expect(await ids(q), q).toEqual([...expected].sort());
    }
  });

  it('answers 400 with the field path for a bad sort, limit or cursor', async () => {
    const bad = async (qs: string, path: string) => {
      const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
    };
    await bad('sort=shoeSize', 'sort');
    await bad('limit=501', 'limit');
    await bad('status=deleted', 'status');
    await bad('cursor=nonsense', 'cursor');
    const page = (await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts?sort=lastName&limit=2')).json();
    await bad(`sort=-lastName&cursor=${page.nextCursor}`, 'cursor');
  });

  it('never shows another team its contacts', async () => {
    const other = await createTeam(ctx);
    expect((await walk(other, 'q=smith')).items).toEqual([]);
    expect((await walk(other, 'status=all')).total).toBe(0);
  });
});

describe('keyset paging while others write', () => {
  it('never skips or repeats a row when rows are inserted and deleted between pages', async () => {
    const team = await createTeam(ctx);
    await ctx.services.contacts.createMany(systemActor(team.teamId), generate(300, 3, 'p'));
    const r = rng(11);
    for (const sort of ['lastName', '-lastName', 'company', '-createdAt', 'primaryEmail']) {
      const start = await allContacts(team);
      const deleted = new Set<string>();
      const seen: string[] = [];
      let cursor: string | null = null;
      let n = 0;
      do {
        const page: { items: Contact[]; nextCursor: string | null } = (
          await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?status=all&sort=${sort}&limit=23${cursor ? `&cursor=${cursor}` : ''}`)
        ).json();
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        // others write: new contacts anywhere in the order, deletions of seen and unseen rows
        await ctx.services.contacts.createMany(systemActor(team.teamId), generate(3, 1000 + n++, `w${sort}${n}`));
        for (let k = 0; k < 2; k++) {
          const victim = start[Math.floor(r() * start.length)]!;
          if (deleted.has(victim.id)) continue;
          deleted.add(victim.id);
          await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${victim.id}`);
        }
      } while (cursor);
      expect(new Set(seen).size, `no repeats (${sort})`).toBe(seen.length);
      const stable = start.filter((c) => !deleted.has(c.id)).map((c) => c.id);
      const seenSet = new Set(seen);
      expect(
        stable.filter((id) => !seenSet.has(id)),
        `nothing skipped (${sort})`,
      ).toEqual([]);
    }
  }, 120_000);
});

describe('POST /api/v1/contacts/bulk', () => {
  let team: TestTeam;
  let other: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
    other = await createTeam(ctx);
    const named = (prefix: string, n: number, email: string) =>
      Array.from({ length: n }, (_, i) => ({ firstName: `${prefix}`, lastName: `Number ${i}`, primaryEmail: `${email}${i}@bulk.test` }));
    await ctx.services.contacts.createMany(systemActor(team.teamId), [...named('Bulkling', 300, 'b'), ...named('Bystander', 100, 'y')]);
    await ctx.services.contacts.createMany(systemActor(other.teamId), named('Bulkling', 50, 'o'));
  }, 60_000);

  it('runs an action on all matching rows as a job with progress, touching only those rows of the team', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', {
      action: 'deactivate',
      filter: { q: 'bulkling', status: 'all' },
    });
    expect(res.statusCode).toBe(202);
    const { jobId } = res.json();
    const queued = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(queued).toMatchObject({ id: jobId, kind: 'contacts.bulk', status: 'queued', total: 300, processed: 0 });
    // another team cannot see the job
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).statusCode).toBe(404);
    expect(await ctx.runJobs()).toBe(1);
    const done = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', processed: 300, total: 300, result: { affected: 300 } });

    expect((await walk(team, 'status=inactive')).total).toBe(300);
    expect((await walk(team, 'status=inactive&q=bulkling')).total).toBe(300);
    expect((await walk(team, 'status=active&q=bystander')).total).toBe(100);
    expect((await walk(other, 'status=active&q=bulkling')).total).toBe(50);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('teamId', '=', team.teamId)
      .where('action', '=', 'update')
      .executeTakeFirstOrThrow();
    expect(audit.n).toBe(300);
  });

  it('does a small selection at once and reports only the rows it changed', async () => {
    const some = (await walk(team, 'status=inactive&sort=lastName', 10)).items.slice(0, 10).map((c) => c.id);
    const foreign = (await walk(other, 'status=all', 5)).items.slice(0, 5).map((c) => c.id);
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'activate', ids: [...some, ...foreign] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ affected: 10 });
    const again = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'activate', ids: some });
    expect(again.json()).toEqual({ affected: 0 });
    expect((await walk(other, 'status=active&q=bulkling')).total).toBe(50);
  });

  it('moves all matching contacts to the trash, and they can be restored with their history', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', {
      action: 'delete',
      filter: { q: 'bystander', status: 'all' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ affected: 100 });
    expect((await walk(team, 'q=bystander&status=all')).total).toBe(0);
    const trash = (await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/trash?limit=500')).json();
    expect(trash.total).toBe(100);
    expect(trash.items[0].deletedAt).toBeTruthy();
  });

  it('refuses members without modifyContacts and bad input', async () => {
    const { createMember } = await import('../../test/harness.ts');
    const viewer = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    const res = await call(ctx, viewer.token, 'POST', '/api/v1/contacts/bulk', { action: 'delete', filter: { status: 'all' } });
    expect(res.statusCode).toBe(403);
    const bad = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'explode', ids: ['x'] });
    expect(bad.statusCode).toBe(400);
    const badId = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'delete', ids: ['not-an-id'] });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().details[0].path).toBe('ids.0');
    expect((await walk(team, 'status=all')).total).toBe(300);
  });
});

describe('trash', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
  });
  const create = async (body: object) => (await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', body)).json() as Contact;

  it('restores a deleted contact with its labeled records and history', async () => {
    const c = await create({
      firstName: 'Rita',
      primaryEmail: 'rita@trash.test',
      emails: { b: 'b@x.com', a: 'a@x.com' },
      phones: { m: '555 1234' },
    });
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`)).statusCode).toBe(404);
    const trash = (await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/trash?q=rita')).json();
    expect(trash.items.map((x: Contact) => x.id)).toEqual([c.id]);
    const restored = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/restore`);
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).toMatchObject({ id: c.id, emails: { b: 'b@x.com', a: 'a@x.com' }, phones: { m: '555 1234' }, version: 2 });
    expect(Object.keys(restored.json().emails)).toEqual(['b', 'a']);
    const history = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}/history`)).json();
    expect(history.items.map((h: { action: string }) => h.action)).toEqual(['restore', 'delete', 'create']);
    expect((await walk(team, 'q=rita')).items.map((x) => x.id)).toEqual([c.id]);
  });

  it('frees the primary email while in the trash, and refuses a restore that would duplicate it', async () => {
    const c = await create({ firstName: 'First', primaryEmail: 'same@trash.test' });
    await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}`);
    const second = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Second', primaryEmail: 'same@trash.test' });
    expect(second.statusCode).toBe(201);
    const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/restore`);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toContain('same@trash.test');
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/trash?q=same')).json().total).toBe(1);
  });

  it('erases at once with purge=true, and after 30 days on its own', async () => {
    const now = await create({ firstName: 'Purgenow' });
    const old = await create({ firstName: 'Purgeold' });
    const recent = await create({ firstName: 'Purgerecent' });
    for (const c of [now, old, recent]) await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}`);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${now.id}?purge=true`)).statusCode).toBe(204);
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${now.id}/restore`)).statusCode).toBe(404);
    await sql`UPDATE contacts SET deleted_at = now() - interval '31 days' WHERE id = ${old.id}`.execute(ctx.db);
    await sql`UPDATE contacts SET deleted_at = now() - interval '29 days' WHERE id = ${recent.id}`.execute(ctx.db);
    expect(await ctx.services.contacts.purgeExpiredTrash()).toBe(1);
    const left = (await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/trash?q=purge')).json();
    expect(left.items.map((x: Contact) => x.id)).toEqual([recent.id]);
  });

  it('keeps other teams out of the trash', async () => {
    const c = await create({ firstName: 'Private' });
    await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}`);
    const other = await createTeam(ctx);
    expect((await call(ctx, other.ownerToken, 'GET', '/api/v1/contacts/trash')).json().total).toBe(0);
    expect((await call(ctx, other.ownerToken, 'POST', `/api/v1/contacts/${c.id}/restore`)).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}?purge=true`)).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/trash?q=private')).json().total).toBe(1);
  });
});
