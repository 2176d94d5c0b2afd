// Member administration: who may do what (roles × actions), invitations by mail, deactivation (tokens,
// sessions, jobs), the last active owner under parallel requests, the password policy, the Account routes.
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

const origin = { origin: 'http://localhost:80' };

async function signIn(email: string, password: string) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  const c = res.cookies.find((x) => x.name === 'kdesk_session');
  return { res, cookie: c ? `${c.name}=${c.value}` : '' };
}

/** The invitation link of the newest mail to `to`, as the Mailbox shows it. */
async function invitationLink(t: TestTeam, to: string): Promise<string> {
  const items = (await call(ctx, t.ownerToken, 'GET', '/api/v1/mailbox/messages?limit=50')).json().items as {
    to: string;
    text: string;
    kind: string;
  }[];
  const mail = items.find((m) => m.to === to && m.kind === 'member.invitation');
  if (!mail) throw new Error(`no invitation mail to ${to}`);
  return /(https?:\/\/\S+\/invite\/\S+)/.exec(mail.text)![1]!;
}
const tokenOf = (link: string) => decodeURIComponent(link.split('/invite/')[1]!);

async function invite(t: TestTeam, body: Record<string, unknown>, token = t.ownerToken) {
  return call(ctx, token, 'POST', '/api/v1/members/invitations', body);
}

describe('roles × actions', () => {
  it('lets owners do everything, admins everything but touch owners, agents nothing', async () => {
    const t = await createTeam(ctx);
    const ownerId = (await call(ctx, t.ownerToken, 'GET', '/api/v1/me')).json().member.id as string;
    const admin = await createMember(ctx, t, { role: 'admin' });
    const agent = await createMember(ctx, t, { role: 'agent' });
    const ownerTokenId = (await call(ctx, t.ownerToken, 'GET', '/api/v1/tokens')).json().items[0].id as string;
    // each action runs on a fresh target so an earlier success does not change a later answer
    const actions: [string, (actor: string) => Promise<number>][] = [
      ['list members', async (tok) => (await call(ctx, tok, 'GET', '/api/v1/members')).statusCode],
      ['list invitations', async (tok) => (await call(ctx, tok, 'GET', '/api/v1/members/invitations')).statusCode],
      ['invite an agent', async (tok) => (await invite(t, { email: `i-${uid()}@example.com` }, tok)).statusCode],
      ['invite an owner', async (tok) => (await invite(t, { email: `i-${uid()}@example.com`, role: 'owner' }, tok)).statusCode],
      [
        'change an agent',
        async (tok) => {
          const a = await createMember(ctx, t);
          return (await call(ctx, tok, 'PATCH', `/api/v1/members/${a.id}`, { permissions: { importContacts: true } })).statusCode;
        },
      ],
      [
        'deactivate an agent',
        async (tok) => {
          const a = await createMember(ctx, t);
          return (await call(ctx, tok, 'PATCH', `/api/v1/members/${a.id}`, { active: false })).statusCode;
        },
      ],
      [
        'remove an agent',
        async (tok) => {
          const a = await createMember(ctx, t);
          return (await call(ctx, tok, 'DELETE', `/api/v1/members/${a.id}`)).statusCode;
        },
      ],
      ['change an owner', async (tok) => (await call(ctx, tok, 'PATCH', `/api/v1/members/${ownerId}`, { name: 'Boss' })).statusCode],
      ["list an owner's tokens", async (tok) => (await call(ctx, tok, 'GET', `/api/v1/members/${ownerId}/tokens`)).statusCode],
      [
        "revoke an owner's token",
        async (tok) => (await call(ctx, tok, 'DELETE', `/api/v1/members/${ownerId}/tokens/${ownerTokenId}-x`)).statusCode,
      ],
    ];
    const got: Record<string, Record<string, number>> = {};
    for (const [who, tok] of [
      ['agent', agent.token],
      ['admin', admin.token],
      ['owner', t.ownerToken],
    ] as const) {
      got[who] = {};
      for (const [name, run] of actions) got[who][name] = await run(tok);
    }
    expect(got).toEqual({
      agent: Object.fromEntries(actions.map(([n]) => [n, 403])),
      admin: {
        'list members': 200,
        'list invitations': 200,
        'invite an agent': 201,
        'invite an owner': 403,
        'change an agent': 200,
        'deactivate an agent': 200,
        'remove an agent': 204,
        'change an owner': 403,
        "list an owner's tokens": 200,
        "revoke an owner's token": 403,
      },
      owner: {
        'list members': 200,
        'list invitations': 200,
        'invite an agent': 201,
        'invite an owner': 201,
        'change an agent': 200,
        'deactivate an agent': 200,
        'remove an agent': 204,
        'change an owner': 200,
        "list an owner's tokens": 200,
        // the token id does not exist: the right to revoke is there, the token is not
        "revoke an owner's token": 404,
      },
    });
  });

  it("answers 404 for another team's member and invitation", async () => {
    const other = await createTeam(ctx);
    const stranger = await createMember(ctx, other);
    const inv = (await invite(other, { email: `x-${uid()}@example.com` })).json();
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/members/${stranger.id}`)).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${stranger.id}`, { active: false })).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/members/invitations/${inv.id}/resend`)).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/invitations/${inv.id}`)).statusCode).toBe(404);
    expect((await call(ctx, stranger.token, 'GET', '/api/v1/me')).statusCode).toBe(200);
  });
});

describe('members list', () => {
  it('shows role, permissions, status and last sign-in', async () => {
    const t = await createTeam(ctx);
    const agent = await createMember(ctx, t);
    const before = (await call(ctx, t.ownerToken, 'GET', `/api/v1/members/${agent.id}`)).json();
    expect(before).toMatchObject({ role: 'agent', status: 'active', lastSignInAt: null });
    expect(before.permissions).toEqual({ modifyContacts: true, importContacts: false, exportContacts: true });
    expect((await signIn(agent.email, agent.password)).res.statusCode).toBe(200);
    const list = (await call(ctx, t.ownerToken, 'GET', '/api/v1/members')).json().items;
    const row = list.find((m: { id: string }) => m.id === agent.id);
    expect(Date.now() - Date.parse(row.lastSignInAt)).toBeLessThan(60_000);
  });
});

describe('POST /api/v1/members/invitations', () => {
  it('mails a one-time link that creates the member with the invited role and signs them in', async () => {
    const t = await createTeam(ctx);
    const email = `New.Agent-${uid()}@Example.com`;
    const res = await invite(t, { email, role: 'admin', permissions: { exportContacts: false } });
    expect(res.statusCode).toBe(201);
    const inv = res.json();
    expect(inv).toMatchObject({ email: email.toLowerCase(), role: 'admin', status: 'pending' });
    expect(Date.parse(inv.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const link = await invitationLink(t, email.toLowerCase());
    // no KDESK_PUBLIC_URL: the link uses the address the inviting request came to
    expect(link.startsWith('http://localhost:80/invite/')).toBe(true);
    const token = tokenOf(link);
    const preview = await call(ctx, null, 'GET', `/api/v1/invitations/${encodeURIComponent(token)}`);
    expect(preview.json()).toMatchObject({ email: email.toLowerCase(), role: 'admin' });
    expect(preview.json().teamName).toMatch(/^Team /);

    const accept = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${encodeURIComponent(token)}/accept`,
      headers: origin,
      payload: { name: 'Nora Admin', password: 'a fine long passphrase' },
    });
    expect(accept.statusCode).toBe(200);
    expect(accept.json().member).toMatchObject({ name: 'Nora Admin', role: 'admin', permissions: { exportContacts: false } });
    const c = accept.cookies.find((x) => x.name === 'kdesk_session')!;
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `${c.name}=${c.value}` } })).statusCode).toBe(200);
    expect((await signIn(email, 'a fine long passphrase')).res.statusCode).toBe(200);
    // used: the link no longer works, and the invitation left the open list
    expect((await call(ctx, null, 'GET', `/api/v1/invitations/${encodeURIComponent(token)}`)).statusCode).toBe(404);
    const again = await call(ctx, null, 'POST', `/api/v1/invitations/${encodeURIComponent(token)}/accept`, {
      name: 'Mallory',
      password: 'another long passphrase',
    });
    expect(again.statusCode).toBe(404);
    expect((await call(ctx, t.ownerToken, 'GET', '/api/v1/members/invitations')).json().items).toEqual([]);
  });

  it('makes exactly one member when the link is accepted many times at once', async () => {
    const t = await createTeam(ctx);
    const email = `race-${uid()}@example.com`;
    await invite(t, { email });
    const token = tokenOf(await invitationLink(t, email));
    const res = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(ctx, null, 'POST', `/api/v1/invitations/${encodeURIComponent(token)}/accept`, {
          name: `Try ${i}`,
          password: `parallel passphrase ${i}`,
        }),
      ),
    );
    expect(res.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(res.filter((r) => r.statusCode === 404)).toHaveLength(7);
    expect(await ctx.db.selectFrom('members').select('id').where('email', '=', email).execute()).toHaveLength(1);
  });

  it('renews the link on resend and kills it on revoke', async () => {
    const t = await createTeam(ctx);
    const email = `resend-${uid()}@example.com`;
    const inv = (await invite(t, { email })).json();
    const first = tokenOf(await invitationLink(t, email));
    expect((await call(ctx, t.ownerToken, 'POST', `/api/v1/members/invitations/${inv.id}/resend`)).statusCode).toBe(200);
    const second = tokenOf(await invitationLink(t, email));
    expect(second).not.toBe(first);
    expect((await call(ctx, null, 'GET', `/api/v1/invitations/${encodeURIComponent(first)}`)).statusCode).toBe(404);
    expect((await call(ctx, null, 'GET', `/api/v1/invitations/${encodeURIComponent(second)}`)).statusCode).toBe(200);
    expect((await call(ctx, t.ownerToken, 'DELETE', `/api/v1/members/invitations/${inv.id}`)).statusCode).toBe(204);
    const accept = await call(ctx, null, 'POST', `/api/v1/invitations/${encodeURIComponent(second)}/accept`, {
      name: 'Late',
      password: 'a fine long passphrase',
    });
    expect(accept.statusCode).toBe(404);
    expect((await call(ctx, t.ownerToken, 'DELETE', `/api/v1/members/invitations/${inv.id}`)).statusCode).toBe(404);
  });

  it('stops working after 7 days, and shows as expired until resent', async () => {
    const t = await createTeam(ctx);
    const email = `old-${uid()}@example.com`;
    const inv = (await invite(t, { email })).json();
    const token = tokenOf(await invitationLink(t, email));
    clockOffsetMs = 7 * 86_400_000 + 60_000;
    try {
      expect((await call(ctx, null, 'GET', `/api/v1/invitations/${encodeURIComponent(token)}`)).statusCode).toBe(404);
      const list = (await call(ctx, t.ownerToken, 'GET', '/api/v1/members/invitations')).json().items;
      expect(list.find((i: { id: string }) => i.id === inv.id).status).toBe('expired');
      await call(ctx, t.ownerToken, 'POST', `/api/v1/members/invitations/${inv.id}/resend`);
      const renewed = tokenOf(await invitationLink(t, email));
      expect((await call(ctx, null, 'GET', `/api/v1/invitations/${encodeURIComponent(renewed)}`)).statusCode).toBe(200);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('refuses an address that is already a member (of any team) and a weak password at accept', async () => {
    const t = await createTeam(ctx);
    const taken = await invite(t, { email: team.ownerEmail });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().details[0].path).toBe('email');
    const email = `weak-${uid()}@example.com`;
    await invite(t, { email });
    const token = encodeURIComponent(tokenOf(await invitationLink(t, email)));
    for (const password of ['short', 'password123', email]) {
      const r = await call(ctx, null, 'POST', `/api/v1/invitations/${token}/accept`, { name: 'W', password });
      expect(r.statusCode).toBe(400);
      expect(r.json().details[0].path).toBe('password');
    }
    // a refused password does not use the link up
    expect((await call(ctx, null, 'GET', `/api/v1/invitations/${token}`)).statusCode).toBe(200);
  });
});

describe('deactivating a member', () => {
  it('revokes their tokens, ends their sessions, cancels their queued jobs and refuses their sign-in until reactivated', async () => {
    const t = await createTeam(ctx);
    const agent = await createMember(ctx, t);
    const { cookie } = await signIn(agent.email, agent.password);
    const job = await call(ctx, agent.token, 'POST', '/api/v1/exports', { filter: {}, format: 'csv' });
    expect(job.statusCode).toBe(202);
    const res = await call(ctx, t.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { active: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('deactivated');
    expect((await call(ctx, agent.token, 'GET', '/api/v1/me')).statusCode).toBe(401);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
    const signin = await signIn(agent.email, agent.password);
    expect(signin.res.statusCode).toBe(403);
    expect(signin.res.json().message).toMatch(/deactivated/);
    const jobs = await ctx.db.selectFrom('jobs').select(['status', 'error']).where('createdBy', '=', agent.id).execute();
    expect(jobs).toEqual([{ status: 'cancelled', error: expect.stringMatching(/deactivated/) }]);
    expect((await call(ctx, t.ownerToken, 'GET', `/api/v1/members/${agent.id}/tokens`)).json().items).toEqual([]);

    expect((await call(ctx, t.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { active: true })).json().status).toBe('active');
    expect((await signIn(agent.email, agent.password)).res.statusCode).toBe(200);
  });

  it('refuses to deactivate yourself or the last active owner', async () => {
    const t = await createTeam(ctx);
    const me = (await call(ctx, t.ownerToken, 'GET', '/api/v1/me')).json().member.id;
    const self = await call(ctx, t.ownerToken, 'PATCH', `/api/v1/members/${me}`, { active: false });
    expect(self.statusCode).toBe(409);
    const second = await createMember(ctx, t, { role: 'owner' });
    const admin = await createMember(ctx, t, { role: 'admin' });
    // the other owner may deactivate me; then they are the last active owner
    expect((await call(ctx, second.token, 'PATCH', `/api/v1/members/${me}`, { active: false })).statusCode).toBe(200);
    expect((await call(ctx, admin.token, 'PATCH', `/api/v1/members/${second.id}`, { active: false })).statusCode).toBe(403);
    // a deactivated owner does not count: demoting the only active owner is refused
    const demote = await call(ctx, second.token, 'PATCH', `/api/v1/members/${second.id}`, { role: 'admin' });
    expect(demote.statusCode).toBe(409);
  });

  it('keeps an active owner when two owners deactivate or demote each other at once', async () => {
    for (let round = 0; round < 4; round++) {
      const t = await createTeam(ctx);
      const first = (await call(ctx, t.ownerToken, 'GET', '/api/v1/me')).json().member.id as string;
      const second = await createMember(ctx, t, { role: 'owner' });
      const body = round % 2 ? { active: false } : { role: 'agent' };
      const res = await Promise.all([
        call(ctx, t.ownerToken, 'PATCH', `/api/v1/members/${second.id}`, body),
        call(ctx, second.token, 'PATCH', `/api/v1/members/${first}`, round % 2 ? { role: 'admin' } : { active: false }),
      ]);
      // one wins; the other is refused (409, last owner) or its actor was just deactivated or demoted (401/403)
      expect(res.filter((r) => r.statusCode === 200)).toHaveLength(1);
      const active = await ctx.db
        .selectFrom('members')
        .select('id')
        .where('teamId', '=', t.teamId)
        .where('role', '=', 'owner')
        .where('deactivatedAt', 'is', null)
        .execute();
      expect(active).toHaveLength(1);
    }
  });
});

describe('password policy', () => {
  it('is the same for a new member, a member set by an admin and your own change', async () => {
    const t = await createTeam(ctx);
    const email = `policy-${uid()}@example.com`;
    const common = await call(ctx, t.ownerToken, 'POST', '/api/v1/members', { email, password: 'Password2026' });
    expect(common.statusCode).toBe(400);
    expect(common.json().details[0]).toMatchObject({ path: 'password', message: expect.stringMatching(/commonly used/) });
    const agent = await createMember(ctx, t);
    const set = await call(ctx, t.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { password: agent.email });
    expect(set.json().details[0]).toMatchObject({ path: 'password', message: expect.stringMatching(/email/) });
    const own = await call(ctx, agent.token, 'POST', '/api/v1/auth/password', {
      currentPassword: agent.password,
      newPassword: 'qwertyuiop',
    });
    expect(own.statusCode).toBe(400);
    expect(own.json().details[0].path).toBe('newPassword');
    // nothing was changed: the old password still signs in
    expect((await signIn(agent.email, agent.password)).res.statusCode).toBe(200);
  });
});

describe('Account', () => {
  it('lets any member rename themselves, and see and revoke their own tokens', async () => {
    const t = await createTeam(ctx);
    const agent = await createMember(ctx, t);
    const renamed = await call(ctx, agent.token, 'PATCH', '/api/v1/me', { name: '  Ada Agent ' });
    expect(renamed.json()).toMatchObject({ name: 'Ada Agent', role: 'agent' });
    const made = (await call(ctx, agent.token, 'POST', '/api/v1/tokens', { name: 'laptop' })).json();
    expect((await call(ctx, made.token, 'GET', '/api/v1/me')).statusCode).toBe(200);
    const mine = (await call(ctx, agent.token, 'GET', '/api/v1/tokens')).json().items;
    expect(mine.map((x: { name: string }) => x.name).sort()).toEqual(['laptop', 'test']);
    expect((await call(ctx, agent.token, 'DELETE', `/api/v1/tokens/${made.id}`)).statusCode).toBe(204);
    expect((await call(ctx, made.token, 'GET', '/api/v1/me')).statusCode).toBe(401);
    // an owner revokes any member's token
    const other = (await call(ctx, agent.token, 'POST', '/api/v1/tokens', { name: 'ci' })).json();
    expect((await call(ctx, t.ownerToken, 'DELETE', `/api/v1/members/${agent.id}/tokens/${other.id}`)).statusCode).toBe(204);
    expect((await call(ctx, other.token, 'GET', '/api/v1/me')).statusCode).toBe(401);
  });
});
