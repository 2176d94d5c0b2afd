// The team-wide audit log (Team > Logs): every member, setting, contact, import/export and token event,
// newest first, filtered by who / what / when, paged by id; and the same as CSV, read page by page.
import type { AuditEntry, AuditPage, AuditQuery } from '#shared/audit.schema.ts';
import { AppError } from '#shared/errors.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import type { Db } from '../db/client.ts';
import type { AuditLogTable } from '../db/schema.ts';
import type { Selectable } from 'kysely';
import { neutralizeCell } from '../imports/cells.rules.ts';
import { csvLine } from '../imports/csv-writer.ts';
import { createAuditRepo, type AuditFilter } from './audit.repo.ts';

const CSV_PAGE = 1000;
const CSV_HEADER = ['at', 'actor', 'actorType', 'actorId', 'action', 'entityType', 'entityId', 'changes', 'requestId'];

function present(r: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: String(r.id),
    at: r.at.toISOString(),
    entityType: r.entityType,
    entityId: r.entityId,
    action: r.action,
    actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
    changes: r.changes,
    requestId: r.requestId,
  };
}

function filterOf(q: Omit<AuditQuery, 'cursor' | 'limit'>): AuditFilter {
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && from >= to) throw new AppError('VALIDATION', 'Invalid query', [{ path: 'to', message: 'Must be after from' }]);
  return { entityType: q.entityType, entityId: q.entityId, actorId: q.actorId, action: q.action, from, to };
}

export function createAuditService(deps: { db: Db }) {
  const repo = createAuditRepo(deps.db);
  return {
    async list(actor: Actor, q: AuditQuery): Promise<AuditPage> {
      requireTeamManager(actor);
      const rows = await repo.listTeam(actor.teamId, filterOf(q), { limit: q.limit + 1, beforeId: q.cursor });
      const items = rows.slice(0, q.limit).map(present);
      return { items, nextCursor: rows.length > q.limit ? items.at(-1)!.id : null };
    },

    async get(actor: Actor, id: string): Promise<AuditEntry> {
      requireTeamManager(actor);
      const row = /^\d{1,19}$/.test(id) ? await repo.findInTeam(actor.teamId, id) : undefined;
      if (!row) throw new AppError('NOT_FOUND', 'Log entry not found');
      return present(row);
    },

    async kinds(actor: Actor) {
      requireTeamManager(actor);
      return repo.kinds(actor.teamId);
    },

    /** The filtered log as CSV lines, newest first, read CSV_PAGE rows at a time (memory stays bounded). */
    csv(actor: Actor, q: Omit<AuditQuery, 'cursor' | 'limit'>): AsyncIterable<string> {
      requireTeamManager(actor);
      const filter = filterOf(q);
      return (async function* () {
        yield `\uFEFF${csvLine(CSV_HEADER)}`;
        let cursor: string | undefined;
        for (;;) {
          const rows = await repo.listTeam(actor.teamId, filter, { limit: CSV_PAGE, beforeId: cursor });
          let chunk = '';
          for (const r of rows) {
            const e = present(r);
            chunk += csvLine(
              [
                e.at,
                e.actor.label ?? '',
                e.actor.type,
                e.actor.id ?? '',
                e.action,
                e.entityType,
                e.entityId,
                JSON.stringify(e.changes),
                e.requestId ?? '',
              ].map(neutralizeCell),
            );
          }
          if (chunk) yield chunk;
          if (rows.length < CSV_PAGE) return;
          cursor = String(rows.at(-1)!.id);
        }
      })();
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
