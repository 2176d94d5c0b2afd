// SQL of the duplicate finder. Candidate groups are keyed by what the contacts share: an email (primary or
// labeled, case-folded: contact_email_keys() and its GIN index), an E.164 phone (phones_e164 and its GIN
// index), or the same folded name at the same company (contacts_company_name_idx). A group is anchored at
// its smallest contact id, so paging by anchor walks each group once.
// - `livePage` computes a page directly: the next contacts by id, each looked up by index.
// - `scan` computes every group with GROUP BY (a job) into duplicate_groups; `scanPage` pages them.
import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';

export type DuplicateReason = 'email' | 'phone' | 'name';
export interface GroupRow {
  anchorId: string;
  reason: DuplicateReason;
  key: string;
  contactIds: string[];
}

/** Most contacts listed in one group (a shared address like info@ could gather thousands; nobody merges those at once). */
export const GROUP_IDS_MAX = 50;

const live = sql`deleted_at IS NULL`;
/**
 * The team of a row looked up by email or phone, checked on the rows found rather than in the GIN index: with
 * team_id in a GIN look-up, every look-up intersects the team's posting list (as long as the team); an email
 * or a phone is on a handful of rows. (`::text` keeps the planner from using the column in the index.)
 */
const sameTeam = (alias: string, teamId: string) => sql`${sql.raw(alias)}.team_id::text = ${teamId}::text`;
/** The folded last and first names (the first two parts of the sort key sk_last), as contacts_company_name_idx holds them. */
const nameOf = (a: string) => sql.raw(`(split_part(${a}.sk_last, E'\\x01', 1) || E'\\x01' || split_part(${a}.sk_last, E'\\x01', 2))`);
/** The key of a name group: the company and the folded name. */
const nameKey = (a: string) => sql`(${sql.raw(a)}.company_id::text || ':' || ${nameOf(a)})`;
/** Not a name at all: neither a last nor a first name. */
const hasName = (a: string) => sql`${nameOf(a)} <> E'\\x01'`;

export function createDuplicatesRepo() {
  return {
    /**
     * Groups anchored at the next `probe` live contacts after `after` (by id). Answers the groups (by
     * anchor, reason, key) and the last contact probed (null: the end of the directory).
     */
    async livePage(
      teamId: string,
      after: string | null,
      probe: number,
      tx: Executor,
    ): Promise<{ groups: GroupRow[]; lastProbed: string | null }> {
      const probed = await sql<{ id: string }>`
        SELECT id FROM contacts WHERE team_id = ${teamId} AND ${live} ${after ? sql`AND id > ${after}` : sql``}
        ORDER BY id LIMIT ${probe}`.execute(tx);
      const ids = probed.rows.map((x) => x.id);
      if (!ids.length) return { groups: [], lastProbed: null };
      // the estimate of the look-ups below is far above jit_above_cost, and compiling the query costs more than
      // running it (seconds on a loaded machine, for a query of a few hundred milliseconds)
      if (tx.isTransaction) await sql`SET LOCAL jit = off`.execute(tx);
      const r = await sql<GroupRow>`
        WITH c AS MATERIALIZED (
          SELECT id, company_id, ${nameOf('contacts')} AS name, contact_email_keys(primary_email, emails) AS ek, phones_e164
          FROM contacts WHERE team_id = ${teamId} AND id = ANY(${ids}::uuid[]) AND ${live}),
        g AS (
          SELECT c.id AS anchor_id, 'email' AS reason, k AS key, x.ids AS contact_ids
          FROM c CROSS JOIN LATERAL unnest(c.ek) AS k
          CROSS JOIN LATERAL (
            SELECT array_agg(o.id ORDER BY o.id) AS ids FROM contacts o
            WHERE ${sameTeam('o', teamId)} AND o.deleted_at IS NULL AND contact_email_keys(o.primary_email, o.emails) @> ARRAY[k]) x
          WHERE x.ids[1] = c.id AND cardinality(x.ids) > 1
          UNION ALL
          SELECT c.id, 'phone', k, x.ids
          FROM c CROSS JOIN LATERAL unnest(c.phones_e164) AS k
          CROSS JOIN LATERAL (
            SELECT array_agg(o.id ORDER BY o.id) AS ids FROM contacts o
            WHERE ${sameTeam('o', teamId)} AND o.deleted_at IS NULL AND o.phones_e164 @> ARRAY[k]) x
          WHERE x.ids[1] = c.id AND cardinality(x.ids) > 1
          UNION ALL
          SELECT c.id, 'name', c.company_id::text || ':' || c.name, x.ids
          FROM c CROSS JOIN LATERAL (
            SELECT array_agg(o.id ORDER BY o.id) AS ids FROM contacts o
            WHERE o.team_id = ${teamId} AND o.deleted_at IS NULL AND o.company_id = c.company_id AND ${nameOf('o')} = c.name) x
          WHERE c.company_id IS NOT NULL AND c.name <> E'\\x01' AND x.ids[1] = c.id AND cardinality(x.ids) > 1)
        SELECT anchor_id, reason, key, contact_ids[1:${GROUP_IDS_MAX}] AS contact_ids FROM g
        ORDER BY anchor_id, reason, key`.execute(tx);
      // fewer contacts than asked: the end of the directory
      return { groups: r.rows, lastProbed: ids.length < probe ? null : ids.at(-1)! };
    },

    /** Replaces the team's scanned groups with those of reason `reason`, computed over every live contact. Answers how many. */
    async scanReason(teamId: string, reason: DuplicateReason, tx: Executor): Promise<number> {
      // plain aggregations: JIT compiling them costs more than it saves (the live page measured 6.4 s with it, 0.5 s without)
      if (tx.isTransaction) await sql`SET LOCAL jit = off`.execute(tx);
      await sql`DELETE FROM duplicate_groups WHERE team_id = ${teamId} AND reason = ${reason}`.execute(tx);
      const source =
        reason === 'email'
          ? sql`SELECT lower(primary_email) AS k, id FROM contacts WHERE team_id = ${teamId} AND ${live} AND primary_email IS NOT NULL
                UNION ALL
                SELECT lower(j.value), c.id FROM contacts c CROSS JOIN LATERAL json_each_text(c.emails) j
                WHERE c.team_id = ${teamId} AND c.deleted_at IS NULL AND c.emails::text NOT IN ('{}', '')`
          : reason === 'phone'
            ? sql`SELECT k, id FROM contacts CROSS JOIN LATERAL unnest(phones_e164) k
                  WHERE team_id = ${teamId} AND ${live} AND phones_e164 <> '{}'`
            : sql`SELECT ${nameKey('contacts')} AS k, id FROM contacts
                  WHERE team_id = ${teamId} AND ${live} AND company_id IS NOT NULL AND ${hasName('contacts')}`;
      const r = await sql<{ n: number }>`
        WITH g AS (
          SELECT k, array_agg(DISTINCT id ORDER BY id) AS ids FROM (${source}) s WHERE k IS NOT NULL AND k <> ''
          GROUP BY k HAVING count(DISTINCT id) > 1),
        i AS (
          INSERT INTO duplicate_groups (team_id, anchor_id, reason, key, contact_ids)
          SELECT ${teamId}, ids[1], ${reason}, k, ids[1:${GROUP_IDS_MAX}] FROM g
          ON CONFLICT DO NOTHING RETURNING 1)
        SELECT count(*)::int AS n FROM i`.execute(tx);
      return r.rows[0]!.n;
    },
    async startScan(teamId: string, jobId: string, tx: Executor) {
      await sql`
        INSERT INTO duplicate_scans (team_id, job_id, started_at) VALUES (${teamId}, ${jobId}, now())
        ON CONFLICT (team_id) DO UPDATE SET job_id = excluded.job_id, started_at = excluded.started_at, finished_at = NULL, groups = NULL`.execute(
        tx,
      );
    },
    async finishScan(teamId: string, groups: number, tx: Executor) {
      await sql`UPDATE duplicate_scans SET finished_at = now(), groups = ${groups} WHERE team_id = ${teamId}`.execute(tx);
    },
    async lastScan(teamId: string, tx: Executor) {
      const r = await sql<{ jobId: string | null; startedAt: Date; finishedAt: Date | null; groups: number | null }>`
        SELECT job_id, started_at, finished_at, groups FROM duplicate_scans WHERE team_id = ${teamId}`.execute(tx);
      return r.rows[0];
    },

    /** Scanned groups after the cursor, with only their contacts still live (a group may have fewer than two now). */
    async scanPage(teamId: string, after: { anchorId: string; reason: string; key: string } | null, limit: number, tx: Executor) {
      const r = await sql<GroupRow>`
        SELECT g.anchor_id, g.reason, g.key,
          array(SELECT c.id FROM contacts c WHERE c.team_id = ${teamId} AND c.id = ANY(g.contact_ids) AND c.deleted_at IS NULL
                ORDER BY c.id) AS contact_ids
        FROM duplicate_groups g
        WHERE g.team_id = ${teamId} ${after ? sql`AND (g.anchor_id, g.reason, g.key) > (${after.anchorId}::uuid, ${after.reason}, ${after.key})` : sql``}
        ORDER BY g.anchor_id, g.reason, g.key LIMIT ${limit}`.execute(tx);
      return r.rows;
    },
  };
}
export type DuplicatesRepo = ReturnType<typeof createDuplicatesRepo>;
