// SQL of the contact writer (contacts.writer.ts): the only statements that write `contacts` and
// `audit_log` (an ESLint rule keeps it so). Every write is set-based: arrays as parameters, one statement
// per kind, the audit rows written in the same statement as the contact rows they describe — or, for a big
// batch in a transaction, by COPY right after it, for the rows it wrote.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/client.ts';
import { copyInRows } from '../db/copy.ts';
import { runTextStatement, type Param } from '../db/text-statement.ts';
import type { ContactRow } from '../db/schema.ts';

/** One row of `audit_log` as written (changes as JSON text). */
export interface AuditInsert {
  teamId: string;
  entityType: string;
  entityId: string;
  action: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  changes: string;
  requestId: string | null;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A PostgreSQL array literal of text, for a text[] value inside an array parameter. */
const textArrayLiteral = (a: readonly string[]) => `{${a.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;

/** The columns of an audit row with their types, in the order every form of the INSERT below writes them. */
const AUDIT_FIELDS: readonly (readonly [key: keyof AuditInsert, type: 'uuid' | 'text' | 'jsonb'])[] = [
  ['teamId', 'uuid'],
  ['entityType', 'text'],
  ['entityId', 'uuid'],
  ['action', 'text'],
  ['actorType', 'text'],
  ['actorId', 'uuid'],
  ['actorLabel', 'text'],
  ['changes', 'jsonb'],
  ['requestId', 'text'],
];
const AUDIT_COLUMN_NAMES = AUDIT_FIELDS.map(([k]) => snake(k));
const AUDIT_COLUMNS = sql.raw(`audit_log (${AUDIT_COLUMN_NAMES.join(', ')})`);

/** The audit rows as a set: `SELECT ... FROM unnest(...)`, optionally only for the entities in `onlyFrom`. */
function auditSelect(rows: readonly AuditInsert[], onlyFrom?: string): RawBuilder<unknown> {
  const arrays = sql.join(AUDIT_FIELDS.map(([k, type]) => sql`${rows.map((r) => r[k])}::${sql.raw(type)}[]`));
  return sql`SELECT a.* FROM unnest(${arrays}) AS a(${sql.raw(AUDIT_COLUMN_NAMES.join(', '))})
      ${onlyFrom ? sql`WHERE a.entity_id IN (SELECT id FROM ${sql.raw(onlyFrom)})` : sql``}`;
}

/** One audit row's INSERT as text (runTextStatement), one parameter per column, a row for each row of `from`. */
const auditInsertText = (a: AuditInsert, p: Param, from: string) =>
  `INSERT INTO audit_log (${AUDIT_COLUMN_NAMES.join(', ')})
   SELECT ${AUDIT_FIELDS.map(([k, type]) => `${p(a[k])}::${type}`).join(', ')} FROM ${from}`;

/** The INSERT of audit rows, to run as a part (a CTE) of the caller's statement: the same rows `audit` writes;
 *  with `onlyFor`, only the rows of the entities whose ids the CTE of that name selects (column `id`). */
export const auditInsertSql = (rows: readonly AuditInsert[], onlyFor?: string): RawBuilder<unknown> =>
  sql`INSERT INTO ${AUDIT_COLUMNS} ${auditSelect(rows, onlyFor)}`;
/**
 * From this many rows in a transaction, audit rows are written by COPY (an import's batch): measured on a
 * 5,000-row batch, 0.9–1.0 s against 1.6–2.0 s for the same rows as array parameters of an INSERT.
 */
const COPY_AUDIT_ROWS = 200;
const byCopy = (rows: readonly unknown[], tx: Executor) => rows.length >= COPY_AUDIT_ROWS && tx.isTransaction;

/** Audit rows by COPY into audit_log, in the caller's transaction (ids and times as an INSERT would give them). */
async function copyAudit(rows: readonly AuditInsert[], tx: Executor): Promise<void> {
  await copyInRows(
    tx,
    'audit_log',
    AUDIT_COLUMN_NAMES,
    rows.map((r) => [r.teamId, r.entityType, r.entityId, r.action, r.actorType, r.actorId, r.actorLabel, r.changes, r.requestId]),
  );
}
/** The audit rows of the entities a statement wrote (its `RETURNING id`), in their order. */
const auditOfWritten = (audit: readonly AuditInsert[], written: readonly { id: string }[]) => {
  const ids = new Set(written.map((w) => w.id));
  return audit.filter((a) => ids.has(a.entityId));
};

/** Ends the portal sessions of the contacts in `ids` that the statement's `from` CTE wrote. */
function endSessions(teamId: string, ids: readonly string[], from: string): RawBuilder<unknown> {
  return sql`DELETE FROM portal_sessions WHERE team_id = ${teamId} AND contact_id = ANY(${ids}::uuid[])
    AND contact_id IN (SELECT id FROM ${sql.raw(from)})`;
}

export function createContactWriterRepo(db: Executor) {
  let columnTypes: Map<string, string> | null = null;

  /** Column → SQL type of `contacts`, read once, so a bulk write follows the table as it is. */
  async function contactColumnTypes(tx: Executor): Promise<Map<string, string>> {
    if (columnTypes) return columnTypes;
    const r = await sql<{ name: string; type: string }>`
      SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_attribute a WHERE a.attrelid = 'contacts'::regclass AND a.attnum > 0 AND NOT a.attisdropped`.execute(tx);
    columnTypes = new Map(r.rows.map((x) => [x.name, x.type]));
    return columnTypes;
  }

  /** unnest($1::t1[], $2::t2[], ...) AS u(c1, c2, ...) for rows of the same keys. */
  async function unnestOf(rows: readonly Record<string, unknown>[], tx: Executor) {
    const types = await contactColumnTypes(tx);
    const keys = Object.keys(rows[0]!);
    const cols = keys.map((k) => {
      const name = snake(k);
      const type = types.get(name);
      if (!type) throw new Error(`contacts has no column ${name}`);
      const isArray = type.endsWith('[]');
      const values = rows.map((r) => {
        const v = r[k];
        if (v === undefined || v === null) return null;
        if (isArray) return textArrayLiteral(v as string[]);
        if (v instanceof Date) return v.toISOString();
        return v;
      });
      return { name, type, isArray, values };
    });
    const args = sql.join(cols.map((c) => sql`${c.values}::${sql.raw(c.isArray ? 'text' : c.type)}[]`));
    const names = sql.raw(cols.map((c) => c.name).join(', '));
    const select = sql.join(cols.map((c) => (c.isArray ? sql`u.${sql.raw(c.name)}::${sql.raw(c.type)}` : sql`u.${sql.raw(c.name)}`)));
    return { cols, args, names, select };
  }

  const returning = (rows: boolean) => (rows ? sql`*` : sql`id`);

  return {
    /**
     * Inserts contacts (rows of the same keys) with their audit rows in one statement. `skipTakenEmails`:
     * a row whose primary email a live contact holds is left out (and so is its audit row); without it
     * such a row fails the statement (a unique violation the caller turns into a 409 or a row reason).
     */
    async insert(
      rows: readonly Record<string, unknown>[],
      audit: readonly AuditInsert[],
      o: { skipTakenEmails?: boolean; returnRows?: boolean },
      tx: Executor,
    ): Promise<ContactRow[]> {
      if (!rows.length) return [];
      const u = await unnestOf(rows, tx);
      const conflict = o.skipTakenEmails
        ? sql`ON CONFLICT (team_id, primary_email) WHERE primary_email IS NOT NULL AND deleted_at IS NULL DO NOTHING`
        : sql``;
      const copy = byCopy(audit, tx);
      const r = await sql<ContactRow>`
        WITH w AS (INSERT INTO contacts (${u.names}) SELECT ${u.select} FROM unnest(${u.args}) AS u(${u.names}) ${conflict}
                   RETURNING ${returning(!!o.returnRows)})
             ${copy ? sql`` : sql`, a AS (INSERT INTO ${AUDIT_COLUMNS} ${auditSelect(audit, 'w')})`}
        SELECT * FROM w`.execute(tx);
      if (copy) await copyAudit(auditOfWritten(audit, r.rows), tx);
      return r.rows;
    },

    /**
     * Inserts one contact with its audit row in one statement that also carries the caller's own CTEs, all
     * as text (runTextStatement: the hot path of a SCIM create): `guard` (a condition on the snapshot: false
     * writes nothing), then `alongside` (CTEs of other tables that read `w`, the contact written — id,
     * team_id, directory_connection_id, directory_sync_id, primary_email — so they happen only with it) and
     * `answer` (the statement's result). One parameter per column (no arrays to build and take apart).
     * A primary email a live contact holds (also one taken meanwhile) writes nothing: the email's unique
     * index decides (ON CONFLICT … DO NOTHING), never a plan — a guard reading `contacts` by team and email
     * was planned, while the table had no statistics, as a scan of the team's contacts (custom plans too: every
     * team-ordered index looks one row deep then), and the connection kept that plan (2,000 more contacts cost
     * 0.7 ms more a create).
     */
    async insertOneWith<T>(
      row: Record<string, unknown>,
      audit: AuditInsert,
      w: (p: Param) => { guard: string; alongside: string; answer: string },
      tx: Executor,
    ): Promise<T[]> {
      const types = await contactColumnTypes(tx);
      const keys = Object.keys(row);
      const names = keys.map(snake);
      for (const n of names) if (!types.has(n)) throw new Error(`contacts has no column ${n}`);
      return runTextStatement<T>(tx, (p) => {
        const values = keys.map((k, i) => {
          const v = row[k];
          return `${p(v instanceof Date ? v.toISOString() : (v ?? null))}::${types.get(names[i]!)!}`;
        });
        const parts = w(p);
        return `WITH w AS (INSERT INTO contacts (${names.join(', ')}) SELECT ${values.join(', ')} WHERE ${parts.guard}
                   ON CONFLICT (team_id, primary_email) WHERE primary_email IS NOT NULL AND deleted_at IS NULL DO NOTHING
                   RETURNING id, team_id, directory_connection_id, directory_sync_id, primary_email),
             a AS (${auditInsertText(audit, p, 'w')}),
             ${parts.alongside}
        ${parts.answer}`;
      });
    },

    /**
     * Updates live contacts of the team (rows keyed by `id`) with version + 1 and a new updated_at, writes
     * their audit rows and ends the portal sessions of `endSessionsOf`, all in one statement.
     */
    async update(
      teamId: string,
      rows: readonly Record<string, unknown>[],
      audit: readonly AuditInsert[],
      endSessionsOf: readonly string[],
      o: { returnRows?: boolean },
      tx: Executor,
    ): Promise<ContactRow[]> {
      if (!rows.length) return [];
      const u = await unnestOf(rows, tx);
      const set = sql.join(
        u.cols
          .filter((c) => c.name !== 'id')
          .map((c) => sql`${sql.raw(c.name)} = ${c.isArray ? sql`u.${sql.raw(c.name)}::${sql.raw(c.type)}` : sql`u.${sql.raw(c.name)}`}`),
      );
      const copy = byCopy(audit, tx);
      const r = await sql<ContactRow>`
        WITH w AS (
          UPDATE contacts c SET ${set}, version = c.version + 1, updated_at = now()
          FROM unnest(${u.args}) AS u(${u.names})
          WHERE c.team_id = ${teamId} AND c.id = u.id AND c.deleted_at IS NULL
            -- the ids again as an array: the planner then looks each one up by primary key instead of
            -- hashing the whole table (measured: a seq scan of 100k rows for a 2,500-row batch without it)
            AND c.id = ANY(${rows.map((x) => x.id)}::uuid[])
          RETURNING ${o.returnRows ? sql`c.*` : sql`c.id`})
        ${copy ? sql`` : sql`, a AS (INSERT INTO ${AUDIT_COLUMNS} ${auditSelect(audit, 'w')})`}
        ${endSessionsOf.length ? sql`, s AS (${endSessions(teamId, endSessionsOf, 'w')})` : sql``}
        SELECT * FROM w`.execute(tx);
      if (copy) await copyAudit(auditOfWritten(audit, r.rows), tx);
      return r.rows;
    },

    /**
     * Sets flag-like columns (the same values for every row) on live contacts among `ids` where `where`
     * holds, with version + 1, audit rows built from the ids written (`audit(id)`), and sessions ended.
     */
    async setFlags(
      teamId: string,
      ids: readonly string[],
      flag: FlagChange,
      audit: (ids: string[]) => AuditInsert[],
      o: { endSessions: boolean; returnRows?: boolean },
      tx: Executor,
    ): Promise<ContactRow[]> {
      if (!ids.length) return [];
      const { set, where } = flagSql(flag);
      // two statements: the audit rows are built from the rows this one actually changed
      const r = await sql<ContactRow>`
        WITH w AS (
          UPDATE contacts SET ${set}, version = version + 1, updated_at = now()
          WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[]) AND ${where}
          RETURNING ${returning(!!o.returnRows)})
        ${o.endSessions ? sql`, s AS (${endSessions(teamId, ids, 'w')})` : sql``}
        SELECT * FROM w`.execute(tx);
      await this.audit(audit(r.rows.map((x) => x.id)), tx);
      return r.rows;
    },

    /** Moves live contacts to the trash (no version bump: the trash keeps the contact as it was). */
    async moveToTrash(teamId: string, ids: readonly string[], tx: Executor): Promise<string[]> {
      if (!ids.length) return [];
      const r = await sql<{ id: string }>`
        WITH w AS (UPDATE contacts SET deleted_at = now() WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[]) AND deleted_at IS NULL
                   RETURNING id),
             s AS (${endSessions(teamId, ids, 'w')})
        SELECT id FROM w`.execute(tx);
      return r.rows.map((x) => x.id);
    },

    /**
     * Moves live contacts merged into `survivorId` to the trash, marked with their survivor (no version bump:
     * the trash keeps each contact as it was); their portal sessions end. Answers the ids moved.
     */
    async moveMergedToTrash(teamId: string, ids: readonly string[], survivorId: string, tx: Executor): Promise<string[]> {
      if (!ids.length) return [];
      const r = await sql<{ id: string }>`
        WITH w AS (UPDATE contacts SET deleted_at = now(), merged_into = ${survivorId}
                   WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[]) AND deleted_at IS NULL
                   RETURNING id),
             s AS (${endSessions(teamId, ids, 'w')})
        SELECT id FROM w`.execute(tx);
      return r.rows.map((x) => x.id);
    },

    /**
     * Puts contacts back exactly as a snapshot holds them (`row_to_json` of their rows, as JSON text): every
     * column, version and timestamps included, so the rows are byte-identical to what they were. One
     * statement per call; the caller orders calls so that a primary email is freed before it is taken back.
     * Portal sessions of `endSessionsOf` end. Answers the rows written.
     */
    async restoreSnapshots(
      teamId: string,
      snapshots: string,
      ids: readonly string[],
      endSessionsOf: readonly string[],
      tx: Executor,
    ): Promise<ContactRow[]> {
      if (!ids.length) return [];
      const types = await contactColumnTypes(tx);
      const cols = [...types.keys()].filter((c) => c !== 'id' && c !== 'team_id');
      const set = sql.raw(cols.map((c) => `"${c}" = s."${c}"`).join(', '));
      const r = await sql<ContactRow>`
        WITH w AS (
          UPDATE contacts c SET ${set}
          FROM json_populate_recordset(null::contacts, ${snapshots}::json) s
          WHERE c.team_id = ${teamId} AND s.team_id = ${teamId} AND c.id = s.id AND c.id = ANY(${ids}::uuid[])
          RETURNING c.*)
        ${endSessionsOf.length ? sql`, e AS (${endSessions(teamId, endSessionsOf, 'w')})` : sql``}
        SELECT * FROM w`.execute(tx);
      return r.rows;
    },

    /** Restores trashed rows (version + 1, like any change). */
    async restore(teamId: string, ids: readonly string[], tx: Executor): Promise<ContactRow[]> {
      if (!ids.length) return [];
      const r = await sql<ContactRow>`
        UPDATE contacts SET deleted_at = NULL, merged_into = NULL, version = version + 1, updated_at = now()
        WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[]) AND deleted_at IS NOT NULL
        RETURNING *`.execute(tx);
      return r.rows;
    },

    /** Erases trashed rows; answers the ids erased. */
    async purge(teamId: string, ids: readonly string[], tx: Executor): Promise<string[]> {
      if (!ids.length) return [];
      const r = await sql<{ id: string }>`
        DELETE FROM contacts WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[]) AND deleted_at IS NOT NULL
        RETURNING id`.execute(tx);
      return r.rows.map((x) => x.id);
    },

    /** Erases trashed contacts (all teams) deleted before `before`, a batch at a time. */
    async purgeTrashedBefore(before: Date, batch: number, tx: Executor): Promise<{ teamId: string; id: string }[]> {
      const { rows } = await sql<{ teamId: string; id: string }>`
        DELETE FROM contacts WHERE id IN (
          SELECT id FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < ${before} LIMIT ${batch} FOR UPDATE SKIP LOCKED)
        RETURNING team_id, id`.execute(tx);
      return rows;
    },

    /** Derived search columns only (a newer normaliser): not a change of the contact, so no version or audit. */
    async setSearchColumns(id: string, cols: Record<string, unknown>, tx: Executor) {
      const set = sql.join(Object.entries(cols).map(([k, v]) => sql`${sql.raw(snake(k))} = ${v}`));
      await sql`UPDATE contacts SET ${set} WHERE id = ${id}`.execute(tx);
    },

    async audit(rows: readonly AuditInsert[], tx: Executor): Promise<void> {
      if (!rows.length) return;
      if (byCopy(rows, tx)) return copyAudit(rows, tx);
      await sql`INSERT INTO ${AUDIT_COLUMNS} ${auditSelect(rows)}`.execute(tx);
    },

    /**
     * Removes the Contact Sync link (the connection id) of every contact (live or in the trash) of a
     * connection that goes away, version + 1 and an audit row each. The sync id stays: a new connection to
     * the same directory finds the person again instead of creating a duplicate.
     */
    async unlinkConnection(teamId: string, connectionId: string, audit: AuditInsert, tx: Executor): Promise<number> {
      const r = await sql<{ n: number }>`
        WITH w AS (
          UPDATE contacts c SET directory_connection_id = NULL, version = c.version + 1, updated_at = now()
          WHERE c.team_id = ${teamId} AND c.directory_connection_id = ${connectionId}
          RETURNING c.id),
        a AS (
          INSERT INTO ${AUDIT_COLUMNS}
          SELECT ${audit.teamId}::uuid, ${audit.entityType}, w.id, ${audit.action}, ${audit.actorType}, ${audit.actorId}::uuid,
            ${audit.actorLabel}, ${audit.changes}::jsonb, ${audit.requestId} FROM w)
        SELECT count(*)::int AS n FROM w`.execute(tx);
      return r.rows[0]!.n;
    },
    /** Newest first; `beforeId` is the keyset cursor. */
    listAudit(
      teamId: string,
      entityType: string,
      entityId: string | readonly string[],
      opts: { limit: number; beforeId?: string },
      tx: Executor = db,
    ) {
      let q = tx
        .selectFrom('auditLog')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('entityType', '=', entityType)
        .where('entityId', typeof entityId === 'string' ? '=' : 'in', entityId as string);
      if (opts.beforeId) q = q.where('id', '<', opts.beforeId);
      return q.orderBy('id', 'desc').limit(opts.limit).execute();
    },
  };
}
export type ContactWriterRepo = ReturnType<typeof createContactWriterRepo>;

/** The flag changes the writer makes without a full row: what each sets and which rows it applies to. */
export type FlagChange =
  | { kind: 'active'; active: boolean }
  | { kind: 'verified'; at: Date }
  | { kind: 'notifications'; n: { newTickets: boolean; ticketUpdates: boolean; newComments: boolean; formAssignments: boolean } };

function flagSql(f: FlagChange): { set: RawBuilder<unknown>; where: RawBuilder<unknown> } {
  switch (f.kind) {
    case 'active':
      return { set: sql`active = ${f.active}`, where: sql`deleted_at IS NULL AND active = ${!f.active}` };
    case 'verified':
      return { set: sql`portal_verified_at = ${f.at}`, where: sql`portal_verified_at IS NULL` };
    case 'notifications':
      return {
        set: sql`notify_new_tickets = ${f.n.newTickets}, notify_ticket_updates = ${f.n.ticketUpdates},
            notify_new_comments = ${f.n.newComments}, notify_form_assignments = ${f.n.formAssignments}`,
        where: sql`true`,
      };
  }
}

/**
 * Company links of contacts (see linkCompanies in contacts.writer.ts): the lookups of a batch, one
 * statement each, and the set-based writes of a re-scan and of a company's removal.
 */
export function createCompanyLinkRepo() {
  return {
    /** domain → company of the team, for the domains given. */
    async companiesOfDomains(teamId: string, domains: readonly string[], tx: Executor): Promise<Map<string, string>> {
      if (!domains.length) return new Map();
      const r = await sql<{ domain: string; companyId: string }>`
        SELECT domain, company_id FROM company_domains WHERE team_id = ${teamId} AND domain = ANY(${domains}::text[])`.execute(tx);
      return new Map(r.rows.map((x) => [x.domain, x.companyId]));
    },
    /** The companies of the team among `ids`. */
    async existingCompanies(teamId: string, ids: readonly string[], tx: Executor): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const r = await sql<{ id: string }>`SELECT id FROM companies WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[])`.execute(tx);
      return new Set(r.rows.map((x) => x.id));
    },
    /** The company of each live contact among `ids`. */
    async companiesOfContacts(teamId: string, ids: readonly string[], tx: Executor): Promise<Map<string, string | null>> {
      if (!ids.length) return new Map();
      const r = await sql<{ id: string; companyId: string | null }>`
        SELECT id, company_id FROM contacts WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[])`.execute(tx);
      return new Map(r.rows.map((x) => [x.id, x.companyId]));
    },
    /** How many live contacts without a company have a primary email at one of `domains`, counted up to `cap`. */
    async countLinkable(teamId: string, domains: readonly string[], cap: number, tx: Executor): Promise<number> {
      if (!domains.length) return 0;
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM (
          SELECT 1 FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NULL AND company_id IS NULL AND primary_email IS NOT NULL
            AND split_part(primary_email, '@', 2) = ANY(${domains}::text[]) LIMIT ${cap}) x`.execute(tx);
      return r.rows[0]!.n;
    },
    /**
     * Links up to `limit` live contacts without a company whose primary email is at one of `domains` to
     * `companyId`: version + 1 and one audit row each (`audit`, its entity id filled per row), one statement.
     * Answers how many were linked.
     */
    async linkBatch(
      teamId: string,
      companyId: string,
      domains: readonly string[],
      limit: number,
      audit: AuditInsert,
      tx: Executor,
      o: { skipLocked?: boolean } = {},
    ): Promise<number> {
      if (!domains.length) return 0;
      const r = await sql<{ n: number }>`
        WITH m AS (
          SELECT id FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NULL AND company_id IS NULL AND primary_email IS NOT NULL
            AND split_part(primary_email, '@', 2) = ANY(${domains}::text[])
          LIMIT ${limit} FOR UPDATE ${o.skipLocked ? sql`SKIP LOCKED` : sql``}),
        w AS (
          UPDATE contacts c SET company_id = ${companyId}, version = c.version + 1, updated_at = now()
          FROM m WHERE c.team_id = ${teamId} AND c.id = m.id AND c.company_id IS NULL
          RETURNING c.id),
        a AS (
          INSERT INTO ${AUDIT_COLUMNS}
          SELECT ${audit.teamId}::uuid, ${audit.entityType}, w.id, ${audit.action}, ${audit.actorType}, ${audit.actorId}::uuid,
            ${audit.actorLabel}, ${audit.changes}::jsonb, ${audit.requestId} FROM w)
        SELECT count(*)::int AS n FROM w`.execute(tx);
      return r.rows[0]!.n;
    },
    /** Unlinks every contact (live or in the trash) of a company, version + 1 and an audit row each. */
    async unlinkAll(teamId: string, companyId: string, audit: AuditInsert, tx: Executor): Promise<number> {
      const r = await sql<{ n: number }>`
        WITH w AS (
          UPDATE contacts c SET company_id = NULL, version = c.version + 1, updated_at = now()
          WHERE c.team_id = ${teamId} AND c.company_id = ${companyId}
          RETURNING c.id),
        a AS (
          INSERT INTO ${AUDIT_COLUMNS}
          SELECT ${audit.teamId}::uuid, ${audit.entityType}, w.id, ${audit.action}, ${audit.actorType}, ${audit.actorId}::uuid,
            ${audit.actorLabel}, ${audit.changes}::jsonb, ${audit.requestId} FROM w)
        SELECT count(*)::int AS n FROM w`.execute(tx);
      return r.rows[0]!.n;
    },
  };
}
