import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { createContact } from '../portal/portal-test-support.ts';
import { importFile } from '../imports/import-test-utils.ts';
import { RESCAN_INLINE_MAX } from './companies.service.ts';

let ctx: TestContext;
let team: TestTeam;
let t: string;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx, 'Acme Support');
  t = team.ownerToken;
});
afterAll(() => ctx?.close());

const domain = () => `acme-${uid()}.example`;

async function newCompany(tm: TestTeam, body: Record<string, unknown>) {
  const res = await call(ctx, tm.ownerToken, 'POST', '/api/v1/companies', { name: `Acme ${uid()}`, ...body });
  if (res.statusCode !== 201) throw new Error(`newCompany: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; name: string; domains: string[]; contactCount: number };
}
const contactOf = async (tm: TestTeam, id: string) => (await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/${id}`)).json();

describe('POST /api/v1/companies', () => {
  it('stores domains lower-cased and IDN in punycode, without duplicates', async () => {
    const d = domain();
    const c = await newCompany(team, { domains: [d.toUpperCase(), `@${d}`, '회사-테스트.한국'], notes: 'VIP' });
    expect(c.domains.sort()).toEqual([d, new URL('http://회사-테스트.한국/').hostname].sort());
    expect(c.domains.some((x) => x.startsWith('xn--'))).toBe(true);
    expect(c).toMatchObject({ notes: 'VIP', contactCount: 0 });
  });

  it('refuses personal mail providers from the maintained list with the field path', async () => {
    for (const d of ['gmail.com', 'naver.com', 'daum.net', 'qq.com', 'icloud.com', 'hanmail.net', 'yahoo.co.jp', 'mail.yahoo.co.jp']) {
      const res = await call(ctx, t, 'POST', '/api/v1/companies', { name: 'X', domains: [domain(), d] });
      expect(res.statusCode, d).toBe(400);
      expect(res.json().details).toEqual([{ path: 'domains.1', message: expect.stringContaining('personal mail provider') }]);
    }
    const bad = await call(ctx, t, 'POST', '/api/v1/companies', { name: ' ', domains: ['not a domain'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((x: { path: string }) => x.path)).toEqual(['name']);
    const bad2 = await call(ctx, t, 'POST', '/api/v1/companies', { name: 'Y', domains: ['not a domain'] });
    expect(bad2.json().details).toEqual([{ path: 'domains.0', message: 'Not a domain name (like example.com)' }]);
  });

  it('answers 409 when another company of the team has the domain, but another team may have it', async () => {
    const d = domain();
    const first = await newCompany(team, { domains: [d] });
    const res = await call(ctx, t, 'POST', '/api/v1/companies', { name: 'Copycat', domains: [d.toUpperCase()] });
    expect(res.statusCode).toBe(409);
    expect(res.json().details).toEqual([{ path: 'domains.0', message: `${d} belongs to the company "${first.name}"` }]);
    const other = await createTeam(ctx);
    expect((await call(ctx, other.ownerToken, 'POST', '/api/v1/companies', { name: 'Theirs', domains: [d] })).statusCode).toBe(201);
    const second = await newCompany(team, { domains: [domain()] });
    const patch = await call(ctx, t, 'PATCH', `/api/v1/companies/${second.id}`, { domains: [d] });
    expect(patch.statusCode).toBe(409);
  });

  it('needs modifyContacts', async () => {
    const agent = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    expect((await call(ctx, agent.token, 'POST', '/api/v1/companies', { name: 'Nope' })).statusCode).toBe(403);
  });
});

describe('companies across teams', () => {
  it('answers 404 for every route on another team’s company', async () => {
    const other = await createTeam(ctx);
    const theirs = await newCompany(other, { domains: [domain()] });
    for (const [m, p, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'Mine now' }],
      ['DELETE', '', undefined],
      ['POST', '/rescan', undefined],
      ['GET', '/time', undefined],
      ['GET', '/time.csv', undefined],
    ] as const) {
      const res = await call(ctx, t, m, `/api/v1/companies/${theirs.id}${p}`, body);
      expect(res.statusCode, `${m} ${p}`).toBe(404);
    }
    const list = await call(ctx, t, 'GET', `/api/v1/companies?q=${encodeURIComponent(theirs.name)}`);
    expect(list.json().items).toEqual([]);
    // a contact cannot be linked to it by hand either
    const c = await createContact(ctx, team);
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { companyId: theirs.id });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: 'companyId', message: 'No such company in this team' }]);
  });
});

describe('linking contacts', () => {
  it('links a new contact whose primary email is at a company domain, and one whose email changes to it', async () => {
    const d = domain();
    const co = await newCompany(team, { domains: [d] });
    const linked = await createContact(ctx, team, { primaryEmail: `Kim@${d.toUpperCase()}` });
    expect((await contactOf(team, linked.id)).companyId).toBe(co.id);
    const moved = await createContact(ctx, team);
    expect((await contactOf(team, moved.id)).companyId).toBeNull();
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${moved.id}`, { primaryEmail: `lee@${d}` });
    expect(res.json().companyId).toBe(co.id);
    // the history says so
    const h = await call(ctx, t, 'GET', `/api/v1/contacts/${moved.id}/history`);
    expect(JSON.stringify(h.json())).toContain(co.id);
    // the directory filter
    const list = await call(ctx, t, 'GET', `/api/v1/contacts?companyId=${co.id}`);
    expect(
      list
        .json()
        .items.map((x: { id: string }) => x.id)
        .sort(),
    ).toEqual([linked.id, moved.id].sort());
    expect((await call(ctx, t, 'GET', `/api/v1/companies/${co.id}`)).json().contactCount).toBe(2);
  });

  it('lets agents set and clear a contact’s company by hand; a hand-set company is not replaced by the domain', async () => {
    const co = await newCompany(team, { domains: [domain()] });
    const other = await newCompany(team, { domains: [domain()] });
    const c = await createContact(ctx, team, { companyId: co.id });
    expect(c).toMatchObject({ companyId: co.id });
    const set = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { companyId: other.id, primaryEmail: `x@${co.domains[0]}` });
    expect(set.json().companyId).toBe(other.id);
    const cleared = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { companyId: null });
    expect(cleared.json().companyId).toBeNull();
    const bad = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { companyId: 'nope' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([{ path: 'companyId', message: 'Not a company id' }]);
  });

  it('links the rows of an import with one lookup per batch', async () => {
    const d = domain();
    const co = await newCompany(team, { domains: [d] });
    const csv = ['primaryEmail,firstName', ...Array.from({ length: 30 }, (_, i) => `p${i}@${d},P${i}`), `x@${domain()},Other`].join('\n');
    const imp = await importFile(ctx, team, 'people.csv', csv);
    expect(imp.status).toBe('succeeded');
    expect((await call(ctx, t, 'GET', `/api/v1/companies/${co.id}`)).json().contactCount).toBe(30);
  });

  it('re-scans existing contacts when a domain is added (200 {linked}), leaving contacts of other companies alone', async () => {
    const d = domain();
    const before = [await createContact(ctx, team, { primaryEmail: `a@${d}` }), await createContact(ctx, team, { primaryEmail: `b@${d}` })];
    const handSet = await newCompany(team, {});
    const kept = await createContact(ctx, team, { primaryEmail: `c@${d}`, companyId: handSet.id });
    const co = await newCompany(team, {});
    const patch = await call(ctx, t, 'PATCH', `/api/v1/companies/${co.id}`, { domains: [d] });
    expect(patch.json()).toMatchObject({ addedDomains: [d], linkable: 2, contactCount: 0 });
    const res = await call(ctx, t, 'POST', `/api/v1/companies/${co.id}/rescan`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ linked: 2 });
    for (const c of before) expect((await contactOf(team, c.id)).companyId).toBe(co.id);
    expect((await contactOf(team, kept.id)).companyId).toBe(handSet.id);
    expect((await contactOf(team, before[0]!.id)).version).toBe(before[0]!.version + 1);
  });

  it('re-scans above the threshold as a job with progress', async () => {
    const tm = await createTeam(ctx);
    const d = domain();
    const n = RESCAN_INLINE_MAX + 5;
    const inputs = Array.from({ length: n }, (_, i) => ({ primaryEmail: `p${i}@${d}` }));
    await ctx.services.contacts.createMany(
      {
        type: 'system',
        via: 'cli',
        teamId: tm.teamId,
        memberId: null,
        label: 'test',
        role: 'owner',
        permissions: { modifyContacts: true, importContacts: true, exportContacts: true },
      },
      inputs,
    );
    const co = await newCompany(tm, {});
    await call(ctx, tm.ownerToken, 'PATCH', `/api/v1/companies/${co.id}`, { domains: [d] });
    const res = await call(ctx, tm.ownerToken, 'POST', `/api/v1/companies/${co.id}/rescan`);
    expect(res.statusCode).toBe(202);
    expect(res.json().total).toBe(n);
    await ctx.runJobs();
    const job = await call(ctx, tm.ownerToken, 'GET', `/api/v1/jobs/${res.json().jobId}`);
    expect(job.json()).toMatchObject({ status: 'succeeded', processed: n, total: n, result: { linked: n } });
    expect((await call(ctx, tm.ownerToken, 'GET', `/api/v1/companies/${co.id}`)).json().contactCount).toBe(n);
  });

  it('re-scans as a job while another transaction holds one of the contacts: each contact linked once, with its history', async () => {
    const tm = await createTeam(ctx);
    const d = domain();
    const n = RESCAN_INLINE_MAX + 5;
    await ctx.services.contacts.createMany(
      {
        type: 'system',
        via: 'cli',
        teamId: tm.teamId,
        memberId: null,
        label: 'test',
        role: 'owner',
        permissions: { modifyContacts: true, importContacts: true, exportContacts: true },
      },
      Array.from({ length: n }, (_, i) => ({ primaryEmail: `q${i}@${d}` })),
    );
    const heldEmail = `q${Math.floor(n / 2)}@${d}`;
    const heldId = (await sql<{ id: string }>`SELECT id FROM contacts WHERE primary_email = ${heldEmail}`.execute(ctx.db)).rows[0]!.id;
    const co = await newCompany(tm, {});
    await call(ctx, tm.ownerToken, 'PATCH', `/api/v1/companies/${co.id}`, { domains: [d] });
    const res = await call(ctx, tm.ownerToken, 'POST', `/api/v1/companies/${co.id}/rescan`);
    expect(res.statusCode).toBe(202);
    // someone edits one of the contacts while the job runs: the side-by-side batches pass it by, the last
    // pass waits for it
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const held = ctx.db.transaction().execute(async (tx) => {
      await sql`SELECT 1 FROM contacts WHERE id = ${heldId} FOR UPDATE`.execute(tx);
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;
    const run = ctx.runJobs();
    setTimeout(() => release(), 300);
    await Promise.all([run, held]);
    const job = await call(ctx, tm.ownerToken, 'GET', `/api/v1/jobs/${res.json().jobId}`);
    expect(job.json()).toMatchObject({ status: 'succeeded', processed: n, result: { linked: n } });
    expect((await call(ctx, tm.ownerToken, 'GET', `/api/v1/companies/${co.id}`)).json().contactCount).toBe(n);
    const heldNow = await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/${heldId}`);
    expect(heldNow.json()).toMatchObject({ companyId: co.id, version: 2 });
    const history = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/${heldId}/history`)).json().items as { changes: unknown }[];
    expect(history.filter((h) => JSON.stringify(h.changes).includes(co.id))).toEqual([
      expect.objectContaining({ changes: { companyId: { before: null, after: co.id } } }),
    ]);
  });

  it('unlinks the contacts of a deleted company', async () => {
    const d = domain();
    const co = await newCompany(team, { domains: [d] });
    const c = await createContact(ctx, team, { primaryEmail: `z@${d}` });
    expect((await call(ctx, t, 'DELETE', `/api/v1/companies/${co.id}`)).statusCode).toBe(204);
    expect((await contactOf(team, c.id)).companyId).toBeNull();
    expect((await call(ctx, t, 'GET', `/api/v1/companies/${co.id}`)).statusCode).toBe(404);
  });
});

describe('tickets and companies', () => {
  it('links a ticket to its requester’s company, and the ticket keeps it when the contact moves', async () => {
    const oldCo = await newCompany(team, { domains: [domain()] });
    const newCo = await newCompany(team, { domains: [domain()] });
    const c = await createContact(ctx, team, { primaryEmail: `mover@${oldCo.domains[0]}` });
    const ticket = (await call(ctx, t, 'POST', '/api/v1/tickets', { subject: 'Printer', requesterId: c.id })).json();
    expect(ticket.companyId).toBe(oldCo.id);
    const moved = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { primaryEmail: `mover@${newCo.domains[0]}` });
    expect(moved.json().companyId).toBe(newCo.id);
    expect((await call(ctx, t, 'GET', `/api/v1/tickets/${ticket.id}`)).json().companyId).toBe(oldCo.id);
    const later = (await call(ctx, t, 'POST', '/api/v1/tickets', { subject: 'Scanner', requesterId: c.id })).json();
    expect(later.companyId).toBe(newCo.id);
    expect((await call(ctx, t, 'GET', `/api/v1/companies/${oldCo.id}`)).json()).toMatchObject({ contactCount: 0, ticketCount: 1 });
  });
});

describe('time spent', () => {
  it('logs time on tickets and totals it per company, ticket and month within a range; CSV neutralises formulas', async () => {
    const co = await newCompany(team, { domains: [domain()] });
    const c = await createContact(ctx, team, { primaryEmail: `time@${co.domains[0]}` });
    const t1 = (await call(ctx, t, 'POST', '/api/v1/tickets', { subject: '=HYPERLINK("x")', requesterId: c.id })).json();
    const t2 = (await call(ctx, t, 'POST', '/api/v1/tickets', { subject: 'Second', requesterId: c.id })).json();
    const log = (id: string, minutes: number, spentAt: string, note = '') =>
      call(ctx, t, 'POST', `/api/v1/tickets/${id}/time`, { minutes, note, spentAt });
    expect((await log(t1.id, 30, '2026-10-05T10:00:00Z', '+cmd')).statusCode).toBe(201);
    await log(t1.id, 45, '2026-11-02T10:00:00Z');
    await log(t2.id, 15, '2026-11-20T10:00:00Z');
    await log(t2.id, 60, '2026-12-01T10:00:00Z');
    const all = (await call(ctx, t, 'GET', `/api/v1/companies/${co.id}/time`)).json();
    expect(all.totalMinutes).toBe(150);
    expect(all.tickets).toEqual([
      { ticketId: t1.id, number: t1.number, subject: t1.subject, minutes: 75, entries: 2 },
      { ticketId: t2.id, number: t2.number, subject: 'Second', minutes: 75, entries: 2 },
    ]);
    expect(all.months).toEqual([
      { month: '2026-10', minutes: 30 },
      { month: '2026-11', minutes: 60 },
      { month: '2026-12', minutes: 60 },
    ]);
    const nov = (await call(ctx, t, 'GET', `/api/v1/companies/${co.id}/time?from=2026-11-01&to=2026-11-30`)).json();
    expect(nov.totalMinutes).toBe(60);
    expect(nov.tickets.map((x: { minutes: number }) => x.minutes)).toEqual([45, 15]);
    const badRange = await call(ctx, t, 'GET', `/api/v1/companies/${co.id}/time?from=2026-12-01&to=2026-11-01`);
    expect(badRange.statusCode).toBe(400);
    const csv = await call(ctx, t, 'GET', `/api/v1/companies/${co.id}/time.csv`);
    expect(csv.statusCode).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('ticket,subject,spentAt,minutes,member,note');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain(`'=HYPERLINK`);
    expect(lines[1]).toContain(`'+cmd`);
    // the ticket's own list and total
    const list = (await call(ctx, t, 'GET', `/api/v1/tickets/${t2.id}/time`)).json();
    expect(list.totalMinutes).toBe(75);
    expect(list.items[0]).toMatchObject({ minutes: 60, mine: true });
  });

  it('lets members edit and delete only their own entries; validates minutes; hides other teams', async () => {
    const c = await createContact(ctx, team);
    const ticket = (await call(ctx, t, 'POST', '/api/v1/tickets', { subject: 'Own time', requesterId: c.id })).json();
    const agent = await createMember(ctx, team);
    const mine = (await call(ctx, agent.token, 'POST', `/api/v1/tickets/${ticket.id}/time`, { minutes: 20, note: 'call' })).json();
    expect(mine.member.name).toBeTruthy();
    const url = `/api/v1/tickets/${ticket.id}/time/${mine.id}`;
    expect((await call(ctx, t, 'PATCH', url, { minutes: 5 })).statusCode).toBe(403);
    expect((await call(ctx, t, 'DELETE', url)).statusCode).toBe(403);
    const edited = await call(ctx, agent.token, 'PATCH', url, { minutes: 25 });
    expect(edited.json()).toMatchObject({ minutes: 25, note: 'call' });
    for (const minutes of [0, -5, 1441, 1.5]) {
      const res = await call(ctx, agent.token, 'POST', `/api/v1/tickets/${ticket.id}/time`, { minutes });
      expect(res.statusCode, String(minutes)).toBe(400);
      expect(res.json().details[0].path).toBe('minutes');
    }
    const other = await createTeam(ctx);
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/tickets/${ticket.id}/time`)).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'POST', `/api/v1/tickets/${ticket.id}/time`, { minutes: 5 })).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'DELETE', url)).statusCode).toBe(404);
    expect((await call(ctx, agent.token, 'DELETE', url)).statusCode).toBe(204);
    expect((await call(ctx, t, 'GET', `/api/v1/tickets/${ticket.id}/time`)).json().totalMinutes).toBe(0);
  });
});

describe('GET /api/v1/companies', () => {
  it('searches by name or domain, sorts and pages with counts', async () => {
    const tm = await createTeam(ctx);
    const tag = uid();
    const names = ['Beta', 'alpha', 'Gamma'].map((n) => `${n} ${tag}`);
    for (const n of names) await newCompany(tm, { name: n, domains: [`${n.split(' ')[0]!.toLowerCase()}-${tag}.example`] });
    const page = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/companies?sort=name&limit=2`)).json();
    expect(page.total).toBe(3);
    expect(page.items.map((x: { name: string }) => x.name)).toEqual([names[1], names[0]]);
    const next = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/companies?sort=name&limit=2&offset=2`)).json();
    expect(next.items.map((x: { name: string }) => x.name)).toEqual([names[2]]);
    const desc = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/companies?sort=-name`)).json();
    expect(desc.items[0].name).toBe(names[2]);
    const byDomain = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/companies?q=gamma-${tag}`)).json();
    expect(byDomain.items.map((x: { name: string }) => x.name)).toEqual([names[2]]);
    const byName = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/companies?q=ALPHA`)).json();
    expect(byName.items.map((x: { name: string }) => x.name)).toEqual([names[1]]);
  });
});
