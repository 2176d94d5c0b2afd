// Rows of the sync tables as the API shows them (shared/sync.ts).
import type { Connection, SyncRun, SyncScope } from '#shared/sync.ts';
import type { SyncConnectionRow, SyncRunRow } from '../db/schema.ts';

const iso = (d: Date | string | null) => (d === null ? null : (d instanceof Date ? d : new Date(d)).toISOString());

/** The columns a run shows; the run service reads its rows with its own types for the job state and watermarks. */
type PresentedRun = Pick<
  SyncRunRow,
  | 'id'
  | 'connectionId'
  | 'status'
  | 'fullRun'
  | 'dryRun'
  | 'trigger'
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'deactivated'
  | 'conflicts'
  | 'failed'
  | 'seen'
  | 'toDeactivate'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'error'
>;

export function presentRun(r: PresentedRun): SyncRun {
  return {
    id: r.id,
    connectionId: r.connectionId,
    status: r.status,
    full: r.fullRun,
    dryRun: r.dryRun,
    trigger: r.trigger,
    counts: {
      created: r.created,
      updated: r.updated,
      unchanged: r.unchanged,
      deactivated: r.deactivated,
      conflicts: r.conflicts,
      failed: r.failed,
    },
    seen: r.seen,
    toDeactivate: r.toDeactivate,
    createdAt: iso(r.createdAt)!,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    error: r.error,
  };
}

/** A connection without its secrets: `secretsSet` names the write-only settings that hold a value. */
export function presentConnection(r: SyncConnectionRow, lastRun: SyncRunRow | null): Connection {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    source: r.source,
    status: r.status,
    settings: r.settings,
    secretsSet: Object.keys(r.secrets).sort(),
    scope: r.scope as SyncScope,
    mapping: r.mapping,
    schedule: r.schedule,
    watermark: r.watermark,
    lastFullRunAt: iso(r.lastFullRunAt),
    lastRun: lastRun ? presentRun(lastRun) : null,
    version: r.version,
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}
