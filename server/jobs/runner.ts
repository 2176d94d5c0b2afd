// The job runner: polls the jobs table, runs handlers under a lease, records progress. A worker that dies
// loses its lease after `leaseMs` and another worker takes the job over, so handlers must be idempotent
// (resume from what is already written). Periodic tasks run once per interval across all instances.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import type { JobRow } from '../db/schema.ts';
import { createJobsRepo } from './jobs.repo.ts';

export interface JobContext {
  job: JobRow;
  /** Aborted when the job is cancelled, its lease is lost or the runner stops. */
  signal: AbortSignal;
  /** Records progress and extends the lease; throws JobStopped when the job must stop. */
  progress(processed: number, total?: number | null): Promise<void>;
}
export type JobHandler = (ctx: JobContext) => Promise<unknown>;
export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

export class JobStopped extends Error {
  constructor(readonly reason: 'cancelled' | 'lease-lost' | 'shutdown') {
    super(`job stopped: ${reason}`);
  }
}

export interface RunnerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  periodic?: PeriodicTask[];
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  maxAttempts?: number;
  log?: (msg: string, err?: unknown) => void;
}

export function createJobRunner(opts: RunnerOptions) {
  const { db, handlers } = opts;
  const leaseMs = opts.leaseMs ?? 30_000;
  const pollMs = opts.pollMs ?? 500;
  const concurrency = opts.concurrency ?? 2;
  const maxAttempts = opts.maxAttempts ?? 3;
  const log = opts.log ?? ((msg, err) => console.error(`[jobs] ${msg}`, err ?? ''));
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const repo = createJobsRepo(db);
  const kinds = Object.keys(handlers);
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;

  async function execute(job: JobRow): Promise<void> {
    // claimed again after its lease ran out each time: the job itself most likely ends the process running it
    if (job.attempts > maxAttempts) {
      const times = job.attempts - 1;
      await repo.finish(job.id, owner, {
        status: 'failed',
        error: `The job stopped the worker ${times} times (the process running it ended before the job finished); it is not tried again.`,
      });
      log(`${job.kind} ${job.id} given up after ${times} attempts that ended the worker`);
      return;
    }
    const handler = handlers[job.kind]!;
    const ac = new AbortController();
    const onStop = () => ac.abort(new JobStopped('shutdown'));
    stopping.signal.addEventListener('abort', onStop);
    let stopped: JobStopped | null = null;
    const beat = async (p: { processed?: number; total?: number | null }) => {
      const r = await repo.heartbeat(job.id, owner, leaseMs, p);
      if (!r.owned) stopped = new JobStopped('lease-lost');
      else if (r.cancelRequested) stopped = new JobStopped('cancelled');
      if (stopped) ac.abort(stopped);
    };
    // keep the lease while a handler works between progress reports
    const keepAlive = setInterval(() => void beat({}).catch(() => {}), Math.max(1000, leaseMs / 3));
    try {
      const result = await handler({
        job,
        signal: ac.signal,
        progress: async (processed, total) => {
          await beat({ processed, ...(total !== undefined ? { total } : {}) });
          if (stopped) throw stopped;
          if (ac.signal.aborted) throw ac.signal.reason;
        },
      });
      if (stopped && (stopped as JobStopped).reason === 'lease-lost') return;
      await repo.finish(job.id, owner, { status: 'succeeded', result: result ?? null });
    } catch (err) {
      const reason = err instanceof JobStopped ? err.reason : stopped ? (stopped as JobStopped).reason : null;
      if (reason === 'lease-lost') return; // another worker owns it now
      if (reason === 'shutdown') {
        // hand it back at once rather than waiting for the lease to expire
        await repo.retryLater(job.id, owner, 0, 'interrupted by shutdown', { uncount: true }).catch(() => {});
        return;
      }
      if (reason === 'cancelled') {
        await repo.finish(job.id, owner, { status: 'cancelled' });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      log(`${job.kind} ${job.id} failed (attempt ${job.attempts})`, err);
      if (job.attempts < maxAttempts && !(err as { permanent?: boolean }).permanent) {
        await repo.retryLater(job.id, owner, 1000 * 2 ** job.attempts, message);
      } else {
        await repo.finish(job.id, owner, { status: 'failed', error: message });
      }
    } finally {
      clearInterval(keepAlive);
      stopping.signal.removeEventListener('abort', onStop);
    }
  }

  async function runPeriodic() {
    for (const task of opts.periodic ?? []) {
      if (stopping.signal.aborted) return;
      try {
        if (await repo.claimPeriodic(task.name, task.everyMs)) await task.run();
      } catch (err) {
        log(`periodic task ${task.name} failed`, err);
      }
    }
  }

  /** Claims and starts jobs while there is room; answers how many were started. */
  async function fill(): Promise<number> {
    let started = 0;
    while (running.size < concurrency && !stopping.signal.aborted) {
      const job = await repo.claim(kinds, owner, leaseMs);
      if (!job) break;
      started++;
      const p = execute(job)
        .catch((err) => log(`runner error on ${job.id}`, err))
        .finally(() => running.delete(p));
      running.add(p);
    }
    return started;
  }

  async function tick() {
    timer = null;
    try {
      await runPeriodic();
      await fill();
    } catch (err) {
      log('poll failed', err);
    }
    if (!stopping.signal.aborted) timer = setTimeout(() => void tick(), pollMs);
  }

  return {
    owner,
    start() {
      if (!timer) timer = setTimeout(() => void tick(), 0);
    },
    /** Stops polling, interrupts running handlers (their jobs go back to the queue) and waits for them. */
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
    /** For tests and the CLI: runs due jobs until none is left (periodic tasks are not run). */
    async runUntilIdle(): Promise<number> {
      let total = 0;
      for (;;) {
        const n = await fill();
        total += n;
        if (running.size) await Promise.race(running);
        else if (n === 0) return total;
      }
    },
    runPeriodic,
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;
