import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';

let ctx: TestContext;
let team: TestTeam;
const origin = 'http://localhost';

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

async function login(email: string, password: string, remoteAddress?: string) {
  return ctx.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    headers: { host: 'localhost', origin },
    payload: { email, password },
  });
}
const cookieOf = (res: Awaited<ReturnType<typeof login>>) => {
  const c = res.cookies.find((x) => x.name === 'kdesk_session')!;
  return `${c.name}=${c.value}`;
};

describe('POST /api/v1/auth/login', () => {
  it('signs in with any case of the email and sets an HttpOnly SameSite session cookie', async () => {
    const res = await login(team.ownerEmail.toUpperCase(), team.ownerPassword);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ member: { email: team.ownerEmail, role: 'owner' }, team: { id: team.teamId }, via: 'session' });
    const cookie = res.cookies.find((c) => c.name === 'kdesk_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: cookieOf(res) } });
    expect(me.json().member.email).toBe(team.ownerEmail);
  });

  it('answers the same 401 for a wrong password and an unknown email', async () => {
    const wrong = await login(team.ownerEmail, 'wrong password!');
    const unknown = await login('nobody@example.com', 'whatever pass');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().message).toBe(unknown.json().message);
    expect(wrong.cookies).toHaveLength(0);
  });

  it('refuses a sign-in posted by another site', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { host: 'localhost', origin: 'https://evil.example' },
      payload: { email: team.ownerEmail, password: team.ownerPassword },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('CSRF protection of cookie sessions', () => {
  it('accepts a same-origin write with a matching Origin header', async () => {
    const cookie = cookieOf(await login(team.ownerEmail, team.ownerPassword));
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: { cookie, host: 'localhost', origin },
      payload: { firstName: 'Csrf ok' },
    });
    expect(res.statusCode).toBe(201);
  });

  it('refuses a cookie write from another origin or with no Origin, and writes nothing', async () => {
    const cookie = cookieOf(await login(team.ownerEmail, team.ownerPassword));
    const foreign = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: { cookie, host: 'localhost', origin: 'https://evil.example' },
      payload: { firstName: 'Csrf bad' },
    });
    const none = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: { cookie, host: 'localhost' },
      payload: { firstName: 'Csrf bad' },
    });
    expect([foreign.statusCode, none.statusCode]).toEqual([403, 403]);
    expect(foreign.json().code).toBe('CSRF');
    const n = await ctx.db.selectFrom('contacts').select('id').where('firstName', '=', 'Csrf bad').execute();
    expect(n).toHaveLength(0);
  });

  it('accepts Sec-Fetch-Site: same-origin when a browser sends no Origin', async () => {
    const cookie = cookieOf(await login(team.ownerEmail, team.ownerPassword));
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: { cookie, host: 'localhost', 'sec-fetch-site': 'same-origin' },
      payload: { firstName: 'Fetch site' },
    });
    expect(res.statusCode).toBe(201);
  });

  it('does not ask bearer-token clients for an Origin', async () => {
    expect((await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Token' })).statusCode).toBe(201);
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('ends the session so the cookie no longer works', async () => {
    const cookie = cookieOf(await login(team.ownerEmail, team.ownerPassword));
    const out = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, host: 'localhost', origin } });
    expect(out.statusCode).toBe(204);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('API tokens', () => {
  it('creates a token that is shown once, stored hashed, works as Bearer, and can be revoked', async () => {
    const created = await call(ctx, team.ownerToken, 'POST', '/api/v1/tokens', { name: 'zapier' });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^kdt_/);
    const stored = await ctx.db.selectFrom('apiTokens').select('tokenHash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.tokenHash).not.toContain(token.slice(4));
    expect((await call(ctx, token, 'GET', '/api/v1/me')).json()).toMatchObject({ via: 'token', member: { email: team.ownerEmail } });
    const list = (await call(ctx, token, 'GET', '/api/v1/tokens')).json().items;
    expect(list.map((x: { name: string }) => x.name)).toContain('zapier');
    expect(JSON.stringify(list)).not.toContain(token);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/tokens/${id}`)).statusCode).toBe(204);
    expect((await call(ctx, token, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });

  it('carries the permissions of its member', async () => {
    const viewer = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    const own = (await call(ctx, viewer.token, 'POST', '/api/v1/tokens', { name: 'mine' })).json().token;
    expect((await call(ctx, own, 'POST', '/api/v1/contacts', { firstName: 'x' })).statusCode).toBe(403);
  });

  it('answers 401 with WWW-Authenticate for an unknown token', async () => {
    const res = await call(ctx, 'kdt_forged', 'GET', '/api/v1/me');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('sign-in throttling', () => {
  it('answers 429 with Retry-After after 10 failed sign-ins for one account, even with the right password, and not for others', async () => {
    const victim = await createTeam(ctx);
    for (let i = 0; i < 10; i++) expect((await login(victim.ownerEmail, `wrong guess ${i}`)).statusCode).toBe(401);
    const blocked = await login(victim.ownerEmail, victim.ownerPassword);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    expect((await login(team.ownerEmail, team.ownerPassword)).statusCode).toBe(200);
  });

  it('checks no more than 10 passwords of a parallel burst for one account; the right one past them does not sign in', async () => {
    const victim = await createTeam(ctx);
    const guesses = Array.from({ length: 100 }, (_, i) => (i === 99 ? victim.ownerPassword : `wrong guess ${i}`));
    const res = await Promise.all(guesses.map((p, i) => login(victim.ownerEmail, p, `10.60.${i}.1`)));
    // every answer but 429 is a password that was checked
    expect(res.filter((r) => r.statusCode !== 429)).toHaveLength(10);
    expect(res.filter((r) => r.statusCode === 200)).toHaveLength(0);
    const last = res.at(-1)!;
    expect(last.statusCode).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(800);
  });

  it('checks no more than 50 passwords of a parallel burst from one address, whichever accounts it tries', async () => {
    const res = await Promise.all(Array.from({ length: 150 }, (_, i) => login(`nobody-${i}@example.com`, 'wrong guess', '10.61.0.1')));
    expect(res.filter((r) => r.statusCode === 401)).toHaveLength(50);
    expect(res.filter((r) => r.statusCode === 429)).toHaveLength(100);
  });

  it('does not count successful sign-ins against the address', async () => {
    const t = await createTeam(ctx);
    const failed = await Promise.all(Array.from({ length: 49 }, (_, i) => login(`nobody-ok-${i}@example.com`, 'wrong guess', '10.62.0.1')));
    expect(failed.every((r) => r.statusCode === 401)).toBe(true);
    for (let i = 0; i < 3; i++) expect((await login(t.ownerEmail, t.ownerPassword, '10.62.0.1')).statusCode).toBe(200);
    expect((await login('nobody-ok-last@example.com', 'wrong guess', '10.62.0.1')).statusCode).toBe(401);
    expect((await login(t.ownerEmail, t.ownerPassword, '10.62.0.1')).statusCode).toBe(429);
  });

  it('forgets earlier failures after a successful sign-in', async () => {
    const t2 = await createTeam(ctx);
    for (let i = 0; i < 9; i++) await login(t2.ownerEmail, 'nope nope nope');
    expect((await login(t2.ownerEmail, t2.ownerPassword)).statusCode).toBe(200);
    for (let i = 0; i < 9; i++) await login(t2.ownerEmail, 'nope nope nope');
    expect((await login(t2.ownerEmail, t2.ownerPassword)).statusCode).toBe(200);
  });
});
