// Text PostgreSQL cannot store (NUL, half a surrogate pair) is a 400 with the field's path wherever it
// arrives: a JSON body of any route, a labeled map's value or key, the query string, a path parameter,
// a multipart field; and nothing is written.
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

const NUL = '\u0000';
const HIGH = '\ud800';
const LOW = '\udc00';

function expectRefused(res: LightMyRequestResponse, path: string, message: RegExp) {
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json();
  expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION', details: [{ path, message: expect.stringMatching(message) }] });
  expect(body.details).toHaveLength(1);
}

/** Every contact row and audit entry of the team, to show a refused request wrote nothing. */
async function stored() {
  const rows = await ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', team.teamId).orderBy('id').execute();
  const audits = await ctx.db.selectFrom('auditLog').select('id').where('teamId', '=', team.teamId).execute();
  return { rows, audits: audits.length };
}

describe('text that cannot be stored', () => {
  it('refuses a NUL in a top-level field of a new contact, and creates nothing', async () => {
    const before = await stored();
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: `Ann${NUL}`, primaryEmail: 'ann@nul.test' });
    expectRefused(res, 'firstName', /NUL character \(U\+0000\)/);
    expect(await stored()).toEqual(before);
  });

  it('refuses half a surrogate pair inside a labeled map, on create and on update, and changes nothing', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', {
      firstName: 'Bea',
      emails: { home: 'bea@home.test', work: `bea${HIGH}@work.test` },
    });
    expectRefused(res, 'emails.work', /surrogate pair \(U\+D800\)/);

    const created = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Bea', phones: { mobile: '555 0100' } });
    expect(created.statusCode).toBe(201);
    const before = await stored();
    const patch = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${created.json().id}`, {
      phones: { mobile: '555 0100', desk: `555 0101 ${LOW}` },
      address: { city: 'Oslo' },
    });
    expectRefused(patch, 'phones.desk', /surrogate pair \(U\+DC00\)/);
    const nested = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${created.json().id}`, { address: { city: `Os${NUL}lo` } });
    expectRefused(nested, 'address.city', /NUL/);
    expect(await stored()).toEqual(before);
    // a whole surrogate pair is ordinary text
    const emoji = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${created.json().id}`, { lastName: 'Smile \ud83d\ude00' });
    expect(emoji.statusCode).toBe(200);
    expect(emoji.json().lastName).toBe('Smile 😀');
  });

  it('refuses such a character in a key of a labeled map', async () => {
    const before = await stored();
    const surrogate = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', {
      firstName: 'Cy',
      phones: { [`mob${HIGH}`]: '555 0102' },
    });
    expectRefused(surrogate, 'phones', /^The key "mob\\ud800" contains half of a UTF-16 surrogate pair/);
    const nul = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Cy', emails: { [`w${NUL}`]: 'cy@key.test' } });
    expectRefused(nul, 'emails', /^The key "w\\u0000" contains a NUL character/);
    expect(await stored()).toEqual(before);
  });

  it('refuses it in every other JSON body the API stores', async () => {
    expectRefused(await call(ctx, team.ownerToken, 'POST', '/api/v1/tokens', { name: `zap${NUL}` }), 'name', /NUL/);
    expectRefused(await call(ctx, team.ownerToken, 'POST', '/api/v1/tokens', { name: `zap${HIGH}` }), 'name', /surrogate/);
    expectRefused(
      await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', { defaultPhoneRegion: `U${NUL}` }),
      'defaultPhoneRegion',
      /NUL/,
    );
    expectRefused(
      await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/google', {
        issuer: 'https://accounts.google.com',
        clientId: `id${NUL}`,
        clientSecret: 's',
      }),
      'clientId',
      /NUL/,
    );
    expectRefused(
      await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'delete', filter: { q: NUL } }),
      'filter.q',
      /NUL/,
    );
    expectRefused(await call(ctx, null, 'POST', '/api/v1/auth/login', { email: `a${NUL}@b.test`, password: 'x' }), 'email', /NUL/);
    expectRefused(await call(ctx, null, 'POST', `/portal/api/${team.slug}/login/start`, { email: `a${NUL}@b.test` }), 'email', /NUL/);
    const tokens = await ctx.db.selectFrom('apiTokens').select('name').execute();
    expect(tokens.map((t) => t.name)).not.toContain(expect.stringContaining('zap'));
  });

  it('refuses it in the query string and in path parameters', async () => {
    expectRefused(await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts?q=ab%00cd'), 'q', /NUL/);
    expectRefused(await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts?cursor=%00'), 'cursor', /NUL/);
    expectRefused(await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts?sort=%00'), 'sort', /NUL/);
    expectRefused(await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/trash?q=%00'), 'q', /NUL/);
    expectRefused(await call(ctx, null, 'GET', '/portal/api/%00'), 'teamSlug', /NUL/);
    expectRefused(await call(ctx, null, 'POST', '/portal/api/a%00/login/start', { email: 'a@b.test' }), 'teamSlug', /NUL/);
  });

  it('refuses it in the import mapping and file name sent as multipart fields', async () => {
    await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', { allowBulkContactImport: true });
    const file = { name: 'people.csv', content: 'firstName,Phone X\nAnn,555 0103\n' };
    for (const url of ['/api/v1/imports/preview', '/api/v1/imports']) {
      const res = await postImport(ctx, team.ownerToken, file, { mapping: JSON.stringify({ 'Phone X': `phones.m${HIGH}` }) }, {}, url);
      expectRefused(res, 'mapping.Phone X', /surrogate/);
    }
    const named = await postImport(ctx, team.ownerToken, { ...file, name: `people${NUL}.csv` }, {}, {}, '/api/v1/imports/preview');
    expectRefused(named, 'file', /^The file name contains a NUL/);
    const imports = await ctx.db.selectFrom('imports').select('id').where('teamId', '=', team.teamId).execute();
    expect(imports).toEqual([]);
  });
});
