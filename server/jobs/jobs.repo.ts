import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { JobRow } from '../db/schema.ts';

export function createJobsRepo(db: Executor) {
  return {
    insert(
      row: { id: string; teamId: string; kind: string; payload: unknown; total: number | null; createdBy: string | null; runAt?: Date },
      tx: Executor = db,
    ): Promise<JobRow> {
      return tx
        .insertInto('jobs')
        .values({ ...row, payload: JSON.stringify(row.payload ?? {}), runAt: row.runAt ?? sql<Date>`now()` })
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    find(teamId: string, id: string, tx: Executor = db): Promise<JobRow | undefined> {
      return tx.selectFrom('jobs').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    /**
     * Takes the next due job: a queued one, or a running one whose lease expired (its worker died).
     * SKIP LOCKED lets any number of workers poll at once without taking the same job.
     */
    async claim(kinds: string[], owner: string, leaseMs: number, tx: Executor = db): Promise<JobRow | undefined> {
      if (!kinds.length) return undefined;
      const { rows } = await sql<JobRow>`
        UPDATE jobs SET status = 'running', lease_owner = ${owner}, lease_until = now() + ${`${leaseMs} milliseconds`}::interval,
               attempts = attempts + 1, started_at = coalesce(started_at, now())
        WHERE id = (
          SELECT id FROM jobs
          WHERE kind = ANY(${kinds}::text[]) AND run_at <= now()
            AND (status = 'queued' OR (status = 'running' AND lease_until < now()))
          ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`.execute(tx);
      return rows[0];
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
    async checkpoint(id: string, owner: string, p: { processed: number; result: unknown }, tx: Executor = db): Promise<boolean> {
      const row = await tx
        .updateTable('jobs')
        // progress: the worker deaths counted so far were not caused by this job
        .set({ processed: p.processed, result: JSON.stringify(p.result), attempts: 0 })
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
    /** Gives a failed attempt back to the queue after a delay; `uncount`: the attempt did not count (shutdown). */
    retryLater(id: string, owner: string, delayMs: number, error: string, opts: { uncount?: boolean } = {}, tx: Executor = db) {
      return tx
        .updateTable('jobs')
        .set({
          status: 'queued',
          ...(opts.uncount ? { attempts: sql<number>`greatest(attempts - 1, 0)` } : {}),
          error,
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
    /** Runs a periodic task at most once per interval across all instances. */
    async claimPeriodic(name: string, everyMs: number, tx: Executor = db): Promise<boolean> {
      const { rows } = await sql<{ name: string }>`
        INSERT INTO periodic_runs (name, last_run_at) VALUES (${name}, now())
        ON CONFLICT (name) DO UPDATE SET last_run_at = now()
          WHERE periodic_runs.last_run_at <= now() - ${`${everyMs} milliseconds`}::interval
        RETURNING name`.execute(tx);
      return rows.length > 0;
    },
  };
}
export type JobsRepo = ReturnType<typeof createJobsRepo>;
