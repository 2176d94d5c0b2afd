// Google Workspace connections over the API against a loopback Google (test/support/google-fake.ts):
// the service account key write-only, the JWT signed locally and checked by the fake's token endpoint with
// the key's public half, users.list paging, suspended → inactive, customerId as organization, managers
// by email, custom schemas mapped, every run full with writes only for what changed, deletions found,
// List scope with nested groups, Pattern scope by query / organizational unit, rate limits with backoff.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleDefaultMapping, googleSettingsInput } from '#shared/sync.ts';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { FAKE_CUSTOMER, googleUserId, startGoogleFake, type GoogleFake } from '../../test/support/google-fake.ts';
import { jobKinds } from '../jobs/handlers.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { createGoogleSource } from './google.source.ts';
import { DirectoryError } from './source.ts';

const USERS = 730;
let ctx: TestContext;
let google: GoogleFake;

beforeAll(async () => {
  ctx = await createTestContext();
  google = await startGoogleFake({ users: USERS });
}, 60_000);
afterAll(async () => {
  await google?.close();
  await ctx?.close();
});

const settings = (over: Record<string, unknown> = {}) => ({
  customer: 'my_customer',
  adminEmail: google.adminEmail,
  serviceAccountKey: google.keyFile,
  directoryBaseUrl: google.url,
  tokenUrl: null,
  pageSize: 200,
  ...over,
});
const mapping = { ...googleDefaultMapping, notes: 'customSchemas.Employment.costCenter' };

async function connection(team: TestTeam, over: Record<string, unknown> = {}, s: Record<string, unknown> = {}) {
  const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections', {
    name: `Workspace ${Math.random().toString(36).slice(2, 8)}`,
    source: 'google',
    status: 'enabled',
    settings: settings(s),
    mapping,
    scope: { mode: 'all' },
    ...over,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secretsSet: string[]; settings: Record<string, unknown> };
}
async function run(team: TestTeam, id: string, body: Record<string, unknown> = {}) {
  const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/connections/${id}/run`, body);
  expect(res.statusCode, res.body).toBe(202);
  await createJobRunner({ db: ctx.db, handlers: jobKinds(ctx.services), log: () => {} }).runUntilIdle();
  return (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${res.json().runId}`)).json() as {
    id: string;
    status: string;
    full: boolean;
    counts: Record<string, number>;
    error: string | null;
  };
}
const contactsOf = (teamId: string) =>
  ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('deletedAt', 'is', null).orderBy('id').execute();
const test = (team: TestTeam, body: Record<string, unknown>) =>
  call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/test', { source: 'google', ...body });

describe('Google Workspace connections', () => {
  let team: TestTeam;
  let conn: { id: string; secretsSet?: string[] };
  beforeAll(async () => {
    team = await createTeam(ctx, 'Google sync');
  });

  it('keeps the key write-only and refuses a key that is not a service account key', async () => {
    conn = await connection(team);
    expect(conn.secretsSet).toEqual(['serviceAccountKey']);
    expect(JSON.stringify(conn)).not.toContain('PRIVATE KEY');
    for (const [key, message] of [
      ['not json', /not JSON/],
      [JSON.stringify({ type: 'authorized_user', client_id: 'x' }), /not a service account key/],
      [JSON.stringify({ type: 'service_account', client_email: 'a@b.iam.gserviceaccount.com' }), /lacks client_email or private_key/],
    ] as const) {
      const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections', {
        name: `Bad key ${key.length}`,
        source: 'google',
        settings: settings({ serviceAccountKey: key }),
        mapping,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0]).toMatchObject({ path: 'settings.serviceAccountKey', message: expect.stringMatching(message) });
    }
  });

  it('Test connection signs a JWT with the key, acts for the admin, and says what is wrong in plain words', async () => {
    const ok = (await test(team, { id: conn.id, settings: settings({ serviceAccountKey: undefined }) })).json();
    expect(ok).toMatchObject({ ok: true, usersFound: USERS, countIsLowerBound: false });
    expect(ok.steps[1].message).toContain(google.adminEmail);

    const notAdmin = (await test(team, { settings: settings({ adminEmail: 'someone@example.com' }) })).json();
    expect(notAdmin).toMatchObject({ ok: false, problem: { code: 'bind', field: 'settings.adminEmail' } });

    const otherKey = JSON.parse(google.keyFile);
    otherKey.private_key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const forged = (await test(team, { settings: settings({ serviceAccountKey: JSON.stringify(otherKey) }) })).json();
    expect(forged).toMatchObject({ ok: false, problem: { code: 'bind', field: 'settings.serviceAccountKey' } });
    expect(forged.problem.message).toMatch(/Invalid JWT Signature/);

    const customer = (await test(team, { settings: settings({ customer: 'C999' }) })).json();
    expect(customer).toMatchObject({ ok: false, problem: { code: 'base_dn', field: 'settings.customer' } });

    const query = (await test(team, { settings: settings(), scope: { mode: 'pattern', pattern: { query: 'shoeSize>42' } } })).json();
    expect(query).toMatchObject({ ok: false, problem: { code: 'filter', field: 'scope.pattern.query' } });
  });

  it('a run creates everyone: suspended inactive, customer id as organization, managers by email, custom schemas', async () => {
    const r = await run(team, conn.id);
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'succeeded', full: true, error: null });
    expect(r.counts).toMatchObject({ created: USERS, failed: 0, conflicts: 0 });
    expect(google.requests.filter((q) => q.startsWith('GET /admin/directory/v1/users?')).every((q) => q.includes('projection=full'))).toBe(
      true,
    );
    const bySync = new Map((await contactsOf(team.teamId)).map((c) => [c.directorySyncId, c]));
    expect(bySync.size).toBe(USERS);
    for (const i of [0, 5, 6, 45, 729]) {
      const c = bySync.get(googleUserId(i))!;
      expect(c.active).toBe(i % 40 !== 5);
      expect(c.directoryOrganizationId).toBe(FAKE_CUSTOMER);
      expect(c.primaryEmail).toBe(`user${i}@example.com`);
      expect(c.firstName).toBe(`Given${i}`);
      expect(c.notes).toBe(`CC-${i % 5}`);
      expect(c.jobTitle).toBe(i % 10 === 0 ? 'Lead' : 'Staff');
      if (i > 0) expect(c.reportsToContactId).toBe(bySync.get(googleUserId(Math.floor((i - 1) / 5)))!.id);
    }
  });

  it('every run reads everyone and writes only what changed; deleted users are deactivated', async () => {
    const same = await run(team, conn.id);
    expect(same.counts).toMatchObject({ unchanged: USERS, updated: 0, created: 0, deactivated: 0 });
    google.update(9, { name: { givenName: 'Renamed', familyName: 'Family9' }, suspended: true });
    google.remove(10);
    const r = await run(team, conn.id);
    expect(r).toMatchObject({ status: 'succeeded', full: true });
    expect(r.counts).toMatchObject({ updated: 1, deactivated: 1, unchanged: USERS - 2 });
    const bySync = new Map((await contactsOf(team.teamId)).map((c) => [c.directorySyncId, c]));
    expect(bySync.get(googleUserId(9))).toMatchObject({ firstName: 'Renamed', active: false });
    expect(bySync.get(googleUserId(10))!.active).toBe(false);
  });

  it('backs off on 403 userRateLimitExceeded and 429, and gives up after bounded retries', async () => {
    google.update(11, { organizations: [{ title: 'Backed off', primary: true }] });
    google.rateLimit(1, 403);
    google.rateLimit(1, 429);
    const r = await run(team, conn.id);
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'succeeded', counts: { updated: 1 } });

    google.rateLimit(4, 403);
    const src = createGoogleSource({
      settings: { ...googleSettingsInput.parse({ ...settings(), serviceAccountKey: undefined }), serviceAccountKey: google.keyFile },
      scope: { mode: 'all' },
      backoffMs: 5,
      maxRetries: 3,
      allowPrivateAddresses: true,
    });
    const read = async () => {
      for await (const _ of src.pages()) void _;
    };
    const err = await read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryError);
    expect((err as DirectoryError).problem.message).toMatch(/throttling this connection after 3 retries/);
    google.rateLimit(0);
  });

  it('List scope expands nested groups once; Pattern scope filters by organizational unit and query', async () => {
    google.group('sales@example.com', { users: [1, 2], groups: ['emea@example.com'] });
    google.group('emea@example.com', { users: [3, 4], groups: ['sales@example.com'] });
    const t2 = await createTeam(ctx, 'Google list');
    const list = await connection(t2, { scope: { mode: 'list', groups: ['sales@example.com'] } });
    google.requests.length = 0;
    expect((await run(t2, list.id)).counts.created).toBe(4);
    expect(google.requests.filter((q) => q.includes('/members'))).toHaveLength(2);

    const t3 = await createTeam(ctx, 'Google pattern');
    const p = await connection(t3, { scope: { mode: 'pattern', pattern: { orgUnitPath: '/Sales', query: 'isSuspended=false' } } });
    const r = await run(t3, p.id);
    const expected = Array.from({ length: USERS }, (_, i) => i).filter((i) => i % 2 === 1 && i % 40 !== 5 && i !== 9 && i !== 10);
    expect(r.counts.created).toBe(expected.length);
    expect(
      google.requests.some((q) => decodeURIComponent(q.replace(/\+/g, ' ')).includes("query=isSuspended=false orgUnitPath='/Sales'")),
    ).toBe(true);
  });
});
