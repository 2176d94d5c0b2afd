// SQL of SCIM provisioning: the bearer token of each SCIM connection (its hash), the users a provider
// provisioned, the contacts a write targets (read and locked in the write's transaction; written by the
// contact writer only) and the connection's rolling log in sync_runs / sync_run_entries (one run per
// burst of operations: see scim.service.ts). Every query is scoped by team or connection.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { Param } from '../db/text-statement.ts';
import type { ContactRow } from '../db/schema.ts';
import type { FilterTerm, ScimResource } from './scim.rules.ts';

export interface ScimTokenOwner {
  connectionId: string;
  teamId: string;
  name: string;
  status: 'enabled' | 'draft';
  source: string;
  mapping: Record<string, unknown>;
  teamSettings: Record<string, unknown> | null;
}

export interface ScimUserRow {
  connectionId: string;
  teamId: string;
  id: string;
  userName: string;
  externalId: string | null;
  resource: ScimResource;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export type EntryOutcome = 'created' | 'updated' | 'unchanged' | 'deactivated' | 'conflict' | 'failed';

export interface LogEntry {
  syncId: string;
  dn: string | null;
  outcome: EntryOutcome;
  contactId: string | null;
  name: string | null;
  email: string | null;
  reason: string | null;
  changes: unknown;
}

const col = (o: string) => sql.ref(o === 'conflict' ? 'conflicts' : o);
// the run's counts: +1 for the person's outcome now, -1 for the one the run had for them (x.f, x.o)
const countMoves = sql.join(
  ['created', 'updated', 'unchanged', 'deactivated', 'conflict', 'failed'].map(
    (o) => sql`${col(o)} = ${col(o)} + (x.f = ${o})::int - (coalesce(x.o, '') = ${o})::int`,
  ),
);

/** INSERT of a person's entry (numbered `seq`), or the move of the entry the run has for them. */
function entryUpsert(
  teamId: string,
  e: LogEntry,
  runId: RawBuilder<unknown>,
  seq: RawBuilder<unknown>,
  outcome: RawBuilder<unknown>,
  from: RawBuilder<unknown>,
) {
  return sql`
    INSERT INTO sync_run_entries (run_id, team_id, seq, sync_id, dn, outcome, contact_id, name, email, reason, changes)
    SELECT ${runId}, ${teamId}, ${seq}, ${e.syncId}, ${e.dn}, ${outcome}, ${e.contactId}::uuid, ${e.name}, ${e.email}, ${e.reason},
           ${e.changes == null ? null : JSON.stringify(e.changes)}::jsonb
    ${from}
    ON CONFLICT (run_id, sync_id) DO UPDATE SET outcome = excluded.outcome, dn = excluded.dn,
      contact_id = coalesce(excluded.contact_id, sync_run_entries.contact_id), name = excluded.name, email = excluded.email,
      reason = coalesce(excluded.reason, sync_run_entries.reason),
      changes = CASE WHEN excluded.changes IS NULL THEN sync_run_entries.changes
                     ELSE excluded.changes || coalesce(sync_run_entries.changes, '{}'::jsonb) END
    RETURNING 1`;
}

const USER_COLUMN_LIST =
  'connection_id, team_id, id, user_name, external_id, resource, active, version, created_at, updated_at, deleted_at';
const USER_COLUMNS = sql.raw(USER_COLUMN_LIST);

function termSql(t: FilterTerm) {
  switch (t.attr) {
    case 'userName':
      return sql`lower(user_name) = lower(${t.value})`;
    case 'externalId':
      return sql`external_id = ${t.value}`;
    case 'id':
      return /^[0-9a-f-]{36}$/i.test(t.value) ? sql`id = ${t.value}::uuid` : sql`false`;
    case 'displayName':
      return sql`resource->>'displayName' = ${t.value}`;
    case 'email':
      return sql`EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(resource->'emails') = 'array' THEN resource->'emails' ELSE '[]' END) e
                         WHERE lower(e->>'value') = lower(${t.value})
                         ${t.emailType === null ? sql`` : sql`AND lower(e->>'type') = lower(${t.emailType})`})`;
  }
}

export function createScimRepo(db: Executor) {
  return {
    /** The connection (and its team's settings) a token hash belongs to. */
    async tokenOwner(tokenHash: string, tx: Executor = db): Promise<ScimTokenOwner | undefined> {
      const { rows } = await sql<ScimTokenOwner>`
        SELECT t.connection_id, t.team_id, c.name, c.status, c.source, c.mapping, tm.settings AS team_settings
        FROM scim_tokens t
        JOIN sync_connections c ON c.id = t.connection_id AND c.team_id = t.team_id
        JOIN teams tm ON tm.id = t.team_id
        WHERE t.token_hash = ${tokenHash}`.execute(tx);
      return rows[0];
    },
    /** Stores the hash of a connection's (new) token, replacing the one before. */
    async setToken(r: { connectionId: string; teamId: string; tokenHash: string; createdBy: string | null }, tx: Executor) {
      await sql`
        INSERT INTO scim_tokens (connection_id, team_id, token_hash, created_by, created_at)
        VALUES (${r.connectionId}, ${r.teamId}, ${r.tokenHash}, ${r.createdBy}, now())
        ON CONFLICT (connection_id) DO UPDATE SET token_hash = excluded.token_hash, created_by = excluded.created_by,
          created_at = excluded.created_at, last_used_at = NULL`.execute(tx);
    },
    /** The source of the team's connection `id`, or undefined when the team has no such connection. */
    async connectionSource(teamId: string, id: string, tx: Executor = db): Promise<string | undefined> {
      const { rows } = await sql<{ source: string }>`SELECT source FROM sync_connections WHERE team_id = ${teamId} AND id = ${id}`.execute(
        tx,
      );
      return rows[0]?.source;
    },
    async hasToken(teamId: string, connectionId: string, tx: Executor = db): Promise<boolean> {
      const { rows } = await sql`SELECT 1 FROM scim_tokens WHERE team_id = ${teamId} AND connection_id = ${connectionId}`.execute(tx);
      return rows.length > 0;
    },

    /** A provisioned user (not deleted). */
    async findUser(connectionId: string, id: string, tx: Executor = db, lock = false): Promise<ScimUserRow | undefined> {
      if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
      const { rows } = await sql<ScimUserRow>`
        SELECT ${USER_COLUMNS} FROM scim_users WHERE connection_id = ${connectionId} AND id = ${id}::uuid AND deleted_at IS NULL
        ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx);
      return rows[0];
    },
    /** The user holding `userName` (any case), deleted ones too (a create of the same userName revives it). */
    async findByUserName(connectionId: string, userName: string, tx: Executor): Promise<ScimUserRow | undefined> {
      const { rows } = await sql<ScimUserRow>`
        SELECT ${USER_COLUMNS} FROM scim_users WHERE connection_id = ${connectionId} AND lower(user_name) = lower(${userName})
        FOR UPDATE`.execute(tx);
      return rows[0];
    },
    /** Inserts a user, or answers undefined when its userName is taken meanwhile. */
    async insertUser(r: Omit<ScimUserRow, 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'>, tx: Executor) {
      const { rows } = await sql<ScimUserRow>`
        INSERT INTO scim_users (connection_id, team_id, id, user_name, external_id, resource, active, created_at, updated_at)
        VALUES (${r.connectionId}, ${r.teamId}, ${r.id}, ${r.userName}, ${r.externalId}, ${JSON.stringify(r.resource)}::jsonb, ${r.active},
                now(), now())
        ON CONFLICT DO NOTHING
        RETURNING ${USER_COLUMNS}`.execute(tx);
      return rows[0];
    },
    async updateUser(
      connectionId: string,
      id: string,
      r: { userName: string; externalId: string | null; resource: ScimResource; active: boolean; revive?: boolean; delete?: boolean },
      tx: Executor,
    ): Promise<ScimUserRow> {
      const { rows } = await sql<ScimUserRow>`
        UPDATE scim_users SET user_name = ${r.userName}, external_id = ${r.externalId}, resource = ${JSON.stringify(r.resource)}::jsonb,
          active = ${r.active}, version = version + 1, updated_at = now(),
          deleted_at = ${r.delete ? sql`now()` : r.revive ? sql`NULL` : sql`deleted_at`}
          ${r.revive ? sql`, created_at = now()` : sql``}
        WHERE connection_id = ${connectionId} AND id = ${id}::uuid
        RETURNING ${USER_COLUMNS}`.execute(tx);
      return rows[0]!;
    },
    /** Another live user of the connection with this userName (a PUT or PATCH renaming onto it). */
    async userNameTaken(connectionId: string, userName: string, exceptId: string, tx: Executor): Promise<boolean> {
      const { rows } = await sql`
        SELECT 1 FROM scim_users WHERE connection_id = ${connectionId} AND lower(user_name) = lower(${userName}) AND id <> ${exceptId}::uuid
        `.execute(tx);
      return rows.length > 0;
    },
    /** A page of the connection's live users matching every term, oldest first, and how many match. */
    async listUsers(
      connectionId: string,
      terms: readonly FilterTerm[],
      o: { offset: number; limit: number },
      tx: Executor = db,
    ): Promise<{ total: number; rows: ScimUserRow[] }> {
      const where = sql.join([sql`connection_id = ${connectionId}`, sql`deleted_at IS NULL`, ...terms.map(termSql)], sql` AND `);
      const [{ rows: c }, { rows }] = await Promise.all([
        sql<{ n: string }>`SELECT count(*) AS n FROM scim_users WHERE ${where}`.execute(tx),
        o.limit > 0
          ? sql<ScimUserRow>`SELECT ${USER_COLUMNS} FROM scim_users WHERE ${where} ORDER BY created_at, id OFFSET ${o.offset} LIMIT ${o.limit}`.execute(
              tx,
            )
          : Promise.resolve({ rows: [] as ScimUserRow[] }),
      ]);
      return { total: Number(c[0]!.n), rows };
    },

    /** The live contacts of the team with this sync id or this primary email, locked for the write. */
    async contactsFor(teamId: string, syncId: string, email: string | null, tx: Executor): Promise<ContactRow[]> {
      const { rows } = await sql<ContactRow>`
        SELECT * FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NULL
          AND (directory_sync_id = ${syncId} ${email ? sql`OR primary_email = ${email}` : sql``})
        FOR UPDATE`.execute(tx);
      return rows;
    },
    /** The live contact of the connection whose sync id is `syncId` (a manager). */
    async contactOf(teamId: string, connectionId: string, syncId: string, tx: Executor): Promise<string | null> {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM contacts WHERE team_id = ${teamId} AND directory_sync_id = ${syncId} AND directory_connection_id = ${connectionId}
          AND deleted_at IS NULL LIMIT 1`.execute(tx);
      return rows[0]?.id ?? null;
    },
    /** Contacts of the connection waiting for the manager with this sync id (provisioned before them). */
    async waitingFor(teamId: string, connectionId: string, managerSyncId: string, tx: Executor): Promise<{ id: string }[]> {
      const { rows } = await sql<{ id: string }>`
        SELECT id FROM contacts WHERE team_id = ${teamId} AND reports_to_sync_id = ${managerSyncId} AND reports_to_contact_id IS NULL
          AND deleted_at IS NULL AND directory_connection_id = ${connectionId}
        FOR UPDATE`.execute(tx);
      return rows;
    },

    // --- the rolling log: one run per burst of operations

    /**
     * One person's outcome in the connection's current SCIM run, when that run is still open (its last
     * operation less than `idleSeconds` ago, fewer than `maxPeople` people): a new entry, or (a person the run
     * has already) the entry moved to the new outcome — a person created in this run stays created through
     * later changes — with the run's counts moved along, in one statement. The run's row lock numbers one
     * connection's operations in order. False when no run is open (then `startRun`).
     */
    async logEntry(
      r: { connectionId: string; teamId: string; idleSeconds: number; maxPeople: number },
      e: LogEntry,
      tx: Executor,
    ): Promise<boolean> {
      const { rows } = await sql<{ n: string }>`
        WITH latest AS (SELECT id FROM sync_runs WHERE connection_id = ${r.connectionId} AND trigger = 'scim' ORDER BY id DESC LIMIT 1),
        old AS (SELECT outcome FROM sync_run_entries WHERE run_id = (SELECT id FROM latest) AND sync_id = ${e.syncId}),
        x AS (SELECT CASE WHEN (SELECT outcome FROM old) = 'created' AND ${e.outcome} IN ('updated', 'unchanged') THEN 'created'
                          ELSE ${e.outcome}::text END AS f,
                     (SELECT outcome FROM old) AS o),
        run AS (
          UPDATE sync_runs SET ${countMoves}, seen = seen + (x.o IS NULL)::int, finished_at = now()
          FROM x
          WHERE sync_runs.id = (SELECT id FROM latest) AND sync_runs.finished_at > now() - make_interval(secs => ${r.idleSeconds})
            AND sync_runs.seen < ${r.maxPeople}
          RETURNING sync_runs.id, sync_runs.seen),
        ins AS (${entryUpsert(r.teamId, e, sql`run.id`, sql`run.seen`, sql`(SELECT f FROM x)`, sql`FROM run`)})
        SELECT (SELECT count(*) FROM run) AS n, (SELECT count(*) FROM ins) AS i`.execute(tx);
      return Number(rows[0]!.n) > 0;
    },
    /** A new SCIM run of the connection holding this first person's outcome. */
    async startRun(r: { id: string; connectionId: string; teamId: string }, e: LogEntry, tx: Executor): Promise<void> {
      const counts = ['created', 'updated', 'unchanged', 'deactivated', 'conflict', 'failed'].map((o) => (e.outcome === o ? 1 : 0));
      await sql`
        WITH run AS (
          INSERT INTO sync_runs (id, team_id, connection_id, status, full_run, dry_run, trigger, state, created, updated, unchanged,
                                 deactivated, conflicts, failed, seen, created_at, started_at, finished_at)
          VALUES (${r.id}, ${r.teamId}, ${r.connectionId}, 'succeeded', false, false, 'scim', '{}'::jsonb, ${counts[0]}, ${counts[1]},
                  ${counts[2]}, ${counts[3]}, ${counts[4]}, ${counts[5]}, 1, now(), now(), now())
          RETURNING id)
        ${entryUpsert(r.teamId, e, sql`run.id`, sql`1`, sql`${e.outcome}::text`, sql`FROM run`)}`.execute(tx);
    },
    /**
     * The parts of a fresh create's one statement (written by the contact writer, around the contact `w`),
     * as text with placeholders from `p`: `guard` — the userName is free (deleted users too: a create of
     * theirs revives them; an email a live contact of the team holds writes nothing either, by the writer's
     * insert); `alongside` — the stored User, and the person's 'created' entry in the connection's open run
     * (its counts moved) or in a new run; `answer` — the stored User.
     */
    freshCreate(
      u: Omit<ScimUserRow, 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'>,
      r: { newRunId: string; idleSeconds: number; maxPeople: number },
      e: LogEntry,
    ) {
      // the team, connection, sync id and email are read back from `w` (the contact written)
      return (p: Param) => {
        const userName = p(u.userName);
        const connectionId = p(u.connectionId);
        return {
          guard: `NOT EXISTS (SELECT 1 FROM scim_users WHERE connection_id = ${connectionId}::uuid AND lower(user_name) = lower(${userName}::text))`,
          alongside: `
        usr AS (
          INSERT INTO scim_users (connection_id, team_id, id, user_name, external_id, resource, active, created_at, updated_at)
          SELECT w.directory_connection_id, w.team_id, w.directory_sync_id::uuid, ${userName}::text, ${p(u.externalId)}::text,
                 ${p(JSON.stringify(u.resource))}::jsonb, ${p(u.active)}::boolean, now(), now()
          FROM w
          RETURNING ${USER_COLUMN_LIST}),
        latest AS (SELECT id FROM sync_runs WHERE connection_id = ${connectionId}::uuid AND trigger = 'scim' ORDER BY id DESC LIMIT 1),
        open_run AS (
          UPDATE sync_runs SET created = created + 1, seen = seen + 1, finished_at = now()
          FROM w
          WHERE sync_runs.id = (SELECT id FROM latest) AND sync_runs.finished_at > now() - make_interval(secs => ${p(r.idleSeconds)}::int)
            AND sync_runs.seen < ${p(r.maxPeople)}::int
          RETURNING sync_runs.id, sync_runs.seen),
        new_run AS (
          INSERT INTO sync_runs (id, team_id, connection_id, status, full_run, dry_run, trigger, state, created, updated, unchanged,
                                 deactivated, conflicts, failed, seen, created_at, started_at, finished_at)
          SELECT ${p(r.newRunId)}::uuid, w.team_id, w.directory_connection_id, 'succeeded', false, false, 'scim', '{}'::jsonb, 1, 0, 0, 0, 0, 0, 1,
                 now(), now(), now()
          FROM w WHERE NOT EXISTS (SELECT 1 FROM open_run)
          RETURNING id, seen),
        run AS (SELECT id, seen FROM open_run UNION ALL SELECT id, seen FROM new_run),
        entry AS (
          INSERT INTO sync_run_entries (run_id, team_id, seq, sync_id, dn, outcome, contact_id, name, email, reason, changes)
          SELECT run.id, w.team_id, run.seen, w.directory_sync_id, ${p(e.dn)}::text, 'created', w.id, ${p(e.name)}::text, w.primary_email, NULL, NULL
          FROM run, w)`,
          answer: 'SELECT * FROM usr',
        };
      };
    },
    /** Takes back a user inserted in this transaction (its write was refused; the refusal's log entry stays). */
    async forgetUser(connectionId: string, id: string, tx: Executor): Promise<void> {
      await sql`DELETE FROM scim_users WHERE connection_id = ${connectionId} AND id = ${id}::uuid`.execute(tx);
    },
  };
}
export type ScimRepo = ReturnType<typeof createScimRepo>;
