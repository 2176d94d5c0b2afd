// SQL of merges (not of `contacts` itself: the contact writer writes those rows). Every table whose foreign
// key points at contacts(id) is found in the catalog, so a table added later (forms, ...) is moved too:
// its rows of the merged contacts are moved to the survivor, and a row whose twin the survivor already
// has (a unique index over the column and others: the same ticket linked to two merged contacts) is
// removed instead. Each row is recorded as it was (contact_merge_refs) so undo puts it back.
import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { ContactRow } from '../db/schema.ts';

/** A single-column foreign key to contacts(id): the table (as regclass text, quoted when needed) and column. */
export interface ContactRef {
  table: string;
  column: string;
  /** primary key columns of the table (empty: none) */
  primaryKey: string[];
  /** unique indexes over plain columns that include `column`: their other columns, and the predicate of a partial one */
  uniqueOthers: { others: string[]; predicate: string | null }[];
}

export interface MergeRow {
  id: string;
  teamId: string;
  survivorId: string;
  mergedIds: string[];
  snapshots: string;
  survivorVersion: number;
  actorId: string | null;
  actorLabel: string | null;
  createdAt: Date;
  undoneAt: Date | null;
}

/**
 * Columns holding contact ids that no foreign key declares, moved like the others: a ticket notification's
 * recipient (kept as sent even after the contact is erased). `contacts.reports_to_contact_id` is the other
 * one; it is moved through the contact writer (`reportingTo`, `recordReportsTo`).
 */
const UNLINKED_CONTACT_REFS: [table: string, column: string][] = [['ticket_notifications', 'contact_id']];

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const eqCols = (cols: string[], a: string, b: string) =>
  cols.length ? cols.map((c) => `${a}.${ident(c)} = ${b}.${ident(c)}`).join(' AND ') : 'true';

export function createMergeRepo() {
  return {
    /** Every single-column foreign key pointing at contacts(id), with what moving its rows needs to know. */
    async contactRefs(tx: Executor): Promise<ContactRef[]> {
      const r = await sql<{ tbl: string; col: string; relid: number; attnum: number }>`
        SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.conrelid::int AS relid, a.attnum::int AS attnum
        FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'contacts'::regclass AND cardinality(c.conkey) = 1
        ORDER BY 1, 2`.execute(tx);
      // columns that hold contact ids without a foreign key (rows kept after their contact is erased)
      const unlinked = await sql<{ tbl: string; col: string; relid: number; attnum: number }>`
        SELECT x.tbl, a.attname AS col, a.attrelid::int AS relid, a.attnum::int AS attnum
        FROM (VALUES ${sql.join(UNLINKED_CONTACT_REFS.map(([t, c]) => sql`(${t}, ${c})`))}) AS x(tbl, col)
        JOIN pg_attribute a ON a.attrelid = to_regclass(x.tbl) AND a.attname = x.col AND NOT a.attisdropped
        WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = a.attrelid AND c.conkey[1] = a.attnum
                            AND c.confrelid = 'contacts'::regclass)`.execute(tx);
      const out: ContactRef[] = [];
      for (const fk of [...r.rows, ...unlinked.rows]) {
        const idx = await sql<{ primary: boolean; cols: string[]; predicate: string | null }>`
          SELECT i.indisprimary AS primary, pg_get_expr(i.indpred, i.indrelid) AS predicate,
                 array(SELECT att.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                       JOIN pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = k.n ORDER BY k.o)::text[] AS cols
          FROM pg_index i
          WHERE i.indrelid = ${fk.relid}::oid AND i.indisunique AND NOT (0 = ANY(i.indkey::int2[]))`.execute(tx);
        const pk = idx.rows.find((x) => x.primary)?.cols ?? [];
        out.push({
          table: fk.tbl,
          column: fk.col,
          primaryKey: pk,
          uniqueOthers: idx.rows
            .filter((x) => x.cols.includes(fk.col))
            .map((x) => ({ others: x.cols.filter((c) => c !== fk.col), predicate: x.predicate })),
        });
      }
      return out;
    },

    /**
     * Moves the rows of `ref` pointing at `mergedIds` to `survivorId`; rows whose twin the survivor has (or
     * another moved row has first) are removed. Every row is recorded as it was. Answers counts.
     */
    async moveRefs(ref: ContactRef, mergeId: string, survivorId: string, mergedIds: readonly string[], tx: Executor) {
      const t = sql.raw(ref.table);
      const c = sql.raw(ident(ref.column));
      let removed = 0;
      for (const { others, predicate } of ref.uniqueOthers) {
        const eqS = sql.raw(eqCols(others, 's', 't'));
        // a partial unique index (one open form assignment per contact) only clashes among the rows it covers
        const covered = sql.raw(`(SELECT *, ctid AS row_ctid FROM ${ref.table} WHERE ${predicate ?? 'true'})`);
        const r = await sql<{ n: number }>`
          WITH d AS (
            DELETE FROM ${t} t WHERE t.${c} = ANY(${mergedIds}::uuid[]) AND t.ctid IN (SELECT row_ctid FROM ${covered} x) AND (
              EXISTS (SELECT 1 FROM ${covered} s WHERE s.${c} = ${survivorId} AND ${eqS})
              OR EXISTS (SELECT 1 FROM ${covered} s WHERE s.${c} = ANY(${mergedIds}::uuid[]) AND ${eqS} AND s.row_ctid < t.ctid))
            RETURNING row_to_json(t.*) AS j),
          i AS (INSERT INTO contact_merge_refs (merge_id, table_name, column_name, kind, row_data)
                SELECT ${mergeId}, ${ref.table}, ${ref.column}, 'removed', j FROM d RETURNING 1)
          SELECT count(*)::int AS n FROM i`.execute(tx);
        removed += r.rows[0]!.n;
      }
      const m = await sql<{ n: number }>`
        WITH o AS (SELECT x.ctid AS old, row_to_json(x.*) AS j FROM ${t} x WHERE x.${c} = ANY(${mergedIds}::uuid[])),
        u AS (UPDATE ${t} t SET ${c} = ${survivorId} FROM o WHERE t.ctid = o.old RETURNING o.j),
        i AS (INSERT INTO contact_merge_refs (merge_id, table_name, column_name, kind, row_data)
              SELECT ${mergeId}, ${ref.table}, ${ref.column}, 'moved', j FROM u RETURNING 1)
        SELECT count(*)::int AS n FROM i`.execute(tx);
      return { moved: m.rows[0]!.n, removed };
    },

    /**
     * Puts back what `moveRefs` did for one foreign key: moved rows still pointing at the survivor point at
     * their contact again (found by primary key, or by all their other columns), removed rows come back.
     */
    async restoreRefs(ref: ContactRef, mergeId: string, survivorId: string, tx: Executor) {
      const t = sql.raw(ref.table);
      const c = sql.raw(ident(ref.column));
      const keyCols = ref.primaryKey.filter((k) => k !== ref.column);
      const identity = ref.primaryKey.length
        ? sql.raw(
            keyCols.length
              ? keyCols.map((k) => `to_jsonb(t.${ident(k)}) = (r.row_data::jsonb -> '${k.replace(/'/g, "''")}')`).join(' AND ')
              : 'true',
          )
        : sql`(to_jsonb(t.*) - ${ref.column}::text) = (r.row_data::jsonb - ${ref.column}::text)`;
      await sql`
        UPDATE ${t} t SET ${c} = (r.row_data ->> ${ref.column})::uuid
        FROM contact_merge_refs r
        WHERE r.merge_id = ${mergeId} AND r.table_name = ${ref.table} AND r.column_name = ${ref.column} AND r.kind = 'moved'
          AND t.${c} = ${survivorId} AND ${identity}`.execute(tx);
      await sql`
        INSERT INTO ${t} OVERRIDING SYSTEM VALUE
        SELECT * FROM json_populate_recordset(null::${t}, (
          SELECT json_agg(row_data ORDER BY seq) FROM contact_merge_refs
          WHERE merge_id = ${mergeId} AND table_name = ${ref.table} AND column_name = ${ref.column} AND kind = 'removed'))
        ON CONFLICT DO NOTHING`.execute(tx);
    },

    /** The team's live contacts that report to one of `ids`, locked, by id (contacts_reports_to_idx). */
    async reportingTo(teamId: string, ids: readonly string[], tx: Executor): Promise<{ id: string; reportsToContactId: string }[]> {
      const r = await sql<{ id: string; reportsToContactId: string }>`
        SELECT id, reports_to_contact_id FROM contacts
        WHERE reports_to_contact_id = ANY(${ids}::uuid[]) AND team_id = ${teamId} AND deleted_at IS NULL
        ORDER BY id FOR UPDATE`.execute(tx);
      return r.rows;
    },
    /** Records who reported to whom before a merge moved them (undo puts them back). */
    async recordReportsTo(mergeId: string, rows: readonly { id: string; reportsToContactId: string }[], tx: Executor) {
      if (!rows.length) return;
      await sql`
        INSERT INTO contact_merge_refs (merge_id, table_name, column_name, kind, row_data)
        SELECT ${mergeId}, 'contacts', 'reports_to_contact_id', 'moved', json_build_object('id', u.id, 'reports_to_contact_id', u.r)
        FROM unnest(${rows.map((x) => x.id)}::uuid[], ${rows.map((x) => x.reportsToContactId)}::uuid[]) AS u(id, r)
        ORDER BY u.id`.execute(tx);
    },
    /** Who reported to a merged contact before the merge: contact id and the merged contact. */
    async recordedReportsTo(mergeId: string, tx: Executor): Promise<{ id: string; reportsToContactId: string }[]> {
      const r = await sql<{ id: string; reportsToContactId: string }>`
        SELECT row_data ->> 'id' AS id, row_data ->> 'reports_to_contact_id' AS reports_to_contact_id FROM contact_merge_refs
        WHERE merge_id = ${mergeId} AND table_name = 'contacts' AND column_name = 'reports_to_contact_id' ORDER BY seq`.execute(tx);
      return r.rows;
    },

    /** The team's live contacts among `ids`. */
    async liveContacts(teamId: string, ids: readonly string[], tx: Executor): Promise<ContactRow[]> {
      if (!ids.length) return [];
      return tx
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('id', 'in', ids)
        .where('deletedAt', 'is', null)
        .execute();
    },
    /** One group of a bulk merge may fail without undoing the others of its batch. */
    async savepoint(tx: Executor) {
      await sql`SAVEPOINT merge_group`.execute(tx);
    },
    async releaseSavepoint(tx: Executor) {
      await sql`RELEASE SAVEPOINT merge_group`.execute(tx);
    },
    async rollbackToSavepoint(tx: Executor) {
      await sql`ROLLBACK TO SAVEPOINT merge_group`.execute(tx);
    },

    /** The team's live or trashed contacts among `ids`, locked, in no particular order. */
    async lockContacts(teamId: string, ids: readonly string[], tx: Executor): Promise<ContactRow[]> {
      return tx.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('id', 'in', ids).forUpdate().execute();
    },

    /** Records a merge with the contacts as they are now (row_to_json, kept as json so each column's text round-trips). */
    async insertMerge(
      m: {
        id: string;
        teamId: string;
        survivorId: string;
        mergedIds: readonly string[];
        actorId: string | null;
        actorLabel: string | null;
      },
      tx: Executor,
    ) {
      await sql`
        INSERT INTO contact_merges (id, team_id, survivor_id, merged_ids, snapshots, survivor_version, actor_id, actor_label, created_at)
        SELECT ${m.id}, ${m.teamId}, ${m.survivorId}, ${m.mergedIds}::uuid[],
          (SELECT json_agg(row_to_json(c.*)) FROM contacts c WHERE c.team_id = ${m.teamId}
             AND c.id = ANY(${[m.survivorId, ...m.mergedIds]}::uuid[])),
          0, ${m.actorId}, ${m.actorLabel}, now()`.execute(tx);
    },
    async setSurvivorVersion(id: string, version: number, tx: Executor) {
      await sql`UPDATE contact_merges SET survivor_version = ${version} WHERE id = ${id}`.execute(tx);
    },
    async findMerge(teamId: string, id: string, tx: Executor, o: { forUpdate?: boolean } = {}): Promise<MergeRow | undefined> {
      const r = await sql<MergeRow>`
        SELECT id, team_id, survivor_id, merged_ids, snapshots::text AS snapshots, survivor_version, actor_id, actor_label,
               created_at, undone_at
        FROM contact_merges WHERE team_id = ${teamId} AND id = ${id} ${o.forUpdate ? sql`FOR UPDATE` : sql``}`.execute(tx);
      return r.rows[0];
    },
    async markUndone(id: string, tx: Executor) {
      await sql`UPDATE contact_merges SET undone_at = now() WHERE id = ${id}`.execute(tx);
      await sql`DELETE FROM contact_merge_refs WHERE merge_id = ${id}`.execute(tx);
    },
    /** The contacts merged into `survivorId` by merges not undone (their history is the survivor's too). */
    async mergedInto(teamId: string, survivorId: string, tx: Executor): Promise<string[]> {
      const r = await sql<{ id: string }>`
        SELECT DISTINCT unnest(merged_ids) AS id FROM contact_merges
        WHERE team_id = ${teamId} AND survivor_id = ${survivorId} AND undone_at IS NULL`.execute(tx);
      return r.rows.map((x) => x.id);
    },
    /** The merges of the team not undone, newest first (the last few, for the review page's undo). */
    async recentMerges(teamId: string, since: Date, limit: number, tx: Executor) {
      const r = await sql<{ id: string; survivorId: string; mergedIds: string[]; createdAt: Date; actorLabel: string | null }>`
        SELECT id, survivor_id, merged_ids, created_at, actor_label FROM contact_merges
        WHERE team_id = ${teamId} AND undone_at IS NULL AND created_at >= ${since}
        ORDER BY created_at DESC LIMIT ${limit}`.execute(tx);
      return r.rows;
    },
    /** Forgets merges older than `before` (the undo window is over), a batch at a time. */
    async deleteMergesBefore(before: Date, batch: number, tx: Executor): Promise<number> {
      const r = await sql`
        DELETE FROM contact_merges WHERE id IN (SELECT id FROM contact_merges WHERE created_at < ${before} LIMIT ${batch})`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    },
  };
}
export type MergeRepo = ReturnType<typeof createMergeRepo>;
