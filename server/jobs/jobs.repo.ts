import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { EngineJobRow, JobRow } from '../db/schema.ts';

/** The channel a worker LISTENs on: a NOTIFY names the kind of job that was queued. */
export const JOBS_CHANNEL = 'kdesk_jobs';

/** A wake of the job engine inside a caller's statement: a CTE queuing the job and an expression over it that
 *  NOTIFYs the workers (wakeSql). */
export interface WakeSql {
  insert: (onlyIf: RawBuilder<unknown>) => RawBuilder<unknown>;
  notify: (cte: string) => RawBuilder<unknown>;
}
/** The NOTIFY payload saying a schedule was created or changed (workers read the schedules again). */
export const SCHEDULES_CHANGED = '@schedules';

/** A job queued unless one of its singleton key is queued already. */
interface SingletonJob {
  id: string;
  teamId: string | null;
  kind: string;
  payload: unknown;
  singletonKey: string | null;
  runAt?: Date;
  createdBy?: string | null;
}

/** The INSERT of a singleton job (nothing when one of its key is queued; with `onlyIf`, only when that selects a
 *  row), RETURNING its id and kind. */
const singletonInsertSql = (row: SingletonJob, onlyIf?: RawBuilder<unknown>) => sql`
  INSERT INTO jobs (id, team_id, kind, payload, singleton_key, run_at, created_by)
  SELECT ${row.id}::uuid, ${row.teamId}::uuid, ${row.kind}::text, ${JSON.stringify(row.payload ?? {})}::jsonb, ${row.singletonKey}::text,
         coalesce(${row.runAt ?? null}::timestamptz, now()), ${row.createdBy ?? null}::uuid
  ${onlyIf ? sql`WHERE EXISTS (${onlyIf})` : sql``}
  ON CONFLICT (singleton_key) WHERE status = 'queued' DO NOTHING
  RETURNING id, kind`;

export function createJobsRepo(db: Executor) {
  return {
    insert(
      row: {
        id: string;
        teamId: string;
        kind: string;
        payload: unknown;
        total: number | null;
        createdBy: string | null;
        runAt?: Date;
        singletonKey?: string | null;
      },
      tx: Executor = db,
    ): Promise<JobRow> {
      return tx
        .insertInto('jobs')
        .values({ ...row, payload: JSON.stringify(row.payload ?? {}), runAt: row.runAt ?? sql<Date>`now()` })
        .returningAll()
        .executeTakeFirstOrThrow() as Promise<JobRow>;
    },
    /**
     * Queues a job unless one of the same singleton key is already queued (that one will do the work),
     * and wakes the workers when the transaction commits. Answers whether a job was queued.
     */
    async insertSingleton(row: SingletonJob, tx: Executor = db): Promise<boolean> {
      const { rows } = await sql<{ id: string }>`
        WITH ins AS (${singletonInsertSql(row)})
        SELECT id, pg_notify(${JOBS_CHANNEL}, kind) FROM ins`.execute(tx);
      return rows.length > 0;
    },
    /**
     * `insertSingleton` of the engine's own work of `kind` (no team, no payload) as parts of the caller's statement:
     * `insert`, a CTE queuing it when `onlyIf` selects a row and none is queued yet, and `notify`, an expression
     * over that CTE that wakes the workers when the statement commits. Saves the caller a round trip.
     */
    wakeSql(id: string, kind: string): WakeSql {
      return {
        insert: (onlyIf) => singletonInsertSql({ id, teamId: null, kind, payload: {}, singletonKey: kind }, onlyIf),
        notify: (cte) => sql`(SELECT count(pg_notify(${JOBS_CHANNEL}, kind)) FROM ${sql.raw(cte)})`,
      };
    },
    /** Wakes the workers (on commit when in a transaction): a job of `kind` was queued. */
    async notify(kind: string, tx: Executor = db): Promise<void> {
      await sql`SELECT pg_notify(${JOBS_CHANNEL}, ${kind})`.execute(tx);
    },
    find(teamId: string, id: string, tx: Executor = db): Promise<JobRow | undefined> {
      return tx.selectFrom('jobs').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst() as Promise<
        JobRow | undefined
      >;
    },
    /**
     * Takes the next due job of one of `kinds`: a queued one, or a running one whose lease expired (its
     * worker died; counted in lease_expiries). SKIP LOCKED lets any number of workers claim at once
     * without taking the same job; a job whose singleton key has a running job waits for it (a unique
     * index makes that hold even when two workers race: the loser's claim fails and it tries again).
     * `token` is this claim's lease: every later write of the worker is fenced by it.
     */
    async claim(kinds: string[], token: string, leaseMs: number, tx: Executor = db, onlyId?: string): Promise<EngineJobRow | undefined> {
      if (!kinds.length) return undefined;
      try {
        const { rows } = await sql<EngineJobRow>`
          UPDATE jobs SET status = 'running', lease_owner = ${token}, lease_until = now() + ${`${leaseMs} milliseconds`}::interval,
                 attempts = attempts + 1, started_at = coalesce(started_at, now()),
                 lease_expiries = lease_expiries + CASE WHEN status = 'running' THEN 1 ELSE 0 END
          WHERE id = (
            SELECT j.id FROM jobs j
            WHERE j.kind = ANY(${kinds}::text[]) AND j.run_at <= now()
              AND (j.status = 'queued' OR (j.status = 'running' AND j.lease_until < now()))
              AND (j.singleton_key IS NULL OR j.status = 'running' OR NOT EXISTS (
                SELECT 1 FROM jobs r WHERE r.singleton_key = j.singleton_key AND r.status = 'running'))
              ${onlyId ? sql`AND j.id = ${onlyId}` : sql``}
            ORDER BY j.run_at LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING *`.execute(tx);
        return rows[0];
      } catch (err) {
        if ((err as { code?: string }).code === '23505') return undefined; // another worker started its twin
        throw err;
      }
    },
    /** When a worker should look again without being woken: the next due job or expiring lease, and the next schedule. */
    async nextWake(kinds: string[], tx: Executor = db): Promise<{ job: Date | null; schedule: Date | null }> {
      const { rows } = await sql<{ job: Date | null; schedule: Date | null }>`
        SELECT least(
          (SELECT min(run_at) FROM jobs WHERE status = 'queued' AND kind = ANY(${kinds}::text[])),
          (SELECT min(lease_until) FROM jobs WHERE status = 'running' AND kind = ANY(${kinds}::text[]))) AS job,
          (SELECT min(next_run_at) FROM schedules) AS schedule`.execute(tx);
      return rows[0] ?? { job: null, schedule: null };
    },
    /** Records progress and extends the lease; answers whether the job is still ours and not cancelled. */
    async heartbeat(id: string, owner: string, leaseMs: number, p: { processed?: number; total?: number | null }, tx: Executor = db) {
      const row = await tx
        .updateTable('jobs')
        .set({
          ...(p.processed !== undefined ? { processed: p.processed } : {}),
          ...(p.total !== undefined ? { total: p.total } : {}),
          leaseUntil: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`,
        })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .where('status', '=', 'running')
        .returning(['cancelRequested'])
        .executeTakeFirst();
      return row ? { owned: true, cancelRequested: row.cancelRequested } : { owned: false, cancelRequested: false };
    },
    /**
     * Saves a handler's progress and partial result in the handler's own transaction, so what a batch
     * wrote and the counts that say so commit together. Fenced by the lease: answers false when the job
     * is no longer this worker's (the caller must then roll back).
     */
    async checkpoint(
      id: string,
      owner: string,
      p: { processed: number; result: unknown; leaseMs?: number },
      tx: Executor = db,
    ): Promise<boolean> {
      const row = await tx
        .updateTable('jobs')
        .set({
          processed: p.processed,
          result: JSON.stringify(p.result),
          // progress: the worker deaths counted so far were not caused by this job
          leaseExpiries: 0,
          ...(p.leaseMs ? { leaseUntil: sql<Date>`now() + ${`${p.leaseMs} milliseconds`}::interval` } : {}),
        })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .where('status', '=', 'running')
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
    finish(
      id: string,
      owner: string,
      outcome: { status: 'succeeded' | 'failed' | 'cancelled'; result?: unknown; error?: string | null; processed?: number },
      tx: Executor = db,
    ) {
      return tx
        .updateTable('jobs')
        .set({
          status: outcome.status,
          // a cancelled or failed job keeps the partial result its handler checkpointed, if any
          ...(outcome.result !== undefined ? { result: JSON.stringify(outcome.result) } : {}),
          error: outcome.error ?? null,
          ...(outcome.processed !== undefined ? { processed: outcome.processed } : {}),
          finishedAt: sql<Date>`now()`,
          leaseOwner: null,
          leaseUntil: null,
        })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .executeTakeFirst();
    },
    /**
     * Gives a job back to the queue after a delay. `uncount`: the attempt did not count (shutdown hand-back:
     * neither an attempt nor a lease expiry, and the error of the last real attempt stays).
     */
    retryLater(id: string, owner: string, delayMs: number, error: string | null, opts: { uncount?: boolean } = {}, tx: Executor = db) {
      return tx
        .updateTable('jobs')
        .set({
          status: 'queued',
          ...(opts.uncount ? { attempts: sql<number>`greatest(attempts - 1, 0)` } : { error }),
          runAt: sql<Date>`now() + ${`${delayMs} milliseconds`}::interval`,
          leaseOwner: null,
          leaseUntil: null,
        })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .executeTakeFirst();
    },
    /** A queued job is cancelled at once; a running one is asked to stop at its next progress report. */
    async requestCancel(teamId: string, id: string, tx: Executor = db): Promise<JobRow | undefined> {
      // a queued job may carry the error of an attempt that will not be retried now
      const { rows } = await sql<JobRow>`
        UPDATE jobs SET cancel_requested = true,
               status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
               error = CASE WHEN status = 'queued' THEN NULL ELSE error END,
               finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END
        WHERE team_id = ${teamId} AND id = ${id} RETURNING *`.execute(tx);
      return rows[0];
    },
    async cancelQueued(teamId: string, id: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('jobs')
        .set({ status: 'cancelled', cancelRequested: true, finishedAt: sql<Date>`now()` })
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .execute();
    },
    /** Cancels the queued jobs a member started (the member is being removed), saying why. */
    async cancelQueuedOf(teamId: string, memberId: string, reason: string, tx: Executor = db): Promise<number> {
      const r = await tx
        .updateTable('jobs')
        .set({ status: 'cancelled', cancelRequested: true, error: reason, finishedAt: sql<Date>`now()` })
        .where('teamId', '=', teamId)
        .where('createdBy', '=', memberId)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    /**
     * The member a job acts for, as it is now. FOR SHARE: a removal or a change of permissions waits
     * for the batch that read it to commit, so no batch commits after the member lost the right.
     */
    memberForJob(teamId: string, memberId: string, tx: Executor = db) {
      return tx
        .selectFrom('members')
        .select(['id', 'role', 'modifyContacts', 'importContacts', 'exportContacts', 'deactivatedAt'])
        .where('teamId', '=', teamId)
        .where('id', '=', memberId)
        .forShare()
        .executeTakeFirst();
    },
    /** Deletes a finished job of the engine's own work (a periodic task's run): nobody reads it later. */
    async deleteFinished(id: string, owner: string, tx: Executor = db) {
      await tx.deleteFrom('jobs').where('id', '=', id).where('leaseOwner', '=', owner).where('teamId', 'is', null).execute();
    },

    /** Creates or updates a schedule; a new one, or one whose cron changed, is next due at `nextRunAt`. */
    async upsertSchedule(
      s: {
        name: string;
        cron: string;
        kind: string;
        payload: unknown;
        teamId: string | null;
        singletonKey: string | null;
        nextRunAt: Date;
      },
      tx: Executor = db,
    ) {
      await sql`
        INSERT INTO schedules (name, cron, kind, payload, team_id, singleton_key, next_run_at)
        VALUES (${s.name}, ${s.cron}, ${s.kind}, ${JSON.stringify(s.payload ?? {})}::jsonb, ${s.teamId}, ${s.singletonKey}, ${s.nextRunAt})
        ON CONFLICT (name) DO UPDATE SET
          kind = excluded.kind, payload = excluded.payload, team_id = excluded.team_id, singleton_key = excluded.singleton_key,
          next_run_at = CASE WHEN schedules.cron = excluded.cron THEN schedules.next_run_at ELSE excluded.next_run_at END,
          cron = excluded.cron, updated_at = now()
        WHERE (schedules.cron, schedules.kind, schedules.payload, schedules.team_id, schedules.singleton_key)
          IS DISTINCT FROM (excluded.cron, excluded.kind, excluded.payload, excluded.team_id, excluded.singleton_key)`.execute(tx);
    },
    async deleteSchedule(name: string, tx: Executor = db): Promise<boolean> {
      const r = await tx.deleteFrom('schedules').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    findSchedule(name: string, tx: Executor = db) {
      return tx.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirst();
    },
    /**
     * The due schedules, locked (run in a transaction): the caller moves each one's next_run_at and
     * queues its job in the same transaction, so a due time is enqueued once across all instances.
     */
    dueSchedules(limit: number, tx: Executor) {
      return tx
        .selectFrom('schedules')
        .selectAll()
        .where('nextRunAt', '<=', sql<Date>`now()`)
        .orderBy('nextRunAt')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
    },
    async moveSchedule(name: string, nextRunAt: Date, tx: Executor) {
      await tx
        .updateTable('schedules')
        .set({ nextRunAt, updatedAt: sql<Date>`now()` })
        .where('name', '=', name)
        .execute();
    },
  };
}
export type JobsRepo = ReturnType<typeof createJobsRepo>;

/** Subscribes a dedicated connection to the engine's wake-up channel. */
export async function listenForJobs(client: { query(text: string): Promise<unknown> }) {
  await client.query(`LISTEN ${JOBS_CHANNEL}`);
}
