// Every team's data is invisible to every other team: a foreign id answers 404, never 403, never data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from './harness.ts';

let ctx: TestContext;
let a: TestTeam;
let b: TestTeam;
let contactOfA: { id: string; version: number };
let agentOfA: string;

beforeAll(async () => {
  ctx = await createTestContext();
  a = await createTeam(ctx, 'Team A');
  b = await createTeam(ctx, 'Team B');
  contactOfA = (await call(ctx, a.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Secret', primaryEmail: 'secret@a.com' })).json();
  agentOfA = (await createMember(ctx, a)).id;
});
afterAll(() => ctx?.close());

describe('team isolation', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/v1/contacts/:id'],
    ['PATCH', '/api/v1/contacts/:id', { firstName: 'Hijacked' }],
    ['DELETE', '/api/v1/contacts/:id'],
    ['GET', '/api/v1/contacts/:id/history'],
  ];
  for (const [method, path, body] of routes) {
    it(`${method} ${path} with another team's contact id answers 404`, async () => {
      const res = await call(ctx, b.ownerToken, method as 'GET', path.replace(':id', contactOfA.id), body);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('Secret');
      expect(res.json().code).toBe('NOT_FOUND');
    });
  }

  it("leaves the other team's contact untouched after those attempts", async () => {
    const res = await call(ctx, a.ownerToken, 'GET', `/api/v1/contacts/${contactOfA.id}`);
    expect(res.json()).toMatchObject({ firstName: 'Secret', version: 1 });
  });

  it('lists only the own team', async () => {
    const list = (await call(ctx, b.ownerToken, 'GET', '/api/v1/contacts')).json();
    expect(list.total).toBe(0);
    expect(list.items).toEqual([]);
  });

  it('lets two teams use the same primary email', async () => {
    const res = await call(ctx, b.ownerToken, 'POST', '/api/v1/contacts', { primaryEmail: 'secret@a.com' });
    expect(res.statusCode).toBe(201);
  });

  it("answers 404 for another team's member id", async () => {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await call(ctx, b.ownerToken, method, `/api/v1/members/${agentOfA}`, method === 'PATCH' ? { name: 'x' } : undefined);
      expect(res.statusCode).toBe(404);
    }
  });

  it("keeps each team's settings its own", async () => {
    await call(ctx, a.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: false });
    expect((await call(ctx, b.ownerToken, 'GET', '/api/v1/settings')).json().portalEnabled).toBe(true);
  });
});
