// SQL of imports: the import rows with their lease and checkpoint, per-row outcomes, and the set-based
// reads of the contacts a batch targets (the writes go through the contact writer).
import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { ContactRow, ImportRowRecord } from '../db/schema.ts';

export type ImportRecord = ImportRowRecord;

export interface RowOutcome {
  rowNumber: number;
  action: 'create' | 'update' | 'unchanged' | 'fail';
  error: string | null;
  contactId: string | null;
  cells: string[];
}

export interface Counters {
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export function createImportsRepo(db: Executor) {
  /** How many contacts the planner's statistics count (0 before the table was ever analysed). */
  const plannedContacts = async (): Promise<number> => {
    const { rows } = await sql<{
      n: number;
    }>`SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'contacts'::regclass`.execute(db);
    return Number(rows[0]?.n ?? 0);
  };
  return {
    insert(row: Parameters<ReturnType<Executor['insertInto']>['values']>[0], tx: Executor = db) {
      return tx
        .insertInto('imports')
        .values(row as never)
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    find(teamId: string, id: string, tx: Executor = db) {
      return tx.selectFrom('imports').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    findById(id: string, tx: Executor = db) {
      return tx.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findActive(teamId: string, tx: Executor = db) {
      return tx
        .selectFrom('imports')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
    },
    findByIdempotencyKey(teamId: string, key: string, tx: Executor = db) {
      return tx.selectFrom('imports').selectAll().where('teamId', '=', teamId).where('idempotencyKey', '=', key).executeTakeFirst();
    },
    list(teamId: string, limit: number, tx: Executor = db) {
      return tx.selectFrom('imports').selectAll().where('teamId', '=', teamId).orderBy('createdAt', 'desc').limit(limit).execute();
    },

    /**
     * Marks the import running for the worker that holds its job (the job engine's lease token), whatever
     * worker held it before: the engine hands a job to one worker at a time, and this owner fences every
     * later write of the previous one. Undefined when the import is no longer queued or running.
     */
    async takeForJob(id: string, owner: string, leaseSeconds: number, tx: Executor = db): Promise<ImportRecord | undefined> {
      const r = await sql<ImportRecord>`
        UPDATE imports SET status = 'running', lease_owner = ${owner},
          lease_expires_at = now() + make_interval(secs => ${leaseSeconds}), attempts = attempts + 1,
          started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = ${id} AND status IN ('queued', 'running')
        RETURNING *`.execute(tx);
      return r.rows[0];
    },
    /** Renews the lease; false when another worker holds it now (this one must stop). */
    async renew(id: string, owner: string, leaseSeconds: number, tx: Executor = db): Promise<{ cancelRequested: boolean } | null> {
      const r = await tx
        .updateTable('imports')
        .set({ leaseExpiresAt: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .where('status', '=', 'running')
        .returning('cancelRequested')
        .executeTakeFirst();
      return r ?? null;
    },
    async setTotal(id: string, owner: string, total: number, tx: Executor = db) {
      await tx.updateTable('imports').set({ total }).where('id', '=', id).where('leaseOwner', '=', owner).execute();
    },
    /**
     * The checkpoint of a batch, in the batch's transaction: counters, the last row done, a renewed lease.
     * Fenced by the lease owner: a worker that lost its lease gets null and its transaction is rolled back.
     */
    plannedContacts,
    /** Fresh planner statistics for `contacts` (cached plans of the look-ups by key are made again); answers the rows counted. */
    async analyzeContacts(): Promise<number> {
      await sql`ANALYZE contacts`.execute(db);
      return plannedContacts();
    },
    async checkpoint(id: string, owner: string, add: Counters, lastRow: number, leaseSeconds: number, tx: Executor) {
      const r = await tx
        .updateTable('imports')
        .set({
          processed: sql<number>`processed + ${add.processed}`,
          created: sql<number>`created + ${add.created}`,
          updated: sql<number>`updated + ${add.updated}`,
          unchanged: sql<number>`unchanged + ${add.unchanged}`,
          failed: sql<number>`failed + ${add.failed}`,
          checkpointRow: lastRow,
          // progress: the worker deaths counted so far were not caused by this file
          attempts: 0,
          leaseExpiresAt: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
          updatedAt: sql<Date>`now()`,
        })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .where('status', '=', 'running')
        .returning(['cancelRequested', 'processed'])
        .executeTakeFirst();
      return r ?? null;
    },
    async finish(
      id: string,
      owner: string | null,
      status: 'succeeded' | 'failed' | 'cancelled',
      error: string | null,
      tx: Executor = db,
    ): Promise<boolean> {
      let q = tx
        .updateTable('imports')
        .set({ status, error, finishedAt: sql<Date>`now()`, updatedAt: sql<Date>`now()`, leaseOwner: null, leaseExpiresAt: null })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running']);
      if (owner) q = q.where('leaseOwner', '=', owner);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Gives the import back (shutdown): another worker may take it at once. */
    async release(id: string, owner: string, tx: Executor = db) {
      await tx
        .updateTable('imports')
        .set({ leaseOwner: null, leaseExpiresAt: sql<Date>`now()` })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .where('status', '=', 'running')
        .execute();
    },
    async requestCancel(teamId: string, id: string, tx: Executor = db) {
      // queued, or running with nobody holding it: cancelled at once; otherwise the worker stops after its batch
      await sql`
        UPDATE imports SET
          status = CASE WHEN status = 'queued' OR lease_expires_at IS NULL OR lease_expires_at < now() THEN 'cancelled' ELSE status END,
          finished_at = CASE WHEN status = 'queued' OR lease_expires_at IS NULL OR lease_expires_at < now() THEN now() ELSE finished_at END,
          lease_owner = CASE WHEN status = 'queued' OR lease_expires_at IS NULL OR lease_expires_at < now() THEN NULL ELSE lease_owner END,
          cancel_requested = true, updated_at = now()
        WHERE team_id = ${teamId} AND id = ${id} AND status IN ('queued', 'running')`.execute(tx);
    },

    /**
     * Takes one of the team's `max` preview slots for `ttlSeconds`; false when all are held. Run it in a
     * transaction: the advisory lock makes the count and the insert one step for the team's takers.
     */
    async takePreviewSlot(teamId: string, holder: string, max: number, ttlSeconds: number, tx: Executor): Promise<boolean> {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`import-preview:${teamId}`}, 0))`.execute(tx);
      await sql`DELETE FROM import_preview_slots WHERE team_id = ${teamId} AND expires_at < now()`.execute(tx);
      const r = await sql<{ holder: string }>`
        INSERT INTO import_preview_slots (holder, team_id, expires_at)
        SELECT ${holder}::uuid, ${teamId}::uuid, now() + make_interval(secs => ${ttlSeconds})
        WHERE (SELECT count(*) FROM import_preview_slots WHERE team_id = ${teamId}) < ${max}
        RETURNING holder`.execute(tx);
      return r.rows.length > 0;
    },
    async renewPreviewSlot(holder: string, ttlSeconds: number, tx: Executor = db) {
      await sql`UPDATE import_preview_slots SET expires_at = now() + make_interval(secs => ${ttlSeconds}) WHERE holder = ${holder}`.execute(
        tx,
      );
    },
    async releasePreviewSlot(holder: string, tx: Executor = db) {
      await sql`DELETE FROM import_preview_slots WHERE holder = ${holder}`.execute(tx);
    },

    async insertRowOutcomes(importId: string, rows: RowOutcome[], tx: Executor) {
      if (!rows.length) return;
      await sql`
        INSERT INTO import_rows (import_id, row_number, action, error, contact_id, cells)
        SELECT ${importId}::uuid, * FROM unnest(${rows.map((r) => r.rowNumber)}::int[], ${rows.map((r) => r.action)}::text[],
          ${rows.map((r) => r.error)}::text[], ${rows.map((r) => r.contactId)}::uuid[], ${rows.map((r) => JSON.stringify(r.cells))}::jsonb[])
        ON CONFLICT (import_id, row_number) DO NOTHING`.execute(tx);
    },
    listRows(importId: string, opts: { limit: number; offset: number; action?: string }, tx: Executor = db) {
      let q = tx.selectFrom('importRows').selectAll().where('importId', '=', importId);
      if (opts.action) q = q.where('action', '=', opts.action as RowOutcome['action']);
      return q.orderBy('rowNumber').limit(opts.limit).offset(opts.offset).execute();
    },
    async *failedRows(importId: string, tx: Executor = db) {
      let after = 0;
      for (;;) {
        const page = await tx
          .selectFrom('importRows')
          .select(['rowNumber', 'error', 'cells'])
          .where('importId', '=', importId)
          .where('action', '=', 'fail')
          .where('rowNumber', '>', after)
          .orderBy('rowNumber')
          .limit(1000)
          .execute();
        if (!page.length) return;
        yield* page;
        after = page.at(-1)!.rowNumber;
      }
    },

    /** The batch's contacts by id or primary email, locked for the batch's transaction. */
    async lockContacts(teamId: string, ids: string[], emails: string[], lock: boolean, tx: Executor): Promise<ContactRow[]> {
      if (!ids.length && !emails.length) return [];
      const r = await sql<ContactRow>`
        SELECT * FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NULL
          AND (id = ANY(${ids}::uuid[]) OR primary_email = ANY(${emails}::text[]))
        ORDER BY id ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx);
      return r.rows;
    },
  };
}
export type ImportsRepo = ReturnType<typeof createImportsRepo>;
