import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { call, createMember, createTeam, createTestContext, testConfig, type TestContext, type TestTeam } from '../../test/harness.ts';
import { PORTAL_CODE_ALPHABET } from '#shared/portal.schema.ts';
import { codeSentTo, cookieOf, createContact, me, ORIGIN, signIn, startLogin, testClock, verify } from './portal-test-support.ts';

const clock = testClock();
let ctx: TestContext;
let team: TestTeam;
const MIN = 60_000;

beforeAll(async () => {
  ctx = await createTestContext({ now: clock.now });
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

/** A wrong code that differs from `code` in its first symbol. */
const wrong = (code: string) => (code[0] === 'A' ? 'B' : 'A') + code.slice(1);

describe('GET /portal/api/:teamSlug', () => {
  it('answers the public team information and 404 for an unknown team', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: `/portal/api/${team.slug}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      portalEnabled: true,
      sso: { google: false, microsoft: false },
      codeLength: 7,
      team: { slug: team.slug },
    });
    expect((await ctx.app.inject({ method: 'GET', url: '/portal/api/no-such-team-here' })).statusCode).toBe(404);
  });
});

describe('portal sign-in codes', () => {
  it('mails a 7-character code from the unambiguous alphabet, stores only its keyed hash, and signs in once', async () => {
    const c = await createContact(ctx, team);
    const start = await startLogin(ctx, team.slug, { email: c.primaryEmail.toUpperCase() });
    expect(start.statusCode).toBe(200);
    expect(start.json()).toEqual({ requestId: expect.any(String), expiresInSeconds: 600 });
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    expect(code).toMatch(new RegExp(`^[${PORTAL_CODE_ALPHABET}]{7}$`));
    expect(code).not.toMatch(/[01OIL]/);
    const row = await ctx.db
      .selectFrom('portalLoginRequests')
      .selectAll()
      .where('id', '=', start.json().requestId)
      .executeTakeFirstOrThrow();
    expect(row.codeHash).toBeTruthy();
    expect(row.codeHash).not.toContain(code);
    expect(JSON.stringify(row)).not.toContain(code);

    // typed in lower case with the space of the mail: accepted
    const ok = await verify(ctx, team.slug, start.json().requestId, `${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: c.id, primaryEmail: c.primaryEmail, team: { slug: team.slug } });
    const again = await verify(ctx, team.slug, start.json().requestId, code);
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe('INVALID_CODE');
    expect(again.cookies).toHaveLength(0);
  });

  it('creates exactly one session when 20 verifies of one code run at once', async () => {
    const c = await createContact(ctx, team);
    const start = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.1.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => verify(ctx, team.slug, start.json().requestId, code, `10.1.1.${i}`)),
    );
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
    // the others are refused: the code is used (401), or the per-email limit of wrong codes is reached (429)
    expect(answers.filter((a) => a.statusCode === 401 || a.statusCode === 429)).toHaveLength(19);
    expect(answers.filter((a) => a.cookies.length > 0)).toHaveLength(1);
    const sessions = await ctx.db.selectFrom('portalSessions').select('tokenHash').where('contactId', '=', c.id).execute();
    expect(sessions).toHaveLength(1);
  });

  it('accepts a code until 10 minutes have passed and refuses it after', async () => {
    const c = await createContact(ctx, team);
    const a = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.2.0.1');
    const codeA = (await codeSentTo(ctx, c.primaryEmail))!;
    clock.advance(9 * MIN + 59_000);
    expect((await verify(ctx, team.slug, a.json().requestId, codeA, '10.2.0.1')).statusCode).toBe(200);

    const b = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.2.0.1');
    const codeB = (await codeSentTo(ctx, c.primaryEmail))!;
    clock.advance(10 * MIN + 1000);
    const late = await verify(ctx, team.slug, b.json().requestId, codeB, '10.2.0.1');
    expect(late.statusCode).toBe(401);
  });

  it('binds a code to its request: the code of one request does not open another', async () => {
    const c = await createContact(ctx, team);
    const a = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.3.0.1');
    const codeA = (await codeSentTo(ctx, c.primaryEmail))!;
    const b = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.3.0.1');
    const codeB = (await codeSentTo(ctx, c.primaryEmail))!;
    expect(codeB).not.toBe(codeA);
    expect((await verify(ctx, team.slug, b.json().requestId, codeA, '10.3.0.1')).statusCode).toBe(401);
    expect((await verify(ctx, team.slug, a.json().requestId, codeA, '10.3.0.1')).statusCode).toBe(200);
  });

  it('voids a code after 5 wrong tries, but accepts it after 4', async () => {
    const c = await createContact(ctx, team);
    const a = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.4.0.1');
    const codeA = (await codeSentTo(ctx, c.primaryEmail))!;
    for (let i = 0; i < 5; i++) expect((await verify(ctx, team.slug, a.json().requestId, wrong(codeA), '10.4.0.2')).statusCode).toBe(401);
    expect((await verify(ctx, team.slug, a.json().requestId, codeA, '10.4.0.3')).statusCode).toBe(401);

    const d = await createContact(ctx, team);
    const b = await startLogin(ctx, team.slug, { email: d.primaryEmail }, '10.4.1.1');
    const codeB = (await codeSentTo(ctx, d.primaryEmail))!;
    for (let i = 0; i < 4; i++) await verify(ctx, team.slug, b.json().requestId, wrong(codeB), '10.4.1.2');
    expect((await verify(ctx, team.slug, b.json().requestId, codeB, '10.4.1.3')).statusCode).toBe(200);
  });

  it('rate-limits asking for codes per email (429 with Retry-After) without blocking other emails', async () => {
    const c = await createContact(ctx, team);
    for (let i = 0; i < 5; i++) expect((await startLogin(ctx, team.slug, { email: c.primaryEmail }, `10.5.0.${i}`)).statusCode).toBe(200);
    const blocked = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.5.1.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    expect((await startLogin(ctx, team.slug, { email: `other-${c.primaryEmail}` }, '10.5.1.1')).statusCode).toBe(200);
    // the same limit for an email nobody has: the answer does not tell them apart
    for (let i = 0; i < 5; i++) await startLogin(ctx, team.slug, { email: 'nobody-rl@example.com' }, `10.5.2.${i}`);
    expect((await startLogin(ctx, team.slug, { email: 'nobody-rl@example.com' }, '10.5.3.1')).statusCode).toBe(429);
  });

  it('rate-limits asking for codes per IP', async () => {
    for (let i = 0; i < 30; i++)
      expect((await startLogin(ctx, team.slug, { email: `ip-${i}@example.com` }, '10.6.0.1')).statusCode).toBe(200);
    const blocked = await startLogin(ctx, team.slug, { email: 'ip-last@example.com' }, '10.6.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await startLogin(ctx, team.slug, { email: 'ip-last@example.com' }, '10.6.0.2')).statusCode).toBe(200);
  });

  it('rate-limits wrong codes per email across requests, and per IP', async () => {
    const c = await createContact(ctx, team);
    // 10 wrong codes for one email over two requests (5 each), from many addresses
    let right = '';
    let last = '';
    for (let r = 0; r < 3; r++) {
      const s = await startLogin(ctx, team.slug, { email: c.primaryEmail }, `10.7.${r}.1`);
      right = (await codeSentTo(ctx, c.primaryEmail))!;
      last = s.json().requestId;
      if (r < 2) for (let i = 0; i < 5; i++) await verify(ctx, team.slug, last, wrong(right), `10.7.${r}.${10 + i}`);
    }
    const blocked = await verify(ctx, team.slug, last, right, '10.7.9.9');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();

    // 50 wrong codes from one address, for requests of different emails
    for (let i = 0; i < 50; i++) expect((await verify(ctx, team.slug, randomUUID(), 'AAAAAAA', '10.8.0.1')).statusCode).toBe(401);
    const d = await createContact(ctx, team);
    const s = await startLogin(ctx, team.slug, { email: d.primaryEmail }, '10.8.1.1');
    const code = (await codeSentTo(ctx, d.primaryEmail))!;
    expect((await verify(ctx, team.slug, s.json().requestId, code, '10.8.0.1')).statusCode).toBe(429);
    expect((await verify(ctx, team.slug, s.json().requestId, code, '10.8.0.2')).statusCode).toBe(200);
  });

  it('mails at most 5 codes when 100 starts for one email arrive at once', async () => {
    const c = await createContact(ctx, team);
    const res = await Promise.all(
      Array.from({ length: 100 }, (_, i) => startLogin(ctx, team.slug, { email: c.primaryEmail }, `10.40.${i}.1`)),
    );
    expect(res.filter((r) => r.statusCode === 200)).toHaveLength(5);
    expect(res.filter((r) => r.statusCode === 429)).toHaveLength(95);
    await ctx.services.portal.processLoginRequests();
    const mails = await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', c.primaryEmail).execute();
    expect(mails).toHaveLength(5);
  });

  it('mails one contact at most 5 codes per 15 minutes even when both entries queued more', async () => {
    const c = await createContact(ctx, team);
    const link = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/portal-link`);
    const token = new URL(link.json().url).pathname.split('/').at(-1)!;
    for (let i = 0; i < 5; i++) {
      expect((await startLogin(ctx, team.slug, { email: c.primaryEmail }, `10.41.0.${i}`)).statusCode).toBe(200);
      expect((await startLogin(ctx, team.slug, { linkToken: token }, `10.41.1.${i}`)).statusCode).toBe(200);
    }
    await ctx.services.portal.processLoginRequests();
    const mails = await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', c.primaryEmail).execute();
    expect(mails).toHaveLength(5);
  });

  it('checks no more than 10 codes of a parallel burst for one email; the right code past them does not sign in', async () => {
    const c = await createContact(ctx, team);
    const requests: string[] = [];
    for (let r = 0; r < 3; r++)
      requests.push((await startLogin(ctx, team.slug, { email: c.primaryEmail }, `10.42.0.${r}`)).json().requestId);
    const right = (await codeSentTo(ctx, c.primaryEmail))!;
    // 99 wrong codes spread over the first two requests, then the right code of the third
    const tries = Array.from({ length: 100 }, (_, i) =>
      i === 99
        ? verify(ctx, team.slug, requests[2]!, right, '10.42.2.1')
        : verify(ctx, team.slug, requests[i % 2]!, 'AAAAAAA', `10.42.1.${i}`),
    );
    const res = await Promise.all(tries);
    expect(res.filter((r) => r.statusCode !== 429)).toHaveLength(10);
    expect(res.at(-1)!.statusCode).toBe(429);
    expect(await ctx.db.selectFrom('portalSessions').select('tokenHash').where('contactId', '=', c.id).execute()).toHaveLength(0);
  });

  it('sends no code to an inactive contact, one without portal access, another team, or an unknown email', async () => {
    const inactive = await createContact(ctx, team, { permissions: { active: false } });
    const noAccess = await createContact(ctx, team, { permissions: { portalAccess: false } });
    const other = await createTeam(ctx);
    const foreign = await createContact(ctx, other);
    for (const email of [inactive.primaryEmail, noAccess.primaryEmail, foreign.primaryEmail, 'unknown-person@example.com']) {
      expect((await startLogin(ctx, team.slug, { email }, '10.9.0.1')).statusCode).toBe(200);
    }
    const before = await ctx.db.selectFrom('mailOutbox').select('id').where('kind', '=', 'portal.code').execute();
    const out = await ctx.services.portal.processLoginRequests();
    expect(out.dropped).toBeGreaterThanOrEqual(4);
    const after = await ctx.db.selectFrom('mailOutbox').select('id').where('kind', '=', 'portal.code').execute();
    expect(after.length).toBe(before.length);
  });

  it('answers 403 PORTAL_DISABLED when the team portal is off, and 400 for something that is not an email', async () => {
    const bad = await startLogin(ctx, team.slug, { email: 'not an email' }, '10.10.0.1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('email');
    const t2 = await createTeam(ctx);
    await call(ctx, t2.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: false });
    const off = await startLogin(ctx, t2.slug, { email: 'a@example.com' }, '10.10.0.1');
    expect(off.statusCode).toBe(403);
    expect(off.json().code).toBe('PORTAL_DISABLED');
  });

  it('refuses a sign-in started by another site', async () => {
    const res = await startLogin(ctx, team.slug, { email: 'x@example.com' }, '10.11.0.1', {
      origin: 'https://evil.example',
      host: 'localhost',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('CSRF');
  });

  it('marks the contact verified at the first sign-in and records it in the history', async () => {
    const c = await createContact(ctx, team);
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`)).json().portalVerifiedAt).toBeNull();
    await signIn(ctx, team.slug, c.primaryEmail, '10.12.0.1');
    const after = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`)).json();
    expect(after.portalVerifiedAt).toBe(clock.now().toISOString());
    expect(after.version).toBe(c.version + 1);
    const history = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}/history`)).json().items;
    expect(history[0]).toMatchObject({ action: 'portal.verified', actor: { type: 'contact', id: c.id } });
    // a second sign-in keeps the first date
    clock.advance(MIN);
    await signIn(ctx, team.slug, c.primaryEmail, '10.12.0.2');
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`)).json().portalVerifiedAt).toBe(after.portalVerifiedAt);
  });
});

describe('contact links', () => {
  it('signs in through the contact link, and a regenerated or revoked link sends nothing', async () => {
    const c = await createContact(ctx, team);
    const link = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/portal-link`, undefined, { host: 'kdesk.test' });
    expect(link.statusCode).toBe(200);
    const url = new URL(link.json().url);
    expect(url.origin).toBe('http://kdesk.test');
    const [, , slug, , token] = url.pathname.split('/');
    expect(slug).toBe(team.slug);
    const stored = await ctx.db.selectFrom('portalLinks').select('tokenHash').where('contactId', '=', c.id).executeTakeFirstOrThrow();
    expect(stored.tokenHash).not.toContain(token!);

    const s = await startLogin(ctx, team.slug, { linkToken: token }, '10.13.0.1');
    expect(s.statusCode).toBe(200);
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    expect((await verify(ctx, team.slug, s.json().requestId, code, '10.13.0.1')).statusCode).toBe(200);

    const newer = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/portal-link`);
    expect(newer.json().url).not.toBe(link.json().url);
    const mailsBefore = await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', c.primaryEmail).execute();
    await startLogin(ctx, team.slug, { linkToken: token }, '10.13.0.2');
    await ctx.services.portal.processLoginRequests();
    expect(await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', c.primaryEmail).execute()).toHaveLength(
      mailsBefore.length,
    );

    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}/portal-link`)).statusCode).toBe(204);
    const newToken = new URL(newer.json().url).pathname.split('/').at(-1)!;
    await startLogin(ctx, team.slug, { linkToken: newToken }, '10.13.0.3');
    await ctx.services.portal.processLoginRequests();
    expect(await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', c.primaryEmail).execute()).toHaveLength(
      mailsBefore.length,
    );
  });

  it("does not let a link token of one team sign in at another team's portal", async () => {
    const other = await createTeam(ctx);
    const c = await createContact(ctx, other);
    const token = new URL((await call(ctx, other.ownerToken, 'POST', `/api/v1/contacts/${c.id}/portal-link`)).json().url).pathname
      .split('/')
      .at(-1)!;
    await startLogin(ctx, team.slug, { linkToken: token }, '10.14.0.1');
    await ctx.services.portal.processLoginRequests();
    expect(await codeSentTo(ctx, c.primaryEmail)).toBeNull();
  });

  it('answers the team link, uses KDESK_PUBLIC_URL when set, and hides contacts of other teams (404)', async () => {
    const res = await call(ctx, team.ownerToken, 'GET', '/api/v1/portal-link', undefined, { host: 'help.example' });
    expect(res.json()).toEqual({ url: `http://help.example/portal/${team.slug}` });
    const pub = await buildApp({ db: ctx.db, config: { ...testConfig, publicUrl: 'https://support.example.com' }, services: ctx.services });
    const viaPublic = await pub.inject({
      method: 'GET',
      url: '/api/v1/portal-link',
      headers: { authorization: `Bearer ${team.ownerToken}` },
    });
    expect(viaPublic.json().url).toBe(`https://support.example.com/portal/${team.slug}`);
    await pub.close();
    const other = await createTeam(ctx);
    const foreign = await createContact(ctx, other);
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${foreign.id}/portal-link`)).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${foreign.id}/invite`)).statusCode).toBe(404);
  });

  it('makes no contact link while the team portal is off or the contact may not sign in, and says why', async () => {
    const t = await createTeam(ctx);
    const noAccess = await createContact(ctx, t, { permissions: { portalAccess: false } });
    const inactive = await createContact(ctx, t, { permissions: { active: false } });
    const noEmail = await createContact(ctx, t, { primaryEmail: null });
    const fine = await createContact(ctx, t);
    const refused = async (id: string) => {
      const res = await call(ctx, t.ownerToken, 'POST', `/api/v1/contacts/${id}/portal-link`);
      expect(res.statusCode).toBe(409);
      return res.json().message as string;
    };
    expect(await refused(noAccess.id)).toBe('No portal link made: the contact has no portal access');
    expect(await refused(inactive.id)).toBe('No portal link made: the contact is inactive');
    expect(await refused(noEmail.id)).toBe('No portal link made: the contact has no primary email');
    expect((await call(ctx, t.ownerToken, 'POST', `/api/v1/contacts/${fine.id}/portal-link`)).statusCode).toBe(200);

    expect((await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: false })).statusCode).toBe(200);
    expect(await refused(fine.id)).toBe('No portal link made: the team portal is switched off');
    // nothing was stored for the refused contacts
    const links = await ctx.db.selectFrom('portalLinks').select('contactId').where('teamId', '=', t.teamId).execute();
    expect(links.map((l) => l.contactId)).toEqual([fine.id]);
  });

  it('needs modifyContacts to create links and send invitations', async () => {
    const viewer = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    const c = await createContact(ctx, team);
    expect((await call(ctx, viewer.token, 'POST', `/api/v1/contacts/${c.id}/portal-link`)).statusCode).toBe(403);
    expect((await call(ctx, viewer.token, 'POST', `/api/v1/contacts/${c.id}/invite`)).statusCode).toBe(403);
    expect((await call(ctx, viewer.token, 'GET', '/api/v1/portal-link')).statusCode).toBe(200);
  });
});

describe('portal invitations', () => {
  /** The addresses of the invitation mails of `t`, one per mail. */
  const invitationsTo = async (t: TestTeam) =>
    (
      await ctx.db
        .selectFrom('mailOutbox')
        .select('toAddress')
        .where('teamId', '=', t.teamId)
        .where('kind', '=', 'portal.invitation')
        .execute()
    ).map((m) => m.toAddress);

  it('mails the contact link, branded, with a text part; the link signs in', async () => {
    const c = await createContact(ctx, team, { firstName: '<b>Eve</b>' });
    const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/invite`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ invited: 1, skipped: [] });
    const m = await ctx.db
      .selectFrom('mailOutbox')
      .selectAll()
      .where('toAddress', '=', c.primaryEmail)
      .where('kind', '=', 'portal.invitation')
      .executeTakeFirstOrThrow();
    const url = /(http:\/\/\S+\/c\/\S+)/.exec(m.textBody)![1]!;
    expect(m.htmlBody).toContain('&lt;b&gt;Eve&lt;/b&gt;');
    expect(m.htmlBody).not.toContain('<b>Eve');
    expect(m.subject).toContain('invites you');
    const token = url.split('/').at(-1)!;
    const s = await startLogin(ctx, team.slug, { linkToken: token }, '10.15.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    expect((await verify(ctx, team.slug, s.json().requestId, code, '10.15.0.1')).statusCode).toBe(200);
  });

  it('answers 409 with the reason for a contact that cannot sign in', async () => {
    const c = await createContact(ctx, team, { permissions: { portalAccess: false } });
    const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/invite`);
    expect(res.statusCode).toBe(409);
    expect(res.json().details[0].message).toBe('The contact has no portal access');
    const noEmail = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'No mail' });
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${noEmail.json().id}/invite`)).json().details[0].message).toBe(
      'The contact has no primary email',
    );
  });

  it('sends invitations as a bulk action of the directory, by ids or by filter', async () => {
    const t = await createTeam(ctx);
    const a = await createContact(ctx, t, { company: 'Bulk Invite Co' });
    const b = await createContact(ctx, t, { company: 'Bulk Invite Co', permissions: { portalAccess: false } });
    const c = await createContact(ctx, t, { company: 'Elsewhere' });
    const byIds = await call(ctx, t.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'invite', ids: [a.id, b.id] });
    expect(byIds.json()).toEqual({ affected: 1 });
    const byFilter = await call(ctx, t.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'invite', filter: { q: 'Elsewhere' } });
    expect(byFilter.json()).toEqual({ affected: 1 });
    const mailed = await invitationsTo(t);
    expect(mailed.sort()).toEqual([a.primaryEmail, c.primaryEmail].sort());
    const viewer = await createMember(ctx, t, { permissions: { modifyContacts: false } });
    expect((await call(ctx, viewer.token, 'POST', '/api/v1/contacts/bulk', { action: 'invite', ids: [a.id] })).statusCode).toBe(403);
  });

  it('sends a large bulk invitation as a job with progress, one mail per eligible contact', async () => {
    const t = await createTeam(ctx);
    const { systemActor } = await import('../auth/actor.ts');
    await ctx.services.contacts.createMany(
      systemActor(t.teamId),
      Array.from({ length: 300 }, (_, i) => ({ firstName: 'Mass', lastName: `Invitee ${i}`, primaryEmail: `mass${i}@invite.test` })),
    );
    const res = await call(ctx, t.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'invite', filter: { q: 'mass invitee' } });
    expect(res.statusCode).toBe(202);
    const { jobId } = res.json();
    expect(await ctx.runJobs()).toBeGreaterThanOrEqual(1);
    const job = (await call(ctx, t.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(job).toMatchObject({ kind: 'portal.invite', status: 'succeeded', processed: 300, total: 300, result: { affected: 300 } });
    const mailed = await invitationsTo(t);
    expect(new Set(mailed).size).toBe(300);
    expect(mailed).toHaveLength(300);
  });

  it('inviteMany writes one mail per eligible contact in the caller transaction and lists the others', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team, { permissions: { active: false } });
    const other = await createTeam(ctx);
    const foreign = await createContact(ctx, other);
    const actor = { ...(await import('../auth/actor.ts')).systemActor(team.teamId) };
    // rolled back with its transaction: nothing is left behind
    await expect(
      ctx.db.transaction().execute(async (tx) => {
        await ctx.services.portal.inviteMany(actor, [a.id], tx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', a.primaryEmail).execute()).toHaveLength(0);
    const r = await ctx.services.portal.inviteMany(actor, [a.id, b.id, foreign.id, 'nope']);
    expect(r.invited).toBe(1);
    expect(r.skipped).toEqual(
      expect.arrayContaining([
        { id: b.id, reason: 'The contact is inactive' },
        { id: foreign.id, reason: 'Contact not found' },
        { id: 'nope', reason: 'Contact not found' },
      ]),
    );
    expect(await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', a.primaryEmail).execute()).toHaveLength(1);
  });
});

describe('contact sessions', () => {
  it('sets an HttpOnly SameSite=Lax cookie on Path=/, and __Host- with Secure over https', async () => {
    const c = await createContact(ctx, team);
    const { res } = await signIn(ctx, team.slug, c.primaryEmail, '10.20.0.1');
    const cookie = res.cookies.find((x) => x.name === 'kdesk_portal')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy();
    expect(res.headers['cache-control']).toBe('no-store');

    const secure = await buildApp({ db: ctx.db, config: { ...testConfig, secureCookies: true }, services: ctx.services });
    const s = await secure.inject({
      method: 'POST',
      url: `/portal/api/${team.slug}/login/start`,
      remoteAddress: '10.20.0.2',
      payload: { email: c.primaryEmail },
    });
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    const v = await secure.inject({
      method: 'POST',
      url: `/portal/api/${team.slug}/login/verify`,
      remoteAddress: '10.20.0.2',
      payload: { requestId: s.json().requestId, code },
    });
    const hostCookie = v.cookies.find((x) => x.name === '__Host-kdesk_portal')!;
    expect(hostCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: true });
    expect(hostCookie.domain).toBeUndefined();
    await secure.close();
  });

  it('ends after 30 idle minutes; activity keeps it going', async () => {
    const c = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail, '10.21.0.1');
    clock.advance(29 * MIN);
    expect((await me(ctx, team.slug, cookie)).statusCode).toBe(200);
    clock.advance(29 * MIN);
    expect((await me(ctx, team.slug, cookie)).statusCode).toBe(200);
    clock.advance(30 * MIN + 1000);
    expect((await me(ctx, team.slug, cookie)).statusCode).toBe(401);
  });

  it('ends 12 hours after sign-in however active it is', async () => {
    const c = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail, '10.22.0.1');
    for (let i = 0; i < 35; i++) {
      clock.advance(20 * MIN);
      expect((await me(ctx, team.slug, cookie)).statusCode).toBe(200);
    }
    clock.advance(20 * MIN); // 12 h since sign-in
    const res = await me(ctx, team.slug, cookie);
    expect(res.statusCode).toBe(401);
  });

  it('rotates at sign-in: the cookie sent along stops working and a new one is issued', async () => {
    const c = await createContact(ctx, team);
    const { cookie: first } = await signIn(ctx, team.slug, c.primaryEmail, '10.23.0.1');
    const s = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.23.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    const res = await verify(ctx, team.slug, s.json().requestId, code, '10.23.0.1', first);
    expect(res.statusCode).toBe(200);
    const second = cookieOf(res);
    expect(second).not.toBe(first);
    expect((await me(ctx, team.slug, first)).statusCode).toBe(401);
    expect((await me(ctx, team.slug, second)).statusCode).toBe(200);
  });

  it('ends at logout; a logout from another site is refused', async () => {
    const c = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail, '10.24.0.1');
    const evil = await ctx.app.inject({
      method: 'POST',
      url: `/portal/api/${team.slug}/logout`,
      headers: { cookie, origin: 'https://evil.example', host: 'localhost' },
    });
    expect(evil.statusCode).toBe(403);
    expect((await me(ctx, team.slug, cookie)).statusCode).toBe(200);
    const out = await ctx.app.inject({
      method: 'POST',
      url: `/portal/api/${team.slug}/logout`,
      headers: { cookie, origin: ORIGIN, host: 'localhost' },
    });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((x) => x.name === 'kdesk_portal')?.value).toBe('');
    expect((await me(ctx, team.slug, cookie)).statusCode).toBe(401);
  });

  it('is not valid at another team portal, and not on the agent API', async () => {
    const c = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail, '10.25.0.1');
    const other = await createTeam(ctx);
    expect((await me(ctx, other.slug, cookie)).statusCode).toBe(401);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/contacts', headers: { cookie } })).statusCode).toBe(401);
  });

  it.each([
    ['deactivated', { permissions: { active: false } }],
    ['loses portal access', { permissions: { portalAccess: false } }],
    ['gets another primary email', { primaryEmail: 'changed-address@example.com' }],
  ])('ends every session of a contact that is %s', async (_, patch) => {
    const c = await createContact(ctx, team);
    const one = await signIn(ctx, team.slug, c.primaryEmail, '10.26.0.1');
    const two = await signIn(ctx, team.slug, c.primaryEmail, '10.26.0.2');
    const bystander = await createContact(ctx, team);
    const b = await signIn(ctx, team.slug, bystander.primaryEmail, '10.26.0.3');
    const res = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, patch);
    expect(res.statusCode).toBe(200);
    expect(await ctx.db.selectFrom('portalSessions').select('tokenHash').where('contactId', '=', c.id).execute()).toHaveLength(0);
    expect((await me(ctx, team.slug, one.cookie)).statusCode).toBe(401);
    expect((await me(ctx, team.slug, two.cookie)).statusCode).toBe(401);
    expect((await me(ctx, team.slug, b.cookie)).statusCode).toBe(200);
  });

  it('ends the sessions of a deleted contact', async () => {
    const c = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail, '10.27.0.1');
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
    expect((await me(ctx, team.slug, cookie)).statusCode).toBe(401);
    expect(await ctx.db.selectFrom('portalSessions').select('tokenHash').where('contactId', '=', c.id).execute()).toHaveLength(0);
  });

  it.each(['deactivate', 'delete'])('ends the sessions of contacts a bulk %s touches', async (action) => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    const sa = await signIn(ctx, team.slug, a.primaryEmail, '10.31.0.1');
    const sb = await signIn(ctx, team.slug, b.primaryEmail, '10.31.0.2');
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action, ids: [a.id] });
    expect(res.json()).toEqual({ affected: 1 });
    expect((await me(ctx, team.slug, sa.cookie)).statusCode).toBe(401);
    expect((await me(ctx, team.slug, sb.cookie)).statusCode).toBe(200);
    expect(await ctx.db.selectFrom('portalSessions').select('tokenHash').where('contactId', '=', a.id).execute()).toHaveLength(0);
  });

  it('sends no code to a contact in the trash, and a restored one signs in again', async () => {
    const c = await createContact(ctx, team);
    await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}`);
    await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.32.0.1');
    expect(await codeSentTo(ctx, c.primaryEmail)).toBeNull();
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/restore`)).statusCode).toBe(200);
    await signIn(ctx, team.slug, c.primaryEmail, '10.32.0.2');
  });

  it('ends every session of the team when its portal is switched off, and they stay ended when it is on again', async () => {
    const t = await createTeam(ctx);
    const c = await createContact(ctx, t);
    const { cookie } = await signIn(ctx, t.slug, c.primaryEmail, '10.28.0.1');
    await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: false });
    expect((await me(ctx, t.slug, cookie)).statusCode).toBe(401);
    await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: true });
    expect((await me(ctx, t.slug, cookie)).statusCode).toBe(401);
  });

  it('refuses a code mailed to the old address after an agent changes the primary email', async () => {
    const c = await createContact(ctx, team);
    const s = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.43.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    const newEmail = `moved-${c.primaryEmail}`;
    expect((await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { primaryEmail: newEmail })).statusCode).toBe(200);
    const res = await verify(ctx, team.slug, s.json().requestId, code, '10.43.0.1');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('INVALID_CODE');
    expect(res.cookies).toHaveLength(0);
    // a code mailed to the new address signs in
    await signIn(ctx, team.slug, newEmail, '10.43.0.2');
  });

  it('refuses a code a contact link mailed to the old address after an agent changes the primary email', async () => {
    const c = await createContact(ctx, team);
    const link = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/portal-link`);
    const token = new URL(link.json().url).pathname.split('/').at(-1)!;
    const s = await startLogin(ctx, team.slug, { linkToken: token }, '10.44.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    expect(code).toBeTruthy();
    expect(
      (await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { primaryEmail: `moved-${c.primaryEmail}` })).statusCode,
    ).toBe(200);
    expect((await verify(ctx, team.slug, s.json().requestId, code, '10.44.0.1')).statusCode).toBe(401);
    expect(await ctx.db.selectFrom('portalSessions').select('tokenHash').where('contactId', '=', c.id).execute()).toHaveLength(0);
  });

  it('refuses a contact deactivated after the code was mailed', async () => {
    const c = await createContact(ctx, team);
    const s = await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.29.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { permissions: { active: false } });
    expect((await verify(ctx, team.slug, s.json().requestId, code, '10.29.0.1')).statusCode).toBe(401);
  });
});

describe('the signed-in contact', () => {
  it('reads its profile and changes its own notification preferences, recorded as a change by the contact', async () => {
    const c = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail, '10.30.0.1');
    const profile = (await me(ctx, team.slug, cookie)).json();
    expect(profile).toMatchObject({
      id: c.id,
      notifications: { newTickets: true, ticketUpdates: true, newComments: true, formAssignments: true },
      teamNotifications: { newTickets: true },
      can: { postComments: true, closeTickets: true },
    });
    const patch = (body: object, headers: Record<string, string> = { origin: ORIGIN, host: 'localhost' }) =>
      ctx.app.inject({ method: 'PATCH', url: `/portal/api/${team.slug}/me/notifications`, headers: { cookie, ...headers }, payload: body });
    const res = await patch({ newComments: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().notifications).toMatchObject({ newComments: false, newTickets: true });
    const contact = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`)).json();
    expect(contact.notifications.newComments).toBe(false);
    const history = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}/history`)).json().items;
    expect(history[0]).toMatchObject({
      action: 'update',
      actor: { type: 'contact', id: c.id, label: c.primaryEmail },
      changes: { 'notifications.newComments': { before: true, after: false } },
    });

    expect((await patch({ newTickets: false }, { origin: 'https://evil.example', host: 'localhost' })).statusCode).toBe(403);
    expect((await patch({ newTickets: false }, { host: 'localhost' })).statusCode).toBe(403);
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`)).json().notifications.newTickets).toBe(true);
    expect((await patch({ permissions: { active: true } })).statusCode).toBe(400);
    expect((await patch({ newTickets: 'yes' })).statusCode).toBe(400);
  });

  it('answers 401 without a session', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/${team.slug}/me` })).statusCode).toBe(401);
    expect((await me(ctx, team.slug, 'kdesk_portal=kdp_forged')).statusCode).toBe(401);
  });
});
