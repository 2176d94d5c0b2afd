import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from './harness.ts';

let ctx: TestContext;
let team: TestTeam;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

describe('error answers (SPEC §10)', () => {
  it('answers an unknown route with the JSON error shape and a request id', async () => {
    const res = await call(ctx, team.ownerToken, 'GET', '/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: expect.any(String), requestId: res.headers['x-request-id'] });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: { authorization: `Bearer ${team.ownerToken}`, 'content-type': 'application/json' },
      payload: '{"firstName":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', message: 'The body is not valid JSON' });
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'x', notes: 'y'.repeat(2 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 415 for a body type the route does not read', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: { authorization: `Bearer ${team.ownerToken}`, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(res.statusCode).toBe(415);
  });

  it('keeps a request id the client sent, and makes one otherwise', async () => {
    const mine = await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/x', undefined, { 'x-request-id': 'trace-123' });
    expect(mine.json().requestId).toBe('trace-123');
    const made = await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/x');
    expect(made.json().requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document with the contact routes', async () => {
    const doc = (await call(ctx, null, 'GET', '/api/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/contacts', '/api/v1/contacts/{id}', '/api/v1/settings', '/api/v1/auth/login']),
    );
    expect((await call(ctx, null, 'GET', '/api/docs/')).statusCode).toBe(200);
  });

  it('answers /api/health', async () => {
    expect((await call(ctx, null, 'GET', '/api/health')).json()).toEqual({ status: 'ok' });
  });
});
