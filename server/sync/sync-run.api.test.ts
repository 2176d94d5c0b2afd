// Contact Sync runs over the API against a real OpenLDAP slapd (test/support/slapd.ts): a first run
// creates, an unchanged run writes nothing, changes update, people who left are deactivated only after a
// complete run (and above the threshold only once confirmed), a directory that cannot be read deactivates
// nobody, recreated users are conflicts (never duplicates), reports-to with a cycle, synced fields are
// read-only in the API, and every team sees only its own runs.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adDefaultMapping } from '#shared/sync.ts';
import { call, createMember, createTeam, createTestContext, testConfig, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { describeLdap } from '../../test/support/describe-ldap.ts';
import { adUser, resolveDirectoryOptions } from '../../test/support/directory-ldif.ts';
import { startSlapd, type Slapd } from '../../test/support/slapd.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { jobKinds } from '../jobs/handlers.ts';
import type { Actor } from '../auth/actor.ts';
import { JobStopped } from '../jobs/runner.ts';
import { createSyncRunService } from './sync-run.service.ts';

const USERS = 60;
const exec = promisify(execFile);
const O = resolveDirectoryOptions({ adUsers: USERS, openLdapUsers: 0 });

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

/** The team's owner as the services see them (connections are made through the service: their HTTP answers are
 *  another engineer's, and these tests are about runs). */
async function ownerOf(team: TestTeam): Promise<Actor> {
  const m = await ctx.db
    .selectFrom('members')
    .selectAll()
    .where('teamId', '=', team.teamId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return {
    type: 'member',
    via: 'token',
    teamId: team.teamId,
    memberId: m.id,
    role: 'owner',
    label: m.email,
    permissions: { modifyContacts: true, importContacts: true, exportContacts: true },
  } as Actor;
}

async function patchConnection(team: TestTeam, id: string, patch: Record<string, unknown>) {
  await ctx.services.connections.update(await ownerOf(team), id, patch as never);
}

async function connection(team: TestTeam, over: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) {
  return ctx.services.connections.create(await ownerOf(team), {
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
      pageSize: 25,
      ...settings,
    },
    mapping: adDefaultMapping,
    scope: { mode: 'all' },
    description: '',
    schedule: null,
    ...over,
  } as never);
}

interface Run {
  id: string;
  status: string;
  full: boolean;
  dryRun: boolean;
  counts: Record<string, number>;
  toDeactivate: number | null;
  error: string | null;
}
async function run(team: TestTeam, connectionId: string, body: Record<string, unknown> = {}): Promise<Run> {
  const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/connections/${connectionId}/run`, body);
  expect(res.statusCode, res.body).toBe(202);
  const { runId } = res.json();
  await runJobs();
  return (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${runId}`)).json();
}

const contactsOf = (teamId: string) =>
  ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('deletedAt', 'is', null).orderBy('id').execute();
const auditCount = async (teamId: string) =>
  Number(
    (
      await ctx.db
        .selectFrom('auditLog')
        .select((e) => e.fn.countAll().as('n'))
        .where('teamId', '=', teamId)
        .where('entityType', '=', 'contact')
        .executeTakeFirstOrThrow()
    ).n,
  );
const total = (c: Record<string, number>) => c.created! + c.updated! + c.unchanged! + c.conflicts! + c.failed!;

describeLdap('Contact Sync runs against a real slapd', () => {
  let team: TestTeam;
  let conn: { id: string; name: string };
  let first: Run;

  beforeAll(async () => {
    slapd = await startSlapd({ directory: { adUsers: USERS, openLdapUsers: 0 } });
    team = await createTeam(ctx, 'Sync runs');
    conn = await connection(team);
  }, 60_000);

  it('a dry run counts what would happen and writes no contact', async () => {
    const r = await run(team, conn.id, { dryRun: true });
    expect(r).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(total(r.counts)).toBe(USERS);
    expect(r.counts.created).toBe(USERS);
    expect(await contactsOf(team.teamId)).toHaveLength(0);
  });

  it('a run taken over after a lost lease goes on from its last batch with exact counts', async () => {
    const t5 = await createTeam(ctx, 'Take-over');
    const c = await connection(t5);
    const res = await call(ctx, t5.ownerToken, 'POST', `/api/v1/sync/connections/${c.id}/run`, {});
    const { runId } = res.json();
    const job = await ctx.db.selectFrom('jobs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    // batches of 7 people; the third batch's checkpoint finds the lease gone: that batch rolls back
    const service = createSyncRunService({ ...ctx.services, db: ctx.db, batchSize: 7 });
    let checkpoints = 0;
    const jobCtx = (lose: boolean) => ({
      job: job as never,
      signal: new AbortController().signal,
      progress: async () => {},
      checkpoint: async () => {
        if (lose && ++checkpoints === 3) throw new JobStopped('lease-lost');
      },
    });
    await expect(service.kind.run(jobCtx(true))).rejects.toBeInstanceOf(JobStopped);
    const midway = (await call(ctx, t5.ownerToken, 'GET', `/api/v1/sync/runs/${runId}`)).json();
    expect(midway).toMatchObject({ status: 'running', seen: 14 });
    expect(await contactsOf(t5.teamId)).toHaveLength(14);
    // another worker takes it over: reads the directory again, skips the 14 people counted
    await service.kind.run(jobCtx(false));
    const done = (await call(ctx, t5.ownerToken, 'GET', `/api/v1/sync/runs/${runId}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', seen: USERS });
    expect(done.counts).toMatchObject({ created: USERS, updated: 0, unchanged: 0, failed: 0, conflicts: 0 });
    expect(await contactsOf(t5.teamId)).toHaveLength(USERS);
    const entries = await ctx.db.selectFrom('syncRunEntries').select('syncId').where('runId', '=', runId).execute();
    expect(new Set(entries.map((e) => e.syncId)).size).toBe(USERS);
    expect(entries).toHaveLength(USERS);
  });

  it('the first run creates every person, disabled accounts inactive, people without email included, reports-to with a cycle', async () => {
    first = await run(team, conn.id);
    expect(first, JSON.stringify(first)).toMatchObject({ status: 'succeeded', full: true, error: null });
    // every person in scope counted exactly once
    expect(total(first.counts)).toBe(USERS);
    expect(first.counts).toMatchObject({ created: USERS, failed: 0, conflicts: 0, deactivated: 0 });
    const contacts = await contactsOf(team.teamId);
    expect(contacts).toHaveLength(USERS);
    const bySync = new Map(contacts.map((c) => [c.directorySyncId, c]));
    for (let i = 0; i < USERS; i++) {
      const u = adUser(O, i);
      const c = bySync.get(u.guid);
      expect(c, `user ${i}`).toBeDefined();
      expect(c!.directoryConnectionId).toBe(conn.id);
      expect(c!.active).toBe(!u.disabled); // ACCOUNTDISABLE → inactive
      expect(c!.primaryEmail).toBe(u.mail); // null for people without mail: still created
      expect(c!.firstName).toBe(u.givenName);
    }
    expect(adUser(O, 5).mail).toBeNull();
    expect(adUser(O, 3).disabled).toBe(true);
    // reports-to, the cycle 0 → 2 → 0 included
    const c0 = bySync.get(adUser(O, 0).guid)!;
    const c2 = bySync.get(adUser(O, 2).guid)!;
    expect(c0.reportsToContactId).toBe(c2.id);
    expect(c2.reportsToContactId).toBe(c0.id);
    expect(bySync.get(adUser(O, 25).guid)!.reportsToContactId).toBe(bySync.get(adUser(O, 2).guid)!.id);
    expect(c0.reportsToSyncId).toBe(adUser(O, 2).guid);

    // per-person outcomes, paged, and the raw log
    const p1 = (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${first.id}/entries?limit=40`)).json();
    expect(p1.items).toHaveLength(40);
    const p2 = (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${first.id}/entries?limit=40&cursor=${p1.nextCursor}`)).json();
    expect(p2.items).toHaveLength(USERS - 40);
    expect(p2.nextCursor).toBeNull();
    expect(new Set([...p1.items, ...p2.items].map((e: { syncId: string }) => e.syncId)).size).toBe(USERS);
    const log = await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${first.id}/log.txt`);
    expect(log.statusCode).toBe(200);
    expect(log.headers['content-type']).toMatch(/^text\/plain/);
    expect(log.body).toContain('status: succeeded');
    expect(log.body).toMatch(/timing: read \d+\.\d s, reportsTo \d+\.\d s, deactivate \d+\.\d s/);
    expect(log.body).toContain(`created\t${adUser(O, 0).guid}`);
    expect(
      log.body
        .trim()
        .split('\n')
        .filter((l) => /^\d+\t/.test(l)),
    ).toHaveLength(USERS);

    const runs = (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/connections/${conn.id}/runs?limit=1`)).json();
    expect(runs.items.map((x: Run) => x.id)).toEqual([first.id]);
    expect(runs.nextCursor).not.toBeNull();
  });

  it('an unchanged run writes nothing: same versions, no audit rows', async () => {
    const before = await contactsOf(team.teamId);
    const audits = await auditCount(team.teamId);
    const r = await run(team, conn.id);
    expect(r.status).toBe('succeeded');
    expect(r.counts).toMatchObject({ created: 0, updated: 0, unchanged: USERS, deactivated: 0 });
    const after = await contactsOf(team.teamId);
    expect(after.map((c) => [c.id, c.version, c.updatedAt.toISOString()])).toEqual(
      before.map((c) => [c.id, c.version, c.updatedAt.toISOString()]),
    );
    expect(await auditCount(team.teamId)).toBe(audits);
  });

  it('a change in the directory updates that contact only', async () => {
    const was = (await contactsOf(team.teamId)).find((x) => x.directorySyncId === adUser(O, 7).guid)!;
    const audits = await auditCount(team.teamId);
    await slapd.changeAdUsers([7], () => ({ title: 'Chief Sync Officer', telephoneNumber: '+1 202 555 7777' }));
    const r = await run(team, conn.id);
    expect(r.counts).toMatchObject({ updated: 1, unchanged: USERS - 1, created: 0 });
    const c = (await contactsOf(team.teamId)).find((x) => x.directorySyncId === adUser(O, 7).guid)!;
    expect(c.jobTitle).toBe('Chief Sync Officer');
    expect(c.phones).toMatchObject({ work: '+1 202 555 7777' });
    expect(c.version).toBe(was.version + 1);
    expect(await auditCount(team.teamId)).toBe(audits + 1);
  });

  it('refuses a manual edit of a synced field, naming the connection; other fields stay editable', async () => {
    const c = (await contactsOf(team.teamId)).find((x) => x.directorySyncId === adUser(O, 8).guid)!;
    const res = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { firstName: 'Mallory' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(conn.name);
    expect(res.json().details).toEqual([expect.objectContaining({ path: 'firstName', message: expect.stringContaining(conn.name) })]);
    const ok = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/contacts/${c.id}`, { notes: 'Prefers phone', firstName: c.firstName });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('a person the directory did not change is compared again when their contact changed since, or the mapping did', async () => {
    // another writer changed a synced field (any write moves the version): the run puts the directory's value back
    const guid = adUser(O, 9).guid;
    const was = (await contactsOf(team.teamId)).find((x) => x.directorySyncId === guid)!;
    await ctx.db
      .updateTable('contacts')
      .set((e) => ({ jobTitle: 'Tampered', version: e('version', '+', 1) }))
      .where('id', '=', was.id)
      .execute();
    const r1 = await run(team, conn.id);
    expect(r1.counts).toMatchObject({ updated: 1, unchanged: USERS - 1, created: 0, conflicts: 0, failed: 0 });
    const fixed = (await contactsOf(team.teamId)).find((x) => x.directorySyncId === guid)!;
    expect(fixed.jobTitle).toBe(was.jobTitle);
    expect(fixed.version).toBe(was.version + 2);
    // a new mapping (the title read from another attribute): everyone is mapped with it, whatever the directory did
    await patchConnection(team, conn.id, { mapping: { ...adDefaultMapping, jobTitle: 'department' } });
    const r2 = await run(team, conn.id);
    const withTitle = Array.from({ length: USERS }, (_, i) => adUser(O, i)).filter((u) => (u.department ?? null) !== (u.title ?? null));
    expect(withTitle.length).toBeGreaterThan(0);
    expect(r2.counts.updated).toBe(withTitle.length);
    expect(total(r2.counts)).toBe(USERS);
    const moved = (await contactsOf(team.teamId)).find((x) => x.directorySyncId === withTitle[0]!.guid)!;
    expect(moved.jobTitle).toBe(withTitle[0]!.department ?? null);
    // and back: the next run maps with the default again
    await patchConnection(team, conn.id, { mapping: adDefaultMapping });
    const r3 = await run(team, conn.id);
    expect(r3.counts.updated).toBe(withTitle.length);
    const r4 = await run(team, conn.id);
    expect(r4.counts).toMatchObject({ updated: 0, unchanged: USERS, created: 0 });
  });

  it('a directory that cannot be read (wrong password, unreachable) fails the run and deactivates nobody', async () => {
    const active = (await contactsOf(team.teamId)).filter((c) => c.active).length;
    const bad = await connection(team, {}, { bindPassword: 'wrong-password' });
    const patch = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/sync/connections/${conn.id}`, {
      settings: {
        url: slapd.url,
        bindDn: slapd.bindDn,
        bindPassword: 'wrong-password',
        baseDn: slapd.usersDn,
        userFilter: '(objectClass=user)',
      },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const r = await run(team, conn.id, { full: true });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/password|credentials|bind/i);
    expect(r.counts.deactivated).toBe(0);

    await patchConnection(team, conn.id, {
      settings: { url: 'ldap://127.0.0.1:1', bindDn: slapd.bindDn, baseDn: slapd.usersDn, userFilter: '(objectClass=user)' },
    });
    const r2 = await run(team, conn.id, { full: true });
    expect(r2.status).toBe('failed');
    expect(r2.error).toBeTruthy();
    expect((await contactsOf(team.teamId)).filter((c) => c.active).length).toBe(active);
    expect((await run(team, bad.id)).status).toBe('failed');

    await patchConnection(team, conn.id, {
      settings: {
        url: slapd.url,
        bindDn: slapd.bindDn,
        bindPassword: slapd.bindPassword,
        baseDn: slapd.usersDn,
        userFilter: '(objectClass=user)',
        pageSize: 25,
      },
    });
  });

  it('deactivates a deleted user after a complete run; a recreated user (new GUID, same email) is a conflict, not a duplicate', async () => {
    const u9 = adUser(O, 9);
    const u10 = adUser(O, 10);
    await slapd.deleteEntries([u9.dn]);
    await slapd.recreateAdUser(10, 1);
    const r = await run(team, conn.id);
    expect(r.status).toBe('succeeded');
    expect(total(r.counts)).toBe(USERS - 1);
    expect(r.counts).toMatchObject({ conflicts: 1, deactivated: 2, created: 0 });
    const contacts = await contactsOf(team.teamId);
    expect(contacts).toHaveLength(USERS); // deactivated, never deleted; no duplicate
    expect(contacts.find((c) => c.directorySyncId === u9.guid)!.active).toBe(false);
    expect(contacts.filter((c) => c.primaryEmail === u10.mail)).toHaveLength(1);
    const conflicts = (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${r.id}/entries?outcome=conflict`)).json().items;
    expect(conflicts).toEqual([expect.objectContaining({ syncId: adUser(O, 10, 1).guid, outcome: 'conflict' })]);
    expect(conflicts[0].reason).toContain(u10.guid);
  });

  it('stops before deactivating more than 20 % and goes on once confirmed', async () => {
    const leaving = Array.from({ length: 15 }, (_, k) => 20 + k);
    await slapd.deleteEntries(leaving.map((i) => adUser(O, i).dn));
    const activeBefore = (await contactsOf(team.teamId)).filter((c) => c.active).length;
    const r = await run(team, conn.id);
    expect(r.status).toBe('needs_confirmation');
    expect(r.toDeactivate).toBeGreaterThanOrEqual(13);
    expect((await contactsOf(team.teamId)).filter((c) => c.active).length).toBe(activeBefore);

    const agent = await createMember(ctx, team, { role: 'agent' });
    expect((await call(ctx, agent.token, 'POST', `/api/v1/sync/runs/${r.id}/confirm`)).statusCode).toBe(403);
    const confirmed = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/runs/${r.id}/confirm`);
    expect(confirmed.statusCode, confirmed.body).toBe(202);
    await runJobs();
    const done = (await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${r.id}`)).json();
    expect(done.status).toBe('succeeded');
    expect(done.counts.deactivated).toBe(r.toDeactivate);
    expect((await contactsOf(team.teamId)).filter((c) => c.active).length).toBe(activeBefore - r.toDeactivate!);
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/runs/${r.id}/confirm`)).statusCode).toBe(409);
  });

  it('does not confirm a run that a newer run replaced', async () => {
    const leaving = Array.from({ length: 12 }, (_, k) => 40 + k);
    await slapd.deleteEntries(leaving.map((i) => adUser(O, i).dn));
    const stale = await run(team, conn.id);
    expect(stale.status).toBe('needs_confirmation');
    const newer = await run(team, conn.id);
    expect(newer.status).toBe('needs_confirmation');
    const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/runs/${stale.id}/confirm`);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/newer run/);
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/runs/${newer.id}/confirm`)).statusCode).toBe(202);
    await runJobs();
    // the disabled account among them (43) was inactive already
    expect(newer.toDeactivate).toBe(11);
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/sync/runs/${newer.id}`)).json().counts.deactivated).toBe(11);
  });

  it('keeps every team to its own runs and connections (404), and agents out (403)', async () => {
    const other = await createTeam(ctx, 'Other team');
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/sync/runs/${first.id}`)).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/sync/runs/${first.id}/log.txt`)).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/sync/runs/${first.id}/entries`)).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'POST', `/api/v1/sync/connections/${conn.id}/run`, {})).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/sync/connections/${conn.id}/runs`)).statusCode).toBe(404);
    const agent = await createMember(ctx, team, { role: 'agent' });
    expect((await call(ctx, agent.token, 'POST', `/api/v1/sync/connections/${conn.id}/run`, {})).statusCode).toBe(403);
    expect((await call(ctx, agent.token, 'GET', `/api/v1/sync/runs/${first.id}`)).statusCode).toBe(403);
    // the other team's run of the same directory creates its own contacts, untouched by the first team's
    const c2 = await connection(other);
    const r = await run(other, c2.id);
    expect(r.counts.created).toBe(total(r.counts) - r.counts.failed!);
    expect((await contactsOf(other.teamId)).every((c) => c.directoryConnectionId === c2.id)).toBe(true);
  });

  it('kdesk sync run <connection> and --all run with a progress bar and print the counts', { timeout: 180_000 }, async () => {
    const t4 = await createTeam(ctx, 'CLI sync');
    const c = await connection(t4, { name: `CLI AD ${uid()}` });
    const env = { ...process.env, DATABASE_URL: ctx.url, KDESK_SECRET_KEY: testConfig.secretKey!, LOG_LEVEL: 'warn' };
    const kdesk = (args: string[]) => exec(process.execPath, [path.resolve('bin/kdesk.mjs'), ...args], { env, timeout: 120_000 });
    const one = await kdesk(['sync', 'run', c.name, '--team-of', t4.ownerEmail]);
    const m = new RegExp(`${c.name}: Synced — (\\d+) people read: \\1 created, 0 updated, 0 unchanged`).exec(one.stdout);
    expect(m, one.stdout).not.toBeNull();
    const n = Number(m![1]);
    expect(n).toBeGreaterThan(30);
    expect(one.stderr).toMatch(/people/); // the progress bar
    expect(await contactsOf(t4.teamId)).toHaveLength(n);
    const all = await kdesk(['sync', 'run', '--all', '--dry-run', '--team-of', t4.ownerEmail]);
    expect(all.stdout).toContain(`${c.name}: Dry run done — ${n} people read: 0 would be created, 0 would be updated, ${n} unchanged`);
    await expect(kdesk(['sync', 'run', 'No such connection', '--team-of', t4.ownerEmail])).rejects.toMatchObject({
      stderr: expect.stringContaining('No connection named No such connection'),
    });
  });

  it("runs on the connection's schedule (a job of the engine), as a full run the first time", async () => {
    const t6 = await createTeam(ctx, 'Scheduled');
    const c = await connection(t6, { schedule: '@every 1h' });
    const key = `sync:${c.id}`;
    const sched = await ctx.db.selectFrom('schedules').selectAll().where('name', '=', key).executeTakeFirstOrThrow();
    expect(sched).toMatchObject({ kind: 'sync.run', teamId: t6.teamId, singletonKey: key });
    // its time comes
    await ctx.db
      .updateTable('schedules')
      .set({ nextRunAt: new Date(Date.now() - 1000) })
      .where('name', '=', key)
      .execute();
    const runner = createJobRunner({ db: ctx.db, handlers: jobKinds(ctx.services), log: () => {} });
    await runner.runPeriodic();
    await runner.runUntilIdle();
    const runs = (await call(ctx, t6.ownerToken, 'GET', `/api/v1/sync/connections/${c.id}/runs`)).json().items as (Run & {
      trigger: string;
      seen: number;
    })[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded', full: true });
    expect(runs[0]!.counts.created).toBe(runs[0]!.seen);
    expect(await contactsOf(t6.teamId)).toHaveLength(runs[0]!.seen);
  });

  it('run-all queues a run of every enabled connection', async () => {
    const t3 = await createTeam(ctx, 'Run all');
    const a = await connection(t3);
    await connection(t3, { status: 'draft' });
    const res = await call(ctx, t3.ownerToken, 'POST', '/api/v1/sync/run-all');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().runs.map((x: { connectionId: string }) => x.connectionId)).toEqual([a.id]);
    await runJobs();
    expect((await contactsOf(t3.teamId)).length).toBeGreaterThan(0);
  });
});

describe('POST /api/v1/sync/connections/:id/run without a directory', () => {
  it('answers 404 for an unknown connection', async () => {
    const team = await createTeam(ctx);
    const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/sync/connections/${crypto.randomUUID()}/run`, {});
    expect(res.statusCode).toBe(404);
  });
});
