// SQL of Contact Sync connections (the only writer of sync_connections). Every query is scoped by team.
import { sql, type Insertable } from 'kysely';
import type { Db, Executor } from '../db/client.ts';
import type { SyncConnectionsTable } from '../db/schema.ts';

export function createConnectionsRepo(db: Db) {
  return {
    /** A team's connections by name; `q` matches name, source or status (case-insensitive). */
    list(
      teamId: string,
      q: { text?: string; sources?: SyncConnectionsTable['source'][]; statuses?: SyncConnectionsTable['status'][] },
      limit: number,
      tx: Executor = db,
    ) {
      let query = tx.selectFrom('syncConnections').selectAll().where('teamId', '=', teamId);
      if (q.text) {
        const like = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where((eb) =>
          eb.or([
            eb('name', 'ilike', like),
            eb('description', 'ilike', like),
            ...(q.sources?.length ? [eb('source', 'in', q.sources)] : []),
            ...(q.statuses?.length ? [eb('status', 'in', q.statuses)] : []),
          ]),
        );
      }
      return query
        .orderBy(sql`lower(name)`)
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    get(teamId: string, id: string, tx: Executor = db) {
      return tx.selectFrom('syncConnections').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    /** Locks the team's row so that counting and inserting connections is one step under concurrent creates. */
    async countLocked(teamId: string, tx: Executor) {
      await tx.selectFrom('teams').select('id').where('id', '=', teamId).forUpdate().execute();
      const r = await tx
        .selectFrom('syncConnections')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('teamId', '=', teamId)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    nameTaken(teamId: string, name: string, exceptId: string | null, tx: Executor = db) {
      let q = tx
        .selectFrom('syncConnections')
        .select('id')
        .where('teamId', '=', teamId)
        .where(sql<boolean>`lower(name) = lower(${name})`);
      if (exceptId) q = q.where('id', '<>', exceptId);
      return q.executeTakeFirst().then(Boolean);
    },
    insert(row: Insertable<SyncConnectionsTable>, tx: Executor = db) {
      return tx.insertInto('syncConnections').values(row).returningAll().executeTakeFirstOrThrow();
    },
    update(teamId: string, id: string, set: Partial<Insertable<SyncConnectionsTable>>, tx: Executor = db) {
      return tx
        .updateTable('syncConnections')
        .set({ ...set, version: sql`version + 1` })
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },
    /** After a run: where the next incremental run starts and which run was last (not a user's edit: no version bump). */
    recordRun(teamId: string, id: string, set: { lastRunId: string; watermark?: string | null; lastFullRunAt?: Date }, tx: Executor = db) {
      return tx.updateTable('syncConnections').set(set).where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    async delete(teamId: string, id: string, tx: Executor = db) {
      const r = await tx
        .deleteFrom('syncConnections')
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .returning('name')
        .executeTakeFirst();
      return r ?? null;
    },
    /** The newest run of each of these connections (for the cards). */
    latestRuns(teamId: string, connectionIds: string[], tx: Executor = db) {
      if (!connectionIds.length) return Promise.resolve([]);
      return tx
        .selectFrom('syncRuns')
        .distinctOn('connectionId')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('connectionId', 'in', connectionIds)
        .orderBy('connectionId')
        .orderBy('id', 'desc')
        .execute();
    },
  };
}
export type ConnectionsRepo = ReturnType<typeof createConnectionsRepo>;
