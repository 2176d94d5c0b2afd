// A member's credentials after a password change, and owners/admins managing other members' API tokens.
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

async function signIn(email: string, password: string): Promise<string | null> {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { host: 'localhost', origin },
    payload: { email, password },
  });
  const c = res.cookies.find((x) => x.name === 'kdesk_session');
  return res.statusCode === 200 && c ? `${c.name}=${c.value}` : null;
}
const me = async (auth: { cookie?: string; token?: string }) =>
  (
    await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: auth.cookie ? { cookie: auth.cookie } : { authorization: `Bearer ${auth.token}` },
    })
  ).statusCode;
const changePassword = (cookie: string, body: object) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { cookie, host: 'localhost', origin }, payload: body });

describe('POST /api/v1/auth/password', () => {
  it("revokes the member's API tokens and other sessions, and keeps the session that changed it", async () => {
    const m = await createMember(ctx, team);
    const here = (await signIn(m.email, m.password))!;
    const elsewhere = (await signIn(m.email, m.password))!;
    const res = await changePassword(here, { currentPassword: m.password, newPassword: 'a brand new password' });
    expect(res.statusCode, res.body).toBe(204);
    expect(await me({ token: m.token })).toBe(401);
    expect(await me({ cookie: elsewhere })).toBe(401);
    expect(await me({ cookie: here })).toBe(200);
    expect(await signIn(m.email, m.password)).toBeNull();
    expect(await signIn(m.email, 'a brand new password')).not.toBeNull();
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('changes')
      .where('entityId', '=', m.id)
      .where('action', '=', 'update')
      .execute();
    expect(audit.map((a) => a.changes)).toContainEqual({ password: { before: '(hidden)', after: '(changed)' } });
  });

  it('answers 400 with the field path for a wrong current password or a too short new one, and changes nothing', async () => {
    const m = await createMember(ctx, team);
    const cookie = (await signIn(m.email, m.password))!;
    const wrong = await changePassword(cookie, { currentPassword: 'not my password', newPassword: 'a brand new password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().details).toEqual([{ path: 'currentPassword', message: 'The current password is not correct' }]);
    const short = await changePassword(cookie, { currentPassword: m.password, newPassword: 'x' });
    expect(short.statusCode).toBe(400);
    expect(short.json().details[0].path).toBe('newPassword');
    expect(await me({ token: m.token })).toBe(200);
    expect(await signIn(m.email, m.password)).not.toBeNull();
  });

  it('answers 401 without a signed-in member', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      payload: { currentPassword: 'x', newPassword: 'long enough pass' },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe("a member's password set by an owner or admin", () => {
  it('revokes their API tokens and ends their sessions', async () => {
    const m = await createMember(ctx, team);
    const cookie = (await signIn(m.email, m.password))!;
    const res = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${m.id}`, { password: 'reset by the owner' });
    expect(res.statusCode).toBe(200);
    expect(await me({ token: m.token })).toBe(401);
    expect(await me({ cookie })).toBe(401);
  });
});

describe('GET and DELETE /api/v1/members/:id/tokens', () => {
  it("lets owners and admins list and revoke another member's tokens, without their secrets", async () => {
    const agent = await createMember(ctx, team);
    const admin = await createMember(ctx, team, { role: 'admin' });
    const created = (await call(ctx, agent.token, 'POST', '/api/v1/tokens', { name: 'zapier' })).json();
    for (const manager of [team.ownerToken, admin.token]) {
      const list = await call(ctx, manager, 'GET', `/api/v1/members/${agent.id}/tokens`);
      expect(list.statusCode).toBe(200);
      expect(
        list
          .json()
          .items.map((t: { name: string }) => t.name)
          .sort(),
      ).toEqual(['test', 'zapier']);
      expect(list.body).not.toContain(created.token);
    }
    expect((await call(ctx, admin.token, 'DELETE', `/api/v1/members/${agent.id}/tokens/${created.id}`)).statusCode).toBe(204);
    expect(await me({ token: created.token })).toBe(401);
    expect(await me({ token: agent.token })).toBe(200);
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/members/${agent.id}/tokens`)).json().items).toHaveLength(1);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('changes')
      .where('entityId', '=', agent.id)
      .where('action', '=', 'token.revoke')
      .execute();
    expect(audit.map((a) => a.changes)).toEqual([{ token: { before: 'zapier', after: null } }]);
  });

  it("answers 404 for another team's member or token, 403 to agents, and 403 to an admin revoking an owner's token", async () => {
    const agent = await createMember(ctx, team);
    const admin = await createMember(ctx, team, { role: 'admin' });
    const other = await createTeam(ctx);
    const stranger = await createMember(ctx, other);
    const strangerToken = (await call(ctx, stranger.token, 'POST', '/api/v1/tokens', { name: 'theirs' })).json();
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/members/${stranger.id}/tokens`)).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/${stranger.id}/tokens/${strangerToken.id}`)).statusCode).toBe(404);
    // a token of another member, named through a member of the caller's team
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/${agent.id}/tokens/${strangerToken.id}`)).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/${agent.id}/tokens/not-an-id`)).statusCode).toBe(404);
    expect(await me({ token: strangerToken.token })).toBe(200);

    expect((await call(ctx, agent.token, 'GET', `/api/v1/members/${admin.id}/tokens`)).statusCode).toBe(403);
    const adminTokens = (await call(ctx, team.ownerToken, 'GET', `/api/v1/members/${admin.id}/tokens`)).json().items;
    expect((await call(ctx, agent.token, 'DELETE', `/api/v1/members/${admin.id}/tokens/${adminTokens[0].id}`)).statusCode).toBe(403);

    const ownerId = (await call(ctx, team.ownerToken, 'GET', '/api/v1/me')).json().member.id;
    const ownerTokens = (await call(ctx, admin.token, 'GET', `/api/v1/members/${ownerId}/tokens`)).json().items;
    expect((await call(ctx, admin.token, 'DELETE', `/api/v1/members/${ownerId}/tokens/${ownerTokens[0].id}`)).statusCode).toBe(403);
    expect(await me({ token: team.ownerToken })).toBe(200);
    expect(await me({ token: admin.token })).toBe(200);
  });

  it('lists the new routes in the OpenAPI document', async () => {
    const doc = (await call(ctx, null, 'GET', '/api/openapi.json')).json();
    expect(doc.paths['/api/v1/members/{id}/tokens']?.get).toBeTruthy();
    expect(doc.paths['/api/v1/members/{id}/tokens/{tokenId}']?.delete).toBeTruthy();
    expect(doc.paths['/api/v1/auth/password']?.post).toBeTruthy();
  });
});
