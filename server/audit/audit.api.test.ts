// The team-wide audit log: newest first, filtered by who, what and when, paged, as CSV, one entry raw;
// owners and admins of the team only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';

let ctx: TestContext;
let team: TestTeam;
let admin: Awaited<ReturnType<typeof createMember>>;
let other: TestTeam;
let startedAt: string;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
  other = await createTeam(ctx);
  startedAt = new Date(Date.now() - 1000).toISOString();
  admin = await createMember(ctx, team, { role: 'admin' });
  await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: '=HYPERLINK("x")', primaryEmail: `c-${uid()}@example.com` });
  await call(ctx, admin.token, 'POST', '/api/v1/members/invitations', { email: `inv-${uid()}@example.com` });
  await call(ctx, admin.token, 'PATCH', '/api/v1/settings', { portalEnabled: false });
  await call(ctx, team.ownerToken, 'PATCH', '/api/v1/team', { name: 'Audited Team' });
  await call(ctx, other.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Elsewhere' });
});
afterAll(() => ctx?.close());

type Entry = { id: string; at: string; action: string; entityType: string; actor: { id: string | null; label: string }; changes: object };
const list = async (query = '', token = team.ownerToken) => call(ctx, token, 'GET', `/api/v1/audit${query}`);

describe('GET /api/v1/audit', () => {
  it("lists the team's events newest first, and no other team's", async () => {
    const items = (await list()).json().items as Entry[];
    expect(items.map((e) => e.action).slice(0, 5)).toEqual(['team.update', 'settings.update', 'invitation.create', 'create', 'create']);
    expect(items.map((e) => e.entityType).slice(0, 5)).toEqual(['team', 'team', 'invitation', 'contact', 'member']);
    expect(JSON.stringify(items)).not.toContain('Elsewhere');
    const ids = items.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
  });

  it('filters by who, what and when', async () => {
    const byAdmin = (await list(`?actorId=${admin.id}`)).json().items as Entry[];
    expect(byAdmin.map((e) => e.action)).toEqual(['settings.update', 'invitation.create']);
    expect((await list('?entityType=contact')).json().items.map((e: Entry) => e.action)).toEqual(['create']);
    expect((await list('?action=team.update')).json().items[0].changes).toEqual({
      name: { before: expect.any(String), after: 'Audited Team' },
    });
    expect((await list(`?from=${encodeURIComponent(startedAt)}&to=${encodeURIComponent(startedAt)}`)).statusCode).toBe(400);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await list(`?from=${encodeURIComponent(future)}`)).json().items).toEqual([]);
    expect((await list(`?to=${encodeURIComponent(startedAt)}`)).json().items).toEqual([]);
  });

  it('pages without gaps or repeats', async () => {
    const all = (await list()).json().items as Entry[];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Entry[]; nextCursor: string | null } = (await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it('answers one entry as stored, 404 for another team, 403 for agents, 400 for bad filters', async () => {
    const [first] = (await list()).json().items as Entry[];
    expect((await call(ctx, admin.token, 'GET', `/api/v1/audit/${first!.id}`)).json()).toEqual(first);
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/audit/${first!.id}`)).statusCode).toBe(404);
    const agent = await createMember(ctx, team);
    expect((await list('', agent.token)).statusCode).toBe(403);
    expect((await call(ctx, agent.token, 'GET', '/api/v1/audit/export.csv')).statusCode).toBe(403);
    for (const [q, path] of [
      ['?actorId=nope', 'actorId'],
      ['?from=yesterday', 'from'],
      ['?cursor=abc', 'cursor'],
      ['?limit=1000', 'limit'],
    ]) {
      const res = await list(q);
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].path).toBe(path);
    }
  });
});

describe('GET /api/v1/audit/export.csv', () => {
  it('writes the filtered log with a header, formulas neutralised', async () => {
    const res = await call(ctx, team.ownerToken, 'GET', '/api/v1/audit/export.csv?entityType=contact');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('at,actor,actorType,actorId,action,entityType,entityId,changes,requestId');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',create,contact,');
    expect(lines[1]).toContain('=HYPERLINK');
    const all = await call(ctx, team.ownerToken, 'GET', '/api/v1/audit/export.csv');
    expect(all.body.trim().split('\r\n').length - 1).toBe((await list()).json().items.length);
  });
});
