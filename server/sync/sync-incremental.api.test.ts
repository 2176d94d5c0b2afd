// Contact Sync against a real OpenLDAP slapd, the parts a contact's owner notices after the first run:
// incremental runs (modifyTimestamp) update the people who changed and touch nobody else, and deactivate
// nobody (deletions are found by full runs only); a synced contact's answer names its connection and the
// fields it writes; deleting a connection leaves its contacts as ordinary, editable contacts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adDefaultMapping } from '#shared/sync.ts';
import { call, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { describeLdap } from '../../test/support/describe-ldap.ts';
import { adUser, resolveDirectoryOptions } from '../../test/support/directory-ldif.ts';
import { startSlapd, type Slapd } from '../../test/support/slapd.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { jobKinds } from '../jobs/handlers.ts';

const USERS = 40;
let O = resolveDirectoryOptions({ adUsers: USERS, openLdapUsers: 0, seed: 3 });

let ctx: TestContext;
let slapd: Slapd;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await slapd?.stop();
  await ctx?.close();
});

const runJobs = () => createJobRunner({ db: ctx.db, handlers: jobKinds(ctx.services), log: () => {} }).runUntilIdle();

async function connection(team: TestTeam, incremental: 'none' | 'modifyTimestamp' = 'modifyTimestamp') {
  const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/sync/connections', {
    name: `Corp AD ${uid()}`,
    source: 'ldap',
    status: 'enabled',
    settings: {
      url: slapd.url,
      bindDn: slapd.bindDn,
      bindPassword: slapd.bindPassword,
      baseDn: slapd.usersDn,
      userFilter: '(objectClass=user)',
      idAttribute: 'objectGUID',
      pageSize: 15,
      incremental,
    },
    mapping: adDefaultMapping,
    scope: { mode: 'all' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; name: string };
}

interface Run {
  id: string;
  status: string;
  full: boolean;
  counts: Record<string, number>;
}
async function run(team: TestTeam, connectionId: string, body: Record<string, unknown> = {}): Promise<Run> {
  const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/connections/${connectionId}/run`, body);
  expect(res.statusCode, res.body).toBe(202);
  await runJobs();
  return (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${res.json().runId}`)).json();
}

const contactsOf = (teamId: string) =>
  ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('deletedAt', 'is', null).orderBy('id').execute();
const syncedOf = async (teamId: string) => (await contactsOf(teamId)).filter((c) => c.directorySyncId !== null);
const bySyncId = async (teamId: string) => new Map((await syncedOf(teamId)).map((c) => [c.directorySyncId!, c]));

describeLdap('Contact Sync: incremental runs, synced fields in the contact, deleting a connection', () => {
  let team: TestTeam;
  let conn: { id: string; name: string };

  beforeAll(async () => {
    slapd = await startSlapd({ directory: { adUsers: USERS, openLdapUsers: 0, seed: 3 } });
    O = slapd.options;
    team = await createTeam(ctx, 'Sync incremental');
    conn = await connection(team);
  }, 60_000);

  it('an incremental run (modifyTimestamp) updates who changed, leaves everyone else untouched and deactivates nobody', async () => {
    const first = await run(team, conn.id);
    expect(first).toMatchObject({ status: 'succeeded', full: true });
    expect(first.counts.created).toBe(USERS);
    // a new second: the watermark is second-grained and the next read starts at its second (>=)
    await new Promise((r) => setTimeout(r, 1100));

    const before = await bySyncId(team.teamId);
    await slapd.changeAdUsers([3, 17], (i) => ({ title: `Incremental ${i}` }));
    await slapd.deleteEntries([adUser(O, 25).dn]);

    const inc = await run(team, conn.id);
    expect(inc).toMatchObject({ status: 'succeeded', full: false });
    expect(inc.counts).toMatchObject({ created: 0, updated: 2, deactivated: 0, failed: 0, conflicts: 0 });
    // it read only the changed people (and none of the 40 again)
    expect(inc.counts.updated! + inc.counts.unchanged!).toBeLessThan(USERS);

    const after = await bySyncId(team.teamId);
    for (const i of [3, 17]) {
      const c = after.get(adUser(O, i).guid)!;
      expect(c.jobTitle).toBe(`Incremental ${i}`);
      expect(c.version).toBe(before.get(adUser(O, i).guid)!.version + 1);
    }
    const untouched = [...after.values()].filter((c) => ![3, 17].some((i) => adUser(O, i).guid === c.directorySyncId));
    expect(untouched.map((c) => [c.id, c.version, c.active])).toEqual(
      untouched.map((c) => [c.id, before.get(c.directorySyncId!)!.version, before.get(c.directorySyncId!)!.active]),
    );
    // the deleted user is still active: an incremental read cannot see who left
    expect(after.get(adUser(O, 25).guid)!.active).toBe(!adUser(O, 25).disabled);

    const full = await run(team, conn.id, { full: true });
    expect(full).toMatchObject({ status: 'succeeded', full: true });
    expect(full.counts).toMatchObject({ created: 0, updated: 0, unchanged: USERS - 1 });
    const left = (await bySyncId(team.teamId)).get(adUser(O, 25).guid)!;
    if (adUser(O, 25).disabled) expect(full.counts.deactivated).toBe(0);
    else {
      expect(full.counts.deactivated).toBe(1);
      expect(left.active).toBe(false);
    }
  });

  it("a synced contact's answer names its connection and the fields it writes; other contacts say sync: null", async () => {
    const c = (await bySyncId(team.teamId)).get(adUser(O, 5).guid)!;
    const res = await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`);
    expect(res.statusCode).toBe(200);
    const sync = res.json().sync;
    expect(sync).toMatchObject({ connectionId: conn.id, connectionName: conn.name });
    expect(sync.fields).toEqual(
      expect.arrayContaining(['firstName', 'lastName', 'primaryEmail', 'phones.work', 'address.city', 'permissions.active']),
    );
    expect(sync.fields).not.toContain('notes');
    // a refused edit names the same connection; the PATCH answer carries the sync block too
    const refused = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { jobTitle: 'By hand' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().details).toEqual([expect.objectContaining({ path: 'jobTitle', message: expect.stringContaining(conn.name) })]);
    const ok = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { notes: 'Call after 10' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().sync).toMatchObject({ connectionId: conn.id, connectionName: conn.name });

    const own = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Hand', lastName: 'Made' });
    expect(own.statusCode).toBe(201);
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${own.json().id}`)).json().sync).toBeNull();
  });

  it('deleting a connection keeps its contacts as ordinary, editable contacts (link removed, sync id kept, history says so)', async () => {
    const before = await bySyncId(team.teamId);
    const c = before.get(adUser(O, 6).guid)!;
    const del = await call(ctx, team.ownerToken, 'DELETE', `/api/v1/sync/connections/${conn.id}`);
    expect(del.statusCode, del.body).toBe(204);

    const after = await syncedOf(team.teamId);
    expect(after).toHaveLength(before.size);
    expect(after.every((x) => x.directoryConnectionId === null)).toBe(true);
    expect(after.every((x) => x.directorySyncId !== null && x.version === before.get(x.directorySyncId)!.version + 1)).toBe(true);
    expect(after.map((x) => x.active).sort()).toEqual([...before.values()].map((x) => x.active).sort());

    const got = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}`)).json();
    expect(got.sync).toBeNull();
    expect(got.directory).toMatchObject({ connectionId: null, syncId: adUser(O, 6).guid });
    const edit = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { firstName: 'Edited', jobTitle: 'By hand' });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json()).toMatchObject({ firstName: 'Edited', jobTitle: 'By hand' });

    const history = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${c.id}/history`)).json();
    const items = (history.items ?? history) as { changes: Record<string, unknown> }[];
    expect(items.some((h) => JSON.stringify(h.changes).includes('directory.connectionId'))).toBe(true);

    // a new connection to the same directory finds the people again by their sync id: no duplicates
    const again = await connection(team, 'none');
    const r = await run(team, again.id);
    expect(r.status).toBe('succeeded');
    expect(r.counts.created).toBe(0);
    expect(await syncedOf(team.teamId)).toHaveLength(before.size);
    // everyone still in the directory is the new connection's again (the one who left stays an ordinary contact)
    const relinked = await syncedOf(team.teamId);
    expect(relinked.filter((x) => x.directoryConnectionId !== again.id).map((x) => x.directorySyncId)).toEqual([adUser(O, 25).guid]);
    // the hand edit is overwritten by the directory once a connection manages the person again
    expect(relinked.find((x) => x.id === c.id)!.firstName).toBe(adUser(O, 6).givenName);
  });
});
