// Bulk actions and their jobs tell the truth: ids that reach no contact change nothing and fail nothing,
// a job acts on what matched when it was asked for, its counts survive a crash and a takeover, its
// errors never show internal text, and it stops when the member who started it loses the right.
import { sql } from 'kysely';
import type { JobRow } from '../db/schema.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { createJobsRepo } from './jobs.repo.ts';
import { jobHandlers } from './handlers.ts';
import { createJobRunner, type JobContext, type JobHandler } from './runner.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const BULK = '/api/v1/contacts/bulk';

/** `n` contacts named `tag` in the team; answers their ids in id order. */
async function seed(team: TestTeam, n: number, tag: string): Promise<string[]> {
  // in slices: one statement holds at most 65,535 parameters
  for (let from = 0; from < n; from += 1000) {
    await ctx.services.contacts.createMany(
      systemActor(team.teamId),
      Array.from({ length: Math.min(1000, n - from) }, (_, k) => {
        const i = from + k;
        return { firstName: tag, lastName: `Row ${i}`, primaryEmail: `${tag.toLowerCase()}${i}@jobs.test` };
      }),
    );
  }
  const rows = await ctx.db
    .selectFrom('contacts')
    .select('id')
    .where('teamId', '=', team.teamId)
    .where('firstName', '=', tag)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
const job = async (team: TestTeam, id: string) => (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${id}`)).json();
async function count(team: TestTeam, where: { tag: string; deleted?: boolean; active?: boolean }): Promise<number> {
  let q = ctx.db
    .selectFrom('contacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('teamId', '=', team.teamId)
    .where('firstName', '=', where.tag);
  if (where.deleted !== undefined) q = q.where('deletedAt', where.deleted ? 'is not' : 'is', null);
  if (where.active !== undefined) q = q.where('active', '=', where.active);
  return Number((await q.executeTakeFirstOrThrow()).n);
}
async function audits(team: TestTeam, action: string): Promise<number> {
  const r = await ctx.db
    .selectFrom('auditLog')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('teamId', '=', team.teamId)
    .where('action', '=', action)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
async function invitations(team: TestTeam): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('mailOutbox')
    .select('toAddress')
    .where('teamId', '=', team.teamId)
    .where('kind', '=', 'portal.invitation')
    .execute();
  return rows.map((r) => r.toAddress);
}

/**
 * A worker claims the job, commits `batches` batches and dies (its next progress report throws); then its
 * lease runs out so that another worker can take the job over.
 */
async function crashAfter(kind: string, jobId: string, batches: number) {
  const claimed = (await createJobsRepo(ctx.db).claim([kind], 'worker-that-dies', 30_000))!;
  expect(claimed.id).toBe(jobId);
  let reports = 0;
  const dying: JobContext = {
    job: claimed as JobRow,
    signal: new AbortController().signal,
    checkpoint: () => Promise.reject(new Error('this worker has died')),
    progress: async () => {
      if (++reports >= batches) throw new Error('worker died');
    },
  };
  await expect(jobHandlers(ctx.services)[kind]!(dying)).rejects.toThrow();
  await sql`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = ${jobId}`.execute(ctx.db);
}

describe('bulk actions on ids that reach no live contact', () => {
  let team: TestTeam;
  let other: TestTeam;
  let foreign: string[];
  let gone: string[];
  beforeAll(async () => {
    team = await createTeam(ctx);
    other = await createTeam(ctx);
    foreign = await seed(other, 3, 'Foreign');
    gone = await seed(team, 3, 'Gone');
    expect((await call(ctx, team.ownerToken, 'POST', BULK, { action: 'delete', ids: gone })).json()).toEqual({ affected: 3 });
  });

  it.each(['delete', 'activate', 'deactivate', 'invite'])('answers 200 {affected: 0} to "%s" of foreign or deleted ids', async (action) => {
    for (const ids of [foreign, gone, [crypto.randomUUID()]]) {
      const res = await call(ctx, team.ownerToken, 'POST', BULK, { action, ids });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ affected: 0 });
    }
    expect(await count(other, { tag: 'Foreign', deleted: false, active: true })).toBe(3);
  });

  it('answers 200 with nothing done to a trash restore or purge of foreign or live ids', async () => {
    const live = await seed(team, 2, 'Live');
    for (const action of ['restore', 'purge']) {
      const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/trash/bulk', { action, ids: [...foreign, ...live] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ affected: 0, notFound: 5 });
    }
    expect(await count(other, { tag: 'Foreign', deleted: false })).toBe(3);
  });

  it('finishes a bulk job over more than 250 ids none of which is a live contact of the team, with affected 0', async () => {
    const ids = [...foreign, ...gone, ...Array.from({ length: 600 }, () => crypto.randomUUID())];
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'deactivate', ids });
    expect(res.statusCode).toBe(202);
    await ctx.runJobs();
    expect(await job(team, res.json().jobId)).toMatchObject({
      status: 'succeeded',
      processed: ids.length,
      result: { affected: 0 },
      error: null,
    });
    expect(await count(other, { tag: 'Foreign', active: true })).toBe(3);
  });
});

describe('a bulk job taken over after its worker died', () => {
  it('resumes a bulk delete by ids from its checkpoint and reports every row exactly once', async () => {
    const team = await createTeam(ctx);
    const ids = await seed(team, 1200, 'Resume');
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'delete', ids });
    const { jobId } = res.json();
    await crashAfter('contacts.bulk', jobId, 1);
    expect(await job(team, jobId)).toMatchObject({ status: 'running', processed: 500, result: { affected: 500 } });
    expect(await ctx.runJobs()).toBe(1);
    expect(await job(team, jobId)).toMatchObject({
      status: 'succeeded',
      processed: 1200,
      total: 1200,
      result: { affected: 1200 },
      error: null,
    });
    expect(await count(team, { tag: 'Resume', deleted: false })).toBe(0);
    expect(await audits(team, 'delete')).toBe(1200);
  });

  it('resumes a bulk deactivate by filter and counts what the first worker did', async () => {
    const team = await createTeam(ctx);
    await seed(team, 1100, 'Filtered');
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'deactivate', filter: { q: 'filtered' } });
    const { jobId } = res.json();
    await crashAfter('contacts.bulk', jobId, 2);
    expect(await ctx.runJobs()).toBe(1);
    expect(await job(team, jobId)).toMatchObject({ status: 'succeeded', processed: 1100, total: 1100, result: { affected: 1100 } });
    expect(await count(team, { tag: 'Filtered', active: false })).toBe(1100);
    expect(await audits(team, 'update')).toBe(1100);
  });

  it('resumes a bulk invitation without mailing anyone twice, with exact counts', async () => {
    const team = await createTeam(ctx);
    await seed(team, 300, 'Invitee');
    await ctx.services.contacts.createMany(systemActor(team.teamId), [{ firstName: 'Invitee', lastName: 'No email' }]);
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'invite', filter: { q: 'invitee' } });
    expect(res.statusCode).toBe(202);
    const { jobId } = res.json();
    await crashAfter('portal.invite', jobId, 1);
    expect(await ctx.runJobs()).toBe(1);
    expect(await job(team, jobId)).toMatchObject({
      status: 'succeeded',
      processed: 301,
      total: 301,
      result: { affected: 300, skipped: 1 },
    });
    const mailed = await invitations(team);
    expect(mailed).toHaveLength(300);
    expect(new Set(mailed).size).toBe(300);
  });

  it('ends an export taken over with every row in the file exactly once', async () => {
    const team = await createTeam(ctx);
    await seed(team, 5200, 'Exported');
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/exports', { format: 'csv' });
    const { id } = res.json();
    await crashAfter('contacts.export', id, 1);
    expect(await ctx.runJobs()).toBe(1);
    expect(await job(team, id)).toMatchObject({ status: 'succeeded', processed: 5200, total: 5200, result: { rows: 5200 } });
    const file = await call(ctx, team.ownerToken, 'GET', `/api/v1/exports/${id}/download`);
    const lines = file.body.trim().split('\n').slice(1);
    expect(lines).toHaveLength(5200);
    expect(new Set(lines).size).toBe(5200);
  });

  it('shows a job that fails on an internal error a message without SQL text, naming the job', async () => {
    const team = await createTeam(ctx);
    const owner = await ctx.db.selectFrom('members').select('id').where('teamId', '=', team.teamId).executeTakeFirstOrThrow();
    const queued = await ctx.services.jobs.enqueue({
      actor: { ...systemActor(team.teamId), type: 'member', via: 'token', memberId: owner.id },
      kind: 'contacts.bulk',
      // a payload the database refuses (no such uuid): an internal error, not the user's
      payload: { action: 'delete', ids: ['not-a-uuid'] },
      total: 1,
    });
    const runner = createJobRunner({ db: ctx.db, handlers: jobHandlers(ctx.services), maxAttempts: 1, log: () => {} });
    await runner.runUntilIdle();
    const failed = await job(team, queued.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(queued.id);
    expect(failed.error).not.toMatch(/uuid|syntax|select|contacts/i);
  });
});

describe('a bulk job by filter', () => {
  it('acts only on contacts that matched when it was asked for, not on those created while it waits', async () => {
    const team = await createTeam(ctx);
    await seed(team, 300, 'Snapshot');
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'deactivate', filter: { q: 'snapshot' } });
    expect(res.statusCode).toBe(202);
    const late = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Snapshot', lastName: 'Late' });
    await ctx.runJobs();
    expect(await job(team, res.json().jobId)).toMatchObject({ status: 'succeeded', processed: 300, total: 300, result: { affected: 300 } });
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${late.json().id}`)).json().permissions.active).toBe(true);
  });

  it('exports only the contacts that matched when the export was asked for', async () => {
    const team = await createTeam(ctx);
    await seed(team, 20, 'Exportsnap');
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/exports', { format: 'csv', filter: { q: 'exportsnap' } });
    expect(res.json()).toMatchObject({ total: 20 });
    await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Exportsnap', lastName: 'Late' });
    await ctx.runJobs();
    expect(await job(team, res.json().id)).toMatchObject({ status: 'succeeded', processed: 20, result: { rows: 20 } });
    const file = await call(ctx, team.ownerToken, 'GET', `/api/v1/exports/${res.json().id}/download`);
    expect(file.body).not.toContain('Late');
  });
});

describe('jobs of a member who loses the right to run them', () => {
  it('cancels the queued jobs of a removed member, with the reason, and does nothing of them', async () => {
    const team = await createTeam(ctx);
    const agent = await createMember(ctx, team);
    await seed(team, 300, 'Orphan');
    const res = await call(ctx, agent.token, 'POST', BULK, { action: 'delete', filter: { q: 'orphan' } });
    expect(res.statusCode).toBe(202);
    const exported = await call(ctx, agent.token, 'POST', '/api/v1/exports', { format: 'csv' });
    expect(exported.statusCode).toBe(202);
    expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/${agent.id}`)).statusCode).toBe(204);
    const cancelled = await job(team, res.json().jobId);
    expect(cancelled).toMatchObject({ status: 'cancelled', processed: 0 });
    expect(cancelled.error).toMatch(/removed/);
    const exportView = (await call(ctx, team.ownerToken, 'GET', `/api/v1/exports/${exported.json().id}`)).json();
    expect(exportView).toMatchObject({ status: 'cancelled', downloadUrl: null });
    expect(exportView.error).toMatch(/removed/);
    await ctx.runJobs();
    expect(await count(team, { tag: 'Orphan', deleted: false })).toBe(300);
  });

  it('stops a running job at its next batch when its member is removed', async () => {
    const team = await createTeam(ctx);
    const agent = await createMember(ctx, team);
    const ids = await seed(team, 1200, 'Stopped');
    const res = await call(ctx, agent.token, 'POST', BULK, { action: 'deactivate', ids });
    const { jobId } = res.json();
    const real = jobHandlers(ctx.services)['contacts.bulk']!;
    let removed = false;
    const handlers: Record<string, JobHandler> = {
      // the owner removes the agent while the first batch is being reported
      'contacts.bulk': (c) =>
        real({
          ...c,
          progress: async (n, t) => {
            if (!removed) {
              removed = true;
              expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/members/${agent.id}`)).statusCode).toBe(204);
            }
            return c.progress(n, t);
          },
        }),
    };
    await createJobRunner({ db: ctx.db, handlers, log: () => {} }).runUntilIdle();
    const stopped = await job(team, jobId);
    expect(stopped).toMatchObject({ status: 'failed', processed: 500, result: { affected: 500 } });
    expect(stopped.error).toMatch(/removed from the team/);
    expect(await count(team, { tag: 'Stopped', active: false })).toBe(500);
  });

  it.each([
    [
      'a bulk action',
      'modifyContacts',
      (t: string) => call(ctx, t, 'POST', BULK, { action: 'activate', filter: { q: 'revoked', status: 'all' } }),
    ],
    [
      'a trash bulk action',
      'modifyContacts',
      (t: string) => call(ctx, t, 'POST', '/api/v1/contacts/trash/bulk', { action: 'purge', filter: {} }),
    ],
    [
      'a bulk invitation',
      'modifyContacts',
      (t: string) => call(ctx, t, 'POST', BULK, { action: 'invite', filter: { q: 'revoked', status: 'all' } }),
    ],
    ['an export', 'exportContacts', (t: string) => call(ctx, t, 'POST', '/api/v1/exports', { format: 'csv' })],
  ])('fails %s whose member lost %s before it ran, and does none of it', async (_what, permission, start) => {
    const team = await createTeam(ctx);
    const admin = await createMember(ctx, team, { role: 'admin' });
    const ids = await seed(team, 300, 'Revoked');
    await call(ctx, team.ownerToken, 'POST', BULK, { action: 'deactivate', ids });
    await ctx.runJobs();
    await seed(team, 300, 'Trashed');
    await call(ctx, team.ownerToken, 'POST', BULK, { action: 'delete', filter: { q: 'trashed' } });
    await ctx.runJobs();
    const res = await start(admin.token);
    const jobId = res.json().jobId ?? res.json().id;
    expect(jobId, res.body).toBeTruthy();
    const patched = await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${admin.id}`, { permissions: { [permission]: false } });
    expect(patched.statusCode).toBe(200);
    await ctx.runJobs();
    const failed = await job(team, jobId);
    expect(failed).toMatchObject({ status: 'failed', processed: 0 });
    expect(failed.error).toContain(permission);
    expect(await count(team, { tag: 'Revoked', active: true })).toBe(0);
    expect(await count(team, { tag: 'Trashed', deleted: true })).toBe(300);
    expect(await invitations(team)).toEqual([]);
    expect(
      await ctx.db.selectFrom('files').select('id').where('teamId', '=', team.teamId).where('purpose', '=', 'export').execute(),
    ).toEqual([]);
  });
});
