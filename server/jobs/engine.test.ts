// The job engine's promises, on the real database: poison jobs fail with a reason, a long periodic task
// does not delay sign-in codes, a shutdown hands the job back without counting it, checkpoints are fenced
// by the lease, singleton keys and schedules hold across runners.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { createContact, startLogin } from '../portal/portal-test-support.ts';
import { jobKinds, periodicTasks } from './handlers.ts';
import { postImport } from '../imports/import-test-utils.ts';
import { createJobsRepo } from './jobs.repo.ts';
import { createJobRunner, type JobHandler } from './runner.ts';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
  await sql`CREATE TABLE engine_items (job_id uuid NOT NULL, n integer NOT NULL, PRIMARY KEY (job_id, n))`.execute(ctx.db);
});
afterAll(() => ctx?.close());

const silent = () => {};
const root = path.resolve(import.meta.dirname, '../..');
const enqueue = (kind: string, total: number | null = null) =>
  ctx.services.jobs.enqueue({ actor: systemActor(team.teamId), kind, payload: {}, total });
const jobRow = (id: string) => ctx.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const until = async (what: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
};

/**
 * Writes items 0..total-1 of a job, `size` per batch, each batch and its checkpoint in one transaction,
 * resuming after the last checkpoint. `beforeCommit` runs inside each batch's transaction.
 */
function batchedHandler(size: number, opts: { beforeCommit?: (batch: number) => Promise<void> } = {}): JobHandler {
  return async (c) => {
    let next = (c.job.result as { next?: number } | null)?.next ?? 0;
    const total = c.job.total!;
    let batch = 0;
    while (next < total) {
      if (c.signal.aborted) throw c.signal.reason;
      const end = Math.min(total, next + size);
      await ctx.db.transaction().execute(async (tx) => {
        for (let n = next; n < end; n++) await sql`INSERT INTO engine_items (job_id, n) VALUES (${c.job.id}, ${n})`.execute(tx);
        await opts.beforeCommit?.(batch);
        await c.checkpoint(tx, { processed: end, result: { next: end } });
      });
      next = end;
      batch++;
    }
    return { next };
  };
}
const itemsOf = async (jobId: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM engine_items WHERE job_id = ${jobId}`.execute(ctx.db)).rows[0]!.n;

describe('job engine', () => {
  it('fails a job that ends its worker process every time, with the reason, after 3 lease expiries', async () => {
    const job = await enqueue('test.poison');
    let workers = 0;
    // real processes: each claims the job, whose handler kills it; the next one takes over once the lease runs out
    for (let i = 0; i < 8; i++) {
      if ((await jobRow(job.id)).status === 'failed') break;
      workers++;
      const child = spawn(process.execPath, ['bin/run-ts.mjs', 'server/jobs/fixtures/dying-worker.ts', ctx.url], {
        cwd: root,
        env: { ...process.env, TEST_LEASE_MS: '400', TEST_IDLE_EXIT_MS: '1500' },
        stdio: 'ignore',
      });
      const exit = await new Promise<NodeJS.Signals | number | null>((r) => child.once('exit', (code, signal) => r(signal ?? code)));
      // each worker either died of the job (SIGKILL) or, the last one, gave it up and ended normally
      if ((await jobRow(job.id)).status !== 'failed') expect(exit).toBe('SIGKILL');
      await new Promise((r) => setTimeout(r, 450)); // the dead worker's lease runs out
    }
    const row = await jobRow(job.id);
    expect(row.status).toBe('failed');
    expect(row.error).toBe(
      'The job stopped the worker 3 times (the process running it ended before the job finished); it is not tried again.',
    );
    // three workers died of it; the fourth gave it up without running it
    expect(workers).toBe(4);
    const shown = (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${job.id}`)).json();
    expect(shown).toMatchObject({ status: 'failed', error: row.error });
  }, 60_000);

  it('issues sign-in codes while a long periodic task runs', async () => {
    const c = await createContact(ctx, team);
    let release!: () => void;
    let longStarted = false;
    const longDone = new Promise<void>((r) => (release = r));
    const runner = createJobRunner({
      db: ctx.db,
      handlers: {},
      listenUrl: ctx.url,
      log: silent,
      periodic: [
        // a re-index that takes long, due at once and first in line
        {
          name: `test.long-reindex.${uid()}`,
          cron: '@every 1s',
          run: async () => {
            longStarted = true;
            await longDone;
          },
        },
        ...periodicTasks(ctx.services).filter((t) => t.name === 'portal.issue-codes'),
      ],
    });
    runner.start();
    try {
      expect(await until(async () => longStarted)).toBe(true);
      const start = await startLogin(ctx, team.slug, { email: c.primaryEmail });
      expect(start.statusCode).toBe(200);
      // the code is written (the built-in mailbox) within seconds, while the long task still runs (it never ends by itself)
      const mailed = await until(async () => {
        const m = await ctx.db.selectFrom('mailOutbox').select('id').where('toAddress', '=', c.primaryEmail).executeTakeFirst();
        return m !== undefined;
      }, 10_000);
      expect(mailed).toBe(true);
    } finally {
      release();
      await runner.stop();
    }
  });

  it('hands a job back on shutdown without counting an attempt, and another runner finishes it with exact counts', async () => {
    const job = await enqueue('test.shutdown', 40);
    let committed = 0;
    let stopNow!: () => void;
    const midway = new Promise<void>((r) => (stopNow = r));
    const a = createJobRunner({
      db: ctx.db,
      log: silent,
      handlers: {
        'test.shutdown': batchedHandler(10, {
          beforeCommit: async (b) => {
            committed = b + 1;
            if (b === 1) stopNow();
          },
        }),
      },
    });
    const running = a.runUntilIdle();
    await midway;
    await a.stop();
    await running;
    const handedBack = await jobRow(job.id);
    expect(handedBack).toMatchObject({ status: 'queued', attempts: 0, leaseExpiries: 0, error: null, leaseOwner: null });
    expect(handedBack.processed).toBeGreaterThanOrEqual(20);
    expect(handedBack.processed).toBeLessThan(40);
    expect(await itemsOf(job.id)).toBe(handedBack.processed);
    expect(committed).toBeLessThan(4);

    const b = createJobRunner({ db: ctx.db, log: silent, handlers: { 'test.shutdown': batchedHandler(10) } });
    expect(await b.runUntilIdle()).toBe(1);
    expect(await jobRow(job.id)).toMatchObject({ status: 'succeeded', processed: 40, attempts: 1 });
    expect(await itemsOf(job.id)).toBe(40);
  });

  it('rolls back the batch of a worker that lost its lease, and the new owner counts every item once', async () => {
    const job = await enqueue('test.fenced', 30);
    const repo = createJobsRepo(ctx.db);
    let resumed!: () => void;
    const takenOver = new Promise<void>((r) => (resumed = r));
    const slow = createJobRunner({
      db: ctx.db,
      log: silent,
      leaseMs: 60_000,
      handlers: {
        'test.fenced': batchedHandler(10, {
          beforeCommit: async (b) => {
            if (b !== 1) return;
            // the second batch stalls past its lease; another worker takes the job over meanwhile
            await sql`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = ${job.id}`.execute(ctx.db);
            const other = await repo.claim(['test.fenced'], 'other-worker', 60_000);
            expect(other?.id).toBe(job.id);
            resumed();
          },
        }),
      },
    });
    await slow.runUntilIdle();
    await takenOver;
    // the stalled batch did not commit: only the first batch is there
    expect(await itemsOf(job.id)).toBe(10);
    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: 'running', leaseOwner: 'other-worker', processed: 10, leaseExpiries: 1 });
    // the new owner dies too; a third worker finishes from the checkpoint
    await sql`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = ${job.id}`.execute(ctx.db);
    await createJobRunner({ db: ctx.db, log: silent, handlers: { 'test.fenced': batchedHandler(10) } }).runUntilIdle();
    expect(await jobRow(job.id)).toMatchObject({ status: 'succeeded', processed: 30 });
    expect(await itemsOf(job.id)).toBe(30);
  });

  it('retries a failed attempt after a backoff, then succeeds', async () => {
    const job = await enqueue('test.flaky');
    let tries = 0;
    const runner = createJobRunner({
      db: ctx.db,
      log: silent,
      handlers: {
        'test.flaky': {
          run: async () => {
            if (++tries === 1) throw new Error('the network blinked');
            return { ok: true };
          },
          backoffMs: () => 300,
        },
      },
    });
    await runner.runUntilIdle();
    const waiting = await jobRow(job.id);
    expect(waiting.status).toBe('queued');
    expect(waiting.runAt.getTime()).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, 350));
    await runner.runUntilIdle();
    expect(await jobRow(job.id)).toMatchObject({ status: 'succeeded', attempts: 2, result: { ok: true } });
  });

  it('never runs two jobs of one singleton key at once, across runners, and runs each once', async () => {
    const key = `sync:${uid()}`;
    const repo = createJobsRepo(ctx.db);
    const ids: string[] = [];
    // one queued per key: a second enqueue while one waits is the same run
    expect(
      await repo.insertSingleton({ id: crypto.randomUUID(), teamId: team.teamId, kind: 'test.single', payload: {}, singletonKey: key }),
    ).toBe(true);
    expect(
      await repo.insertSingleton({ id: crypto.randomUUID(), teamId: team.teamId, kind: 'test.single', payload: {}, singletonKey: key }),
    ).toBe(false);
    let inside = 0;
    let most = 0;
    const handler: JobHandler = async (c) => {
      ids.push(c.job.id);
      inside++;
      most = Math.max(most, inside);
      // while it runs, the next run is queued (allowed: one queued beside the running one)
      if (ids.length === 1) {
        await repo.insertSingleton({ id: crypto.randomUUID(), teamId: team.teamId, kind: 'test.single', payload: {}, singletonKey: key });
      }
      await new Promise((r) => setTimeout(r, 150));
      inside--;
    };
    const runners = [0, 1, 2].map(() => createJobRunner({ db: ctx.db, log: silent, concurrency: 4, handlers: { 'test.single': handler } }));
    for (let round = 0; round < 5; round++) await Promise.all(runners.map((r) => r.runUntilIdle()));
    expect(most).toBe(1);
    expect(ids.length).toBe(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('queues one job per due time of a stored schedule, whatever the number of runners', async () => {
    const name = `test.schedule.${uid()}`;
    const kind = `test.scheduled.${uid()}`;
    await ctx.services.jobs.schedule({ name, cron: '@every 1m', kind, teamId: team.teamId, payload: { connection: 'c1' } });
    await expect(ctx.services.jobs.schedule({ name, cron: 'every day', kind })).rejects.toMatchObject({ code: 'VALIDATION' });
    // due now
    await sql`UPDATE schedules SET next_run_at = now() - interval '1 second' WHERE name = ${name}`.execute(ctx.db);
    const payloads: unknown[] = [];
    const handlers = { [kind]: async (c: { job: { payload: unknown } }) => void payloads.push(c.job.payload) };
    const runners = [0, 1, 2].map(() => createJobRunner({ db: ctx.db, log: silent, handlers, pollMs: 60_000 }));
    for (const r of runners) r.start();
    try {
      expect(await until(async () => payloads.length === 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(payloads).toEqual([{ connection: 'c1' }]);
      const s = (await ctx.db.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirstOrThrow())!;
      expect(s.nextRunAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
    expect(await ctx.services.jobs.unschedule(name)).toBe(true);
  });

  it('runs a schedule created while the workers sleep at its first due time, not at their next poll', async () => {
    const kind = `test.fresh.${uid()}`;
    const ran: number[] = [];
    const runner = createJobRunner({
      db: ctx.db,
      log: silent,
      pollMs: 60_000,
      listenUrl: ctx.url,
      handlers: { [kind]: async () => void ran.push(Date.now()) },
    });
    runner.start();
    try {
      await new Promise((r) => setTimeout(r, 500)); // asleep until its next poll, a minute away
      const name = `test.fresh.${uid()}`;
      await ctx.services.jobs.schedule({ name, cron: '*/2 * * * * *', kind, singletonKey: name });
      expect(await until(async () => ran.length >= 2, 8000)).toBe(true);
      await ctx.services.jobs.unschedule(name);
    } finally {
      await runner.stop();
    }
  });

  it('hands an import back on shutdown without counting it, and another worker ends it with exact counts', async () => {
    const small = await createTestContext({ imports: { batchRows: 50 } });
    try {
      const t = await createTeam(small);
      const lines = Array.from({ length: 1000 }, (_, i) => `Row${i},handback${i}@example.com`);
      const res = await postImport(small, t.ownerToken, { name: 'h.csv', content: `firstName,primaryEmail\n${lines.join('\n')}\n` });
      expect(res.statusCode, res.body).toBe(202);
      const id = res.json().id as string;
      const imp = () => small.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const contacts = async () =>
        (
          await small.db
            .selectFrom('contacts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('teamId', '=', t.teamId)
            .executeTakeFirstOrThrow()
        ).n;

      const a = createJobRunner({ db: small.db, handlers: jobKinds(small.services), log: silent });
      a.start();
      expect(await until(async () => (await imp()).processed >= 100, 20_000)).toBe(true);
      await a.stop();
      const job = await small.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ status: 'queued', attempts: 0, leaseExpiries: 0, leaseOwner: null, error: null });
      const mid = await imp();
      expect(mid.processed).toBeLessThan(1000);
      expect(mid).toMatchObject({ created: mid.processed, leaseOwner: null });
      expect(await contacts()).toBe(mid.processed);

      const b = createJobRunner({ db: small.db, handlers: jobKinds(small.services), log: silent });
      expect(await b.runUntilIdle()).toBe(1);
      expect(await imp()).toMatchObject({ status: 'succeeded', processed: 1000, created: 1000, updated: 0, failed: 0 });
      expect(await contacts()).toBe(1000);
      expect((await small.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()).attempts).toBe(1);
    } finally {
      await small.close();
    }
  }, 120_000);
});
