import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTeamSettings } from '#shared/settings.schema.ts';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';

let ctx: TestContext;
let team: TestTeam;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

describe('GET|PATCH /api/v1/settings', () => {
  it('starts from the defaults', async () => {
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/settings')).json()).toEqual(defaultTeamSettings);
  });

  it('refuses to switch on a sign-in provider that is not set up, and allows it once it is', async () => {
    const t = await createTeam(ctx);
    const res = await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { contactSso: { google: true, microsoft: true } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.map((d: { path: string }) => d.path)).toEqual(['contactSso.google', 'contactSso.microsoft']);
    expect((await call(ctx, t.ownerToken, 'GET', '/api/v1/settings')).json().contactSso).toEqual({ google: false, microsoft: false });
    const put = await call(ctx, t.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', {
      issuer: 'https://login.microsoftonline.com/organizations/v2.0',
      clientId: 'app-id',
      clientSecret: 'app secret',
    });
    expect(put.statusCode).toBe(200);
    const on = await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { contactSso: { microsoft: true } });
    expect(on.json().contactSso).toEqual({ google: false, microsoft: true });
    // switching off never needs a set-up
    expect((await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { contactSso: { google: false } })).statusCode).toBe(200);
  });

  it('stores a partial change, merges nested objects and audits it', async () => {
    await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', {
      issuer: 'https://login.microsoftonline.com/organizations/v2.0',
      clientId: 'app-id',
      clientSecret: 'app secret',
    });
    const res = await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', {
      portalEnabled: false,
      contactSso: { microsoft: true },
      defaultPhoneRegion: 'DE',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      portalEnabled: false,
      contactSso: { google: false, microsoft: true },
      defaultPhoneRegion: 'DE',
      allowPortalComments: true,
    });
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/settings')).json().contactSso).toEqual({ google: false, microsoft: true });
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('changes')
      .where('entityId', '=', team.teamId)
      .where('action', '=', 'settings.update')
      .execute();
    expect(audit.at(-1)!.changes).toMatchObject({ portalEnabled: { before: true, after: false } });
  });

  it('reads phones without a country code with the team region', async () => {
    const de = await createTeam(ctx);
    await call(ctx, de.ownerToken, 'PATCH', '/api/v1/settings', { defaultPhoneRegion: 'DE' });
    const c = (await call(ctx, de.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Hans', phones: { work: '030 1234567' } })).json();
    const row = await ctx.db.selectFrom('contacts').select('phonesE164').where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.phonesE164).toEqual(['+49301234567']);
  });

  it('answers 400 with the path for bad values and keeps the stored settings', async () => {
    const before = (await call(ctx, team.ownerToken, 'GET', '/api/v1/settings')).json();
    const bad = await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', {
      portalTicketCreation: 'everyone',
      notifications: { newTickets: 'yes' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['notifications.newTickets', 'portalTicketCreation']);
    const region = await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', { defaultPhoneRegion: 'XX' });
    expect(region.json().details[0].path).toBe('defaultPhoneRegion');
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/settings')).json()).toEqual(before);
  });

  it('is for owners and admins only', async () => {
    const agent = await createMember(ctx, team);
    expect((await call(ctx, agent.token, 'GET', '/api/v1/settings')).statusCode).toBe(403);
    expect((await call(ctx, agent.token, 'PATCH', '/api/v1/settings', { portalEnabled: true })).statusCode).toBe(403);
    const admin = await createMember(ctx, team, { role: 'admin' });
    expect((await call(ctx, admin.token, 'PATCH', '/api/v1/settings', { allowBulkContactImport: false })).statusCode).toBe(200);
  });
});
