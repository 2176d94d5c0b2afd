// Forged or oversized paging cursors (date sorts, trash, a contact's history) answer 400 with the path
// `cursor`, never a 500 from the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from './harness.ts';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

describe('forged paging cursors', () => {
  let contactId: string;
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', {
        firstName: `Page ${i}`,
        primaryEmail: `page${i}@example.com`,
      });
      expect(res.statusCode, res.body).toBe(201);
      contactId = res.json().id;
      await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${contactId}`, { lastName: `Edited ${i}` });
    }
    const trashed = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Binned' });
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${trashed.json().id}`)).statusCode).toBe(204);
  });

  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const id = '0190f3c5-6a3b-7cde-8f01-23456789abcd';
  function forgeries(s: string): string[] {
    const c = (k: unknown, extra: object = {}) => b64(JSON.stringify({ s, k, id, ...extra }));
    return [
      '!!!not base64!!!',
      b64('not json at all'),
      b64('{"s":'),
      b64('null'),
      b64('[]'),
      b64('"a string"'),
      b64('12345'),
      c(123),
      c(null),
      c(['2024-01-01']),
      c({ $date: 1 }),
      c('2024-01-01 12:00:00+00', { id: 42 }),
      c('2024-01-01 12:00:00+00', { id: 'not-a-uuid' }),
      c('not a date'),
      c(''),
      c('2024-13-45 25:61:61+00'),
      c('2024-02-30 00:00:00+00'),
      c('99999999-01-01 00:00:00+00'),
      c('-infinity'),
      c('infinity'),
      c('epoch'),
      c('now'),
      c('2024-01-01 00:00:00+99'),
      c('1'.repeat(400)),
      c('2024-01-01\u0000'),
      c('9'.repeat(300) + '-01-01'),
      c('0000-01-01 00:00:00+00'),
      c('2023-02-29 00:00:00+00'),
    ];
  }

  it('answers 400 on the date sorts for every kind of forged cursor', async () => {
    for (const sort of ['createdAt', '-createdAt', 'updatedAt', '-updatedAt']) {
      for (const cursor of forgeries(sort)) {
        const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?sort=${sort}&limit=1&cursor=${encodeURIComponent(cursor)}`);
        expect(res.statusCode, `${sort} ${Buffer.from(cursor, 'base64url').toString()}: ${res.body}`).toBe(400);
        expect(res.json().details[0].path).toBe('cursor');
      }
    }
  });

  it('answers 400 for forged cursors on a search, whichever way it runs', async () => {
    for (const cursor of forgeries('lastName').concat(forgeries('-createdAt'))) {
      const res = await call(
        ctx,
        team.ownerToken,
        'GET',
        `/api/v1/contacts?q=page&sort=-createdAt&limit=1&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(res.statusCode, res.body).toBe(400);
    }
  });

  it('answers 400 for a name-sort cursor whose key PostgreSQL cannot store', async () => {
    const cursor = b64(JSON.stringify({ s: 'lastName', k: 'smith\u0000', id }));
    const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?sort=lastName&limit=1&cursor=${cursor}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().details[0].path).toBe('cursor');
  });

  it('answers 400 on the trash list for every kind of forged cursor', async () => {
    for (const cursor of forgeries('trash')) {
      const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/trash?limit=1&cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, `${Buffer.from(cursor, 'base64url').toString()}: ${res.body}`).toBe(400);
      expect(res.json().details[0].path).toBe('cursor');
    }
  });

  it('answers 400 for a 1 MB cursor on the directory, the trash and the history', async () => {
    const huge = 'A'.repeat(1024 * 1024);
    for (const url of ['/api/v1/contacts?sort=createdAt&', '/api/v1/contacts/trash?', `/api/v1/contacts/${contactId}/history?`]) {
      const res = await call(ctx, team.ownerToken, 'GET', `${url}cursor=${huge}`);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().details[0].path).toBe('cursor');
    }
  });

  it('answers 400 for a history cursor that is huge, negative or not a number, and pages with the real one', async () => {
    for (const cursor of ['9'.repeat(1024 * 1024), '9'.repeat(30), '99999999999999999999', '-1', '1e5', 'abc', '0x10']) {
      const res = await call(
        ctx,
        team.ownerToken,
        'GET',
        `/api/v1/contacts/${contactId}/history?limit=1&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(res.statusCode, `${cursor.slice(0, 40)}: ${res.body.slice(0, 300)}`).toBe(400);
      expect(res.json().details[0].path).toBe('cursor');
    }
    const first = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${contactId}/history?limit=1`)).json();
    expect(first.items).toHaveLength(1);
    const second = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${contactId}/history?limit=1&cursor=${first.nextCursor}`);
    expect(second.statusCode).toBe(200);
    expect(second.json().items[0].action).toBe('create');
  });

  it('still pages through the date sorts and the trash with the cursors it issued', async () => {
    for (const sort of ['createdAt', '-createdAt', 'updatedAt', '-updatedAt']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode, res.body).toBe(200);
        seen.push(...res.json().items.map((c: { id: string }) => c.id));
        cursor = res.json().nextCursor;
      } while (cursor);
      expect(new Set(seen).size, sort).toBe(seen.length);
      expect(seen.length).toBeGreaterThanOrEqual(3);
    }
  });
});
