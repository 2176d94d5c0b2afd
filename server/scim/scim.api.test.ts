// SCIM 2.0 provisioning over HTTP with the requests Microsoft Entra ID sends (the bodies Microsoft
// documents for Entra provisioning and its SCIM Validator, with and without the aadOptscim062020 flag:
// "Replace"/"Add" ops, "False" strings, value objects without a path, the manager as an array), the
// bearer token of a SCIM connection, SCIM's error format, and what a user of kdesk sees: contacts of the
// connection, deactivated never deleted, and each operation in the connection's runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scimDefaultMapping } from '#shared/sync.ts';
import { createScimService, SCIM_TOKEN_CACHE_MS } from './scim.service.ts';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let ctx: TestContext;
let team: TestTeam;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx, 'SCIM Co');
});
afterAll(() => ctx?.close());

async function scimConnection(tm: TestTeam = team, status: 'enabled' | 'draft' = 'enabled') {
  const res = await call(ctx, tm.ownerToken, 'POST', '/api/v1/sync/connections', {
    name: `Entra provisioning ${uid()}`,
    source: 'scim',
    status,
    settings: {},
    mapping: scimDefaultMapping,
  });
  if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`);
  const c = res.json() as { id: string; scimToken: string };
  return { id: c.id, token: c.scimToken };
}

/** One SCIM request as Entra sends it (application/scim+json). */
function scim(token: string | null, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  return ctx.app.inject({
    method,
    url: `/scim/v2${url}`,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

/** Entra's Create User request (Microsoft's documented example, with unique names). */
function entraUser(over: Record<string, unknown> = {}) {
  const n = uid();
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    externalId: `0a21f0f2-8d2a-4f8e-bf98-${n}`,
    userName: `Test_User_${n}@testuser.com`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_${n}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    ...over,
  };
}

const contactOf = (syncId: string) =>
  ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', team.teamId).where('directorySyncId', '=', syncId).execute();

async function runsOf(connectionId: string) {
  const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/connections/${connectionId}/runs`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as { id: string; trigger: string; status: string; counts: Record<string, number> }[];
}
async function entriesOf(runId: string) {
  const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${runId}/entries`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as { syncId: string; outcome: string; email: string | null; reason: string | null }[];
}

describe('SCIM tokens', () => {
  it('shows the token once when a SCIM connection is created, and only that token opens /scim/v2', async () => {
    const c = await scimConnection();
    expect(c.token).toMatch(/^kscim_[\w-]{40,}$/);
    const again = await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/connections/${c.id}`);
    expect(again.json().scimToken).toBeUndefined();
    const stored = await ctx.db
      .selectFrom('scimTokens' as never)
      .selectAll()
      .execute();
    expect(JSON.stringify(stored)).not.toContain(c.token);

    const ok = await scim(c.token, 'GET', '/ServiceProviderConfig');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toContain('application/scim+json');
    expect(ok.json()).toMatchObject({
      patch: { supported: true },
      filter: { supported: true, maxResults: 1000 },
      bulk: { supported: false },
    });

    for (const token of [null, 'kscim_wrong', team.ownerToken]) {
      const res = await scim(token, 'GET', '/Users');
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ schemas: [ERROR], status: '401' });
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
  });

  it('rotates the token: the old one stops working; agents cannot rotate; a draft connection refuses', async () => {
    const c = await scimConnection();
    // used first (so this worker knows the token), then rotated: the old one is refused at once
    expect((await scim(c.token, 'GET', '/Users')).statusCode).toBe(200);
    const rotated = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/connections/${c.id}/scim-token`);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const token = rotated.json().scimToken as string;
    expect(token).not.toBe(c.token);
    expect((await scim(c.token, 'GET', '/Users')).statusCode).toBe(401);
    expect((await scim(token, 'GET', '/Users')).statusCode).toBe(200);

    const agent = await createMember(ctx, team, { role: 'agent' });
    expect((await call(ctx, agent.token, 'POST', `/api/v1/sync/connections/${c.id}/scim-token`)).statusCode).toBe(403);
    const other = await createTeam(ctx);
    expect((await call(ctx, other.ownerToken, 'POST', `/api/v1/sync/connections/${c.id}/scim-token`)).statusCode).toBe(404);

    const draft = await scimConnection(team, 'draft');
    const refused = await scim(draft.token, 'POST', '/Users', entraUser());
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ schemas: [ERROR], status: '403' });
    expect(refused.json().detail).toMatch(/draft/);
  });

  it('a connection disabled, enabled again or deleted is seen at once by the next SCIM request', async () => {
    const c = await scimConnection();
    expect((await scim(c.token, 'POST', '/Users', entraUser())).statusCode).toBe(201);
    const status = (s: string) => call(ctx, team.ownerToken, 'PATCH', `/api/v1/sync/connections/${c.id}`, { status: s });
    expect((await status('draft')).statusCode).toBe(200);
    const refused = await scim(c.token, 'POST', '/Users', entraUser());
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toMatch(/draft/);
    expect((await status('enabled')).statusCode).toBe(200);
    expect((await scim(c.token, 'POST', '/Users', entraUser())).statusCode).toBe(201);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/sync/connections/${c.id}`)).statusCode).toBe(204);
    const gone = await scim(c.token, 'GET', '/Users');
    expect(gone.statusCode).toBe(401);
    expect(gone.json()).toMatchObject({ schemas: [ERROR], status: '401' });
  });

  it('a token revoked by another worker stops working here within SCIM_TOKEN_CACHE_MS (5 s)', async () => {
    const c = await scimConnection();
    let now = 1_000_000;
    const worker = createScimService({ db: ctx.db, now: () => now });
    const auth = () => worker.authenticate(`Bearer ${c.token}`, null);
    await expect(auth()).resolves.toMatchObject({ connectionId: c.id, teamId: team.teamId });
    // another worker rotates the token: this one still knows the old one for a while, never longer
    await ctx.db
      .deleteFrom('scimTokens' as never)
      .where('connectionId' as never, '=', c.id as never)
      .execute();
    now += SCIM_TOKEN_CACHE_MS - 1;
    await expect(auth()).resolves.toMatchObject({ connectionId: c.id });
    now += 1;
    await expect(auth()).rejects.toMatchObject({ status: 401 });
  });
});

describe('POST/GET /scim/v2/Users', () => {
  it('counts every create of a burst in one run, one entry each (also a create refused in between)', async () => {
    const c = await scimConnection();
    const bodies = Array.from({ length: 6 }, () => entraUser());
    for (const b of bodies.slice(0, 3)) expect((await scim(c.token, 'POST', '/Users', b)).statusCode).toBe(201);
    expect((await scim(c.token, 'POST', '/Users', entraUser({ emails: bodies[0]!.emails }))).statusCode).toBe(409);
    for (const b of bodies.slice(3)) expect((await scim(c.token, 'POST', '/Users', b)).statusCode).toBe(201);
    const runs = await runsOf(c.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.counts).toMatchObject({ created: 6, conflicts: 1, updated: 0 });
    const entries = await entriesOf(runs[0]!.id);
    expect(entries).toHaveLength(7);
    expect(
      entries
        .filter((e) => e.outcome === 'created')
        .map((e) => e.email)
        .sort(),
    ).toEqual(bodies.map((b) => b.emails[0]!.value.toLowerCase()).sort());
    const contacts = await ctx.db.selectFrom('contacts').select('id').where('directoryConnectionId', '=', c.id).execute();
    expect(contacts).toHaveLength(6);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('action')
      .where(
        'entityId',
        'in',
        contacts.map((x) => x.id),
      )
      .execute();
    expect(audit.map((a) => a.action)).toEqual(Array(6).fill('create'));
  });

  it("creates Entra's documented user as a contact of the connection, finds it by userName, externalId and work email", async () => {
    const c = await scimConnection();
    const body = entraUser();
    const res = await scim(c.token, 'POST', '/Users', body);
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json();
    expect(user).toMatchObject({
      schemas: expect.arrayContaining(['urn:ietf:params:scim:schemas:core:2.0:User']),
      userName: body.userName,
      externalId: body.externalId,
      active: true,
      name: body.name,
      emails: body.emails,
      meta: { resourceType: 'User' },
    });
    expect(res.headers.location).toBe(user.meta.location);
    expect(user.meta.location).toMatch(new RegExp(`/scim/v2/Users/${user.id}$`));

    const [contact] = await contactOf(user.id);
    expect(contact).toMatchObject({
      firstName: 'givenName',
      lastName: 'familyName',
      primaryEmail: body.emails[0]!.value.toLowerCase(),
      directoryConnectionId: c.id,
      active: true,
    });

    expect((await scim(c.token, 'GET', `/Users/${user.id}`)).json()).toEqual(user);
    for (const filter of [
      `userName eq "${body.userName}"`,
      `userName eq "${body.userName.toUpperCase()}"`,
      `externalId eq "${body.externalId}"`,
      `emails[type eq "work"].value eq "${body.emails[0]!.value}"`,
    ]) {
      const list = await scim(c.token, 'GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(list.statusCode, filter).toBe(200);
      expect(list.json()).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: 1,
        startIndex: 1,
        itemsPerPage: 1,
        Resources: [{ id: user.id }],
      });
    }
    // Entra's "Get User by query - zero results"
    const none = await scim(c.token, 'GET', `/Users?filter=${encodeURIComponent('userName eq "non-existent user"')}`);
    expect(none.json()).toMatchObject({ totalResults: 0, Resources: [] });

    // the run log of the connection shows the person
    const [run] = await runsOf(c.id);
    expect(run).toMatchObject({ trigger: 'scim', status: 'succeeded', counts: { created: 1 } });
    expect(await entriesOf(run!.id)).toMatchObject([{ syncId: user.id, outcome: 'created', email: contact!.primaryEmail }]);
  });

  it('answers 409 uniqueness for a taken userName, and for an email another person holds (never merged or duplicated)', async () => {
    const c = await scimConnection();
    const first = entraUser();
    const created = await scim(c.token, 'POST', '/Users', first);
    expect(created.statusCode).toBe(201);

    const same = await scim(c.token, 'POST', '/Users', { ...entraUser(), userName: first.userName.toLowerCase() });
    expect(same.statusCode).toBe(409);
    expect(same.json()).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });

    // another externalId and userName, the same email
    const twin = entraUser({ emails: first.emails });
    const res = await scim(c.token, 'POST', '/Users', twin);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const holders = await ctx.db
      .selectFrom('contacts')
      .select('id')
      .where('teamId', '=', team.teamId)
      .where('primaryEmail', '=', first.emails[0]!.value.toLowerCase())
      .execute();
    expect(holders).toHaveLength(1);
    const list = await scim(c.token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${twin.userName}"`)}`);
    expect(list.json().totalResults).toBe(0);
    // the conflict is in the log, with its reason
    const [run] = await runsOf(c.id);
    expect(run!.counts).toMatchObject({ created: 1, conflicts: 1 });
    const conflict = (await entriesOf(run!.id)).find((e) => e.outcome === 'conflict');
    expect(conflict?.reason).toMatch(/belongs to contact/);
  });

  it('answers bad input in SCIM format: missing userName, bad filter, bad JSON, unknown user', async () => {
    const c = await scimConnection();
    const noName = await scim(c.token, 'POST', '/Users', { ...entraUser(), userName: undefined });
    expect(noName.statusCode).toBe(400);
    expect(noName.json()).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });

    const filter = await scim(c.token, 'GET', `/Users?filter=${encodeURIComponent('title co "boss"')}`);
    expect(filter.statusCode).toBe(400);
    expect(filter.json()).toMatchObject({ status: '400', scimType: 'invalidFilter' });

    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/scim+json' },
      payload: '{"userName": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: '400', scimType: 'invalidSyntax' });

    const missing = await scim(c.token, 'GET', '/Users/00000000-0000-7000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ schemas: [ERROR], status: '404' });
    expect((await scim(c.token, 'GET', '/Groups')).json()).toMatchObject({ status: '404' });
  });

  it('pages with startIndex and count', async () => {
    const c = await scimConnection();
    for (let i = 0; i < 5; i++) expect((await scim(c.token, 'POST', '/Users', entraUser())).statusCode).toBe(201);
    const page = (await scim(c.token, 'GET', '/Users?startIndex=2&count=2')).json();
    expect(page).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    const all = (await scim(c.token, 'GET', '/Users')).json();
    expect(page.Resources.map((u: { id: string }) => u.id)).toEqual(all.Resources.slice(1, 3).map((u: { id: string }) => u.id));
    expect((await scim(c.token, 'GET', '/Users?count=0')).json()).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it("keeps teams apart: a connection's token sees only its own users", async () => {
    const c = await scimConnection();
    const user = (await scim(c.token, 'POST', '/Users', entraUser())).json();
    const other = await createTeam(ctx);
    const theirs = await scimConnection(other);
    expect((await scim(theirs.token, 'GET', `/Users/${user.id}`)).statusCode).toBe(404);
    expect(
      (await scim(theirs.token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`)).json().totalResults,
    ).toBe(0);
  });
});

describe('PATCH/PUT/DELETE /scim/v2/Users/:id', () => {
  async function provisioned(over: Record<string, unknown> = {}) {
    const c = await scimConnection();
    const res = await scim(c.token, 'POST', '/Users', entraUser(over));
    expect(res.statusCode, res.body).toBe(201);
    return { c, user: res.json() as { id: string; userName: string } };
  }

  it('applies Entra\'s multi-valued update (Replace, emails[type eq "work"].value, name.familyName)', async () => {
    const { c, user } = await provisioned();
    const email = `updatedEmail-${uid()}@microsoft.com`;
    const res = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: email },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      name: { familyName: 'updatedFamilyName' },
      emails: [{ type: 'work', value: email, primary: true }],
    });
    const [contact] = await contactOf(user.id);
    expect(contact).toMatchObject({ lastName: 'updatedFamilyName', primaryEmail: email.toLowerCase() });
  });

  it("applies Entra's single-valued update of userName, and refuses one onto a taken userName", async () => {
    const { c, user } = await provisioned();
    const userName = `5b50642d-79fc-4410-9e90-${uid()}@testuser.com`;
    const res = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'userName', value: userName }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().userName).toBe(userName);
    const other = (await scim(c.token, 'POST', '/Users', entraUser())).json();
    const clash = await scim(c.token, 'PATCH', `/Users/${other.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'userName', value: userName }],
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().scimType).toBe('uniqueness');
  });

  it('disables with "False" (without aadOptscim062020) and with a value object (with it); enables with "True"', async () => {
    const { c, user } = await provisioned();
    // without the flag: a string boolean, op in title case
    let res = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().active).toBe(false);
    expect((await contactOf(user.id))[0]!.active).toBe(false);
    // the validator's check: a GET by filter answers the disabled user with active false
    const list = await scim(c.token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`);
    expect(list.json().Resources[0].active).toBe(false);

    res = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    });
    expect(res.json().active).toBe(true);
    expect((await contactOf(user.id))[0]!.active).toBe(true);

    // with the flag: lower-case op, no path, a real boolean
    res = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(res.json().active).toBe(false);
    const [contact] = await contactOf(user.id);
    expect(contact).toMatchObject({ active: false, deletedAt: null });

    const [run] = await runsOf(c.id);
    // one entry per person and run, with where they ended: created, changed, then deactivated in this burst
    expect(await entriesOf(run!.id)).toMatchObject([{ syncId: user.id, outcome: 'deactivated' }]);
    expect(run!.counts).toMatchObject({ created: 0, updated: 0, deactivated: 1 });

    const bad = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'maybe' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    const op = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'merge', path: 'title', value: 'x' }],
    });
    expect(op.statusCode).toBe(400);
    expect(op.json().scimType).toBe('invalidSyntax');
  });

  it('applies a value object without a path whose keys are paths (name.givenName, enterprise department, work email)', async () => {
    const { c, user } = await provisioned();
    const email = `renamed-${uid()}@contoso.com`;
    const res = await scim(c.token, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'Add',
          value: {
            'name.givenName': 'Barbara',
            title: 'Sales lead',
            'emails[type eq "work"].value': email,
            [`${ENTERPRISE}:department`]: 'Sales',
            [`${ENTERPRISE}:organization`]: 'Contoso',
            'phoneNumbers[type eq "mobile"].value': '+1 425 555 0100',
          },
        },
        {
          op: 'add',
          path: 'addresses',
          value: [{ type: 'work', streetAddress: '1 Main St', locality: 'Redmond', region: 'WA', postalCode: '98052', country: 'US' }],
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()[ENTERPRISE]).toMatchObject({ department: 'Sales', organization: 'Contoso' });
    const [contact] = await contactOf(user.id);
    expect(contact).toMatchObject({
      firstName: 'Barbara',
      jobTitle: 'Sales lead',
      division: 'Sales',
      company: 'Contoso',
      primaryEmail: email,
      city: 'Redmond',
      country: 'US',
      addressLine1: '1 Main St',
    });
    expect(contact!.phones).toMatchObject({ mobile: '+1 425 555 0100' });
  });

  it('sets the manager from the enterprise extension in any shape (one-item array, plain id, removal)', async () => {
    const c = await scimConnection();
    const boss = (await scim(c.token, 'POST', '/Users', entraUser())).json();
    const report = (await scim(c.token, 'POST', '/Users', entraUser())).json();
    // Entra's documented "Add manager": the value as a one-item array with a null $ref
    let res = await scim(c.token, 'PATCH', `/Users/${report.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: [{ $ref: null, value: boss.id }] }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()[ENTERPRISE]).toEqual({ manager: { value: boss.id } });
    const [bossContact] = await contactOf(boss.id);
    expect((await contactOf(report.id))[0]).toMatchObject({ reportsToContactId: bossContact!.id, reportsToSyncId: boss.id });

    res = await scim(c.token, 'PATCH', `/Users/${report.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    });
    expect(res.statusCode).toBe(200);
    expect((await contactOf(report.id))[0]).toMatchObject({ reportsToContactId: null, reportsToSyncId: null });

    // with aadOptscim062020: the manager as a plain id in a value object without a path
    res = await scim(c.token, 'PATCH', `/Users/${report.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { [`${ENTERPRISE}:manager`]: boss.id } }],
    });
    expect(res.statusCode).toBe(200);
    expect((await contactOf(report.id))[0]!.reportsToContactId).toBe(bossContact!.id);
  });

  it('replaces a user with PUT (attributes left out are cleared)', async () => {
    const { c, user } = await provisioned({ title: 'Engineer' });
    const body = { ...entraUser(), userName: user.userName, title: undefined, name: { givenName: 'Only', familyName: 'Given' } };
    const res = await scim(c.token, 'PUT', `/Users/${user.id}`, body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().title).toBeUndefined();
    expect((await contactOf(user.id))[0]).toMatchObject({ firstName: 'Only', lastName: 'Given', jobTitle: null });
  });

  it('DELETE deactivates the contact (never deletes it); the user is gone for SCIM and can be provisioned again', async () => {
    const { c, user } = await provisioned();
    const del = await scim(c.token, 'DELETE', `/Users/${user.id}`);
    expect(del.statusCode).toBe(204);
    expect((await scim(c.token, 'GET', `/Users/${user.id}`)).statusCode).toBe(404);
    expect((await scim(c.token, 'DELETE', `/Users/${user.id}`)).statusCode).toBe(404);
    const [contact] = await contactOf(user.id);
    expect(contact).toMatchObject({ active: false, deletedAt: null });
    const [run] = await runsOf(c.id);
    expect(run!.counts).toMatchObject({ deactivated: 1, created: 0 });

    const again = await scim(c.token, 'POST', '/Users', {
      ...entraUser(),
      userName: user.userName,
      emails: [{ type: 'work', value: contact!.primaryEmail }],
    });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().id).toBe(user.id);
    expect((await contactOf(user.id))[0]).toMatchObject({ id: contact!.id, active: true });
  });
});

describe('SCIM discovery and the OpenAPI document', () => {
  it('serves Schemas and ResourceTypes, and documents /scim/v2 in the OpenAPI document', async () => {
    const c = await scimConnection();
    const types = (await scim(c.token, 'GET', '/ResourceTypes')).json();
    expect(types.Resources[0]).toMatchObject({ id: 'User', endpoint: '/Users', schemaExtensions: [{ schema: ENTERPRISE }] });
    const schemas = (await scim(c.token, 'GET', '/Schemas')).json();
    expect(schemas.Resources.map((s: { id: string }) => s.id)).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE]);
    expect((await scim(c.token, 'GET', `/Schemas/${ENTERPRISE}`)).json().name).toBe('EnterpriseUser');
    const doc = (await ctx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.paths['/scim/v2/Users'].post.operationId).toBe('scimCreateUser');
    expect(doc.paths['/scim/v2/Users/{id}'].patch.operationId).toBe('scimPatchUser');
  });
});
