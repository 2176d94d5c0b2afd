// POST /api/v1/contacts/trash/bulk: restore or erase selected rows of the trash, or every row matching a
// search ("Empty trash"), at once or as a job; the single-restore rules per row; other teams untouched.
import { sql } from 'kysely';
import type { JobRow } from '../db/schema.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#shared/contact.schema.ts';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { createJobsRepo } from '../jobs/jobs.repo.ts';
import { jobHandlers } from '../jobs/handlers.ts';
import { createJobRunner, type JobContext } from '../jobs/runner.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const BULK = '/api/v1/contacts/trash/bulk';

async function create(team: TestTeam, body: object): Promise<Contact> {
  const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
async function trashed(team: TestTeam, body: object): Promise<Contact> {
  const c = await create(team, body);
  expect((await call(ctx, team.ownerToken, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
  return c;
}
/** Ids in the team's trash (straight from the table, so the API under test is not the judge). */
async function trashIds(team: TestTeam): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('contacts')
    .select('id')
    .where('teamId', '=', team.teamId)
    .where('deletedAt', 'is not', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
async function liveIds(team: TestTeam): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('contacts')
    .select('id')
    .where('teamId', '=', team.teamId)
    .where('deletedAt', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
async function auditCount(team: TestTeam, action: string): Promise<number> {
  const r = await ctx.db
    .selectFrom('auditLog')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('teamId', '=', team.teamId)
    .where('entityType', '=', 'contact')
    .where('action', '=', action)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
/** `n` contacts of the team moved to the trash (through the directory's own bulk delete). */
async function fillTrash(team: TestTeam, n: number, tag: string): Promise<void> {
  await ctx.services.contacts.createMany(
    systemActor(team.teamId),
    Array.from({ length: n }, (_, i) => ({ firstName: tag, lastName: `Row ${i}`, primaryEmail: `${tag.toLowerCase()}${i}@fill.test` })),
  );
  const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'delete', filter: { q: tag, status: 'all' } });
  if (res.statusCode === 202) await ctx.runJobs();
  else expect(res.json()).toEqual({ affected: n });
}

describe('POST /api/v1/contacts/trash/bulk', () => {
  it('restores selected contacts with their labeled emails, phones and history; ignores ids not in the team trash', async () => {
    const team = await createTeam(ctx);
    const other = await createTeam(ctx);
    const a = await trashed(team, {
      firstName: 'Ada',
      primaryEmail: 'ada@restore.test',
      emails: { billing: 'ap@ada.test', home: 'ada@home.test' },
      phones: { mobile: '+1 555 010 0001', desk: '555 0102' },
    });
    const b = await trashed(team, { firstName: 'Bob', emails: { work: 'bob@work.test' } });
    const stays = await trashed(team, { firstName: 'Stays' });
    const live = await create(team, { firstName: 'Live' });
    const foreign = await trashed(other, { firstName: 'Foreign' });

    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'restore', ids: [a.id, b.id, live.id, foreign.id, a.id] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ affected: 2, restored: 2, purged: 0, notFound: 2, skipped: [], skippedCount: 0 });

    const got = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${a.id}`)).json();
    expect(got).toMatchObject({ emails: a.emails, phones: a.phones, primaryEmail: 'ada@restore.test', version: a.version + 1 });
    expect(Object.keys(got.emails)).toEqual(['billing', 'home']);
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${b.id}`)).json().emails).toEqual({ work: 'bob@work.test' });
    const history = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${a.id}/history`)).json();
    expect(history.items.map((h: { action: string }) => h.action)).toEqual(['restore', 'delete', 'create']);
    expect(history.items[0].actor).toMatchObject({ type: 'token' });
    expect(await auditCount(team, 'restore')).toBe(2);

    expect(await trashIds(team)).toEqual([stays.id]);
    // the live contact and the other team's trashed contact are untouched
    expect((await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${live.id}`)).json().version).toBe(live.version);
    expect(await trashIds(other)).toEqual([foreign.id]);
    expect(await auditCount(other, 'restore')).toBe(0);
  });

  it('erases selected contacts for good, with an audit row holding what was erased', async () => {
    const team = await createTeam(ctx);
    const other = await createTeam(ctx);
    const a = await trashed(team, { firstName: 'Gone', primaryEmail: 'gone@purge.test', phones: { m: '555 0199' } });
    const b = await trashed(team, { firstName: 'Also gone' });
    const keep = await trashed(team, { firstName: 'Kept' });
    const live = await create(team, { firstName: 'Live' });
    const foreign = await trashed(other, { firstName: 'Foreign' });

    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'purge', ids: [a.id, b.id, live.id, foreign.id] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ affected: 2, restored: 0, purged: 2, notFound: 2, skipped: [], skippedCount: 0 });

    expect(await trashIds(team)).toEqual([keep.id]);
    expect(await liveIds(team)).toEqual([live.id]);
    expect(await trashIds(other)).toEqual([foreign.id]);
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${a.id}/restore`)).statusCode).toBe(404);
    const entry = await ctx.db
      .selectFrom('auditLog')
      .selectAll()
      .where('teamId', '=', team.teamId)
      .where('entityId', '=', a.id)
      .where('action', '=', 'purge')
      .executeTakeFirstOrThrow();
    expect(entry.changes).toMatchObject({
      primaryEmail: { before: 'gone@purge.test', after: null },
      phones: { before: { m: '555 0199' } },
    });
    expect(await auditCount(team, 'purge')).toBe(2);
  });

  it('empties the trash with the filter {}, and restores the rows a search matches', async () => {
    const team = await createTeam(ctx);
    const other = await createTeam(ctx);
    const t1 = await trashed(team, { firstName: 'Wanda', lastName: 'Search' });
    await trashed(team, { firstName: 'Xavier' });
    await trashed(team, { firstName: 'Yolanda' });
    const live = await create(team, { firstName: 'Wanda', lastName: 'Live' });
    const foreign = [await trashed(other, { firstName: 'Wanda' }), await trashed(other, { firstName: 'Zed' })];

    const restore = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'restore', filter: { q: 'wanda' } });
    expect(restore.json()).toMatchObject({ restored: 1, notFound: 0 });
    expect(await liveIds(team)).toEqual([t1.id, live.id].sort());

    const empty = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'purge', filter: {} });
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toEqual({ affected: 2, restored: 0, purged: 2, notFound: 0, skipped: [], skippedCount: 0 });
    expect(await trashIds(team)).toEqual([]);
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts/trash')).json().total).toBe(0);
    expect(await liveIds(team)).toEqual([t1.id, live.id].sort());
    expect(await trashIds(other)).toEqual(foreign.map((c) => c.id).sort());

    // an empty trash: nothing to do, still a 200
    expect((await call(ctx, team.ownerToken, 'POST', BULK, { action: 'purge', filter: {} })).json()).toMatchObject({ affected: 0 });
  });

  it('skips a row whose primary email a live contact now holds, with the reason, and restores the others', async () => {
    const team = await createTeam(ctx);
    const first = await trashed(team, { firstName: 'First', primaryEmail: 'same@conflict.test' });
    const ok = await trashed(team, { firstName: 'Okay', primaryEmail: 'okay@conflict.test' });
    const holder = await create(team, { firstName: 'Holder', lastName: 'Now', primaryEmail: 'same@conflict.test' });
    // two trashed contacts with one free email: the first comes back, the second is skipped
    const twinA = await trashed(team, { firstName: 'Twin A', primaryEmail: 'twin@conflict.test' });
    const twinB = await trashed(team, { firstName: 'Twin B', primaryEmail: 'twin@conflict.test' });

    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'restore', ids: [first.id, ok.id, twinB.id, twinA.id] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ affected: 2, restored: 2, skippedCount: 2, notFound: 0 });
    expect(body.skipped).toEqual([
      {
        id: first.id,
        name: 'First',
        reason: 'Its primary email same@conflict.test now belongs to “Holder Now”',
        conflictContactId: holder.id,
      },
      {
        id: twinB.id,
        name: 'Twin B',
        reason: 'Its primary email twin@conflict.test belongs to “Twin A”, restored in the same action',
        conflictContactId: twinA.id,
      },
    ]);
    expect(await trashIds(team)).toEqual([first.id, twinB.id]);
    expect(await liveIds(team)).toEqual([ok.id, holder.id, twinA.id].sort());
    expect(await auditCount(team, 'restore')).toBe(2);
    // the single restore still answers 409 naming the holder
    const single = await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${first.id}/restore`);
    expect(single.statusCode).toBe(409);
    expect(single.json().details[0]).toMatchObject({ path: 'primaryEmail', contactId: holder.id, contactName: 'Holder Now' });
  });

  it('runs more than 250 rows as a job with progress and exact counts, and lists at most 100 skipped rows', async () => {
    const team = await createTeam(ctx);
    const other = await createTeam(ctx);
    await fillTrash(team, 620, 'Jobby');
    await fillTrash(other, 3, 'Jobby');
    // 120 of them have their primary email taken by live contacts
    await ctx.services.contacts.createMany(
      systemActor(team.teamId),
      Array.from({ length: 120 }, (_, i) => ({ firstName: 'Taker', primaryEmail: `jobby${i}@fill.test` })),
    );
    const live = await liveIds(team);

    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'restore', filter: { q: 'jobby' } });
    expect(res.statusCode, res.body).toBe(202);
    const { jobId } = res.json();
    const queued = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(queued).toMatchObject({ kind: 'contacts.trash-bulk', status: 'queued', total: 620, processed: 0 });
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).statusCode).toBe(404);

    // progress is reported batch by batch; what GET /jobs/:id shows meanwhile is what was committed
    const seen: unknown[] = [];
    const handlers = jobHandlers(ctx.services);
    const watched = createJobRunner({
      db: ctx.db,
      log: () => {},
      handlers: {
        ...handlers,
        'contacts.trash-bulk': (c) =>
          handlers['contacts.trash-bulk']!({
            ...c,
            progress: async (processed, total) => {
              await c.progress(processed, total);
              const j = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
              seen.push({ processed: j.processed, total: j.total, status: j.status, restored: j.result.restored });
            },
          }),
      },
    });
    expect(await watched.runUntilIdle()).toBe(1);
    // (which 120 rows are skipped in which batch depends on the id order of rows made in one millisecond)
    expect(seen).toEqual([
      { processed: 500, total: 620, status: 'running', restored: expect.any(Number) },
      { processed: 620, total: 620, status: 'running', restored: 500 },
    ]);
    expect((seen[0] as { restored: number }).restored).toBeGreaterThanOrEqual(380);
    expect((seen[0] as { restored: number }).restored).toBeLessThan(500);

    const done = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', processed: 620, total: 620 });
    expect(done.result).toMatchObject({ affected: 500, restored: 500, purged: 0, notFound: 0, skippedCount: 120 });
    expect(done.result.skipped).toHaveLength(100);
    expect(done.result.skipped[0].reason).toMatch(/^Its primary email jobby\d+@fill\.test now belongs to “Taker”$/);
    expect(done.result.resume).toBeUndefined();
    expect((await trashIds(team)).length).toBe(120);
    expect((await liveIds(team)).length).toBe(live.length + 500);
    expect(await auditCount(team, 'restore')).toBe(500);
    expect((await trashIds(other)).length).toBe(3);

    // and "Empty trash" as a job erases the rest, ids given over 250 as well
    await fillTrash(team, 200, 'Second');
    const empty = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'purge', filter: {} });
    expect(empty.statusCode).toBe(202);
    await ctx.runJobs();
    const purged = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${empty.json().jobId}`)).json();
    expect(purged).toMatchObject({ status: 'succeeded', processed: 320, total: 320, result: { purged: 320, affected: 320 } });
    expect(await trashIds(team)).toEqual([]);
    expect((await trashIds(other)).length).toBe(3);
  });

  it('runs a job over more than 250 ids, and reaches only rows deleted before the request', async () => {
    const team = await createTeam(ctx);
    await fillTrash(team, 300, 'Idjob');
    const ids = await trashIds(team);
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'purge', ids: [...ids.slice(0, 280), crypto.randomUUID()] });
    expect(res.statusCode).toBe(202);
    const emptyAll = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'purge', filter: {} });
    expect(emptyAll.statusCode).toBe(202);
    // deleted after "Empty trash" was asked for: the job must leave it
    const late = await trashed(team, { firstName: 'Late' });
    await ctx.runJobs();
    const byIds = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${res.json().jobId}`)).json();
    expect(byIds).toMatchObject({ status: 'succeeded', processed: 281, total: 281 });
    // the two jobs may run side by side: each row is erased once, by one of them; the other finds it gone
    expect(byIds.result.purged + byIds.result.notFound).toBe(281);
    expect(byIds.result.notFound).toBeGreaterThanOrEqual(1);
    const all = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${emptyAll.json().jobId}`)).json();
    expect(all).toMatchObject({ status: 'succeeded' });
    expect(all.result.purged + byIds.result.purged).toBe(300);
    expect(await auditCount(team, 'purge')).toBe(300);
    expect(await trashIds(team)).toEqual([late.id]);
  });

  it('resumes a job another worker left half done, counting every row exactly once', async () => {
    const team = await createTeam(ctx);
    await fillTrash(team, 700, 'Resume');
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'restore', ids: await trashIds(team) });
    const { jobId } = res.json();
    // worker 1 claims the job, commits its first batch of 500, then dies
    const jobsRepo = createJobsRepo(ctx.db);
    const claimed = (await jobsRepo.claim(['contacts.trash-bulk'], 'worker-1', 30_000))!;
    const dying: JobContext = {
      job: claimed as JobRow,
      signal: new AbortController().signal,
      checkpoint: () => Promise.reject(new Error('this worker has died')),
      progress: async () => {
        throw new Error('worker died');
      },
    };
    await expect(ctx.services.contacts.runTrashBulkJob(dying)).rejects.toThrow('worker died');
    const half = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(half).toMatchObject({ status: 'running', processed: 500, result: { restored: 500 } });
    expect((await trashIds(team)).length).toBe(200);
    // its lease runs out; another worker takes the job over
    await sql`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = ${jobId}`.execute(ctx.db);
    expect(await ctx.runJobs()).toBe(1);
    const done = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', processed: 700, result: { restored: 700, affected: 700, notFound: 0 } });
    expect(await trashIds(team)).toEqual([]);
    expect(await auditCount(team, 'restore')).toBe(700);
  });

  it('keeps the counts of the batches done when a job is cancelled', async () => {
    const team = await createTeam(ctx);
    await fillTrash(team, 600, 'Cancel');
    const res = await call(ctx, team.ownerToken, 'POST', BULK, { action: 'purge', filter: { q: 'cancel' } });
    const { jobId } = res.json();
    const handlers = jobHandlers(ctx.services);
    const runner = createJobRunner({
      db: ctx.db,
      log: () => {},
      handlers: {
        'contacts.trash-bulk': async (c) => {
          // the person presses Cancel while the first batch commits
          expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/jobs/${jobId}/cancel`)).statusCode).toBe(200);
          return handlers['contacts.trash-bulk']!(c);
        },
      },
    });
    await runner.runUntilIdle();
    const job = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
    expect(job).toMatchObject({ status: 'cancelled', processed: 500, result: { purged: 500, affected: 500 } });
    expect((await trashIds(team)).length).toBe(100);
  });

  it('answers 400 with the field path for bad input, 403 without modifyContacts, and changes nothing', async () => {
    const team = await createTeam(ctx);
    const c = await trashed(team, { firstName: 'Untouched' });
    const bad = async (body: unknown, path: string) => {
      const res = await call(ctx, team.ownerToken, 'POST', BULK, body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION');
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
    };
    await bad({ action: 'explode', ids: [c.id] }, 'action');
    await bad({ action: 'purge', ids: [c.id, 'not-an-id'] }, 'ids.1');
    await bad({ action: 'purge', ids: [] }, 'ids');
    await bad({ action: 'purge', ids: [c.id], filter: {} }, 'filter');
    await bad({ action: 'purge' }, 'ids');
    await bad({ action: 'purge', filter: { status: 'all' } }, 'filter.status');
    await bad({ action: 'purge', filter: { q: 'x'.repeat(201) } }, 'filter.q');
    await bad({ action: 'restore', ids: [c.id], extra: 1 }, 'extra');

    const viewer = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    for (const body of [
      { action: 'purge', filter: {} },
      { action: 'restore', ids: [c.id] },
    ]) {
      const res = await call(ctx, viewer.token, 'POST', BULK, body);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toContain('Modify contacts');
    }
    expect(await trashIds(team)).toEqual([c.id]);
    expect((await call(ctx, null, 'POST', BULK, { action: 'purge', filter: {} })).statusCode).toBe(401);
  });
});
