// Password reset by emailed link: the same answer for every address, rate-limited, single use, 1 hour,
// links only to a trusted address, and a reset ends every session and token of the member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';

let ctx: TestContext;
let team: TestTeam;
let clockOffsetMs = 0;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => new Date(Date.now() + clockOffsetMs) });
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

function ask(email: string, headers: Record<string, string> = {}) {
  return ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email }, headers });
}
async function resetMails(to: string) {
  return ctx.db
    .selectFrom('mailOutbox')
    .select(['textBody', 'htmlBody', 'subject'])
    .where('toAddress', '=', to)
    .where('kind', '=', 'member.password-reset')
    .orderBy('id', 'desc')
    .execute();
}
async function linkFor(to: string) {
  await ctx.services.passwordResets.processRequests();
  const [mail] = await resetMails(to);
  if (!mail) throw new Error(`no reset mail to ${to}`);
  const token = /\/reset-password\/(\S+)/.exec(mail.textBody)![1]!;
  return { mail, token: decodeURIComponent(token.replace(/\.$/, '')) };
}
const signIn = (email: string, password: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
const complete = (token: string, password: string) =>
  ctx.app.inject({
    method: 'POST',
    url: `/api/v1/auth/password-reset/${encodeURIComponent(token)}`,
    payload: { password },
    headers: { origin: 'http://localhost:80' },
  });

describe('POST /api/v1/auth/password-reset', () => {
  it('answers a member address and an unknown one alike, and mails only the member', async () => {
    const agent = await createMember(ctx, team);
    const unknown = `nobody-${uid()}@example.com`;
    const [known, other] = [await ask(agent.email), await ask(unknown)];
    const shape = (r: typeof known) => {
      const { date: _d, 'x-request-id': _r, ...headers } = r.headers;
      return { status: r.statusCode, body: r.body, headers };
    };
    expect(shape(known)).toEqual(shape(other));
    expect(known.statusCode).toBe(202);
    expect(await ctx.services.passwordResets.processRequests()).toEqual({ issued: 1, dropped: 1 });
    expect(await resetMails(unknown)).toEqual([]);
    const [mail] = await resetMails(agent.email);
    expect(mail!.subject).toMatch(/^Reset your Team \w+ password$/);
  });

  it('sets the new password once, ends every session and token, and signs in here', async () => {
    const agent = await createMember(ctx, team);
    const before = await signIn(agent.email, agent.password);
    const oldCookie = before.cookies.find((c) => c.name === 'kdesk_session')!;
    await ask(agent.email);
    const { token } = await linkFor(agent.email);
    expect((await call(ctx, null, 'GET', `/api/v1/auth/password-reset/${encodeURIComponent(token)}`)).json()).toEqual({
      email: agent.email,
    });
    const done = await complete(token, 'a new long passphrase');
    expect(done.statusCode).toBe(200);
    expect(done.json().member.email).toBe(agent.email);
    expect(done.cookies.find((c) => c.name === 'kdesk_session')).toBeTruthy();
    expect((await signIn(agent.email, 'a new long passphrase')).statusCode).toBe(200);
    expect((await signIn(agent.email, agent.password)).statusCode).toBe(401);
    expect((await call(ctx, agent.token, 'GET', '/api/v1/me')).statusCode).toBe(401);
    const old = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `kdesk_session=${oldCookie.value}` } });
    expect(old.statusCode).toBe(401);
    // single use
    expect((await complete(token, 'yet another passphrase')).statusCode).toBe(404);
    expect((await call(ctx, null, 'GET', `/api/v1/auth/password-reset/${encodeURIComponent(token)}`)).statusCode).toBe(404);
  });

  it('voids an open link when the password is set another way or the member is deactivated', async () => {
    const agent = await createMember(ctx, team);
    await ask(agent.email);
    const { token } = await linkFor(agent.email);
    await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { password: 'set by the owner now' });
    expect((await complete(token, 'a new long passphrase')).statusCode).toBe(404);
    expect((await signIn(agent.email, 'set by the owner now')).statusCode).toBe(200);
  });

  it('lets exactly one of parallel uses of a link through', async () => {
    const agent = await createMember(ctx, team);
    await ask(agent.email);
    const { token } = await linkFor(agent.email);
    const res = await Promise.all(Array.from({ length: 6 }, (_, i) => complete(token, `parallel passphrase ${i}`)));
    expect(res.filter((r) => r.statusCode === 200)).toHaveLength(1);
  });

  it('keeps the link after a refused password, and ends it after an hour', async () => {
    const agent = await createMember(ctx, team);
    await ask(agent.email);
    const { token } = await linkFor(agent.email);
    const weak = await complete(token, 'Password123');
    expect(weak.statusCode).toBe(400);
    expect(weak.json().details[0].path).toBe('password');
    clockOffsetMs = 61 * 60_000;
    try {
      expect((await complete(token, 'a new long passphrase')).statusCode).toBe(404);
    } finally {
      clockOffsetMs = 0;
    }
    expect((await signIn(agent.email, agent.password)).statusCode).toBe(200);
  });

  it('limits requests per address whether or not it belongs to a member (429 with Retry-After)', async () => {
    const agent = await createMember(ctx, team);
    const unknown = `limit-${uid()}@example.com`;
    for (const email of [agent.email, unknown]) {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await ask(email, { 'x-forwarded-for': '1.2.3.4' })).statusCode);
      expect(codes).toEqual([202, 202, 202, 429]);
    }
    const limited = await ask(agent.email);
    expect(limited.headers['retry-after']).toBeTruthy();
  });

  it('never links to the Host an unauthenticated request sent, and drops deactivated members', async () => {
    const t = await createTeam(ctx);
    const agent = await createMember(ctx, t);
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: agent.email },
      headers: { host: 'evil.test' },
    });
    const { mail } = await linkFor(agent.email);
    expect(mail.textBody).not.toContain('evil.test');
    expect(mail.htmlBody).not.toContain('evil.test');
    // a member of the team signed in at this address: links go there
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: t.ownerEmail, password: t.ownerPassword },
      headers: { host: 'help.acme.test' },
    });
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: agent.email },
      headers: { host: 'evil.test' },
    });
    expect((await linkFor(agent.email)).mail.textBody).toContain('http://help.acme.test/reset-password/');

    await call(ctx, t.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { active: false });
    await ask(agent.email);
    expect(await ctx.services.passwordResets.processRequests()).toEqual({ issued: 0, dropped: 1 });
  });
});
