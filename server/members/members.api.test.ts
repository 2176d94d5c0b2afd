import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';

let ctx: TestContext;
let team: TestTeam;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

describe('members API', () => {
  it('lets the owner add an agent with default permissions and list members', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/members', {
      email: 'Agent.One@Example.com',
      password: 'agent password',
      role: 'agent',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      email: 'agent.one@example.com',
      role: 'agent',
      permissions: { modifyContacts: true, importContacts: false, exportContacts: true },
    });
    const list = (await call(ctx, team.ownerToken, 'GET', '/api/v1/members')).json().items;
    expect(list.map((m: { email: string }) => m.email)).toContain('agent.one@example.com');
  });

  it('answers 409 for an email used by a member of any team', async () => {
    const other = await createTeam(ctx);
    const res = await call(ctx, other.ownerToken, 'POST', '/api/v1/members', { email: team.ownerEmail, password: 'some password' });
    expect(res.statusCode).toBe(409);
  });

  it('answers 400 for a short password, naming the field', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/members', { email: 'short@example.com', password: 'short' });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('password');
  });

  it('keeps agents out of member management', async () => {
    const agent = await createMember(ctx, team);
    expect((await call(ctx, agent.token, 'GET', '/api/v1/members')).statusCode).toBe(403);
    expect(
      (await call(ctx, agent.token, 'POST', '/api/v1/members', { email: 'x@example.com', password: 'long enough pw' })).statusCode,
    ).toBe(403);
  });

  it('lets admins manage agents but not create or change owners', async () => {
    const admin = await createMember(ctx, team, { role: 'admin' });
    expect(
      (
        await call(ctx, admin.token, 'POST', '/api/v1/members', {
          email: `o-${Date.now()}@example.com`,
          password: 'long enough pw',
          role: 'owner',
        })
      ).statusCode,
    ).toBe(403);
    const owners = (await call(ctx, admin.token, 'GET', '/api/v1/members'))
      .json()
      .items.filter((m: { role: string }) => m.role === 'owner');
    expect((await call(ctx, admin.token, 'PATCH', `/api/v1/members/${owners[0].id}`, { role: 'agent' })).statusCode).toBe(403);
    const agent = await createMember(ctx, team);
    const res = await call(ctx, admin.token, 'PATCH', `/api/v1/members/${agent.id}`, {
      permissions: { exportContacts: false, importContacts: true },
    });
    expect(res.json().permissions).toEqual({ modifyContacts: true, importContacts: true, exportContacts: false });
  });

  it('never removes or demotes the last owner', async () => {
    const solo = await createTeam(ctx);
    const me = (await call(ctx, solo.ownerToken, 'GET', '/api/v1/me')).json().member;
    const res = await call(ctx, solo.ownerToken, 'PATCH', `/api/v1/members/${me.id}`, { role: 'admin' });
    expect(res.statusCode).toBe(409);
    expect((await call(ctx, solo.ownerToken, 'GET', '/api/v1/me')).json().member.role).toBe('owner');
  });

  /** Three owners of a fresh team, each acting through its own token. */
  async function threeOwners() {
    const t = await createTeam(ctx);
    const first = (await call(ctx, t.ownerToken, 'GET', '/api/v1/me')).json().member.id as string;
    const second = await createMember(ctx, t, { role: 'owner' });
    const third = await createMember(ctx, t, { role: 'owner' });
    return { t, owners: [{ id: first, token: t.ownerToken }, second, third] };
  }
  const ownersOf = async (teamId: string) =>
    ctx.db.selectFrom('members').select('id').where('teamId', '=', teamId).where('role', '=', 'owner').execute();

  it.each([
    ['demote', 'PATCH'],
    ['remove', 'DELETE'],
  ] as const)('keeps an owner when three owners %s each other at once', async (_, method) => {
    // a few rounds, each a fresh team whose three owners act at the same moment
    for (let round = 0; round < 3; round++) {
      const { t, owners } = await threeOwners();
      const res = await Promise.all(
        owners.map((actor, i) => {
          const target = owners[(i + 1) % owners.length]!;
          return call(ctx, actor.token, method, `/api/v1/members/${target.id}`, method === 'PATCH' ? { role: 'admin' } : undefined);
        }),
      );
      // 409: the last owner; 401/403: the actor was removed or demoted a moment before
      for (const r of res) expect([200, 204, 401, 403, 409]).toContain(r.statusCode);
      expect((await ownersOf(t.teamId)).length).toBeGreaterThanOrEqual(1);
    }
  });

  it('signs a member out everywhere when their password changes', async () => {
    const agent = await createMember(ctx, team);
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: agent.email, password: agent.password },
    });
    const c = login.cookies.find((x) => x.name === 'kdesk_session')!;
    const cookie = `${c.name}=${c.value}`;
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
    await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { password: 'a brand new password' });
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('removes a member, whose token then stops working', async () => {
    const agent = await createMember(ctx, team);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/${agent.id}`)).statusCode).toBe(204);
    expect((await call(ctx, agent.token, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });
});
