import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';
import { compiledOnce } from '../db/compiled.ts';
import type { ContactRow, ContactUpdate, NewContactRow } from '../db/schema.ts';

export function createContactsRepo(db: Executor) {
  // GET /contacts/:id is the hottest read: compiled once (parameters: team id, contact id)
  const byId = compiledOnce(() => db.selectFrom('contacts').selectAll().where('teamId', '=', '').where('id', '=', ''));
  return {
    async findById(teamId: string, id: string, opts: { forUpdate?: boolean } = {}, tx: Executor = db): Promise<ContactRow | undefined> {
      if (!opts.forUpdate) return (await byId(tx, [teamId, id]))[0];
      return tx.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('id', '=', id).forUpdate().executeTakeFirst();
    },
    findByPrimaryEmail(teamId: string, email: string, tx: Executor = db) {
      return tx
        .selectFrom('contacts')
        .select(['id', 'firstName', 'lastName'])
        .where('teamId', '=', teamId)
        .where('primaryEmail', '=', email)
        .executeTakeFirst();
    },
    insert(row: NewContactRow, tx: Executor = db): Promise<ContactRow> {
      return tx.insertInto('contacts').values(row).returningAll().executeTakeFirstOrThrow();
    },
    /** Inserts many rows; rows whose primary email is taken are skipped. Returns the ids written. */
    async insertMany(rows: NewContactRow[], tx: Executor = db): Promise<string[]> {
      const out = await tx
        .insertInto('contacts')
        .values(rows)
        .onConflict((oc) => oc.columns(['teamId', 'primaryEmail']).where('primaryEmail', 'is not', null).doNothing())
        .returning('id')
        .execute();
      return out.map((r) => r.id);
    },
    update(teamId: string, id: string, patch: ContactUpdate, tx: Executor = db): Promise<ContactRow | undefined> {
      return tx
        .updateTable('contacts')
        .set({ ...patch, version: sql<number>`version + 1`, updatedAt: sql`now()` })
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },
    delete(teamId: string, id: string, tx: Executor = db) {
      return tx.deleteFrom('contacts').where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    /** Newest first, keyset-paged on id (UUIDv7, so id order is creation order). */
    list(teamId: string, opts: { limit: number; beforeId?: string }, tx: Executor = db) {
      let q = tx.selectFrom('contacts').selectAll().where('teamId', '=', teamId);
      if (opts.beforeId) q = q.where('id', '<', opts.beforeId);
      return q.orderBy('id', 'desc').limit(opts.limit).execute();
    },
    /** Exact up to `cap` rows; above that the planner's estimate, flagged as such. */
    async count(teamId: string, cap: number, tx: Executor = db): Promise<{ total: number; estimate: boolean }> {
      const exact = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts WHERE team_id = ${teamId} LIMIT ${cap + 1}) s`.execute(tx);
      const n = exact.rows[0]!.n;
      if (n <= cap) return { total: n, estimate: false };
      const plan = await sql<{
        'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }];
      }>`EXPLAIN (FORMAT JSON) SELECT 1 FROM contacts WHERE team_id = ${teamId}`.execute(tx);
      return { total: Math.max(n, Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'])), estimate: true };
    },
  };
}
export type ContactsRepo = ReturnType<typeof createContactsRepo>;
