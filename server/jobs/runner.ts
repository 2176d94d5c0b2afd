// The job engine: one runner for every kind of background work — team jobs (bulk actions, exports,
// imports), mail delivery and the periodic tasks. A job is claimed with a lease whose token fences every
// later write of its worker (`ctx.checkpoint(tx, state)` commits with the batch it describes, or fails
// when the lease was lost). A worker that dies loses its lease after `leaseMs` and another takes the job
// over from its last checkpoint; a job whose lease ran out `maxLeaseExpiries` times in a row without a
// checkpoint (it most likely ends the process running it) fails with that reason. A shutdown hands the
// job back at once and does not count as an attempt. Errors are retried with backoff up to the kind's
// `maxAttempts`. Each kind has its own concurrency, so a long task never holds up another kind, and a
// singleton key keeps one queued and one running job per key. Schedules (cron-style) live in the
// schedules table: each due time is enqueued once across all instances. Workers sleep until NOTIFY says
// a job was queued, or until the next due job, expiring lease or schedule, with a slow poll as fallback.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Db, Executor } from '../db/client.ts';
import type { EngineJobRow, JobRow } from '../db/schema.ts';
import { nextRun, parseCron } from './cron.rules.ts';
import { createJobsRepo, JOBS_CHANNEL, listenForJobs, SCHEDULES_CHANGED } from './jobs.repo.ts';

export interface JobContext {
  job: JobRow;
  /** Aborted when the job is cancelled, its lease is lost or the runner stops. */
  signal: AbortSignal;
  /** Records progress and extends the lease; throws JobStopped when the job must stop. */
  progress(processed: number, total?: number | null): Promise<void>;
  /**
   * Saves the job's counts and state in `tx`, the transaction of the batch they describe, and extends the
   * lease. Fenced: throws JobStopped('lease-lost') when another worker holds the job now, so the batch rolls back.
   */
  checkpoint(tx: Executor, state: { processed: number; result?: unknown }): Promise<void>;
}
export type JobHandler = (ctx: JobContext) => Promise<unknown>;
export interface JobKind {
  run: JobHandler;
  /** Jobs of this kind one runner runs at once (default: the runner's `concurrency`). */
  concurrency?: number;
  maxAttempts?: number;
  /** Delay before the retry that follows failed attempt `attempt` (1, 2, …). */
  backoffMs?: (attempt: number) => number;
  /** The engine's own work (a periodic task, mail delivery): no team; a finished run leaves no row. */
  system?: boolean;
  /** Lease expiries in a row without a checkpoint after which a job of this kind fails (the runner's default: 3). */
  maxLeaseExpiries?: number;
  /** Called when the engine fails a job without running it (it ended its worker too often), to fail its domain row too. */
  onGiveUp?: (job: EngineJobRow, reason: string) => Promise<void>;
}
export interface PeriodicTask {
  name: string;
  /** When it runs: "@every 30s", "*\/10 * * * *"… (see cron.rules.ts). */
  cron: string;
  run(): Promise<void>;
}
export interface Schedule {
  name: string;
  cron: string;
  kind: string;
  payload?: Record<string, unknown>;
  teamId?: string | null;
  /** A due time whose previous run is still queued is not queued twice. */
  singletonKey?: string | null;
}

export class JobStopped extends Error {
  constructor(readonly reason: 'cancelled' | 'lease-lost' | 'shutdown') {
    super(`job stopped: ${reason}`);
  }
}

export interface RunnerOptions {
  db: Db;
  handlers: Record<string, JobHandler | JobKind>;
  /** Periodic tasks: each is a job kind of its own with a schedule named after it. */
  periodic?: PeriodicTask[];
  leaseMs?: number;
  /** The slow poll, when no NOTIFY arrives (default 30 s). */
  pollMs?: number;
  /** Default per-kind concurrency (2). */
  concurrency?: number;
  maxAttempts?: number;
  /** Lease expiries in a row (no checkpoint between them) after which a job fails (3). */
  maxLeaseExpiries?: number;
  /** A connection string to LISTEN on for wake-ups; without it the runner polls. */
  listenUrl?: string;
  log?: (msg: string, err?: unknown) => void;
}

const defaultBackoff = (attempt: number) => 1000 * 2 ** attempt;
/** Never look again sooner than this after a look, whatever the next due time says. */
const MIN_SLEEP_MS = 100;

export function createJobRunner(opts: RunnerOptions) {
  const { db } = opts;
  const leaseMs = opts.leaseMs ?? 30_000;
  const pollMs = opts.pollMs ?? 30_000;
  const maxAttempts = opts.maxAttempts ?? 3;
  const maxLeaseExpiries = opts.maxLeaseExpiries ?? 3;
  const log = opts.log ?? ((msg, err) => console.error(`[jobs] ${msg}`, err ?? ''));
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const repo = createJobsRepo(db);

  const kinds = new Map<
    string,
    Required<Pick<JobKind, 'run' | 'concurrency' | 'maxAttempts' | 'backoffMs' | 'maxLeaseExpiries'>> &
      Pick<JobKind, 'onGiveUp'> & { system: boolean }
  >();
  const addKind = (name: string, k: JobHandler | JobKind) => {
    const spec: JobKind = typeof k === 'function' ? { run: k } : k;
    kinds.set(name, {
      run: spec.run,
      concurrency: spec.concurrency ?? opts.concurrency ?? 2,
      maxAttempts: spec.maxAttempts ?? maxAttempts,
      maxLeaseExpiries: spec.maxLeaseExpiries ?? maxLeaseExpiries,
      backoffMs: spec.backoffMs ?? defaultBackoff,
      system: spec.system ?? false,
      onGiveUp: spec.onGiveUp,
    });
  };
  for (const [name, h] of Object.entries(opts.handlers)) addKind(name, h);
  const schedules: Schedule[] = [];
  for (const t of opts.periodic ?? []) {
    parseCron(t.cron); // a bad schedule stops the start, not the first run
    addKind(t.name, { run: () => t.run(), concurrency: 1, maxAttempts: 1, system: true });
    schedules.push({ name: t.name, cron: t.cron, kind: t.name, singletonKey: t.name });
  }
  const periodicKinds = schedules.map((s) => s.kind);

  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const runningByKind = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  let again = false;
  let listener: pg.Client | null = null;
  let started = false;
  /** The next schedule's due time as last read: schedules are not looked at before it (a new one wakes us by NOTIFY). */
  let nextScheduleAt = 0;

  async function execute(claimed: EngineJobRow): Promise<void> {
    // a team's job has its team; the engine's own kinds never read it
    const job = claimed as JobRow;
    const kind = kinds.get(job.kind)!;
    const token = job.leaseOwner!;
    if (job.leaseExpiries >= kind.maxLeaseExpiries) {
      // taken over after its lease ran out each time, with no checkpoint in between: the job itself most
      // likely ends the process running it (a crash, the heap limit)
      const times = job.leaseExpiries;
      const error = `The job stopped the worker ${times} times (the process running it ended before the job finished); it is not tried again.`;
      await repo.finish(job.id, token, { status: 'failed', error });
      await kind.onGiveUp?.(claimed, error);
      log(`${job.kind} ${job.id} given up after ${times} lease expiries`);
      return;
    }
    const ac = new AbortController();
    const onStop = () => ac.abort(new JobStopped('shutdown'));
    stopping.signal.addEventListener('abort', onStop);
    let stopped: JobStopped | null = null;
    const beat = async (p: { processed?: number; total?: number | null }) => {
      const r = await repo.heartbeat(job.id, token, leaseMs, p);
      if (!r.owned) stopped = new JobStopped('lease-lost');
      else if (r.cancelRequested) stopped = new JobStopped('cancelled');
      if (stopped) ac.abort(stopped);
    };
    // keep the lease while a handler works between progress reports
    const keepAlive = setInterval(() => void beat({}).catch(() => {}), Math.max(200, leaseMs / 3));
    try {
      const result = await kind.run({
        job,
        signal: ac.signal,
        progress: async (processed, total) => {
          await beat({ processed, ...(total !== undefined ? { total } : {}) });
          if (stopped) throw stopped;
          if (ac.signal.aborted) throw ac.signal.reason;
        },
        checkpoint: async (tx, state) => {
          if (!(await repo.checkpoint(job.id, token, { processed: state.processed, result: state.result ?? null, leaseMs }, tx))) {
            throw new JobStopped('lease-lost');
          }
        },
      });
      if (stopped && (stopped as JobStopped).reason === 'lease-lost') return;
      if (kind.system) await repo.deleteFinished(job.id, token);
      else await repo.finish(job.id, token, { status: 'succeeded', result: result ?? null });
    } catch (err) {
      const reason = err instanceof JobStopped ? err.reason : stopped ? (stopped as JobStopped).reason : null;
      if (reason === 'lease-lost') return; // another worker owns it now
      if (reason === 'shutdown') {
        // hand it back at once rather than waiting for the lease to expire; not an attempt
        await repo.retryLater(job.id, token, 0, null, { uncount: true }).catch(() => {});
        return;
      }
      if (reason === 'cancelled') {
        await repo.finish(job.id, token, { status: 'cancelled' });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      log(`${job.kind} ${job.id} failed (attempt ${job.attempts})`, err);
      if (kind.system) {
        // its schedule runs it again
        await repo.deleteFinished(job.id, token);
      } else if (job.attempts < kind.maxAttempts && !(err as { permanent?: boolean }).permanent) {
        await repo.retryLater(job.id, token, kind.backoffMs(job.attempts), message);
      } else {
        await repo.finish(job.id, token, { status: 'failed', error: message });
      }
    } finally {
      clearInterval(keepAlive);
      stopping.signal.removeEventListener('abort', onStop);
    }
  }

  const freeKinds = (only?: string[]) =>
    [...kinds].filter(([name, k]) => (runningByKind.get(name) ?? 0) < k.concurrency && (!only || only.includes(name))).map(([n]) => n);

  /** Claims and starts jobs while some kind has room; answers how many were started. */
  async function fill(only?: string[]): Promise<number> {
    let n = 0;
    while (!stopping.signal.aborted) {
      const free = freeKinds(only);
      if (!free.length) break;
      const job = await repo.claim(free, `${owner}:${randomUUID().slice(0, 8)}`, leaseMs);
      if (!job) break;
      n++;
      runningByKind.set(job.kind, (runningByKind.get(job.kind) ?? 0) + 1);
      const p = execute(job)
        .catch((err) => log(`runner error on ${job.id}`, err))
        .finally(() => {
          running.delete(p);
          runningByKind.set(job.kind, (runningByKind.get(job.kind) ?? 1) - 1);
          if (started) wake(); // a slot is free
        });
      running.add(p);
    }
    return n;
  }

  /** Queues the job of every due schedule, moving each to its next time in the same transaction. */
  async function fireSchedules(): Promise<number> {
    return db.transaction().execute(async (tx) => {
      const due = await repo.dueSchedules(50, tx);
      const now = new Date();
      for (const s of due) {
        let next: Date;
        try {
          next = nextRun(s.cron, now);
        } catch (err) {
          log(`schedule ${s.name} has a bad cron "${s.cron}"; looking again in an hour`, err);
          next = new Date(now.getTime() + 3_600_000);
        }
        await repo.moveSchedule(s.name, next, tx);
        await repo.insertSingleton(
          { id: randomUUID(), teamId: s.teamId, kind: s.kind, payload: s.payload, singletonKey: s.singletonKey },
          tx,
        );
      }
      return due.length;
    });
  }

  async function registerSchedules() {
    const now = new Date();
    for (const s of schedules) {
      await repo.upsertSchedule({
        name: s.name,
        cron: s.cron,
        kind: s.kind,
        payload: s.payload ?? {},
        teamId: s.teamId ?? null,
        singletonKey: s.singletonKey ?? null,
        nextRunAt: now,
      });
    }
  }

  function sleep(ms: number) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void tick();
    }, ms);
  }

  /** Looks for work now (a NOTIFY, a finished job, a test). */
  function wake() {
    if (stopping.signal.aborted) return;
    if (ticking) again = true;
    else sleep(0);
  }

  async function tick(): Promise<void> {
    if (ticking || stopping.signal.aborted) return;
    let resolve!: () => void;
    ticking = new Promise<void>((r) => (resolve = r));
    let wait = pollMs;
    try {
      do {
        again = false;
        if (Date.now() >= nextScheduleAt) {
          await fireSchedules();
          nextScheduleAt = 0;
        }
        await fill();
      } while (again && !stopping.signal.aborted);
      const next = await repo.nextWake(freeKinds());
      nextScheduleAt = next.schedule?.getTime() ?? Date.now() + pollMs;
      const at = Math.min(next.job?.getTime() ?? Infinity, nextScheduleAt);
      if (Number.isFinite(at)) wait = Math.min(pollMs, Math.max(MIN_SLEEP_MS, at - Date.now() + 20));
    } catch (err) {
      log('poll failed', err);
      wait = Math.min(pollMs, 5000);
    } finally {
      ticking = null;
      resolve();
    }
    if (stopping.signal.aborted) return;
    if (again) sleep(0);
    else sleep(wait);
  }

  async function listen(url: string) {
    if (stopping.signal.aborted) return;
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    client.on('notification', (n) => {
      if (n.channel !== JOBS_CHANNEL) return;
      if (n.payload === SCHEDULES_CHANGED) nextScheduleAt = 0;
      if (!n.payload || n.payload === SCHEDULES_CHANGED || kinds.has(n.payload)) wake();
    });
    client.on('end', () => {
      if (listener === client) listener = null;
      // the connection dropped: poll until it is back
      if (!stopping.signal.aborted) setTimeout(() => void listen(url).catch(() => {}), 2000).unref();
    });
    try {
      await client.connect();
      await listenForJobs(client);
      listener = client;
      wake(); // what was queued while not listening
    } catch (err) {
      log('LISTEN failed; polling', err);
      await client.end().catch(() => {});
    }
  }

  return {
    owner,
    start() {
      if (started) return;
      started = true;
      void registerSchedules()
        .catch((err) => log('could not register the schedules', err))
        .finally(() => wake());
      if (opts.listenUrl) void listen(opts.listenUrl);
    },
    wake,
    /** Stops claiming, interrupts running handlers (their jobs go back to the queue, not as an attempt) and waits for them. */
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      const l = listener;
      listener = null;
      await l?.end().catch(() => {});
      await ticking;
      await Promise.allSettled([...running]);
    },
    /** For tests and the CLI: runs due jobs until none is left (schedules are not fired). */
    async runUntilIdle(only?: string[]): Promise<number> {
      let total = 0;
      for (;;) {
        const n = await fill(only);
        total += n;
        if (running.size) await Promise.race(running);
        else if (n === 0) return total;
      }
    },
    /** For tests and the CLI: claims one due job (of `kinds`, or the job `id`), runs it to its end; its id, or null. */
    async runOne(only: string[] = [...kinds.keys()], id?: string): Promise<string | null> {
      const job = await repo.claim(only, `${owner}:${randomUUID().slice(0, 8)}`, leaseMs, db, id);
      if (!job) return null;
      runningByKind.set(job.kind, (runningByKind.get(job.kind) ?? 0) + 1);
      try {
        await execute(job);
      } finally {
        runningByKind.set(job.kind, (runningByKind.get(job.kind) ?? 1) - 1);
      }
      return job.id;
    },
    /** For tests: registers the periodic tasks' schedules, queues the due ones and runs them to their end. */
    async runPeriodic(): Promise<number> {
      await registerSchedules();
      await fireSchedules();
      return this.runUntilIdle(periodicKinds);
    },
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;
