import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { createJobsRepo } from './jobs.repo.ts';
import { createJobRunner, type JobHandler } from './runner.ts';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

const silent = () => {};
const enqueue = (kind: string, payload: Record<string, unknown> = {}) =>
  ctx.services.jobs.enqueue({ actor: systemActor(team.teamId), kind, payload, total: 3 });
const status = async (id: string) => (await call(ctx, team.ownerToken, 'GET', `/api/v1/jobs/${id}`)).json();

describe('job runner', () => {
  it('records progress and the result of a job', async () => {
    const job = await enqueue('test.count');
    const handlers: Record<string, JobHandler> = {
      'test.count': async ({ progress }) => {
        for (let i = 1; i <= 3; i++) await progress(i);
        return { counted: 3 };
      },
    };
    expect(await createJobRunner({ db: ctx.db, handlers, log: silent }).runUntilIdle()).toBe(1);
    expect(await status(job.id)).toMatchObject({ status: 'succeeded', processed: 3, total: 3, result: { counted: 3 } });
  });

  it('takes over a job whose worker died once its lease expires, and finishes it once', async () => {
    const job = await enqueue('test.resume');
    // a worker claims the job and dies without a word: it never reports progress nor finishes
    const claimed = await createJobsRepo(ctx.db).claim(['test.resume'], 'dead-worker', 50);
    expect(claimed?.id).toBe(job.id);
    const runs: string[] = [];
    const handlers: Record<string, JobHandler> = { 'test.resume': async (c) => void runs.push(c.job.id) };
    const runner = createJobRunner({ db: ctx.db, handlers, log: silent });
    // before the lease expires nobody else takes it
    expect(await runner.runUntilIdle()).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(await runner.runUntilIdle()).toBe(1);
    expect(runs).toEqual([job.id]);
    expect(await status(job.id)).toMatchObject({ status: 'succeeded' });
    const row = await ctx.db.selectFrom('jobs').select(['attempts']).where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(row.attempts).toBe(2);
  });

  it('fails a job that ended its worker every time it ran, instead of taking it over forever', async () => {
    const job = await enqueue('test.crash');
    const repo = createJobsRepo(ctx.db);
    // three workers in a row claim it and die (the lease runs out without a word from them)
    for (let i = 0; i < 3; i++) {
      expect((await repo.claim(['test.crash'], `dead-worker-${i}`, 60_000))?.id).toBe(job.id);
      await sql`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = ${job.id}`.execute(ctx.db);
    }
    let runs = 0;
    const handlers: Record<string, JobHandler> = { 'test.crash': async () => void runs++ };
    await createJobRunner({ db: ctx.db, handlers, log: silent, maxAttempts: 3 }).runUntilIdle();
    expect(runs).toBe(0);
    const after = await status(job.id);
    expect(after.status).toBe('failed');
    expect(after.error).toContain('The job stopped the worker 3 times');
  });

  it('does not count a shutdown against the job', async () => {
    const job = await enqueue('test.shutdown');
    let started: () => void = () => {};
    const handlers: Record<string, JobHandler> = {
      'test.shutdown': async ({ signal }) => {
        started();
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
    };
    // four deploys in a row while it runs
    for (let i = 0; i < 4; i++) {
      const running = new Promise<void>((r) => (started = r));
      const runner = createJobRunner({ db: ctx.db, handlers, log: silent, maxAttempts: 3, pollMs: 10 });
      runner.start();
      await running;
      await runner.stop();
    }
    expect(await status(job.id)).toMatchObject({ status: 'queued' });
    await sql`UPDATE jobs SET status = 'cancelled' WHERE id = ${job.id}`.execute(ctx.db);
  });

  it('stops a running job that is cancelled, and never starts a cancelled queued one', async () => {
    const queued = await enqueue('test.never');
    expect((await call(ctx, team.ownerToken, 'POST', `/api/v1/jobs/${queued.id}/cancel`)).json().status).toBe('cancelled');

    const running = await enqueue('test.loop');
    let steps = 0;
    const handlers: Record<string, JobHandler> = {
      'test.never': async () => {
        throw new Error('must not run');
      },
      'test.loop': async ({ progress }) => {
        for (;;) {
          steps++;
          if (steps === 3) await call(ctx, team.ownerToken, 'POST', `/api/v1/jobs/${running.id}/cancel`);
          await progress(steps);
        }
      },
    };
    await createJobRunner({ db: ctx.db, handlers, log: silent }).runUntilIdle();
    expect(steps).toBe(3);
    expect(await status(running.id)).toMatchObject({ status: 'cancelled', processed: 3 });
    expect(await status(queued.id)).toMatchObject({ status: 'cancelled' });
  });

  it('retries a failing job with a delay, then marks it failed with the error', async () => {
    const job = await enqueue('test.fail');
    let attempts = 0;
    const handlers: Record<string, JobHandler> = {
      'test.fail': async () => {
        attempts++;
        throw new Error('the disk is on fire');
      },
    };
    const runner = createJobRunner({ db: ctx.db, handlers, log: silent, maxAttempts: 2 });
    await runner.runUntilIdle();
    expect(attempts).toBe(1);
    expect(await status(job.id)).toMatchObject({ status: 'queued', error: null });
    await sql`UPDATE jobs SET run_at = now() WHERE id = ${job.id}`.execute(ctx.db);
    await runner.runUntilIdle();
    expect(attempts).toBe(2);
    expect(await status(job.id)).toMatchObject({ status: 'failed', error: 'the disk is on fire' });
  });

  it('runs a periodic task once per interval across instances', async () => {
    let runs = 0;
    const periodic = [{ name: `test.tick.${team.teamId}`, cron: '@every 1m', run: async () => void runs++ }];
    const a = createJobRunner({ db: ctx.db, handlers: {}, periodic, log: silent });
    const b = createJobRunner({ db: ctx.db, handlers: {}, periodic, log: silent });
    await Promise.all([a.runPeriodic(), b.runPeriodic(), a.runPeriodic()]);
    expect(runs).toBe(1);
  });

  it("answers 404 for another team's job", async () => {
    const job = await enqueue('test.private');
    const other = await createTeam(ctx);
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/jobs/${job.id}`)).statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'POST', `/api/v1/jobs/${job.id}/cancel`)).statusCode).toBe(404);
    expect((await status(job.id)).status).toBe('queued');
    await sql`UPDATE jobs SET status = 'cancelled' WHERE id = ${job.id}`.execute(ctx.db);
  });
});
