// The contact writer is the one path of every contact write: the same change made through the API and
// through an import leaves the same row, version, history and portal sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { importFile } from '../imports/import-test-utils.ts';
import { createContact, me, signIn } from '../portal/portal-test-support.ts';
import { scimDefaultMapping } from '#shared/sync.ts';
import { uuidv7 } from '../db/ids.ts';
import { fieldsToColumns, rowToFields } from './contacts.presenter.ts';
import { emptyContact, type ContactFields } from './contacts.rules.ts';
import { createContactWriter } from './contacts.writer.ts';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

type HistoryItem = { action: string; actor: { type: string; label: string }; changes: Record<string, { before: unknown; after: unknown }> };

async function history(id: string): Promise<HistoryItem[]> {
  const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${id}/history`);
  expect(res.statusCode).toBe(200);
  return res.json().items;
}
const sessionsOf = async (contactId: string) =>
  (await ctx.db.selectFrom('portalSessions').select('tokenHash').where('contactId', '=', contactId).execute()).length;
const row = (id: string) => ctx.db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** A contact signed in to the portal (so verified: version 2), answering its id, email and session cookie. */
async function signedInContact() {
  const c = await createContact(ctx, team, { firstName: 'Ada', lastName: 'Twin', jobTitle: 'Clerk', phones: { work: '+1 555 201 0000' } });
  const { cookie } = await signIn(ctx, team.slug, c.primaryEmail);
  expect((await me(ctx, team.slug, cookie)).statusCode).toBe(200);
  return { ...c, cookie };
}

/** Replaces the contact-specific values (ids, emails) so two contacts' histories can be compared. */
const neutral = (v: unknown, c: { id: string; primaryEmail: string }, next: string) =>
  JSON.parse(JSON.stringify(v).replaceAll(c.id, '<id>').replaceAll(c.primaryEmail, '<old>').replaceAll(next, '<new>'));

describe('one contact writer for the API and imports', () => {
  it('an import and a PATCH that make the same change leave the same row, version, history and ended portal sessions', async () => {
    const viaApi = await signedInContact();
    const viaImport = await signedInContact();
    const apiEmail = `moved-${uid()}@example.com`;
    const importEmail = `moved-${uid()}@example.com`;

    const patched = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${viaApi.id}`, {
      primaryEmail: apiEmail,
      jobTitle: 'Head of Support',
      phones: { work: '+1 555 201 0000', mobile: '(555) 201-0123' },
    });
    expect(patched.statusCode).toBe(200);
    const imp = await importFile(
      ctx,
      team,
      'change.csv',
      `id,primaryEmail,jobTitle,phones\r\n${viaImport.id},${importEmail},Head of Support,"{""work"":""+1 555 201 0000"",""mobile"":""(555) 201-0123""}"\r\n`,
    );
    expect(imp).toMatchObject({ status: 'succeeded', updated: 1, failed: 0 });

    const [a, b] = [await row(viaApi.id), await row(viaImport.id)];
    expect(b.version).toBe(a.version);
    expect(a.version).toBe(3); // created, verified at the first sign-in, changed
    expect(b.phonesE164).toEqual(a.phonesE164);
    expect(b.phonesE164).toEqual(['+15552010000', '+15552010123']);
    const columns = (r: typeof a, c: typeof viaApi, next: string) => {
      const { id: _id, createdAt: _c, updatedAt: _u, portalVerifiedAt: _p, lastName: _l, skLast: _s, ...rest } = r;
      return neutral(rest, c, next);
    };
    expect(columns(b, viaImport, importEmail)).toEqual(columns(a, viaApi, apiEmail));

    const [ha, hb] = [await history(viaApi.id), await history(viaImport.id)];
    expect(hb.map((h) => h.action)).toEqual(['update', 'portal.verified', 'create']);
    expect(ha.map((h) => h.action)).toEqual(hb.map((h) => h.action));
    expect(neutral(hb[0]!.changes, viaImport, importEmail)).toEqual(neutral(ha[0]!.changes, viaApi, apiEmail));
    expect(hb[0]!.changes).toMatchObject({ primaryEmail: { before: viaImport.primaryEmail, after: importEmail } });
    expect(hb[0]!.actor.label).toContain('(import)');

    // the contact's sessions were opened with an address it no longer has: both end
    expect(await sessionsOf(viaImport.id)).toBe(0);
    expect((await me(ctx, team.slug, viaApi.cookie)).statusCode).toBe(401);
    expect((await me(ctx, team.slug, viaImport.cookie)).statusCode).toBe(401);
  });

  it('deactivating or removing portal access by import ends the portal sessions, as the API does', async () => {
    const off = await signedInContact();
    const noPortal = await signedInContact();
    const untouched = await signedInContact();
    const imp = await importFile(
      ctx,
      team,
      'flags.csv',
      `id,contactIsActive,portalAccess,jobTitle\r\n${off.id},no,,\r\n${noPortal.id},,no,\r\n${untouched.id},,,Clerk II\r\n`,
    );
    expect(imp).toMatchObject({ status: 'succeeded', updated: 3, failed: 0 });
    // ended by the import itself, not left for the next request to notice
    expect(await sessionsOf(off.id)).toBe(0);
    expect(await sessionsOf(noPortal.id)).toBe(0);
    expect(await sessionsOf(untouched.id)).toBe(1);
    expect((await me(ctx, team.slug, off.cookie)).statusCode).toBe(401);
    expect((await me(ctx, team.slug, noPortal.cookie)).statusCode).toBe(401);
    // a change that leaves the contact able to sign in keeps its session
    expect((await me(ctx, team.slug, untouched.cookie)).statusCode).toBe(200);
    expect((await history(off.id))[0]).toMatchObject({
      action: 'update',
      changes: { 'permissions.active': { before: true, after: false } },
    });
  });

  it('keeps the stored search columns and E.164 exactly as a fresh build would make them, whichever fields a change touches', async () => {
    const c = await createContact(ctx, team, { firstName: 'Grace', lastName: 'Hopper', phones: { work: '+1 555 201 0400' } });
    const derived = (r: Awaited<ReturnType<typeof row>>) => {
      const { searchText, skLast, skFirst, skCompany, skEmail, searchVersion } = r;
      return { searchText, skLast, skFirst, skCompany, skEmail, searchVersion, phonesE164: r.phonesE164 };
    };
    const fresh = (r: Awaited<ReturnType<typeof row>>) => {
      const cols = fieldsToColumns(rowToFields(r), r.phonesE164);
      const { searchText, skLast, skFirst, skCompany, skEmail, searchVersion } = cols;
      return { searchText, skLast, skFirst, skCompany, skEmail, searchVersion, phonesE164: r.phonesE164 };
    };
    // only fields search does not read
    await importFile(ctx, team, 'title.csv', `id,jobTitle,notes\r\n${c.id},Rear Admiral,Navy\r\n`);
    const titled = await row(c.id);
    expect(titled.jobTitle).toBe('Rear Admiral');
    expect(derived(titled)).toEqual(fresh(titled));
    // the name, the company and the phones: everything derived from them follows
    await importFile(ctx, team, 'name.csv', `id,lastName,company,phones\r\n${c.id},Murray,Remington Rand,+1 555 201 0999\r\n`);
    const renamed = await row(c.id);
    expect(derived(renamed)).toEqual(fresh(renamed));
    expect(renamed.skLast.startsWith('murray')).toBe(true);
    expect(renamed.phonesE164).toContain('+15552010999');
    const found = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts?q=${encodeURIComponent('remington')}`);
    expect(found.json().items.map((x: { id: string }) => x.id)).toContain(c.id);
  });
});

describe("Contact Sync's two ways to create a person", () => {
  it('the one-statement create (SCIM) leaves the same row and history as the batch create of a directory run', async () => {
    const conn = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections', {
      name: `Writer twin ${uid()}`,
      source: 'scim',
      status: 'enabled',
      settings: {},
      mapping: scimDefaultMapping,
    });
    expect(conn.statusCode, conn.body).toBe(201);
    const connectionId = conn.json().id as string;
    const writer = createContactWriter(ctx.db);
    const by = { teamId: team.teamId, type: 'system' as const, id: null, label: 'Contact Sync test', requestId: null };
    const fields = (email: string): ContactFields => ({
      ...emptyContact(),
      firstName: 'Ada',
      lastName: 'Twin',
      primaryEmail: email,
      jobTitle: 'Engineer',
      phones: { work: '+1 425 555 0100', mobile: '(206) 555-0101' },
    });
    const a = { id: uuidv7(), email: `a-${uid()}@twin.example`, syncId: `sync-a-${uid()}` };
    const b = { id: uuidv7(), email: `b-${uid()}@twin.example`, syncId: `sync-b-${uid()}` };
    await ctx.db
      .transaction()
      .execute((tx) =>
        writer.writeSynced(
          tx,
          by,
          connectionId,
          { creates: [{ id: a.id, fields: fields(a.email), directory: { syncId: a.syncId, organizationId: 'org-1' } }], changes: [] },
          { region: 'US' },
        ),
      );
    const written = await writer.createSyncedOne<{ id: string }>(
      ctx.db,
      by,
      connectionId,
      { id: b.id, fields: fields(b.email), directory: { syncId: b.syncId, organizationId: 'org-1' } },
      { region: 'US' },
      () => ({ guard: 'true', alongside: 'x AS (SELECT 1)', answer: 'SELECT id FROM w' }),
    );
    expect(written).toEqual([{ id: b.id }]);
    // a primary email a live contact holds writes nothing either (no unique violation, no audit row)
    const d = uuidv7();
    const taken = await writer.createSyncedOne<{ id: string }>(
      ctx.db,
      by,
      connectionId,
      { id: d, fields: fields(a.email), directory: { syncId: 'sync-d', organizationId: null } },
      { region: 'US' },
      () => ({ guard: 'true', alongside: 'x AS (SELECT 1)', answer: 'SELECT id FROM w' }),
    );
    expect(taken).toEqual([]);
    expect(await ctx.db.selectFrom('auditLog').select('id').where('entityId', '=', d).execute()).toEqual([]);
    // a guard that does not hold writes nothing, not even the audit row
    const c = uuidv7();
    const none = await writer.createSyncedOne<{ id: string }>(
      ctx.db,
      by,
      connectionId,
      { id: c, fields: fields(`c-${uid()}@twin.example`), directory: { syncId: 'sync-c', organizationId: null } },
      { region: 'US' },
      (p) => ({ guard: `${p(false)}::boolean`, alongside: 'x AS (SELECT 1)', answer: 'SELECT id FROM w' }),
    );
    expect(none).toEqual([]);
    expect(await ctx.db.selectFrom('auditLog').select('id').where('entityId', '=', c).execute()).toEqual([]);

    const same = (r: Record<string, unknown>, t: typeof a) => {
      const { createdAt: _c, updatedAt: _u, ...rest } = r;
      return JSON.parse(JSON.stringify(rest).replaceAll(t.id, '<id>').replaceAll(t.email, '<email>').replaceAll(t.syncId, '<sync>'));
    };
    const [ra, rb] = [await row(a.id), await row(b.id)];
    expect(rb.phonesE164).toContain('+14255550100');
    expect(same(rb, b)).toEqual(same(ra, a));
    const [ha, hb] = [await history(a.id), await history(b.id)];
    expect(hb).toHaveLength(1);
    const entry = (h: HistoryItem) => ({ action: h.action, actor: h.actor, changes: h.changes });
    expect(same(entry(hb[0]!) as never, b)).toEqual(same(entry(ha[0]!) as never, a));
  });
});
