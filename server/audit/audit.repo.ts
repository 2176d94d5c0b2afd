import type { Executor } from '../db/client.ts';
import type { Actor } from '../auth/actor.ts';

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export type Changes = Record<string, { before: unknown; after: unknown }>;

export function auditRow(actor: Actor, entityType: string, entityId: string, action: string, changes: Changes) {
  return {
    teamId: actor.teamId,
    entityType,
    entityId,
    action,
    actorType: actor.type === 'system' ? 'system' : actor.via === 'token' ? 'token' : 'member',
    actorId: actor.memberId,
    actorLabel: actor.label,
    changes: JSON.stringify(changes),
    requestId: actor.requestId ?? null,
  };
}

export function createAuditRepo(db: Executor) {
  return {
    async record(e: { actor: Actor; entityType: string; entityId: string; action: string; changes: Changes }, tx: Executor = db) {
      await tx
        .insertInto('auditLog')
        .values(auditRow(e.actor, e.entityType, e.entityId, e.action, e.changes))
        .execute();
    },
    async recordMany(actor: Actor, entityType: string, action: string, entries: { id: string; changes: Changes }[], tx: Executor = db) {
      if (!entries.length) return;
      await tx
        .insertInto('auditLog')
        .values(entries.map((e) => auditRow(actor, entityType, e.id, action, e.changes)))
        .execute();
    },
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
      const rows = await tx
        .selectFrom('auditLog')
        .select(['entityType', 'action'])
        .distinct()
        .where('teamId', '=', teamId)
        .where('at', '>', new Date(Date.now() - 90 * 86_400_000))
        .limit(500)
        .execute();
      return rows;
    },
    /** Newest first; `beforeId` is the keyset cursor. */
    list(teamId: string, entityType: string, entityId: string, opts: { limit: number; beforeId?: string }, tx: Executor = db) {
      let q = tx
        .selectFrom('auditLog')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('entityType', '=', entityType)
        .where('entityId', '=', entityId);
      if (opts.beforeId) q = q.where('id', '<', opts.beforeId);
      return q.orderBy('id', 'desc').limit(opts.limit).execute();
    },
  };
}
