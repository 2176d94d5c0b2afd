import type { Executor } from '../db/client.ts';
import type { Actor } from '../auth/actor.ts';

export type Changes = Record<string, { before: unknown; after: unknown }>;

export function createAuditRepo(db: Executor) {
  return {
    record(e: { actor: Actor; entityType: string; entityId: string; action: string; changes: Changes }, tx: Executor = db) {
      return tx
        .insertInto('auditLog')
        .values({
          teamId: e.actor.teamId,
          entityType: e.entityType,
          entityId: e.entityId,
          action: e.action,
          actorType: e.actor.type === 'system' ? 'system' : e.actor.via === 'token' ? 'token' : 'member',
          actorId: e.actor.memberId,
          actorLabel: e.actor.label,
          changes: JSON.stringify(e.changes),
          requestId: e.actor.requestId ?? null,
        })
        .execute();
    },
    recordMany(actor: Actor, entityType: string, action: string, entries: { id: string; changes: Changes }[], tx: Executor = db) {
      if (!entries.length) return Promise.resolve();
      return tx
        .insertInto('auditLog')
        .values(
          entries.map((e) => ({
            teamId: actor.teamId,
            entityType,
            entityId: e.id,
            action,
            actorType: actor.type === 'system' ? 'system' : actor.via === 'token' ? 'token' : 'member',
            actorId: actor.memberId,
            actorLabel: actor.label,
            changes: JSON.stringify(e.changes),
            requestId: actor.requestId ?? null,
          })),
        )
        .execute()
        .then(() => undefined);
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
