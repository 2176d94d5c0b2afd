// SQL of Contact Sync runs: the run rows with their counts and resumable state, the per-person entries
// (one per person in scope and run: the unique (run_id, sync_id) is what counts each person once, also
// across a take-over), the directory's DN/manager of each synced person, and the set-based reads of the
// contacts a batch targets. Contacts are written by the contact writer only.
import { sql } from 'kysely';
import type { Executor, Tx } from '../db/client.ts';
import type { ContactRow } from '../db/schema.ts';
import type { SyncCounts } from './sync-run.rules.ts';

export interface SyncRunRow {
  id: string;
  teamId: string;
  connectionId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'needs_confirmation';
  fullRun: boolean;
  dryRun: boolean;
  trigger: string;
  requestedBy: string | null;
  jobId: string | null;
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  conflicts: number;
  failed: number;
  seen: number;
  toDeactivate: number | null;
  watermarkFrom: unknown;
  watermarkTo: unknown;
  state: RunState;
  error: string | null;
  confirmedBy: string | null;
  confirmedAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Where a run is: reading the directory, resolving reports-to, deactivating those who left, done. */
export interface RunState {
  phase?: 'read' | 'reports' | 'deactivate';
  /** The actor who asked for the run (a member, or the schedule). */
  actor?: object | null;
  /** The reports-to pass goes on after this sync id; the deactivation after this contact id. */
  after?: string | null;
  /** Milliseconds each phase took (read, reportsTo, deactivate). */
  timings?: Record<string, number>;
  /** The watermark the read will leave (saved when the run succeeds). */
  nextWatermark?: unknown;
}

export interface EntryInsert {
  syncId: string;
  dn: string | null;
  outcome: 'created' | 'updated' | 'unchanged' | 'deactivated' | 'conflict' | 'failed';
  contactId: string | null;
  name: string | null;
  email: string | null;
  reason: string | null;
  changes: unknown;
}

export interface PersonInsert {
  syncId: string;
  dnKey: string;
  managerKey: string | null;
  managerIsDn: boolean;
  /** What the directory said of the person, with the mapping that read it (null: never recognised as unchanged). */
  fingerprint: string | null;
  /** The person's contact after the batch's writes. */
  contactId: string | null;
}

export interface ReportsToRow {
  contactId: string;
  syncId: string;
  managerKey: string | null;
  reportsToContactId: string | null;
  reportsToSyncId: string | null;
  managerContactId: string | null;
  managerSyncId: string | null;
}

const RUN_COLUMNS = sql`id, team_id, connection_id, status, full_run, dry_run, trigger, requested_by, job_id, created, updated,
  unchanged, deactivated, conflicts, failed, seen, to_deactivate, watermark_from, watermark_to, state, error, confirmed_by,
  confirmed_at, created_at, started_at, finished_at`;

export function createSyncRunRepo(db: Executor) {
  return {
    async insertRun(
      r: {
        id: string;
        teamId: string;
        connectionId: string;
        fullRun: boolean;
        dryRun: boolean;
        trigger: string;
        requestedBy: string | null;
        state: RunState;
      },
      tx: Executor = db,
    ): Promise<SyncRunRow> {
      const { rows } = await sql<SyncRunRow>`
        INSERT INTO sync_runs (id, team_id, connection_id, full_run, dry_run, trigger, requested_by, job_id, state, created_at)
        VALUES (${r.id}, ${r.teamId}, ${r.connectionId}, ${r.fullRun}, ${r.dryRun}, ${r.trigger}, ${r.requestedBy}, ${r.id},
                ${JSON.stringify(r.state)}::jsonb, now())
        RETURNING ${RUN_COLUMNS}`.execute(tx);
      return rows[0]!;
    },
    async findRun(teamId: string, id: string, tx: Executor = db, lock = false): Promise<SyncRunRow | undefined> {
      const { rows } = await sql<SyncRunRow>`
        SELECT ${RUN_COLUMNS} FROM sync_runs WHERE team_id = ${teamId} AND id = ${id} ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx);
      return rows[0];
    },
    /** The run waiting to start for a connection (its job holds the connection's singleton key). */
    async findQueuedRun(teamId: string, connectionId: string, tx: Executor = db): Promise<SyncRunRow | undefined> {
      const { rows } = await sql<SyncRunRow>`
        SELECT ${RUN_COLUMNS} FROM sync_runs WHERE team_id = ${teamId} AND connection_id = ${connectionId} AND status = 'queued'
        ORDER BY id DESC LIMIT 1`.execute(tx);
      return rows[0];
    },
    /** A connection's runs, newest first; `beforeId` is the keyset cursor. */
    async listRuns(
      teamId: string,
      connectionId: string,
      o: { limit: number; beforeId?: string },
      tx: Executor = db,
    ): Promise<SyncRunRow[]> {
      const { rows } = await sql<SyncRunRow>`
        SELECT ${RUN_COLUMNS} FROM sync_runs WHERE team_id = ${teamId} AND connection_id = ${connectionId}
          ${o.beforeId ? sql`AND id < ${o.beforeId}` : sql``}
        ORDER BY id DESC LIMIT ${o.limit}`.execute(tx);
      return rows;
    },
    /** Moves a run to `status` (and the other columns given); answers the row. */
    async setRun(
      id: string,
      p: {
        status?: SyncRunRow['status'];
        error?: string | null;
        state?: RunState;
        started?: boolean;
        finished?: boolean;
        toDeactivate?: number | null;
        watermarkFrom?: unknown;
        watermarkTo?: unknown;
        confirmedBy?: string | null;
      },
      tx: Executor = db,
    ): Promise<SyncRunRow | undefined> {
      const { rows } = await sql<SyncRunRow>`
        UPDATE sync_runs SET
          status = coalesce(${p.status ?? null}, status),
          error = ${p.error === undefined ? sql`error` : sql`${p.error}`},
          state = ${p.state === undefined ? sql`state` : sql`${JSON.stringify(p.state)}::jsonb`},
          started_at = ${p.started ? sql`coalesce(started_at, now())` : sql`started_at`},
          finished_at = ${p.finished ? sql`now()` : sql`finished_at`},
          to_deactivate = ${p.toDeactivate === undefined ? sql`to_deactivate` : sql`${p.toDeactivate}`},
          watermark_from = ${p.watermarkFrom === undefined ? sql`watermark_from` : sql`${JSON.stringify(p.watermarkFrom)}::jsonb`},
          watermark_to = ${p.watermarkTo === undefined ? sql`watermark_to` : sql`${JSON.stringify(p.watermarkTo)}::jsonb`},
          confirmed_by = ${p.confirmedBy === undefined ? sql`confirmed_by` : sql`${p.confirmedBy}`},
          confirmed_at = ${p.confirmedBy === undefined ? sql`confirmed_at` : sql`now()`}
        WHERE id = ${id}
        RETURNING ${RUN_COLUMNS}`.execute(tx);
      return rows[0];
    },
    /** Adds a batch's counts (and the people it read) to the run, with its state, in the batch's transaction. */
    async addCounts(id: string, c: Partial<SyncCounts>, seen: number, state: RunState | undefined, tx: Executor): Promise<SyncRunRow> {
      const { rows } = await sql<SyncRunRow>`
        UPDATE sync_runs SET created = created + ${c.created ?? 0}, updated = updated + ${c.updated ?? 0},
          unchanged = unchanged + ${c.unchanged ?? 0}, deactivated = deactivated + ${c.deactivated ?? 0},
          conflicts = conflicts + ${c.conflicts ?? 0}, failed = failed + ${c.failed ?? 0}, seen = seen + ${seen}
          ${state ? sql`, state = ${JSON.stringify(state)}::jsonb` : sql``}
        WHERE id = ${id}
        RETURNING ${RUN_COLUMNS}`.execute(tx);
      return rows[0]!;
    },

    async setFullRun(id: string, full: boolean, tx: Executor = db): Promise<void> {
      await sql`UPDATE sync_runs SET full_run = ${full} WHERE id = ${id}`.execute(tx);
    },
    /** A connection's name and mapping (the fields it writes), or undefined when it is not the team's. */
    async connectionMapping(teamId: string, id: string, tx: Executor = db): Promise<{ name: string; mapping: unknown } | undefined> {
      const { rows } = await sql<{ name: string; mapping: unknown }>`
        SELECT name, mapping FROM sync_connections WHERE team_id = ${teamId} AND id = ${id}`.execute(tx);
      return rows[0];
    },
    /** Connections of the team whose id is `ref` or whose name is `ref` (any case). */
    async connectionsNamed(teamId: string, ref: string, tx: Executor = db): Promise<{ id: string; name: string }[]> {
      const { rows } = await sql<{ id: string; name: string }>`
        SELECT id, name FROM sync_connections WHERE team_id = ${teamId}
          AND (lower(name) = lower(${ref}) OR id::text = lower(${ref}))
        ORDER BY id LIMIT 2`.execute(tx);
      return rows;
    },
    /** The people the connection's last run read (the CLI's estimate of a run's size). */
    async lastSeen(teamId: string, connectionId: string, tx: Executor = db): Promise<number | null> {
      const { rows } = await sql<{ seen: number }>`
        SELECT seen FROM sync_runs WHERE team_id = ${teamId} AND connection_id = ${connectionId} AND status = 'succeeded' AND full_run
        ORDER BY id DESC LIMIT 1`.execute(tx);
      return rows[0]?.seen ?? null;
    },
    /** The team's enabled connections (Run all), by name; SCIM connections are pushed to, never run. */
    async enabledConnectionIds(teamId: string, tx: Executor = db): Promise<string[]> {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM sync_connections WHERE team_id = ${teamId} AND status = 'enabled' AND source <> 'scim' ORDER BY lower(name), id`.execute(
        tx,
      );
      return rows.map((r) => r.id);
    },
    /** Of `syncIds`, those the run counted already (a batch committed before a take-over). */
    async alreadyCounted(runId: string, syncIds: readonly string[], tx: Executor): Promise<Set<string>> {
      if (!syncIds.length) return new Set();
      const { rows } = await sql<{ syncId: string }>`
        SELECT sync_id FROM sync_run_entries WHERE run_id = ${runId} AND sync_id = ANY(${syncIds}::text[])`.execute(tx);
      return new Set(rows.map((r) => r.syncId));
    },
    /** One entry per person, numbered after the run's last one. */
    async insertEntries(runId: string, teamId: string, entries: readonly EntryInsert[], tx: Executor): Promise<void> {
      if (!entries.length) return;
      const col = <K extends keyof EntryInsert>(k: K) => entries.map((e) => e[k]);
      await sql`
        INSERT INTO sync_run_entries (run_id, team_id, seq, sync_id, dn, outcome, contact_id, name, email, reason, changes)
        SELECT ${runId}, ${teamId}, base.n + u.ord, u.sync_id, u.dn, u.outcome, u.contact_id, u.name, u.email, u.reason, u.changes
        FROM (SELECT coalesce(max(seq), 0) AS n FROM sync_run_entries WHERE run_id = ${runId}) base,
             unnest(${col('syncId')}::text[], ${col('dn')}::text[], ${col('outcome')}::text[], ${col('contactId')}::uuid[],
                    ${col('name')}::text[], ${col('email')}::text[], ${col('reason')}::text[],
                    ${entries.map((e) => (e.changes == null ? null : JSON.stringify(e.changes)))}::jsonb[])
               WITH ORDINALITY AS u(sync_id, dn, outcome, contact_id, name, email, reason, changes, ord)
        ON CONFLICT (run_id, sync_id) DO NOTHING`.execute(tx);
    },
    /** A run's entries in order, a page at a time (`afterSeq` is the cursor), optionally of one outcome. */
    async listEntries(
      runId: string,
      o: { limit: number; afterSeq?: number; outcome?: EntryInsert['outcome'] },
      tx: Executor = db,
    ): Promise<(EntryInsert & { seq: number })[]> {
      const { rows } = await sql<EntryInsert & { seq: number }>`
        SELECT seq, sync_id, dn, outcome, contact_id, name, email, reason, changes FROM sync_run_entries
        WHERE run_id = ${runId} ${o.outcome ? sql`AND outcome = ${o.outcome}` : sql``} AND seq > ${o.afterSeq ?? 0}
        ORDER BY seq LIMIT ${o.limit}`.execute(tx);
      return rows;
    },

    /** The live contacts of the team holding the batch's sync ids or primary emails (locked when the run writes). */
    async storedFor(
      teamId: string,
      syncIds: readonly string[],
      emails: readonly string[],
      lock: boolean,
      tx: Executor,
    ): Promise<ContactRow[]> {
      // one index each: an OR of both (one of them empty) makes the planner combine unrelated bitmaps
      const which =
        syncIds.length && emails.length
          ? sql`(directory_sync_id = ANY(${syncIds}::text[]) OR primary_email = ANY(${emails}::text[]))`
          : syncIds.length
            ? sql`directory_sync_id = ANY(${syncIds}::text[])`
            : emails.length
              ? sql`primary_email = ANY(${emails}::text[])`
              : null;
      if (!which) return [];
      const { rows } = await sql<ContactRow>`
        SELECT * FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NULL AND ${which}
        ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx);
      return rows;
    },

    /** No JIT compilation for the rest of the transaction (its statements are short; compiling costs more). */
    async noJit(tx: Tx): Promise<void> {
      await sql`SET LOCAL jit = off`.execute(tx);
    },
    /** Whether the connection still exists, share-locked until the transaction ends (its delete waits). */
    async holdConnection(teamId: string, id: string, tx: Executor): Promise<boolean> {
      const { rows } = await sql`SELECT 1 FROM sync_connections WHERE team_id = ${teamId} AND id = ${id} FOR KEY SHARE`.execute(tx);
      return rows.length > 0;
    },
    /** The versions of the team's live contacts among `ids`, locked for the batch's writes. */
    async lockVersions(teamId: string, ids: readonly string[], tx: Executor): Promise<Map<string, number>> {
      const { rows } = await sql<{ id: string; version: number }>`
        SELECT id, version FROM contacts WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[]) AND deleted_at IS NULL
        ORDER BY id FOR UPDATE`.execute(tx);
      return new Map(rows.map((r) => [r.id, r.version]));
    },

    /**
     * The DN, manager and fingerprint of each person with the contact (and its version, read here after the
     * batch's writes) their reading left, written only where something changed: unchanged people are filtered
     * out before the insert, so their rows are neither rewritten nor locked. `updated_at` (the newest person
     * of a reused DN) moves only when the DN or manager changed. Answers the rows written.
     */
    async upsertPeople(teamId: string, connectionId: string, people: readonly PersonInsert[], tx: Executor): Promise<number> {
      if (!people.length) return 0;
      const col = <K extends keyof PersonInsert>(k: K) => people.map((p) => p[k]);
      const r = await sql`
        INSERT INTO sync_people (connection_id, team_id, sync_id, dn_key, manager_key, manager_is_dn, fingerprint, contact_id, contact_version)
        SELECT ${connectionId}, ${teamId}, u.sync_id, u.dn_key, u.manager_key, u.manager_is_dn, u.fingerprint, c.id, c.version
        FROM unnest(${col('syncId')}::text[], ${col('dnKey')}::text[], ${col('managerKey')}::text[], ${col('managerIsDn')}::boolean[],
          ${col('fingerprint')}::text[], ${col('contactId')}::uuid[])
          AS u(sync_id, dn_key, manager_key, manager_is_dn, fingerprint, contact_id)
        LEFT JOIN contacts c ON c.id = u.contact_id AND c.team_id = ${teamId}
        WHERE NOT EXISTS (
          SELECT 1 FROM sync_people s WHERE s.connection_id = ${connectionId} AND s.sync_id = u.sync_id
            AND (s.dn_key, s.manager_key, s.manager_is_dn, s.fingerprint, s.contact_id, s.contact_version)
                IS NOT DISTINCT FROM (u.dn_key, u.manager_key, u.manager_is_dn, u.fingerprint, c.id, c.version))
        ON CONFLICT (connection_id, sync_id) DO UPDATE SET dn_key = excluded.dn_key, manager_key = excluded.manager_key,
          manager_is_dn = excluded.manager_is_dn, fingerprint = excluded.fingerprint, contact_id = excluded.contact_id,
          contact_version = excluded.contact_version,
          updated_at = CASE WHEN (sync_people.dn_key, sync_people.manager_key, sync_people.manager_is_dn)
                                 IS DISTINCT FROM (excluded.dn_key, excluded.manager_key, excluded.manager_is_dn)
                            THEN now() ELSE sync_people.updated_at END
        WHERE (sync_people.dn_key, sync_people.manager_key, sync_people.manager_is_dn, sync_people.fingerprint,
               sync_people.contact_id, sync_people.contact_version)
          IS DISTINCT FROM (excluded.dn_key, excluded.manager_key, excluded.manager_is_dn, excluded.fingerprint,
               excluded.contact_id, excluded.contact_version)`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    },

    /**
     * Of the batch's people (sync id → fingerprint), those the connection read last time with the same
     * fingerprint whose contact is still at the version that reading left (live, of this connection, same
     * sync id): they are unchanged without being mapped. Answers their contact's id, name and email.
     */
    async unchangedByFingerprint(
      teamId: string,
      connectionId: string,
      syncIds: readonly string[],
      fingerprints: readonly string[],
      tx: Executor,
    ): Promise<{ syncId: string; id: string; firstName: string | null; lastName: string | null; primaryEmail: string | null }[]> {
      if (!syncIds.length) return [];
      const { rows } = await sql<{
        syncId: string;
        id: string;
        firstName: string | null;
        lastName: string | null;
        primaryEmail: string | null;
      }>`
        SELECT p.sync_id, c.id, c.first_name, c.last_name, c.primary_email
        FROM unnest(${syncIds}::text[], ${fingerprints}::text[]) AS u(sync_id, fingerprint)
        JOIN sync_people p ON p.connection_id = ${connectionId} AND p.sync_id = u.sync_id AND p.fingerprint = u.fingerprint
        JOIN contacts c ON c.id = p.contact_id AND c.version = p.contact_version AND c.team_id = ${teamId}
          AND c.deleted_at IS NULL AND c.directory_connection_id = ${connectionId} AND c.directory_sync_id = p.sync_id`.execute(tx);
      return rows;
    },

    /**
     * Contacts whose reports-to the second pass just changed (version + 1): their people's fingerprints still
     * describe them (reports-to is not a mapped field), so the version they are known at moves along.
     */
    async carryVersions(connectionId: string, contactIds: readonly string[], tx: Executor): Promise<void> {
      if (!contactIds.length) return;
      await sql`
        UPDATE sync_people p SET contact_version = c.version
        FROM contacts c
        WHERE c.id = ANY(${contactIds}::uuid[]) AND p.connection_id = ${connectionId} AND p.contact_id = c.id
          AND p.sync_id = c.directory_sync_id AND p.contact_version = c.version - 1`.execute(tx);
    },

    /**
     * The people of the connection whose contact's reports-to differs from what the directory says now, after
     * `afterSyncId` in sync id order, with who their contact reports to now and who the directory says (the
     * manager's contact by DN — the person last written wins when a DN was reused — or by sync id; a
     * self-reference or an unknown manager means none). Only they are paged through by the second pass. Hash
     * joins over the connection's people whatever the statistics say (a table the run just filled may have
     * none, and a nested loop over 100,000 people each side would be quadratic).
     */
    async reportsToChanges(teamId: string, connectionId: string, afterSyncId: string, limit: number, tx: Tx): Promise<ReportsToRow[]> {
      // and without JIT: the joins' row estimates cross its threshold and compiling costs more than running
      await sql`SET LOCAL enable_nestloop = off`.execute(tx);
      await sql`SET LOCAL jit = off`.execute(tx);
      const { rows } = await sql<ReportsToRow>`
        WITH dn AS (
          SELECT DISTINCT ON (dn_key) dn_key, sync_id FROM sync_people
          WHERE connection_id = ${connectionId} ORDER BY dn_key, updated_at DESC),
        mine AS MATERIALIZED (
          SELECT id, directory_sync_id, reports_to_contact_id, reports_to_sync_id FROM contacts
          WHERE team_id = ${teamId} AND directory_connection_id = ${connectionId} AND deleted_at IS NULL
            AND directory_sync_id IS NOT NULL),
        p AS (
          SELECT p.sync_id, p.manager_key, CASE WHEN p.manager_is_dn THEN dn.sync_id ELSE ms.sync_id END AS manager_sync_id
          FROM sync_people p
          LEFT JOIN dn ON p.manager_is_dn AND dn.dn_key = p.manager_key
          LEFT JOIN sync_people ms ON NOT p.manager_is_dn AND ms.connection_id = ${connectionId} AND ms.sync_id = p.manager_key
          WHERE p.connection_id = ${connectionId} AND p.sync_id > ${afterSyncId})
        SELECT DISTINCT ON (p.sync_id, c.id) c.id AS contact_id, p.sync_id, p.manager_key, c.reports_to_contact_id, c.reports_to_sync_id,
               mc.id AS manager_contact_id, mc.directory_sync_id AS manager_sync_id
        FROM p
        JOIN mine c ON c.directory_sync_id = p.sync_id
        LEFT JOIN mine mc ON mc.directory_sync_id = p.manager_sync_id
        WHERE (CASE WHEN mc.id <> c.id THEN mc.id END, CASE WHEN mc.id <> c.id THEN mc.directory_sync_id END)
              IS DISTINCT FROM (c.reports_to_contact_id, c.reports_to_sync_id)
        ORDER BY p.sync_id, c.id, mc.id
        LIMIT ${limit}`.execute(tx);
      return rows;
    },

    /**
     * The contacts of the connection that managers named by the batch's people hold now: by DN key (the
     * newest person of a DN) or by sync id, each a person of the connection with a live contact of it.
     */
    async managersOf(
      teamId: string,
      connectionId: string,
      refs: readonly { key: string; isDn: boolean }[],
      tx: Executor,
    ): Promise<{ key: string; isDn: boolean; syncId: string; contactId: string }[]> {
      if (!refs.length) return [];
      const { rows } = await sql<{ key: string; isDn: boolean; syncId: string; contactId: string }>`
        SELECT m.key, m.is_dn, m.sync_id, x.id AS contact_id
        FROM (
          SELECT r.key, r.is_dn,
            CASE WHEN r.is_dn
              THEN (SELECT s.sync_id FROM sync_people s WHERE s.connection_id = ${connectionId} AND s.dn_key = r.key
                    ORDER BY s.updated_at DESC LIMIT 1)
              ELSE (SELECT s.sync_id FROM sync_people s WHERE s.connection_id = ${connectionId} AND s.sync_id = r.key) END AS sync_id
          FROM unnest(${refs.map((r) => r.key)}::text[], ${refs.map((r) => r.isDn)}::boolean[]) AS r(key, is_dn)) m
        CROSS JOIN LATERAL (
          SELECT x.id FROM contacts x
          WHERE x.team_id = ${teamId} AND x.directory_sync_id = m.sync_id AND x.directory_connection_id = ${connectionId}
            AND x.deleted_at IS NULL
          LIMIT 1) x`.execute(tx);
      return rows;
    },

    /** Fresh planner statistics after a run wrote many rows (a first run of 100,000 people into an empty table). */
    async analyze(tx: Executor = db): Promise<void> {
      await sql`ANALYZE contacts, sync_people`.execute(tx);
    },

    /** Active contacts of the connection, and those of them the run did not see (they left the scope). */
    async leavingCounts(
      teamId: string,
      connectionId: string,
      runId: string,
      tx: Executor = db,
    ): Promise<{ managed: number; leaving: number }> {
      const { rows } = await sql<{ managed: string; leaving: string }>`
        SELECT count(*) AS managed,
               count(*) FILTER (WHERE NOT EXISTS (
                 SELECT 1 FROM sync_run_entries e WHERE e.run_id = ${runId} AND e.sync_id = c.directory_sync_id)) AS leaving
        FROM contacts c
        WHERE c.team_id = ${teamId} AND c.directory_connection_id = ${connectionId} AND c.deleted_at IS NULL AND c.active`.execute(tx);
      return { managed: Number(rows[0]!.managed), leaving: Number(rows[0]!.leaving) };
    },
    /** A page of the active contacts of the connection the run did not see, by id after `afterId`. */
    async leavingPage(
      teamId: string,
      connectionId: string,
      runId: string,
      afterId: string,
      limit: number,
      tx: Executor,
    ): Promise<{ id: string; syncId: string | null; name: string | null; email: string | null }[]> {
      const { rows } = await sql<{ id: string; syncId: string | null; name: string | null; email: string | null }>`
        SELECT c.id, c.directory_sync_id AS sync_id, nullif(concat_ws(' ', c.first_name, c.last_name), '') AS name, c.primary_email AS email
        FROM contacts c
        WHERE c.team_id = ${teamId} AND c.directory_connection_id = ${connectionId} AND c.deleted_at IS NULL AND c.active
          AND c.id > ${afterId}
          AND NOT EXISTS (SELECT 1 FROM sync_run_entries e WHERE e.run_id = ${runId} AND e.sync_id = c.directory_sync_id)
        ORDER BY c.id LIMIT ${limit}
        FOR UPDATE OF c`.execute(tx);
      return rows;
    },
    /** Entries of people counted unchanged whose reports-to the second pass changed: now updated. Answers how many. */
    async markUpdated(runId: string, contactIds: readonly string[], tx: Executor): Promise<number> {
      if (!contactIds.length) return 0;
      const r = await sql`
        UPDATE sync_run_entries SET outcome = 'updated', reason = 'Reports-to changed'
        WHERE run_id = ${runId} AND outcome = 'unchanged' AND contact_id = ANY(${contactIds}::uuid[])`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    },
  };
}
export type SyncRunRepo = ReturnType<typeof createSyncRunRepo>;
