// Reads of the team-wide audit log (Team > Logs). Audit rows are written only by the contact writer
// (server/contacts/contacts.writer.ts, `createAuditWriter`), in the transaction of the change they describe.
import type { Executor } from '../db/client.ts';

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export function createAuditRepo(db: Executor) {
  return {
    /** The team-wide log, newest first; `beforeId` is the keyset cursor (audit_log_team_idx). */
    listTeam(teamId: string, f: AuditFilter, opts: { limit: number; beforeId?: string }, tx: Executor = db) {
      let q = tx.selectFrom('auditLog').selectAll().where('teamId', '=', teamId);
      if (f.entityType) q = q.where('entityType', '=', f.entityType);
      if (f.entityId) q = q.where('entityId', '=', f.entityId);
      if (f.actorId) q = q.where('actorId', '=', f.actorId);
      if (f.action) q = q.where('action', '=', f.action);
      if (f.from) q = q.where('at', '>=', f.from);
      if (f.to) q = q.where('at', '<', f.to);
      if (opts.beforeId) q = q.where('id', '<', opts.beforeId);
      return q.orderBy('id', 'desc').limit(opts.limit).execute();
    },
    findInTeam(teamId: string, id: string, tx: Executor = db) {
      return tx.selectFrom('auditLog').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    /** What the filters offer: the actions and entity types this team's log holds. */
    async kinds(teamId: string, tx: Executor = db) {
      return tx
        .selectFrom('auditLog')
        .select(['entityType', 'action'])
        .distinct()
        .where('teamId', '=', teamId)
        .where('at', '>', new Date(Date.now() - 90 * 86_400_000))
        .limit(500)
        .execute();
    },
  };
}
