// JSON nested very deep (a JSON body of any route, the portal's, the import's `mapping` field) answers a
// clear 400, never a 500 or a stack overflow, and nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { postImport } from '../server/imports/import-test-utils.ts';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from './harness.ts';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

function expectValidation(res: LightMyRequestResponse, path: string) {
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json()).toMatchObject({
    statusCode: 400,
    code: 'VALIDATION',
    message: expect.any(String),
    details: [{ path, message: expect.any(String) }],
  });
}

describe('JSON nested too deep', () => {
  const post = (url: string, payload: string, token: string | null = team.ownerToken) =>
    ctx.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload,
    });

  it('answers 400 for a contact body nested 100,000 deep, as an array or as objects', async () => {
    for (const [nested, inside] of [
      [deepArray(100_000), '0'],
      [deepObject(100_000), 'a'],
    ] as const) {
      expectValidation(await post('/api/v1/contacts', `{"firstName":"Deep","phones":${nested}}`), 'phones');
      // at the top level, the path names the element or field holding the deep value
      expectValidation(await post('/api/v1/contacts', nested), inside);
    }
    const stored = await ctx.db.selectFrom('contacts').select('id').where('teamId', '=', team.teamId).execute();
    expect(stored).toEqual([]);
  });

  it('answers 400 for a portal body nested 100,000 deep, before any sign-in', async () => {
    expectValidation(await post(`/portal/api/${team.slug}/login/start`, `{"email":${deepArray(100_000)}}`, null), 'email');
  });

  it('answers 400 for a deep body on a route that reads no body', async () => {
    expectValidation(await post('/api/v1/auth/logout', deepObject(100_000)), 'a');
  });

  it('still takes JSON nested to an ordinary depth', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', {
      firstName: 'Shallow',
      address: { city: 'Oslo' },
      emails: { work: 'shallow@example.com' },
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('answers 400 with the field path for an import mapping nested 100,000 deep', async () => {
    for (const [mapping, path] of [
      [deepArray(100_000), 'mapping.0'],
      [`{"name":${deepObject(100_000)}}`, 'mapping.name'],
    ] as const) {
      const res = await postImport(ctx, team.ownerToken, { name: 'people.csv', content: 'name,email\nAnn,ann@example.com\n' }, { mapping });
      expectValidation(res, path);
    }
    const imports = await ctx.db.selectFrom('imports').select('id').where('teamId', '=', team.teamId).execute();
    expect(imports).toEqual([]);
  });
});
