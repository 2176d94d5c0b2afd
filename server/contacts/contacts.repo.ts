import { sql, type RawBuilder } from 'kysely';
import { ADHOC, type Db, type Executor } from '../db/client.ts';
import { compiledOnce } from '../db/compiled.ts';
import { copyOutColumn, inlineParameters } from '../db/copy.ts';
import type { ContactRow } from '../db/schema.ts';
import { CJK_RANGES } from './search.rules.ts';

/** A code point in a PostgreSQL regex (`\uXXXX`, `\UXXXXXXXX`). */
const pgCodePoint = (cp: number) => (cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`);
/**
 * The rows whose search columns are older than version 2 (what `contacts.reindex-search` rewrites). The text is
 * the predicate of migration 0007's partial index (contacts_search_stale_idx), which PostgreSQL uses only for
 * this very text: search-reindex.api.test.ts checks they are equal (a change of CJK_RANGES needs a new index).
 */
export const STALE_SEARCH_ROWS = `search_version < 1 OR (search_version < 2 AND (coalesce(first_name, '') || coalesce(last_name, '')) ~ '[${CJK_RANGES.map(
  ([lo, hi]) => `${pgCodePoint(lo)}-${pgCodePoint(hi)}`,
).join('')}]')`;

/** The directory scope of a listing or bulk action, without the search text. */
export interface ScopeFilter {
  status?: 'active' | 'inactive' | 'all';
  verified?: boolean;
  companyId?: string;
  ids?: string[];
  /** a bulk job's bound: only rows created at or before its request (never those added while it runs) */
  createdBefore?: Date;
}
export const SORT_COLUMNS = {
  lastName: 'sk_last',
  firstName: 'sk_first',
  company: 'sk_company',
  primaryEmail: 'sk_email',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const;
export type SortField = keyof typeof SORT_COLUMNS;
export interface SortSpec {
  field: SortField;
  desc: boolean;
}
export interface PageOptions {
  sort: SortSpec;
  limit: number;
  pattern?: string;
  /** what the trigram index looks up (default: the whole pattern, in the team's rows) */
  core?: IndexLookup | null;
  /** keyset: the sort value (as text) and id of the last row of the previous page */
  after?: { k: string; id: string };
}
export type ListedRow = ContactRow & { sortValue: string };
/** The needle's rare trigrams, for the trigram index; the whole pattern then filters what they find. */
export interface IndexLookup {
  trigrams: string[];
  /** false: the team is checked on the rows found, not looked up in the index (a big team's list is long) */
  teamInIndex: boolean;
}

const isTimestamp = (f: SortField) => f === 'createdAt' || f === 'updatedAt';

function scope(teamId: string, f: ScopeFilter, core?: IndexLookup | null): RawBuilder<unknown> {
  // `team_id::text` is not the indexed expression: the planner cannot add the team's posting list to the lookup
  const team = core && !core.teamInIndex ? sql`team_id::text = ${teamId}` : sql`team_id = ${teamId}`;
  const parts = [team, sql`deleted_at IS NULL`];
  if (f.status === 'active') parts.push(sql`active`);
  if (f.status === 'inactive') parts.push(sql`NOT active`);
  if (f.verified === true) parts.push(sql`portal_verified_at IS NOT NULL`);
  if (f.verified === false) parts.push(sql`portal_verified_at IS NULL`);
  if (f.companyId) parts.push(sql`company_id = ${f.companyId}`);
  if (f.ids) parts.push(sql`id = ANY(${f.ids}::uuid[])`);
  if (f.createdBefore) parts.push(sql`created_at <= ${f.createdBefore}`);
  return sql.join(parts, sql` AND `);
}

function listColumns(sort: SortSpec) {
  return sql`*, ${sql.raw(SORT_COLUMNS[sort.field])}::text AS sort_value`;
}

function orderBy(sort: SortSpec, key: string = SORT_COLUMNS[sort.field], id = 'id') {
  const dir = sort.desc ? 'DESC' : 'ASC';
  return sql.raw(`${key} ${dir}, ${id} ${dir}`);
}

function keyset(o: PageOptions, prefix = '', key: string = SORT_COLUMNS[o.sort.field]) {
  if (!o.after) return sql``;
  const col = sql.raw(prefix + key);
  const id = sql.raw(`${prefix}id`);
  const k = isTimestamp(o.sort.field) ? sql`${o.after.k}::timestamptz` : sql`${o.after.k}`;
  return o.sort.desc ? sql`AND (${col}, ${id}) < (${k}, ${o.after.id}::uuid)` : sql`AND (${col}, ${id}) > (${k}, ${o.after.id}::uuid)`;
}

/**
 * `search_text LIKE pattern`, for a plan through the trigram index. With a core, the index looks up only
 * the core's trigrams (`LIKE '%abc%'` is exactly the trigram abc) and the whole pattern is checked on the
 * rows they leave; `search_text || ''` is not the indexed expression, so the planner cannot hand the
 * pattern's common trigrams to the index.
 */
function matchCond(pattern: string, core?: IndexLookup | null): RawBuilder<unknown> {
  if (!core?.trigrams.length) return sql`search_text LIKE ${pattern}`;
  const lookups = core.trigrams.map((t) => sql`search_text LIKE ${`%${t}%`}`);
  return sql.join([...lookups, sql`(search_text || '') LIKE ${pattern}`], sql` AND `);
}
const andMatch = (pattern: string | undefined, core?: IndexLookup | null) => (pattern ? sql`AND ${matchCond(pattern, core)}` : sql``);

/** Runs raw SQL; `adhoc` queries (search patterns) are planned for their values, never generically. */
async function run<Row>(tx: Executor, query: RawBuilder<unknown>, adhoc: boolean): Promise<Row[]> {
  const q = adhoc ? sql`${sql.raw(ADHOC)} ${query}` : query;
  return (await q.execute(tx)).rows as Row[];
}

export function createContactsRepo(db: Executor) {
  // GET /contacts/:id is the hottest read: compiled once (parameters: team id, contact id)
  const byId = compiledOnce(() =>
    db.selectFrom('contacts').selectAll().where('teamId', '=', '').where('id', '=', '').where('deletedAt', 'is', null),
  );
  return {
    async findById(teamId: string, id: string, opts: { forUpdate?: boolean } = {}, tx: Executor = db): Promise<ContactRow | undefined> {
      if (!opts.forUpdate) return (await byId(tx, [teamId, id]))[0];
      return tx
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .where('deletedAt', 'is', null)
        .forUpdate()
        .executeTakeFirst();
    },
    findByPrimaryEmail(teamId: string, email: string, tx: Executor = db) {
      return tx
        .selectFrom('contacts')
        .select(['id', 'firstName', 'lastName'])
        .where('teamId', '=', teamId)
        .where('primaryEmail', '=', email)
        .where('deletedAt', 'is', null)
        .executeTakeFirst();
    },
    /** The page of a directory listing: keyset on (sort key, id); `pattern` is a LIKE over search_text. */
    page(teamId: string, f: ScopeFilter, o: PageOptions, tx: Executor = db): Promise<ListedRow[]> {
      return run<ListedRow>(
        tx,
        sql`SELECT ${listColumns(o.sort)} FROM contacts
            WHERE ${scope(teamId, f)} ${o.pattern ? sql`AND search_text LIKE ${o.pattern}` : sql``} ${keyset(o)}
            ORDER BY ${orderBy(o.sort)} LIMIT ${o.limit}`,
        !!o.pattern,
      );
    },
    /**
     * Search, dense case: walks the sort index from the cursor and filters, looking at no more than
     * `budget` rows. When matches are common this finds a page after a few hundred rows, without
     * sorting anything. `rn` says how many rows were looked at (for an estimate of the total).
     */
    scanPage(teamId: string, f: ScopeFilter, o: PageOptions & { pattern: string; budget: number }, tx: Executor = db) {
      // ids, keys and search text come from the sort index alone (index-only, migration 0006); only the
      // rows of the page are then read from the table
      const k = sql.raw(SORT_COLUMNS[o.sort.field]);
      return run<ListedRow & { rn: number }>(
        tx,
        sql`WITH w AS (
              SELECT s.*, row_number() OVER () AS rn FROM (
                SELECT id, ${k} AS k, search_text FROM contacts WHERE ${scope(teamId, f)} ${keyset(o)}
                ORDER BY ${orderBy(o.sort)} LIMIT ${o.budget}) s),
            p AS (SELECT id, k, rn FROM w WHERE search_text LIKE ${o.pattern} LIMIT ${o.limit})
            SELECT c.*, p.k::text AS sort_value, p.rn FROM p JOIN contacts c ON c.id = p.id
            ORDER BY ${orderBy(o.sort, 'p.k', 'p.id')}`,
        true,
      );
    },
    /**
     * How many of the scope's `window` newest rows match: a sample taken in creation order, whatever the
     * sort a search asked for, from the created-at index alone (it carries search_text, migration 0006).
     */
    async matchShare(teamId: string, f: ScopeFilter, o: { pattern: string; window: number }, tx: Executor = db) {
      const [r] = await run<{ hits: number; rows: number }>(
        tx,
        sql`SELECT count(*) FILTER (WHERE search_text LIKE ${o.pattern})::int AS hits, count(*)::int AS rows FROM (
              SELECT search_text FROM contacts WHERE ${scope(teamId, f)}
              ORDER BY ${orderBy({ field: 'createdAt', desc: true })} LIMIT ${o.window}) w`,
        true,
      );
      return r!;
    },
    /**
     * Search, sparse case: all matches through the trigram index, counted exactly, then sorted.
     * The planner is told not to walk a sort index instead (it cannot know the matches are rare).
     */
    async matchPage(teamId: string, f: ScopeFilter, o: PageOptions & { pattern: string }, tx: Db = db as Db) {
      const k = sql.raw(SORT_COLUMNS[o.sort.field]);
      return tx.transaction().execute(async (t) => {
        await sql`SET LOCAL enable_indexscan = off`.execute(t);
        await sql`SET LOCAL enable_seqscan = off`.execute(t);
        // sort narrow (id, key) pairs, then fetch only the rows of the page
        return run<ListedRow & { fullCount: number }>(
          t,
          sql`WITH m AS MATERIALIZED (
                SELECT id, ${k} AS k, count(*) OVER () AS full_count FROM contacts
                WHERE ${scope(teamId, f, o.core)} ${andMatch(o.pattern, o.core)}),
              p AS (SELECT * FROM m WHERE true ${keyset(o, 'm.', 'k')} ORDER BY ${orderBy(o.sort, 'k')} LIMIT ${o.limit})
              SELECT c.*, p.k::text AS sort_value, p.full_count FROM p JOIN contacts c ON c.id = p.id
              ORDER BY ${orderBy(o.sort, 'p.k', 'p.id')}`,
          true,
        );
      });
    },
    /**
     * Search in a scope of at most `budget` rows (a small team): walks all of it, never the trigram index,
     * whose posting lists hold every team's rows. Answers the page and the exact number of matches.
     */
    walkAll(teamId: string, f: ScopeFilter, o: PageOptions & { pattern: string; budget: number }, tx: Executor = db) {
      const k = sql.raw(SORT_COLUMNS[o.sort.field]);
      return run<ListedRow & { fullCount: number }>(
        tx,
        sql`WITH m AS (
              SELECT w.id, w.k, count(*) OVER () AS full_count FROM (
                SELECT id, ${k} AS k, search_text FROM contacts WHERE ${scope(teamId, f)}
                ORDER BY ${orderBy(o.sort)} LIMIT ${o.budget}) w
              WHERE w.search_text LIKE ${o.pattern}),
            p AS (SELECT * FROM m WHERE true ${keyset(o, 'm.', 'k')} ORDER BY ${orderBy(o.sort, 'k')} LIMIT ${o.limit})
            SELECT c.*, p.k::text AS sort_value, p.full_count FROM p JOIN contacts c ON c.id = p.id
            ORDER BY ${orderBy(o.sort, 'p.k', 'p.id')}`,
        true,
      );
    },
    /**
     * Exact up to `cap` rows; above that the planner's estimate, flagged as such. With `trustEstimateAbove`
     * (no pattern only) the estimate comes first and, when it is above that many rows, is the answer: a
     * team of a million rows is not counted up to the cap on every page (~8 ms) only to be estimated anyway.
     */
    async count(
      teamId: string,
      f: ScopeFilter & { pattern?: string; core?: IndexLookup | null },
      cap: number,
      tx: Executor = db,
      o: { trustEstimateAbove?: number } = {},
    ): Promise<{ total: number; estimate: boolean }> {
      const where = sql`${scope(teamId, f, f.core)} ${andMatch(f.pattern, f.core)}`;
      const estimate = async () => {
        const plan = await sql<{
          'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }];
        }>`EXPLAIN (FORMAT JSON) SELECT 1 FROM contacts WHERE ${where}`.execute(tx);
        return Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows']);
      };
      if (o.trustEstimateAbove !== undefined && !f.pattern) {
        const planned = await estimate();
        if (planned > Math.max(o.trustEstimateAbove, cap)) return { total: planned, estimate: true };
      }
      const [exact] = await run<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts WHERE ${where} LIMIT ${cap + 1}) s`,
        !!f.pattern,
      );
      if (exact!.n <= cap) return { total: exact!.n, estimate: false };
      return { total: Math.max(exact!.n, await estimate()), estimate: true };
    },
    /** The database's clock: the bound of a bulk job's selection, compared with created_at. */
    async now(tx: Executor = db): Promise<Date> {
      const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(tx);
      return rows[0]!.now;
    },
    /** Ids matching a filter (bulk actions), in id order after `afterId`. */
    async idsMatching(teamId: string, f: ScopeFilter & { pattern?: string }, o: { limit: number; afterId?: string }, tx: Executor = db) {
      const rows = await run<{ id: string }>(
        tx,
        sql`SELECT id FROM contacts WHERE ${scope(teamId, f)} ${f.pattern ? sql`AND search_text LIKE ${f.pattern}` : sql``}
            ${o.afterId ? sql`AND id > ${o.afterId}` : sql``} ORDER BY id LIMIT ${o.limit}`,
        !!f.pattern,
      );
      return rows.map((r) => r.id);
    },
    /** The planner's estimate of the contacts table's rows (0 before it was first analysed). */
    async tableRowsEstimate(): Promise<number> {
      const [cls] = (await sql<{ n: number }>`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'contacts'::regclass`.execute(db))
        .rows;
      return Math.max(0, cls?.n ?? 0);
    },
    /** The search text of up to `limit` live contacts from `percent` % of the table's pages, taken at random. */
    async sampleSearchText(percent: number, limit: number): Promise<{ searchText: string }[]> {
      const { rows } = await sql<{ searchText: string }>`
      SELECT search_text FROM contacts TABLESAMPLE SYSTEM (${percent})
      WHERE deleted_at IS NULL AND search_text <> '' LIMIT ${limit}`.execute(db);
      return rows;
    },
    /** Rows matching a filter in id order after `afterId`, with a caller's select list (a constant such as the
     *  export's columns, never user input; every column by default). */
    async rowsMatching<Row>(
      teamId: string,
      f: ScopeFilter & { pattern?: string },
      o: { limit: number; afterId?: string; select?: string },
      tx: Executor = db,
    ): Promise<Row[]> {
      return run<Row>(
        tx,
        sql`SELECT ${sql.raw(o.select ?? '*')} FROM contacts WHERE ${scope(teamId, f)} ${f.pattern ? sql`AND search_text LIKE ${f.pattern}` : sql``}
            ${o.afterId ? sql`AND id > ${o.afterId}` : sql``} ORDER BY id LIMIT ${o.limit}`,
        !!f.pattern,
      );
    },
    /**
     * `line` (an SQL expression over a contacts row) of every row matching a filter, in id order, as bytes
     * streamed by one `COPY … TO STDOUT`: one statement, so one snapshot, and the rows are read from the server
     * as fast as the caller takes them (exports: the database writes the file's text).
     */
    linesMatching(teamId: string, f: ScopeFilter & { pattern?: string }, o: { line: RawBuilder<string> }, tx: Executor = db) {
      const q = sql`SELECT ${o.line} FROM contacts WHERE ${scope(teamId, f)} ${f.pattern ? sql`AND search_text LIKE ${f.pattern}` : sql``}
          ORDER BY id`;
      return copyOutColumn(tx, inlineParameters(q.compile(db)));
    },
    /** Rows among `ids`, live (default) or in the trash, locked for a change in id order (the lock order). */
    lockMany(teamId: string, ids: string[], tx: Executor = db, o: { trashed?: boolean } = {}): Promise<ContactRow[]> {
      if (!ids.length) return Promise.resolve([]);
      return tx
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('id', 'in', ids)
        .where('deletedAt', o.trashed ? 'is not' : 'is', null)
        .orderBy('id')
        .forUpdate()
        .execute();
    },
    /** Newest deletions first, keyset on (deleted_at, id). */
    trash(teamId: string, o: { limit: number; pattern?: string; after?: { k: string; id: string } }, tx: Executor = db) {
      return run<ContactRow & { sortValue: string }>(
        tx,
        sql`SELECT *, deleted_at::text AS sort_value FROM contacts
            WHERE team_id = ${teamId} AND deleted_at IS NOT NULL ${o.pattern ? sql`AND search_text LIKE ${o.pattern}` : sql``}
            ${o.after ? sql`AND (deleted_at, id) < (${o.after.k}::timestamptz, ${o.after.id}::uuid)` : sql``}
            ORDER BY deleted_at DESC, id DESC LIMIT ${o.limit}`,
        !!o.pattern,
      );
    },
    async trashCount(teamId: string, pattern: string | undefined, tx: Executor = db) {
      const [r] = await run<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NOT NULL
            ${pattern ? sql`AND search_text LIKE ${pattern}` : sql``}`,
        !!pattern,
      );
      return r!.n;
    },
    /** Rows whose search columns an older normaliser computed differently (or none: rows from before 0003). */
    async staleSearchRows(batch: number, tx: Executor = db): Promise<ContactRow[]> {
      // only through the partial index on exactly these rows: without stale rows a scan would read the table
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      return run<ContactRow>(
        tx,
        sql`SELECT * FROM contacts WHERE ${sql.raw(STALE_SEARCH_ROWS)} LIMIT ${batch} FOR UPDATE SKIP LOCKED`,
        false,
      );
    },
    /** Live contacts whose primary email is one of `emails` (who blocks a restore). */
    liveByPrimaryEmails(teamId: string, emails: string[], tx: Executor = db) {
      if (!emails.length) return Promise.resolve([]);
      return tx
        .selectFrom('contacts')
        .select(['id', 'firstName', 'lastName', 'primaryEmail'])
        .where('teamId', '=', teamId)
        .where('primaryEmail', 'in', emails)
        .where('deletedAt', 'is', null)
        .execute();
    },
    /** Ids in the trash matching a search, deleted at or before `deletedBefore`, in id order after `afterId`. */
    async trashIdsMatching(
      teamId: string,
      o: { pattern?: string; deletedBefore: Date; limit: number; afterId?: string },
      tx: Executor = db,
    ): Promise<string[]> {
      const rows = await run<{ id: string }>(
        tx,
        sql`SELECT id FROM contacts
            WHERE team_id = ${teamId} AND deleted_at IS NOT NULL AND deleted_at <= ${o.deletedBefore}
            ${o.pattern ? sql`AND search_text LIKE ${o.pattern}` : sql``} ${o.afterId ? sql`AND id > ${o.afterId}` : sql``}
            ORDER BY id LIMIT ${o.limit}`,
        !!o.pattern,
      );
      return rows.map((r) => r.id);
    },
    /** How many rows in the trash match a search, deleted at or before `deletedBefore`. */
    async trashCountMatching(teamId: string, o: { pattern?: string; deletedBefore: Date }, tx: Executor = db): Promise<number> {
      const [r] = await run<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM contacts
            WHERE team_id = ${teamId} AND deleted_at IS NOT NULL AND deleted_at <= ${o.deletedBefore}
            ${o.pattern ? sql`AND search_text LIKE ${o.pattern}` : sql``}`,
        !!o.pattern,
      );
      return r!.n;
    },
  };
}
export type ContactsRepo = ReturnType<typeof createContactsRepo>;
