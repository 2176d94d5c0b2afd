import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';

let ctx: TestContext;
let team: TestTeam;
let t: string;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
  t = team.ownerToken;
});
afterAll(() => ctx?.close());

const jane = {
  firstName: 'Jane',
  lastName: 'Doe',
  company: 'Acme',
  primaryEmail: ' Jane.Doe@ACME.com ',
  emails: { work: 'jane@acme.com', personal: 'jane@gmail.com' },
  phones: { mobile: '+1-555-123-4567', work: '(555) 987-6543' },
  address: { city: 'Springfield', country: 'USA' },
};

describe('POST /api/v1/contacts', () => {
  it('creates a contact with labeled emails and phones and answers 201 with an ETag', async () => {
    const res = await call(ctx, t, 'POST', '/api/v1/contacts', { ...jane, primaryEmail: 'create1@acme.com' });
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const c = res.json();
    expect(c).toMatchObject({
      firstName: 'Jane',
      primaryEmail: 'create1@acme.com',
      emails: jane.emails,
      phones: jane.phones,
      address: { city: 'Springfield', country: 'USA', line1: null },
      permissions: { active: true, portalAccess: true, canPostComments: true, canCloseTickets: true },
      notifications: { newTickets: true, ticketUpdates: true, newComments: true, formAssignments: true },
      directory: { syncId: null },
      version: 1,
    });
    const get = await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}`);
    expect(get.json()).toEqual(c);
  });

  it('saves a contact with only a name', async () => {
    const res = await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: '지민' });
    expect(res.statusCode).toBe(201);
    expect(res.json().primaryEmail).toBeNull();
  });

  it('normalises the primary email: trimmed, lower-cased, IDN domain in punycode', async () => {
    const res = await call(ctx, t, 'POST', '/api/v1/contacts', { primaryEmail: '  Müller@Bücher.DE ' });
    expect(res.json().primaryEmail).toBe('müller@xn--bcher-kva.de');
  });

  it('stores phones as typed and their E.164 form for search', async () => {
    const res = await call(ctx, t, 'POST', '/api/v1/contacts', {
      firstName: 'Phone',
      phones: { mobile: '(555) 123-4567', office: '+49 30 1234567' },
    });
    const row = await ctx.db
      .selectFrom('contacts')
      .select(['phones', 'phonesE164'])
      .where('id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(row.phones).toEqual({ mobile: '(555) 123-4567', office: '+49 30 1234567' });
    expect(row.phonesE164.sort()).toEqual(['+15551234567', '+49301234567']);
  });

  it('answers 400 with the path of every bad field and stores nothing', async () => {
    const before = await call(ctx, t, 'GET', '/api/v1/contacts?limit=1');
    const res = await call(ctx, t, 'POST', '/api/v1/contacts', {
      firstName: 'x'.repeat(201),
      primaryEmail: 'not-an-email',
      emails: { work: 'broken@' },
      phones: { mobile: 'no digits' },
      address: { city: 42 },
      permissions: { active: 'yes' },
      favouriteColour: 'blue',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION', requestId: expect.any(String) });
    const paths = body.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual([
      'address.city',
      'emails.work',
      'favouriteColour',
      'firstName',
      'permissions.active',
      'phones.mobile',
      'primaryEmail',
    ]);
    const after = await call(ctx, t, 'GET', '/api/v1/contacts?limit=1');
    expect(after.json().total).toBe(before.json().total);
  });

  it('refuses a record with no name, company or email', async () => {
    const res = await call(ctx, t, 'POST', '/api/v1/contacts', { notes: 'who is this?' });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].message).toMatch(/name, a company or an email/);
  });

  it('answers 409 naming the other contact when the primary email is taken, in any case', async () => {
    const first = await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Taken', lastName: 'Owner', primaryEmail: 'taken@acme.com' });
    const audited = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE team_id = ${team.teamId}`.execute(ctx.db)).rows[0]!.n;
    const auditRowsBefore = await audited();
    expect(auditRowsBefore).toBeGreaterThan(0);
    const res = await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Second', primaryEmail: 'TAKEN@Acme.com' });
    expect(res.statusCode).toBe(409);
    expect(await audited(), 'no audit row for a contact that was not created').toBe(auditRowsBefore);
    expect(res.json().message).toContain('Taken Owner');
    expect(res.json().details[0]).toMatchObject({ path: 'primaryEmail', contactId: first.json().id, contactName: 'Taken Owner' });
  });

  it('refuses to write read-only directory fields but accepts them echoed back empty', async () => {
    const bad = await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Dir', directory: { syncId: 'abc' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([{ path: 'directory.syncId', message: expect.stringMatching(/Read-only/) }]);
    const ok = await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Dir', directory: { syncId: null } });
    expect(ok.statusCode).toBe(201);
  });
});

describe('directory.reportsToContactId (org relationships)', () => {
  const post = (body: unknown, token = t) => call(ctx, token, 'POST', '/api/v1/contacts', body);
  const patch = (id: string, body: unknown) => call(ctx, t, 'PATCH', `/api/v1/contacts/${id}`, body);

  it('is set on create and update of a contact no connection manages, cleared with null, and audited', async () => {
    const boss = (await post({ firstName: 'Boss' })).json();
    const deputy = (await post({ firstName: 'Deputy' })).json();
    const created = await post({ firstName: 'Report', directory: { reportsToContactId: boss.id } });
    expect(created.statusCode).toBe(201);
    expect(created.json().directory).toMatchObject({ reportsToContactId: boss.id, syncId: null });

    const moved = await patch(created.json().id, { directory: { reportsToContactId: deputy.id } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ directory: { reportsToContactId: deputy.id }, version: created.json().version + 1 });
    const history = (await call(ctx, t, 'GET', `/api/v1/contacts/${created.json().id}/history`)).json();
    expect(JSON.stringify(history)).toContain(deputy.id);

    const cleared = await patch(created.json().id, { directory: { reportsToContactId: null } });
    expect(cleared.json().directory.reportsToContactId).toBeNull();
    // a GET echoed back as it is changes nothing
    const echoed = await patch(created.json().id, cleared.json());
    expect(echoed.json().version).toBe(cleared.json().version);
  });

  it('answers 400 for itself, a contact of another team or no contact, and for a contact Contact Sync manages', async () => {
    const c = (await post({ firstName: 'Solo' })).json();
    const other = await createTeam(ctx);
    const foreign = (await post({ firstName: 'Foreign' }, other.ownerToken)).json();
    for (const value of [c.id, foreign.id, '0190a0a0-0000-7000-8000-000000000000', 'not-an-id']) {
      const res = await patch(c.id, { directory: { reportsToContactId: value } });
      expect(res.statusCode, value).toBe(400);
      expect(res.json().details[0].path).toBe('directory.reportsToContactId');
    }
    const boss = (await post({ firstName: 'Boss' })).json();
    await ctx.db
      .updateTable('contacts')
      .set({ directoryConnectionId: '0190a0a0-0000-7000-8000-00000000c0c0' })
      .where('id', '=', c.id)
      .execute();
    const managed = await patch(c.id, { directory: { reportsToContactId: boss.id } });
    expect(managed.statusCode).toBe(400);
    expect(managed.json().details[0]).toMatchObject({ path: 'directory.reportsToContactId', message: expect.stringMatching(/Read-only/) });
    expect((await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}`)).json().directory.reportsToContactId).toBeNull();
  });
});

describe('PATCH /api/v1/contacts/:id', () => {
  it('changes only the fields sent, bumps the version and answers the new ETag', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { ...jane, primaryEmail: 'patch1@acme.com' })).json();
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, {
      jobTitle: 'CTO',
      address: { city: 'Shelbyville' },
      permissions: { canCloseTickets: false },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.json()).toMatchObject({
      firstName: 'Jane',
      jobTitle: 'CTO',
      address: { city: 'Shelbyville', country: 'USA' },
      permissions: { canCloseTickets: false, active: true },
      emails: jane.emails,
      version: 2,
    });
  });

  it('keeps labeled emails and phones in the order they were typed', async () => {
    const c = (
      await call(ctx, t, 'POST', '/api/v1/contacts', {
        firstName: 'Order',
        emails: { zeta: 'z@x.com', alpha: 'a@x.com' },
        phones: { mobile: '1 555 0100', work: '1 555 0101', a: '1 555 0102' },
      })
    ).json();
    expect(Object.keys(c.emails)).toEqual(['zeta', 'alpha']);
    const again = (await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}`)).json();
    expect(Object.keys(again.phones)).toEqual(['mobile', 'work', 'a']);
  });

  it('replaces the labeled emails map when it is sent', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { ...jane, primaryEmail: 'patch2@acme.com' })).json();
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { emails: { billing: 'Billing@Acme.com' } });
    expect(res.json().emails).toEqual({ billing: 'billing@acme.com' });
  });

  it('answers 412 when If-Match names an older version, and changes nothing', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Versioned' })).json();
    await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { lastName: 'One' }, { 'if-match': '"1"' });
    const stale = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { lastName: 'Two' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'PRECONDITION_FAILED', details: { currentVersion: 2 } });
    const now = (await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}`)).json();
    expect([now.lastName, now.version]).toEqual(['One', 2]);
    const fresh = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { lastName: 'Two' }, { 'if-match': 'W/"2"' });
    expect(fresh.statusCode).toBe(200);
  });

  it('answers 400 for an unreadable If-Match', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'IfMatch' })).json();
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { lastName: 'x' }, { 'if-match': 'banana' });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('If-Match');
  });

  it('keeps the version when nothing changes', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Same' })).json();
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { firstName: ' Same ' });
    expect(res.json().version).toBe(1);
  });

  it('accepts a record read with GET and sent back whole', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { ...jane, primaryEmail: 'roundtrip@acme.com' })).json();
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { ...c, notes: 'VIP' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ notes: 'VIP', version: 2 });
  });

  it('answers 409 when the new primary email belongs to another contact', async () => {
    await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Holder', primaryEmail: 'holder@acme.com' });
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Mover', primaryEmail: 'mover@acme.com' })).json();
    const res = await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { primaryEmail: 'Holder@acme.com' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toContain('Holder');
    expect((await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}`)).json().primaryEmail).toBe('mover@acme.com');
  });
});

describe('GET /api/v1/contacts/:id/history', () => {
  it('lists every change newest first with who, what, before and after', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Hist', company: 'Old Co' })).json();
    await call(ctx, t, 'PATCH', `/api/v1/contacts/${c.id}`, { company: 'New Co', phones: { mobile: '555 0100' } });
    const res = await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}/history`);
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(items.map((i: { action: string }) => i.action)).toEqual(['update', 'create']);
    expect(items[0].actor).toMatchObject({ type: 'token', label: team.ownerEmail });
    expect(items[0].changes).toEqual({
      company: { before: 'Old Co', after: 'New Co' },
      phones: { before: {}, after: { mobile: '555 0100' } },
    });
    expect(items[1].changes.firstName).toEqual({ before: null, after: 'Hist' });
  });
});

describe('DELETE /api/v1/contacts/:id', () => {
  it('removes the contact, keeps the deletion in the audit log, and then answers 404', async () => {
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Gone', primaryEmail: 'gone@acme.com' })).json();
    expect((await call(ctx, t, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
    expect((await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}`)).statusCode).toBe(404);
    expect((await call(ctx, t, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(404);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'changes'])
      .where('entityId', '=', c.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.action).toBe('delete');
    expect(audit.changes).toMatchObject({ primaryEmail: { before: 'gone@acme.com', after: null } });
    // the email is free again
    expect((await call(ctx, t, 'POST', '/api/v1/contacts', { primaryEmail: 'gone@acme.com' })).statusCode).toBe(201);
  });

  it('answers 404 for ids that are not ids', async () => {
    expect((await call(ctx, t, 'GET', '/api/v1/contacts/not-a-uuid')).statusCode).toBe(404);
    expect((await call(ctx, t, 'DELETE', '/api/v1/contacts/123')).statusCode).toBe(404);
  });
});

describe('GET /api/v1/contacts', () => {
  it('pages through every contact of the team once, newest first, with an exact total', async () => {
    const own = await createTeam(ctx);
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await call(ctx, own.ownerToken, 'POST', '/api/v1/contacts', { firstName: `P${i}` })).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(ctx, own.ownerToken, 'GET', `/api/v1/contacts?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      const page = res.json();
      expect(page.total).toBe(7);
      expect(page.totalIsEstimate).toBe(false);
      seen.push(...page.items.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(made.reverse());
  });

  it('answers 400 for a bad limit or a forged cursor', async () => {
    expect((await call(ctx, t, 'GET', '/api/v1/contacts?limit=501')).json().details[0].path).toBe('limit');
    expect((await call(ctx, t, 'GET', '/api/v1/contacts?cursor=abc')).json().details[0].path).toBe('cursor');
  });
});

describe('member permissions on contacts', () => {
  it('lets a member without modifyContacts view but not create, edit or delete', async () => {
    const viewer = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    const c = (await call(ctx, t, 'POST', '/api/v1/contacts', { firstName: 'Viewable' })).json();
    expect((await call(ctx, viewer.token, 'GET', `/api/v1/contacts/${c.id}`)).statusCode).toBe(200);
    expect((await call(ctx, viewer.token, 'GET', '/api/v1/contacts')).statusCode).toBe(200);
    const create = await call(ctx, viewer.token, 'POST', '/api/v1/contacts', { firstName: 'Nope' });
    expect(create.statusCode).toBe(403);
    expect(create.json().message).toMatch(/Modify contacts/);
    // the message is shown to people: the permission's name, not its API key
    expect(create.json().message).not.toContain('modifyContacts');
    expect((await call(ctx, viewer.token, 'PATCH', `/api/v1/contacts/${c.id}`, { firstName: 'Changed' })).statusCode).toBe(403);
    expect((await call(ctx, viewer.token, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(403);
    expect((await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}`)).json()).toMatchObject({ firstName: 'Viewable', version: 1 });
  });

  it('answers 401 without credentials', async () => {
    const res = await call(ctx, null, 'GET', '/api/v1/contacts');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHENTICATED');
  });
});
