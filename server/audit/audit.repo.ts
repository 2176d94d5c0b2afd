import type { Executor } from '../db/client.ts';
import type { Actor } from '../auth/actor.ts';

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
