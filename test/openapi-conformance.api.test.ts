// What the README and the product's help pages show a client sending must pass the published document too:
// the harness checks every request the server accepts against /api/openapi.json (openapi-conformance.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from './harness.ts';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

describe('requests a client generated from the OpenAPI document must be able to send', () => {
  it.each([
    [
      'the README example',
      { firstName: 'Jane', primaryEmail: 'jane@acme.com', emails: { billing: 'ap@acme.com' }, phones: { mobile: '+1 555 123 4567' } },
    ],
    [
      'phones as people write them',
      { firstName: 'P', phones: { work: '(303) 555-0100 ext. 12', fax: '+44 20 7946 0958', other: '555.0100#9*1;2,3' } },
    ],
    [
      'an international email, nulls and partial objects',
      { lastName: '김', primaryEmail: 'Kim@Bücher.example', company: null, address: { city: 'Seoul' } },
    ],
    ['a record read with GET sent back', null],
  ])('%s', async (_name, body) => {
    let payload = body;
    if (!payload) {
      const created = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', {
        firstName: 'Round',
        phones: { mobile: '+1 555 123 4567' },
      });
      expect(created.statusCode, created.body).toBe(201);
      payload = created.json();
    }
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', payload);
    expect(res.statusCode, res.body).toBe(body ? 201 : 201);
  });

  it('a directory search with every filter, and a bulk action by filter', async () => {
    const list = await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts?q=%2B1%20555&status=all&verified=false&sort=-createdAt&limit=5');
    expect(list.statusCode, list.body).toBe(200);
    const bulk = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'deactivate', filter: { q: 'jane' } });
    expect(bulk.statusCode, bulk.body).toBe(200);
  });
});
