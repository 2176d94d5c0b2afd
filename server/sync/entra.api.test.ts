// Microsoft Entra ID connections over the API against loopback fakes: the Graph fake
// (test/support/graph-fake.ts) and the real oidc-provider@8 as the tenant's token endpoint (client
// credentials). Test connection and preview, a first full run ($select, paging, accountEnabled, the
// tenant as organization, manager → reports-to), delta runs (changes read again in full, `@removed`
// deactivated, an expired delta link → a full run), List and Pattern scope, throttling with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsoftDefaultMapping } from '#shared/sync.ts';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { startEntraIdp, type EntraIdp } from '../../test/support/entra-idp.ts';
import { generatedUser, graphUserId, startGraphFake, type GraphFake } from '../../test/support/graph-fake.ts';
import { jobKinds } from '../jobs/handlers.ts';
import { createJobRunner } from '../jobs/runner.ts';

const USERS = 1234;
let ctx: TestContext;
let graph: GraphFake;
let idp: EntraIdp;

beforeAll(async () => {
  ctx = await createTestContext();
  let check: (t: string) => Promise<boolean> = async () => false;
  graph = await startGraphFake({ users: USERS, validateToken: (t) => check(t) });
  idp = await startEntraIdp({ tenantId: graph.tenantId, graphUrl: graph.url });
  check = (t) => idp.validate(t);
}, 60_000);
afterAll(async () => {
  await graph?.close();
  await idp?.close();
  await ctx?.close();
});

const settings = (over: Record<string, unknown> = {}) => ({
  tenantId: graph.tenantId,
  clientId: idp.clientId,
  clientSecret: idp.clientSecret,
  graphBaseUrl: graph.url,
  authorityUrl: idp.authorityUrl,
  pageSize: 500,
  ...over,
});

async function connection(team: TestTeam, over: Record<string, unknown> = {}, s: Record<string, unknown> = {}) {
  const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections', {
    name: `Entra ${Math.random().toString(36).slice(2, 8)}`,
    source: 'microsoft',
    status: 'enabled',
    settings: settings(s),
    mapping: microsoftDefaultMapping,
    scope: { mode: 'all' },
    ...over,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secretsSet: string[]; settings: Record<string, unknown>; watermark: unknown };
}

interface Run {
  id: string;
  status: string;
  full: boolean;
  counts: Record<string, number>;
  seen: number;
  error: string | null;
}
async function run(team: TestTeam, id: string, body: Record<string, unknown> = {}): Promise<Run> {
  const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/connections/${id}/run`, body);
  expect(res.statusCode, res.body).toBe(202);
  const { runId } = res.json();
  await createJobRunner({ db: ctx.db, handlers: jobKinds(ctx.services), log: () => {} }).runUntilIdle();
  return (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${runId}`)).json();
}
const contactsOf = (teamId: string) =>
  ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('deletedAt', 'is', null).orderBy('id').execute();

describe('Microsoft Entra ID connections', () => {
  let team: TestTeam;
  let conn: { id: string };

  beforeAll(async () => {
    team = await createTeam(ctx, 'Entra sync');
  });

  it('keeps the client secret write-only and requires one', async () => {
    const c = await connection(team);
    conn = c;
    expect(c.secretsSet).toEqual(['clientSecret']);
    expect(JSON.stringify(c)).not.toContain(idp.clientSecret);
    expect(c.settings).toMatchObject({ tenantId: graph.tenantId, incremental: 'delta', pageSize: 500 });
    const { clientSecret: _, ...noSecret } = settings();
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections', {
      name: 'No secret',
      source: 'microsoft',
      settings: noSecret,
      mapping: microsoftDefaultMapping,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toContainEqual(expect.objectContaining({ path: 'settings.clientSecret' }));
    const bad = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections', {
      name: 'Bad URL',
      source: 'microsoft',
      settings: settings({ graphBaseUrl: 'not a url', pageSize: 1000 }),
      mapping: microsoftDefaultMapping,
    });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['settings.graphBaseUrl', 'settings.pageSize']));
  });

  it('Test connection signs in with the client secret and counts the users; says what is wrong in plain words', async () => {
    const ok = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/test', {
      id: conn.id,
      source: 'microsoft',
      settings: settings({ clientSecret: undefined }),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, problem: null, usersFound: 1000, countIsLowerBound: true });
    expect(ok.json().steps.map((s: { step: string }) => s.step)).toEqual(['connect', 'bind', 'users']);

    const wrong = (
      await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/test', {
        source: 'microsoft',
        settings: settings({ clientSecret: 'nope' }),
      })
    ).json();
    expect(wrong).toMatchObject({ ok: false, problem: { code: 'bind', field: 'settings.clientSecret' } });
    expect(wrong.problem.message).toMatch(/client secret is wrong/);

    const tenant = (
      await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/test', {
        source: 'microsoft',
        settings: settings({ tenantId: 'other.onmicrosoft.com' }),
      })
    ).json();
    expect(tenant).toMatchObject({ ok: false, problem: { code: 'bind', field: 'settings.tenantId' } });

    const down = (
      await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/test', {
        source: 'microsoft',
        settings: settings({ authorityUrl: 'http://127.0.0.1:9' }),
      })
    ).json();
    expect(down).toMatchObject({ ok: false, problem: { code: 'unreachable' } });
    expect(down.problem.message).toMatch(/Cannot reach/);

    const filter = (
      await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/test', {
        source: 'microsoft',
        settings: settings(),
        scope: { mode: 'pattern', pattern: { filter: "department eq 'Dept 3' or bogus" } },
      })
    ).json();
    expect(filter).toMatchObject({ ok: false, problem: { code: 'filter', field: 'scope.pattern.filter' } });

    const group = (
      await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/test', {
        source: 'microsoft',
        settings: settings(),
        scope: { mode: 'list', groups: ['no-such-group'] },
      })
    ).json();
    expect(group).toMatchObject({ ok: false, problem: { code: 'group', field: 'scope.groups' } });
  });

  it('previews the first 20 people as they would become contacts', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections/preview', {
      id: conn.id,
      source: 'microsoft',
      settings: settings({ clientSecret: undefined }),
      mapping: microsoftDefaultMapping,
    });
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    expect(p.items).toHaveLength(20);
    expect(p.more).toBe(true);
    const u7 = generatedUser(7);
    expect(p.items[7]).toMatchObject({
      syncId: u7.id,
      disabled: true,
      organizationId: graph.tenantId,
      reportsTo: graphUserId(0),
      contact: {
        firstName: 'Given7',
        lastName: 'Sur7',
        primaryEmail: 'user7@contoso.test',
        jobTitle: 'Engineer',
        phones: { work: '+1 555 0000007', mobile: '+1 666 0000007' },
      },
    });
  });

  it('a first run reads everyone with $select and paging: ids, tenant, disabled accounts, managers', async () => {
    graph.requests.length = 0;
    const r = await run(team, conn.id);
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'succeeded', full: true, error: null });
    expect(r.counts).toMatchObject({ created: USERS, updated: 0, failed: 0, conflicts: 0, deactivated: 0 });
    const listing = graph.requests.filter((q) => q.startsWith('GET /v1.0/users?'));
    expect(listing).toHaveLength(Math.ceil(USERS / 500));
    const select = /\$select=([^&]+)/.exec(decodeURIComponent(listing[0]!))![1]!.split(',');
    expect(select.slice(0, 5)).toEqual(['id', 'accountEnabled', 'userPrincipalName', 'displayName', 'mail']);
    expect(select).toEqual(expect.arrayContaining(['givenName', 'surname', 'businessPhones', 'mobilePhone', 'jobTitle']));
    expect(select).not.toContain('manager');
    expect(decodeURIComponent(listing[0]!)).toContain('$expand=manager($select=id)');
    expect(graph.requests.some((q) => q.includes('/users/delta') && q.includes('deltatoken=latest'))).toBe(true);
    const contacts = await contactsOf(team.teamId);
    expect(contacts).toHaveLength(USERS);
    const bySync = new Map(contacts.map((c) => [c.directorySyncId, c]));
    for (const i of [0, 1, 7, 57, 1233]) {
      const c = bySync.get(graphUserId(i))!;
      expect(c.directoryOrganizationId).toBe(graph.tenantId);
      expect(c.directoryConnectionId).toBe(conn.id);
      expect(c.active).toBe(i % 50 !== 7);
      expect(c.primaryEmail).toBe(`user${i}@contoso.test`);
      if (i > 0) expect(c.reportsToContactId).toBe(bySync.get(graphUserId(Math.floor((i - 1) / 10)))!.id);
    }
    const saved = (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/connections/${conn.id}`)).json();
    expect(saved.watermark).toMatchObject({ kind: 'delta' });
    expect(saved.watermark.deltaLink).toContain('/v1.0/users/delta');
  });

  it('an incremental run reads only the delta: changed people in full, removed ones deactivated', async () => {
    graph.update(10, { jobTitle: 'Director' });
    graph.update(11, { accountEnabled: false });
    graph.update(12, { manager: graphUserId(11) });
    graph.remove(13);
    graph.requests.length = 0;
    const r = await run(team, conn.id);
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'succeeded', full: false });
    expect(r.counts).toMatchObject({ created: 0, updated: 3, deactivated: 1, failed: 0 });
    expect(r.seen).toBe(4);
    // no listing of everyone: the delta link and one lookup of the changed people by id
    expect(graph.requests.some((q) => q.startsWith('GET /v1.0/users?$select') && !q.includes('filter'))).toBe(false);
    expect(graph.requests.filter((q) => q.includes('/users/delta'))).toHaveLength(1);
    const bySync = new Map((await contactsOf(team.teamId)).map((c) => [c.directorySyncId, c]));
    expect(bySync.get(graphUserId(10))!.jobTitle).toBe('Director');
    expect(bySync.get(graphUserId(10))!.firstName).toBe('Given10'); // a delta's partial answer never empties fields
    expect(bySync.get(graphUserId(11))!.active).toBe(false);
    expect(bySync.get(graphUserId(12))!.reportsToContactId).toBe(bySync.get(graphUserId(11))!.id);
    expect(bySync.get(graphUserId(13))!.active).toBe(false);
    const log = await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${r.id}/log.txt`);
    expect(log.body).toMatch(/deactivated\t00000000-0000-4000-8000-00000000000d\t.*Deleted from the directory/);

    // nothing changed: an empty delta writes nothing
    const again = await run(team, conn.id);
    expect(again).toMatchObject({ status: 'succeeded', full: false, seen: 0 });
  });

  it('an expired delta link (410) falls back to a full run', async () => {
    graph.update(20, { department: 'Moved' });
    graph.expireDeltaTokens();
    const r = await run(team, conn.id);
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'succeeded', full: true });
    // user 20 changed; the 10 people who reported to the deleted user 13 have no manager any more (Graph
    // drops the reference; the delta did not name them): the full run finds both
    expect(r.counts).toMatchObject({ updated: 11, unchanged: USERS - 12, created: 0, deactivated: 0 });
    const bySync = new Map((await contactsOf(team.teamId)).map((c) => [c.directorySyncId, c]));
    expect(bySync.get(graphUserId(20))!.division).toBe('Moved');
    expect(bySync.get(graphUserId(131))!.reportsToContactId).toBeNull();
    const next = await run(team, conn.id);
    expect(next).toMatchObject({ status: 'succeeded', full: false, seen: 0 });
  });

  it('waits out 429 and 503 answers with Retry-After, and stops (deactivating nobody) when throttling does not end', async () => {
    graph.update(21, { jobTitle: 'Throttled' });
    graph.throttle(2, 0);
    graph.unavailable(1, 0);
    const r = await run(team, conn.id);
    expect(r, JSON.stringify(r)).toMatchObject({ status: 'succeeded', counts: { updated: 1 } });

    const before = (await contactsOf(team.teamId)).filter((c) => c.active).length;
    graph.throttle(50, 0);
    const failed = await run(team, conn.id, { full: true });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/throttling/);
    expect((await contactsOf(team.teamId)).filter((c) => c.active).length).toBe(before);
    graph.clearFaults();
  });

  it('List scope reads the transitive members of the groups; Pattern scope a Graph $filter', async () => {
    const t2 = await createTeam(ctx, 'Entra scopes');
    graph.group('g-sales', [1, 2, 3], ['g-nested']);
    graph.group('g-nested', [4, 5]);
    const list = await connection(t2, { scope: { mode: 'list', groups: ['g-sales'] } });
    const r = await run(t2, list.id);
    expect(r.counts.created).toBe(5);
    expect((await contactsOf(t2.teamId)).map((c) => c.directorySyncId).sort()).toEqual([1, 2, 3, 4, 5].map(graphUserId));

    const t3 = await createTeam(ctx, 'Entra pattern');
    const pattern = await connection(t3, { scope: { mode: 'pattern', pattern: { filter: "department eq 'Dept 3'" } } });
    const p = await run(t3, pattern.id);
    const expected = Array.from({ length: USERS }, (_, i) => i).filter((i) => i % 20 === 3 && i !== 13 && i !== 20);
    expect(p.counts.created).toBe(expected.length);
    // a Pattern scope cannot be followed by a delta: every run reads everyone
    const saved = (await call(ctx, t3.ownerToken, 'GET', `/api/v1/sync/connections/${pattern.id}`)).json();
    expect(saved.watermark).toBeNull();
  });

  it('another team cannot see, test with or run the connection', async () => {
    const other = await createTeam(ctx, 'Entra other');
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/sync/connections/${conn.id}`)).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'POST', `/api/v1/sync/connections/${conn.id}/run`, {})).statusCode).toBe(404);
    const t = await call(ctx, other.ownerToken, 'POST', '/api/v1/sync/connections/test', {
      id: conn.id,
      source: 'microsoft',
      settings: settings({ clientSecret: undefined }),
    });
    expect(t.statusCode).toBe(404);
  });
});

describe('a server that keeps directory URLs off its own network (the default)', () => {
  let guarded: TestContext;
  let team: TestTeam;
  beforeAll(async () => {
    guarded = await createTestContext({ allowPrivateDirectoryUrls: false });
    team = await createTeam(guarded, 'Entra guarded');
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('refuses Graph and sign-in URLs on loopback, private or link-local addresses, and nothing reaches them', async () => {
    const before = graph.requests.length;
    for (const over of [
      {}, // the fakes on 127.0.0.1
      { graphBaseUrl: 'http://169.254.169.254/latest', authorityUrl: 'http://169.254.169.254' },
      { graphBaseUrl: 'http://[::1]:9/graph', authorityUrl: 'http://10.0.0.1' },
    ]) {
      const res = await call(guarded, team.ownerToken, 'POST', '/api/v1/sync/connections/test', {
        source: 'microsoft',
        settings: settings(over),
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ ok: false, problem: { code: 'unreachable' } });
      expect(body.problem.message).toMatch(/is refused: Resolves to .*internal address.*KDESK_ALLOW_PRIVATE_DIRECTORY_URLS/);
    }
    expect(graph.requests.length).toBe(before);
  });

  it('a run against such a URL fails plainly and deactivates nobody', async () => {
    const res = await call(guarded, team.ownerToken, 'POST', '/api/v1/sync/connections', {
      name: 'Entra on loopback',
      source: 'microsoft',
      status: 'enabled',
      settings: settings(),
      mapping: microsoftDefaultMapping,
      scope: { mode: 'all' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const started = await call(guarded, team.ownerToken, 'POST', `/api/v1/sync/connections/${res.json().id}/run`, {});
    expect(started.statusCode, started.body).toBe(202);
    await createJobRunner({ db: guarded.db, handlers: jobKinds(guarded.services), log: () => {} }).runUntilIdle();
    const r = (await call(guarded, team.ownerToken, 'GET', `/api/v1/sync/runs/${started.json().runId}`)).json();
    expect(r).toMatchObject({ status: 'failed', counts: { created: 0, deactivated: 0 } });
    expect(r.error).toMatch(/is refused/);
  });
});
