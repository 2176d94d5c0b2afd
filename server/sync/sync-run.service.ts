// Contact Sync runs: starting them (Run, Run all, the connection's schedule), reading them (runs, per-person
// entries, the raw log) and the engine job kind `sync.run` that does the work. A run reads the directory
// a batch at a time; each batch is one transaction holding the contact writes (through the contact
// writer), one entry per person, the run's counts and the job's checkpoint, fenced by the job's lease.
// A worker that takes a run over reads the directory again and skips the people already counted (the
// entries' unique (run, sync id)), so every person in scope is counted exactly once. Reports-to is a
// second pass; people who left the scope are deactivated only after a complete, successful full run,
// and a run that would deactivate more than the threshold waits for a confirmation.
import { hash } from 'node:crypto';
import { AppError } from '#shared/errors.ts';
import { DEFAULT_DEACTIVATION_THRESHOLD, type SyncMapping, type SyncRun, type SyncRunEntry } from '#shared/sync.ts';
import type { Db, Executor, Tx } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow } from '../db/schema.ts';
import type { Actor } from '../auth/actor.ts';
import { JobRevoked, type JobsService } from '../jobs/jobs.service.ts';
import { JobStopped, type JobContext } from '../jobs/runner.ts';
import { rowToDirectory, rowToFields } from '../contacts/contacts.presenter.ts';
import { emptyContact } from '../contacts/contacts.rules.ts';
import { createContactWriter, type AuditBy, type SyncedChange, type SyncedCreate } from '../contacts/contacts.writer.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { applyMapping, syncedFields } from './mapping.rules.ts';
import { normalizeDn } from './ldap.rules.ts';
import { DirectoryError, type DirectoryEntry, type DirectorySource, type Watermark } from './source.ts';
import {
  addCounts,
  deactivationPlan,
  emptyCounts,
  planReportsTo,
  reconcile,
  type Mapped,
  type Outcome,
  type StoredContact,
} from './sync-run.rules.ts';
import { SYNC_RUN_KIND, syncJobKey } from './connections.service.ts';
import { createSyncRunRepo, type EntryInsert, type SyncRunRow } from './sync-run.repo.ts';
import { presentRun } from './sync.presenter.ts';

export { SYNC_RUN_KIND, syncJobKey };

/** Directory pages read ahead of the batch being written (memory: this many pages of people). */
const READ_AHEAD = 2;

/** Thrown in a batch read without locks when a contact it would write changed meanwhile: the batch is done again, locking. */
class StaleBatch extends Error {}

/**
 * An iterator that asks `src` for up to `ahead` results before they are consumed, so the source's I/O and
 * parsing overlap the consumer's work. Results come in order; a failure surfaces where it would have.
 */
export function readAhead<T>(src: AsyncIterator<T>, ahead: number): AsyncIterator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  const fill = () => {
    while (!ended && queue.length < ahead) {
      const p = src.next();
      // a failure is handled where it is awaited, not as an unhandled rejection meanwhile
      p.then(
        (r) => {
          if (r.done) ended = true;
        },
        () => {
          ended = true;
        },
      );
      queue.push(p);
    }
  };
  return {
    async next() {
      fill();
      const r = await queue.shift()!;
      if (!r.done) fill();
      return r;
    },
    async return(v?: unknown) {
      ended = true;
      return (await src.return?.(v as never)) ?? { done: true, value: undefined as never };
    },
  };
}

/** People per batch (one transaction): big enough for set-based writes, small enough to bound memory. */
export const SYNC_BATCH = 2000;
const REPORTS_BATCH = 5000;
const DEACTIVATE_BATCH = 1000;
/** A scheduled incremental run is full when the last full run is older than this (deletions are found by full runs). */
export const FULL_RUN_EVERY_MS = 24 * 3600_000;
/** Where a read phase's time goes (milliseconds, this attempt's), kept with the run's timings for its log. */
interface ReadProfile {
  /** waiting for the directory (what reading ahead did not hide) */
  directoryWait: number;
  /** reading the people's contacts and log entries */
  lookup: number;
  /** mapping and comparing (JavaScript) */
  compare: number;
  /** contact writes */
  contacts: number;
  /** per-person log entries, the people's DNs and managers, counts and checkpoint */
  bookkeeping: number;
}
const newProfile = (): ReadProfile => ({ directoryWait: 0, lookup: 0, compare: 0, contacts: 0, bookkeeping: 0 });
const pt = () => performance.now();

/** What a run needs of a connection (connections.service.ts forRun). */
export interface RunConnection {
  connection: {
    id: string;
    teamId: string;
    name: string;
    status: 'enabled' | 'draft';
    watermark: Record<string, unknown> | null;
    lastFullRunAt: Date | null;
  };
  settings: { incremental: 'none' | 'modifyTimestamp' | 'uSNChanged' | 'delta' };
  mapping: SyncMapping;
  openSource: () => DirectorySource;
}
export interface RunConnections {
  forRun(teamId: string, id: string, tx?: Executor): Promise<RunConnection | null>;
  recordRun(
    teamId: string,
    id: string,
    r: { runId: string; watermark?: Record<string, unknown> | null; full?: boolean; at?: Date },
    tx?: Executor,
  ): Promise<void>;
}

type StoredActor = Pick<Actor, 'type' | 'via' | 'memberId' | 'label' | 'role' | 'permissions'>;
const SCHEDULE_ACTOR: StoredActor = {
  type: 'system',
  via: 'session',
  memberId: null,
  label: 'Schedule',
  role: 'owner',
  permissions: { modifyContacts: true, importContacts: true, exportContacts: true },
} as StoredActor;

export const canManageSync = (a: Pick<Actor, 'role' | 'type'>) => a.type === 'system' || a.role === 'owner' || a.role === 'admin';
function requireManager(actor: Actor) {
  if (!canManageSync(actor)) throw new AppError('FORBIDDEN', 'Only owners and admins manage Contact Sync');
}

/** Bumped when what a mapping makes of the same directory values changes (every person is mapped again once). */
const FINGERPRINT_RULES = 1;
/** What a run's fingerprints depend on besides the person: the rules, the mapping and the team's phone region. */
const fingerprintSalt = (mapping: SyncMapping, region: string) => JSON.stringify([FINGERPRINT_RULES, mapping, region]);
/** A digest of everything the directory said of a person (their DN, attributes, disabled flag, organization). */
export function fingerprintOf(salt: string, e: DirectoryEntry): string {
  // one call (no Hash object per person): the same digest as sha1 over the salt then the JSON
  return hash('sha1', salt + JSON.stringify([e.dn, e.disabled, e.organizationId ?? null, e.attributes]), 'base64url');
}

const storedOf = (r: ContactRow): StoredContact => ({ id: r.id, fields: rowToFields(r), directory: rowToDirectory(r), stored: r });
const nameOf = (f: { firstName: string | null; lastName: string | null }) => [f.firstName, f.lastName].filter(Boolean).join(' ') || null;
const OUTCOME: Record<Outcome['kind'], EntryInsert['outcome']> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  conflict: 'conflict',
  failed: 'failed',
};

export function createSyncRunService(deps: {
  db: Db;
  jobs: Pick<JobsService, 'actorNow' | 'queue'>;
  teams: Pick<TeamsService, 'getSettings'>;
  connections: RunConnections;
  now?: () => Date;
  log?: (msg: string, err?: unknown) => void;
  /** People per batch (default SYNC_BATCH). */
  batchSize?: number;
}) {
  const { db, jobs, connections } = deps;
  const batchSize = deps.batchSize ?? SYNC_BATCH;
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((msg, err) => console.error(`[sync] ${msg}`, err ?? ''));
  const repo = createSyncRunRepo(db);
  const writer = createContactWriter(db);

  async function loadRun(actor: Actor, id: string, tx: Executor = db, lock = false): Promise<SyncRunRow> {
    requireManager(actor);
    const run = isUuid(id) ? await repo.findRun(actor.teamId, id, tx, lock) : undefined;
    if (!run) throw new AppError('NOT_FOUND', 'Run not found');
    return run;
  }

  /** Queues a run of a connection in `tx` (its job holds the connection's key): the new run, or the one already waiting. */
  async function queueRun(
    teamId: string,
    connectionId: string,
    o: { full: boolean; dryRun: boolean; trigger: string; actor: StoredActor },
    tx: Tx,
  ): Promise<SyncRunRow> {
    const waiting = await repo.findQueuedRun(teamId, connectionId, tx);
    if (waiting && waiting.dryRun === o.dryRun) return waiting;
    const id = uuidv7();
    const run = await repo.insertRun(
      {
        id,
        teamId,
        connectionId,
        fullRun: o.full,
        dryRun: o.dryRun,
        trigger: o.trigger,
        requestedBy: o.actor.memberId,
        state: { phase: 'read', actor: o.actor },
      },
      tx,
    );
    const queued = await jobs.queue(
      { id, teamId, kind: SYNC_RUN_KIND, payload: { runId: id, connectionId }, singletonKey: syncJobKey(connectionId) },
      tx,
    );
    if (!queued) {
      // a scheduled job of this connection waits already: it runs this run (found by the connection)
      await repo.setRun(id, { state: { phase: 'read', actor: o.actor } }, tx);
    }
    return run;
  }

  const storedActorOf = (a: Actor): StoredActor => ({
    type: a.type,
    via: a.via,
    memberId: a.memberId,
    label: a.label,
    role: a.role,
    permissions: a.permissions,
  });

  /** Who the run acts for, as they are now: removed, deactivated or no longer an owner or admin stops it. */
  async function actorNow(run: SyncRunRow, tx: Executor): Promise<Actor> {
    const stored = (run.state.actor as unknown as StoredActor | undefined) ?? SCHEDULE_ACTOR;
    const actor = await jobs.actorNow(run.teamId, { ...stored, teamId: run.teamId } as Actor, 'modifyContacts', tx);
    if (!canManageSync(actor)) throw new JobRevoked('Stopped: the member who started this run is no longer an owner or admin.');
    return actor;
  }

  /** A connection that still exists; an enabled one for a scheduled run. */
  async function connectionNow(run: SyncRunRow, tx: Executor = db): Promise<RunConnection> {
    const c = await connections.forRun(run.teamId, run.connectionId, tx);
    if (!c) throw new JobRevoked('Stopped: the connection was deleted.');
    if (run.trigger !== 'manual' && c.connection.status !== 'enabled') {
      throw new JobRevoked('Stopped: the connection is a draft (enable it to run it on its schedule or with Run all).');
    }
    return c;
  }

  /** A run that reads only what changed since the watermark, unless asked for full or a full run is due. */
  function isFull(c: RunConnection, requestedFull: boolean, trigger: string): boolean {
    if (requestedFull || c.settings.incremental === 'none' || !c.connection.watermark) return true;
    if (trigger === 'schedule') {
      const last = c.connection.lastFullRunAt?.getTime() ?? 0;
      return now().getTime() - last >= FULL_RUN_EVERY_MS;
    }
    return false;
  }

  const byOf = (run: SyncRunRow, actor: Actor, connectionName: string): AuditBy => ({
    teamId: run.teamId,
    type: actor.type === 'system' ? 'system' : actor.via === 'token' ? 'token' : 'member',
    id: actor.memberId,
    label: `${actor.label ?? 'Schedule'} (Contact Sync: ${connectionName})`,
    requestId: null,
  });

  // ------------------------------------------------------------------ the job

  async function readPhase(ctx: JobContext, run: SyncRunRow, c: RunConnection): Promise<SyncRunRow> {
    const { defaultPhoneRegion } = await deps.teams.getSettings(run.teamId);
    const mapping = c.mapping;
    const source = c.openSource();
    let it: AsyncIterator<DirectoryEntry[]> | null = null;
    try {
      await source.start();
      const since = run.fullRun ? null : ((c.connection.watermark as unknown as Watermark | null) ?? null);
      if (!run.watermarkFrom && since) run = (await repo.setRun(run.id, { watermarkFrom: since }))!;
      const buf: DirectoryEntry[] = [];
      // batches of exactly batchSize people, whatever the directory's page size
      // a first run fills an empty table: the planner's statistics are refreshed as it grows, or its
      // per-batch lookups by sync id turn into scans of the team
      let analyzedAt = run.created;
      const prof = newProfile();
      const flush = async (all: boolean) => {
        while (buf.length >= batchSize || (all && buf.length)) {
          const items = buf.splice(0, batchSize);
          const batch = { region: defaultPhoneRegion, mapping, salt: fingerprintSalt(mapping, defaultPhoneRegion) };
          try {
            // read without locks: an unchanged person (most of a re-run) is neither locked nor written
            run = await commitBatch(ctx, run, c, items, { ...batch, lock: false, prof });
          } catch (err) {
            if (!(err instanceof StaleBatch)) throw err;
            run = await commitBatch(ctx, run, c, items, { ...batch, lock: true, prof });
          }
          if (run.created - analyzedAt >= Math.max(10_000, analyzedAt)) {
            await repo.analyze();
            analyzedAt = run.created;
          }
        }
      };
      // the next page is read (and parsed) while a batch waits for the database
      it = readAhead(source.pages({ since, signal: ctx.signal })[Symbol.asyncIterator](), READ_AHEAD);
      for (;;) {
        const t0 = performance.now();
        const n = await it.next();
        prof.directoryWait += performance.now() - t0;
        if (n.done) break;
        const removed: DirectoryEntry[] = [];
        for (const e of n.value) (e.removed ? removed : buf).push(e);
        // people an incremental read says were deleted (Graph `@removed`): deactivated, never deleted
        if (removed.length) run = await commitRemoved(run, c, removed);
        await flush(false);
      }
      await flush(true);
      // an incremental read that could not use its watermark (an expired delta link) read everyone: a full run
      if (!run.fullRun && source.readEveryone()) {
        await repo.setFullRun(run.id, true);
        run = { ...run, fullRun: true };
      }
      const next = run.dryRun ? null : (source.nextWatermark() as unknown as Record<string, unknown> | null);
      const timings = { ...run.state.timings };
      for (const [k, v] of Object.entries(prof)) timings[`read.${k}`] = Math.round(v);
      return (await repo.setRun(run.id, { state: { ...run.state, phase: 'reports', after: null, nextWatermark: next, timings } }))!;
    } finally {
      await source.close().catch(() => {});
      void it?.return?.()?.catch(() => {});
    }
  }

  async function commitBatch(
    ctx: JobContext,
    run: SyncRunRow,
    c: RunConnection,
    entries: DirectoryEntry[],
    o: { region: string; mapping: SyncMapping; salt: string; lock: boolean; prof: ReadProfile },
  ): Promise<SyncRunRow> {
    return db.transaction().execute(async (tx) => {
      // a batch's set-based statements are short: compiling them (JIT, when an estimate crosses its threshold) costs more
      await repo.noJit(tx);
      const actor = await actorNow(run, tx);
      // a connection deleted meanwhile stops the run (its delete waits for this batch: the row is share-locked)
      if (!(await repo.holdConnection(run.teamId, c.connection.id, tx))) throw new JobRevoked('Stopped: the connection was deleted.');
      // an entry without a stable id is still one person: counted (failed) under its DN
      const keyed = entries.map((e) => (e.syncId ? e : { ...e, syncId: `dn:${e.dn}` }));
      // people a batch committed before a take-over (or the directory answered twice) are counted already
      let t = pt();
      const counted = await repo.alreadyCounted(run.id, [...new Set(keyed.map((e) => e.syncId))], tx);
      const todo = keyed.filter((e) => !counted.has(e.syncId));
      // people read last time with the same fingerprint whose contact nobody changed since: unchanged, without
      // reading or mapping their contact (most of a re-run)
      const fingerprints = new Map<string, string>();
      const position = new Map<string, number>();
      todo.forEach((e, i) => {
        if (!position.has(e.syncId)) position.set(e.syncId, i);
        if (!e.error && !fingerprints.has(e.syncId)) fingerprints.set(e.syncId, fingerprintOf(o.salt, e));
      });
      const known = new Map(
        (await repo.unchangedByFingerprint(run.teamId, c.connection.id, [...fingerprints.keys()], [...fingerprints.values()], tx)).map(
          (r) => [r.syncId, r],
        ),
      );
      // where each of them stands in the batch, by email: they still claim it against the people after them
      const knownEmail = new Map<string, string>();
      for (const [syncId, r] of known) if (r.primaryEmail && !knownEmail.has(r.primaryEmail)) knownEmail.set(r.primaryEmail, syncId);
      const rest = todo.filter((e) => !known.has(e.syncId));
      // the other people's contacts by sync id (one statement), each person mapped once onto its contact
      const lock = o.lock && !run.dryRun;
      const found = await repo.storedFor(run.teamId, [...new Set(rest.filter((e) => !e.error).map((e) => e.syncId))], [], lock, tx);
      o.prof.lookup += pt() - t;
      t = pt();
      // the version of each contact as read (a batch read without locks checks it before writing)
      const readVersion = new Map<string, number>();
      const bySyncId = new Map<string, StoredContact>();
      for (const r of found) {
        readVersion.set(r.id, r.version);
        // two live contacts with one sync id (an import wrote it twice): the one of this connection first
        const had = bySyncId.get(r.directorySyncId!);
        if (!had || (had.directory.connectionId !== c.connection.id && r.directoryConnectionId === c.connection.id)) {
          bySyncId.set(r.directorySyncId!, storedOf(r));
        }
      }
      const mapped = new Map<string, ReturnType<typeof applyMapping>>();
      for (const e of rest) if (!mapped.has(e.syncId)) mapped.set(e.syncId, applyMapping(e, o.mapping, bySyncId.get(e.syncId)?.fields));
      // then who holds the emails of new people and of people whose email changes (none in an unchanged run)
      const emails = new Set<string>();
      for (const [syncId, m] of mapped) {
        const email = m.fields.primaryEmail;
        if (email && bySyncId.get(syncId)?.fields.primaryEmail !== email) emails.add(email);
      }
      const byEmail = new Map<string, StoredContact>();
      for (const r of emails.size ? await repo.storedFor(run.teamId, [], [...emails], lock, tx) : []) {
        readVersion.set(r.id, r.version);
        if (r.primaryEmail) byEmail.set(r.primaryEmail, storedOf(r));
      }
      const reportsTo = new Map<string, string | null>();
      const newIds = Array.from({ length: rest.length }, () => uuidv7()).sort();
      const restOutcomes = reconcile(rest, {
        connectionId: c.connection.id,
        bySyncId,
        byEmail,
        newId: () => newIds.shift()!,
        claimedBefore: (e, email) => {
          const holder = knownEmail.get(email);
          return holder !== undefined && position.get(holder)! < position.get(e.syncId)! ? holder : undefined;
        },
        apply: (e, base): Mapped => {
          // the mapping made above when `base` is the person's own contact (or none), a fresh one for a contact linked by email
          const m =
            base === (bySyncId.get(e.syncId)?.fields ?? null) ? mapped.get(e.syncId)! : applyMapping(e, o.mapping, base ?? undefined);
          reportsTo.set(e.syncId, m.reportsToDn);
          return m;
        },
      });

      o.prof.compare += pt() - t;
      t = pt();
      const byKey = new Map(todo.map((e) => [e.syncId, e]));
      if (!run.dryRun && !lock) {
        // read without locks: lock the contacts about to be written; one that changed since it was read
        // (another writer got there first) makes the batch start again, locking everything it reads
        const versions = new Map<string, number>();
        for (const out of restOutcomes) if (out.kind === 'update') versions.set(out.contactId, readVersion.get(out.contactId)!);
        if (versions.size) {
          const now = await repo.lockVersions(run.teamId, [...versions.keys()], tx);
          for (const [id, v] of versions) if (now.get(id) !== v) throw new StaleBatch();
        }
      }
      if (!run.dryRun) {
        const managers = o.mapping.reportsTo ? await managersAtCreation(run, c, restOutcomes, known, byKey, reportsTo, tx) : null;
        const creates: SyncedCreate[] = [];
        const changes: SyncedChange[] = [];
        for (const out of restOutcomes) {
          if (out.kind === 'create') {
            creates.push({
              id: out.contactId,
              fields: out.fields,
              directory: { syncId: out.syncId, organizationId: out.organizationId },
              reportsTo: managers?.get(out.syncId) ?? null,
            });
          } else if (out.kind === 'update') {
            const d = out.current.directory;
            changes.push({
              id: out.contactId,
              before: out.current.fields,
              after: out.after,
              stored: out.current.stored,
              directoryBefore: { syncId: d.syncId, organizationId: d.organizationId, connectionId: d.connectionId },
              directory: { syncId: out.syncId, organizationId: out.organizationId },
            });
          }
        }
        const w = await writer.writeSynced(
          tx,
          byOf(run, actor, c.connection.name),
          c.connection.id,
          { creates, changes },
          { region: o.region },
        );
        if (w.skipped.length) {
          // an email a contact took after the batch read it: a conflict, not a duplicate
          const skipped = new Set(w.skipped);
          for (let i = 0; i < restOutcomes.length; i++) {
            const out = restOutcomes[i]!;
            if (out.kind === 'create' && skipped.has(out.contactId)) {
              restOutcomes[i] = {
                kind: 'conflict',
                syncId: out.syncId,
                contactId: null,
                reason: `${out.fields.primaryEmail} belongs to another contact (taken while the run was writing)`,
              };
            }
          }
        }
      }

      // one outcome per person, in the batch's order
      const bySync = new Map(restOutcomes.map((out) => [out.syncId, out]));
      const outcomes: Outcome[] = [];
      const done = new Set<string>();
      for (const e of todo) {
        if (done.has(e.syncId)) continue;
        done.add(e.syncId);
        const k = known.get(e.syncId);
        outcomes.push(k ? { kind: 'unchanged', syncId: e.syncId, contactId: k.id } : bySync.get(e.syncId)!);
      }
      const rows: EntryInsert[] = outcomes.map((out) => {
        const e = byKey.get(out.syncId)!;
        const k = known.get(out.syncId);
        if (k) {
          return {
            syncId: out.syncId,
            dn: e.dn,
            outcome: 'unchanged' as const,
            contactId: k.id,
            name: nameOf(k),
            email: k.primaryEmail,
            reason: null,
            changes: null,
          };
        }
        const fields =
          out.kind === 'create'
            ? out.fields
            : out.kind === 'update'
              ? out.after
              : (bySyncId.get(out.syncId)?.fields ?? mapped.get(out.syncId)?.fields ?? emptyContact());
        return {
          syncId: out.syncId,
          dn: e.dn,
          outcome: OUTCOME[out.kind],
          contactId: out.contactId,
          name: nameOf(fields),
          email: fields.primaryEmail,
          reason: out.kind === 'conflict' || out.kind === 'failed' ? out.reason : out.kind === 'update' ? out.reason : null,
          changes: out.kind === 'update' ? out.changes : null,
        };
      });
      o.prof.contacts += pt() - t;
      t = pt();
      await repo.insertEntries(run.id, run.teamId, rows, tx);
      if (!run.dryRun) {
        // the people read and mapped (not those known unchanged): their DN, manager and fingerprint
        await repo.upsertPeople(
          run.teamId,
          c.connection.id,
          restOutcomes
            .filter((out) => out.kind !== 'failed' && out.kind !== 'conflict')
            .map((out) => {
              const e = byKey.get(out.syncId)!;
              const ref = o.mapping.reportsTo ? (reportsTo.get(out.syncId) ?? null) : null;
              const isDn = ref !== null && ref.includes('=');
              return {
                syncId: out.syncId,
                dnKey: normalizeDn(e.dn),
                managerKey: ref === null ? null : isDn ? normalizeDn(ref) : ref,
                managerIsDn: isDn,
                fingerprint: fingerprints.get(out.syncId) ?? null,
                contactId: out.contactId,
              };
            }),
          tx,
        );
      }
      const next = await repo.addCounts(run.id, addCounts(emptyCounts(), outcomes), outcomes.length, undefined, tx);
      await ctx.checkpoint(tx, { processed: next.seen });
      o.prof.bookkeeping += pt() - t;
      return next;
    });
  }

  /**
   * Who the batch's new people report to, where the manager's contact is known already (a person of this
   * batch or of an earlier one): set at creation, so a first run writes most contacts once. The second pass
   * still checks everyone against the directory and sets what this could not (a manager read later).
   */
  async function managersAtCreation(
    run: SyncRunRow,
    c: RunConnection,
    outcomes: readonly Outcome[],
    known: ReadonlyMap<string, { id: string }>,
    byKey: ReadonlyMap<string, DirectoryEntry>,
    reportsTo: ReadonlyMap<string, string | null>,
    tx: Tx,
  ): Promise<Map<string, { contactId: string; syncId: string }>> {
    const out = new Map<string, { contactId: string; syncId: string }>();
    const creates = outcomes.filter((x) => x.kind === 'create' && reportsTo.get(x.syncId));
    if (!creates.length) return out;
    // the batch's people with a contact of this connection, by DN key and by sync id
    const batchByDn = new Map<string, { contactId: string; syncId: string }>();
    const batchBySync = new Map<string, { contactId: string; syncId: string }>();
    const add = (syncId: string, contactId: string) => {
      const m = { contactId, syncId };
      batchBySync.set(syncId, m);
      batchByDn.set(normalizeDn(byKey.get(syncId)!.dn), m);
    };
    for (const x of outcomes) if (x.kind === 'create' || x.kind === 'update' || x.kind === 'unchanged') add(x.syncId, x.contactId);
    for (const [syncId, k] of known) add(syncId, k.id);
    const refOf = (ref: string) => (ref.includes('=') ? { key: normalizeDn(ref), isDn: true } : { key: ref, isDn: false });
    const ask = new Map<string, { key: string; isDn: boolean }>();
    for (const x of creates) {
      const r = refOf(reportsTo.get(x.syncId)!);
      if (!(r.isDn ? batchByDn : batchBySync).has(r.key)) ask.set(`${r.isDn}:${r.key}`, r);
    }
    const stored = new Map(
      (await repo.managersOf(run.teamId, c.connection.id, [...ask.values()], tx)).map((m) => [
        `${m.isDn}:${m.key}`,
        { contactId: m.contactId, syncId: m.syncId },
      ]),
    );
    for (const x of creates) {
      const r = refOf(reportsTo.get(x.syncId)!);
      const m = (r.isDn ? batchByDn : batchBySync).get(r.key) ?? stored.get(`${r.isDn}:${r.key}`);
      if (m && m.contactId !== x.contactId) out.set(x.syncId, m);
    }
    return out;
  }

  /** People a delta says were deleted: their contacts of this connection become inactive (one entry each). */
  async function commitRemoved(run: SyncRunRow, c: RunConnection, removed: DirectoryEntry[]): Promise<SyncRunRow> {
    return db.transaction().execute(async (tx) => {
      const actor = await actorNow(run, tx);
      const ids = [...new Set(removed.map((e) => e.syncId))];
      const counted = await repo.alreadyCounted(run.id, ids, tx);
      const todo = ids.filter((id) => !counted.has(id));
      if (!todo.length) return run;
      const mine = new Map(
        (await repo.storedFor(run.teamId, todo, [], !run.dryRun, tx))
          .filter((r) => r.directoryConnectionId === c.connection.id)
          .map((r) => [r.directorySyncId!, r]),
      );
      const active = [...mine.values()].filter((r) => r.active);
      const changed = new Set(
        run.dryRun
          ? active.map((r) => r.id)
          : await writer.deactivateSynced(
              tx,
              byOf(run, actor, c.connection.name),
              active.map((r) => r.id),
            ),
      );
      const rows: EntryInsert[] = todo.map((syncId) => {
        const r = mine.get(syncId);
        const f = r ? rowToFields(r) : null;
        return {
          syncId,
          dn: null,
          outcome: r && changed.has(r.id) ? ('deactivated' as const) : ('unchanged' as const),
          contactId: r?.id ?? null,
          name: f ? nameOf(f) : null,
          email: f?.primaryEmail ?? null,
          reason: r ? 'Deleted from the directory' : 'Deleted from the directory (no contact of this connection)',
          changes: r && changed.has(r.id) ? { 'permissions.active': { before: true, after: false } } : null,
        };
      });
      await repo.insertEntries(run.id, run.teamId, rows, tx);
      const deactivated = rows.filter((x) => x.outcome === 'deactivated').length;
      return repo.addCounts(run.id, { deactivated, unchanged: rows.length - deactivated }, rows.length, undefined, tx);
    });
  }

  /** Second pass: who each synced contact reports to, for the whole connection (cycles allowed). */
  async function reportsPhase(ctx: JobContext, run: SyncRunRow, c: RunConnection): Promise<SyncRunRow> {
    if (!run.dryRun && c.mapping.reportsTo) {
      // the planner must know the rows this run added before it joins them
      if (run.created >= 1000) await repo.analyze();
      let after = run.state.after ?? '';
      // only the people whose reports-to differs from what the directory says are paged through: none in an
      // unchanged re-run, few in a first run (most got theirs at creation) or an incremental one
      for (;;) {
        const r = await db.transaction().execute(async (tx) => {
          const actor = await actorNow(run, tx);
          const rows = await repo.reportsToChanges(run.teamId, c.connection.id, after, REPORTS_BATCH, tx);
          if (!rows.length) return null;
          const byRow = new Map(rows.map((x) => [x.managerKey, x]));
          const plan = planReportsTo(
            rows.map((x) => ({
              contactId: x.contactId,
              syncId: x.syncId,
              managerRef: x.managerKey,
              current: { contactId: x.reportsToContactId, syncId: x.reportsToSyncId },
            })),
            (ref) => {
              const x = byRow.get(ref);
              return x?.managerContactId && x.managerSyncId ? { contactId: x.managerContactId, syncId: x.managerSyncId } : undefined;
            },
          );
          const changed = await writer.setSyncedReportsTo(tx, byOf(run, actor, c.connection.name), plan);
          await repo.carryVersions(c.connection.id, changed, tx);
          // people counted unchanged whose reports-to changed are updated: moved, so each stays counted once
          const moved = await repo.markUpdated(run.id, changed, tx);
          const last = rows.at(-1)!.syncId;
          const next = await repo.addCounts(run.id, { updated: moved, unchanged: -moved }, 0, { ...run.state, after: last }, tx);
          await ctx.checkpoint(tx, { processed: next.seen });
          return { next, last, done: rows.length < REPORTS_BATCH };
        });
        if (!r) break;
        run = r.next;
        after = r.last;
        if (r.done) break;
      }
    }
    return (await repo.setRun(run.id, { state: { ...run.state, phase: 'deactivate', after: null } }))!;
  }

  /** After a complete full run: people who left the scope become inactive (never deleted), unless too many. */
  async function deactivatePhase(ctx: JobContext, run: SyncRunRow, c: RunConnection): Promise<SyncRunRow | 'waiting'> {
    if (!run.fullRun) return run;
    const { managed, leaving } = await repo.leavingCounts(run.teamId, c.connection.id, run.id);
    const plan = deactivationPlan({
      complete: true,
      full: true,
      leaving,
      managed,
      threshold: DEFAULT_DEACTIVATION_THRESHOLD,
      confirmed: run.confirmedBy !== null,
    });
    if (plan.action === 'none') return run;
    if (run.dryRun) return (await repo.setRun(run.id, { toDeactivate: leaving }))!;
    if (plan.action === 'needs_confirmation') {
      await repo.setRun(run.id, { status: 'needs_confirmation', toDeactivate: leaving });
      return 'waiting';
    }
    let after = run.state.after ?? '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const r = await db.transaction().execute(async (tx) => {
        const actor = await actorNow(run, tx);
        const page = await repo.leavingPage(run.teamId, c.connection.id, run.id, after, DEACTIVATE_BATCH, tx);
        if (!page.length) return null;
        const changed = new Set(
          await writer.deactivateSynced(
            tx,
            byOf(run, actor, c.connection.name),
            page.map((p) => p.id),
          ),
        );
        await repo.insertEntries(
          run.id,
          run.teamId,
          page.map((p) => ({
            syncId: p.syncId ?? `contact:${p.id}`,
            dn: null,
            outcome: 'deactivated' as const,
            contactId: p.id,
            name: p.name,
            email: p.email,
            reason: 'No longer in the directory scope',
            changes: changed.has(p.id) ? { 'permissions.active': { before: true, after: false } } : null,
          })),
          tx,
        );
        const last = page.at(-1)!.id;
        const next = await repo.addCounts(run.id, { deactivated: changed.size }, 0, { ...run.state, after: last }, tx);
        await ctx.checkpoint(tx, { processed: next.seen });
        return { next, last, done: page.length < DEACTIVATE_BATCH };
      });
      if (!r) break;
      run = r.next;
      after = r.last;
      if (r.done) break;
    }
    return run;
  }

  /** A reason the user can act on: the directory's plain words, the revocation, or a generic one (logged). */
  function failureText(run: SyncRunRow, err: unknown): string {
    if (err instanceof DirectoryError) return err.problem.message;
    if (err instanceof AppError) return err.message;
    log(`run ${run.id} failed`, err);
    return `The run stopped because of an internal error (run ${run.id}; the details are in the server log). Nobody was deactivated.`;
  }

  async function runJob(ctx: JobContext): Promise<unknown> {
    const job = ctx.job;
    const payload = job.payload as { runId?: string; connectionId?: string; trigger?: string };
    let run = payload.runId ? await repo.findRun(job.teamId, payload.runId) : undefined;
    if (!run && payload.connectionId) {
      // a scheduled job (or one whose run another request queued): the connection's waiting run, or a new one
      run = await repo.findQueuedRun(job.teamId, payload.connectionId);
      if (!run) {
        const c = await connections.forRun(job.teamId, payload.connectionId);
        if (!c || c.connection.status !== 'enabled') return { skipped: 'connection gone or not enabled' };
        run = await db.transaction().execute((tx) =>
          repo.insertRun(
            {
              id: job.id,
              teamId: job.teamId,
              connectionId: payload.connectionId!,
              fullRun: isFull(c, false, 'schedule'),
              dryRun: false,
              trigger: payload.trigger ?? 'schedule',
              requestedBy: null,
              state: { phase: 'read', actor: null },
            },
            tx,
          ),
        );
      }
    }
    if (!run) return { skipped: 'run not found' };
    if (!['queued', 'running'].includes(run.status)) return { status: run.status };
    try {
      let c = await connectionNow(run);
      await actorNow(run, db);
      if (run.status === 'queued' && run.state.phase === 'read' && run.seen === 0) {
        // decided when the run starts: an incremental run needs a usable watermark then
        const full = run.fullRun || isFull(c, false, run.trigger);
        if (full !== run.fullRun) await repo.setFullRun(run.id, full);
      }
      run = (await repo.setRun(run.id, { status: 'running', started: true }))!;
      // how long each phase took (this attempt's), kept in the run's state for its log
      const timed = async (phase: string, f: () => Promise<SyncRunRow | 'waiting'>): Promise<SyncRunRow | 'waiting'> => {
        const t0 = performance.now();
        const out = await f();
        const ms = Math.round(performance.now() - t0);
        const cur = (await repo.findRun(run!.teamId, run!.id))!;
        const next = await repo.setRun(cur.id, { state: { ...cur.state, timings: { ...cur.state.timings, [phase]: ms } } });
        return out === 'waiting' ? out : next!;
      };
      if ((run.state.phase ?? 'read') === 'read') run = (await timed('read', () => readPhase(ctx, run!, c))) as SyncRunRow;
      if (run.state.phase === 'reports') run = (await timed('reportsTo', () => reportsPhase(ctx, run!, c))) as SyncRunRow;
      c = await connectionNow(run);
      const d = await timed('deactivate', () => deactivatePhase(ctx, run!, c));
      if (d === 'waiting') return { status: 'needs_confirmation' };
      run = d;
      const watermark = run.state.nextWatermark as Record<string, unknown> | null | undefined;
      await db.transaction().execute(async (tx) => {
        await repo.setRun(run!.id, { status: 'succeeded', finished: true, watermarkTo: watermark ?? null }, tx);
        await connections.recordRun(
          run!.teamId,
          run!.connectionId,
          { runId: run!.id, ...(run!.dryRun ? {} : { watermark: watermark ?? null, full: run!.fullRun }) },
          tx,
        );
      });
      return { status: 'succeeded' };
    } catch (err) {
      if (err instanceof JobStopped || ctx.signal.aborted) {
        const reason = err instanceof JobStopped ? err.reason : (ctx.signal.reason as JobStopped | undefined)?.reason;
        if (reason === 'cancelled') await repo.setRun(run.id, { status: 'cancelled', finished: true, error: 'Cancelled' });
        throw err;
      }
      await repo.setRun(run.id, { status: 'failed', finished: true, error: failureText(run, err) }).catch(() => {});
      await connections.recordRun(run.teamId, run.connectionId, { runId: run.id }).catch(() => {});
      return { status: 'failed' };
    }
  }

  async function* logLines(run: SyncRunRow): AsyncGenerator<string> {
    const r = presentRun(run);
    yield [
      `run ${r.id} of connection ${r.connectionId}`,
      `status: ${r.status}${r.full ? ' (full)' : ' (incremental)'}${r.dryRun ? ' (dry run: nothing written)' : ''}, trigger: ${r.trigger}`,
      `created: ${r.createdAt}, started: ${r.startedAt ?? '-'}, finished: ${r.finishedAt ?? '-'}`,
      `counts: created ${r.counts.created}, updated ${r.counts.updated}, unchanged ${r.counts.unchanged}, deactivated ${r.counts.deactivated}, conflicts ${r.counts.conflicts}, failed ${r.counts.failed}`,
      ...(r.toDeactivate !== null ? [`to deactivate: ${r.toDeactivate}`] : []),
      ...(run.state.timings
        ? [
            `timing: ${Object.entries(run.state.timings)
              .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
              .join(', ')}`,
          ]
        : []),
      ...(r.error ? [`error: ${r.error}`] : []),
      '',
      'seq\toutcome\tsync id\tcontact\tname\temail\tdn\treason',
      '',
    ].join('\n');
    let after = 0;
    for (;;) {
      const rows = await repo.listEntries(run.id, { limit: 2000, afterSeq: after });
      if (!rows.length) return;
      const clean = (v: string | null) => (v ?? '').replace(/[\t\r\n]+/g, ' ');
      yield (
        rows
          .map((e) =>
            [e.seq, e.outcome, e.syncId, e.contactId ?? '', clean(e.name), clean(e.email), clean(e.dn), clean(e.reason)].join('\t'),
          )
          .join('\n') + '\n'
      );
      after = rows.at(-1)!.seq;
      if (rows.length < 2000) return;
    }
  }

  // ------------------------------------------------------------------ the service

  return {
    kind: { run: runJob, concurrency: 2, maxAttempts: 1 },

    /** POST /sync/connections/:id/run: queues a run (or answers the one already waiting). */
    async start(actor: Actor, connectionId: string, o: { full?: boolean; dryRun?: boolean }): Promise<SyncRun> {
      requireManager(actor);
      const c = isUuid(connectionId) ? await connections.forRun(actor.teamId, connectionId) : null;
      if (!c) throw new AppError('NOT_FOUND', 'Connection not found');
      const run = await db
        .transaction()
        .execute((tx) =>
          queueRun(
            actor.teamId,
            connectionId,
            { full: isFull(c, !!o.full, 'manual'), dryRun: !!o.dryRun, trigger: 'manual', actor: storedActorOf(actor) },
            tx,
          ),
        );
      return presentRun(run);
    },

    /** POST /sync/run-all: a run of every enabled connection. */
    async runAll(actor: Actor, o: { full?: boolean; dryRun?: boolean } = {}): Promise<{ runs: SyncRun[] }> {
      requireManager(actor);
      const ids = await repo.enabledConnectionIds(actor.teamId);
      const runs: SyncRun[] = [];
      for (const id of ids) {
        const c = await connections.forRun(actor.teamId, id);
        if (!c) continue;
        const run = await db
          .transaction()
          .execute((tx) =>
            queueRun(
              actor.teamId,
              id,
              { full: isFull(c, !!o.full, 'run_all'), dryRun: !!o.dryRun, trigger: 'run_all', actor: storedActorOf(actor) },
              tx,
            ),
          );
        runs.push(presentRun(run));
      }
      return { runs };
    },

    async get(actor: Actor, id: string): Promise<SyncRun> {
      return presentRun(await loadRun(actor, id));
    },

    async list(
      actor: Actor,
      connectionId: string,
      q: { limit: number; cursor?: string },
    ): Promise<{ items: SyncRun[]; nextCursor: string | null }> {
      requireManager(actor);
      // any source's runs (a SCIM connection's are its bursts of provisioning)
      if (!isUuid(connectionId) || !(await repo.connectionMapping(actor.teamId, connectionId)))
        throw new AppError('NOT_FOUND', 'Connection not found');
      const rows = await repo.listRuns(actor.teamId, connectionId, {
        limit: q.limit + 1,
        beforeId: q.cursor && isUuid(q.cursor) ? q.cursor : undefined,
      });
      const page = rows.slice(0, q.limit);
      return { items: page.map(presentRun), nextCursor: rows.length > q.limit ? page.at(-1)!.id : null };
    },

    async entries(
      actor: Actor,
      id: string,
      q: { limit: number; cursor?: number; outcome?: EntryInsert['outcome'] },
    ): Promise<{ items: (Omit<SyncRunEntry, 'changes'> & { changes: Record<string, unknown> | null })[]; nextCursor: number | null }> {
      const run = await loadRun(actor, id);
      const rows = await repo.listEntries(run.id, { limit: q.limit + 1, afterSeq: q.cursor, outcome: q.outcome });
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({ ...r, changes: (r.changes as Record<string, unknown> | null) ?? null })),
        nextCursor: rows.length > q.limit ? page.at(-1)!.seq : null,
      };
    },

    /** The raw log as text, a chunk at a time (bounded memory for any run size). The run is looked up first (404). */
    async log(actor: Actor, id: string): Promise<{ fileName: string; lines: AsyncGenerator<string> }> {
      const run = await loadRun(actor, id);
      return { fileName: `sync-run-${run.id}.txt`, lines: logLines(run) };
    },
    /** POST /sync/runs/:id/confirm: a run stopped before a mass deactivation goes on. */
    async confirm(actor: Actor, id: string): Promise<SyncRun> {
      const run = await db.transaction().execute(async (tx) => {
        const r = await loadRun(actor, id, tx, true);
        if (r.status !== 'needs_confirmation') {
          throw new AppError('CONFLICT', `Only a run waiting for a confirmation can be confirmed (this one is ${r.status})`);
        }
        // who left is what this run saw: a newer run knows better (someone may be back)
        const [latest] = await repo.listRuns(r.teamId, r.connectionId, { limit: 1 }, tx);
        if (latest && latest.id !== r.id) {
          throw new AppError('CONFLICT', 'A newer run of this connection exists: run it again and confirm that run');
        }
        const next = (await repo.setRun(
          r.id,
          {
            status: 'queued',
            confirmedBy: actor.memberId,
            state: { ...r.state, phase: 'deactivate', after: null, actor: storedActorOf(actor) },
          },
          tx,
        ))!;
        const queued = await jobs.queue(
          {
            id: uuidv7(),
            teamId: r.teamId,
            kind: SYNC_RUN_KIND,
            payload: { runId: r.id, connectionId: r.connectionId },
            singletonKey: syncJobKey(r.connectionId),
          },
          tx,
        );
        if (!queued) throw new AppError('CONFLICT', 'Another run of this connection is waiting; confirm again when it has finished');
        return next;
      });
      return presentRun(run);
    },

    /** A connection named by its id or its name (the CLI). */
    async resolveConnection(actor: Actor, ref: string): Promise<{ id: string; name: string; lastSeen: number | null }> {
      requireManager(actor);
      const found = await repo.connectionsNamed(actor.teamId, ref.trim());
      if (!found.length) throw new AppError('NOT_FOUND', `No connection named ${ref}`);
      if (found.length > 1) throw new AppError('CONFLICT', `Several connections are named ${ref}: give its id`);
      return { ...found[0]!, lastSeen: await repo.lastSeen(actor.teamId, found[0]!.id) };
    },

    /** The connection managing a contact and the fields it writes (the contacts service refuses edits of them). */
    async syncedFieldsOf(teamId: string, connectionId: string, tx: Executor): Promise<{ name: string; paths: string[] } | null> {
      const c = await repo.connectionMapping(teamId, connectionId, tx);
      return c ? { name: c.name, paths: syncedFields(c.mapping as SyncMapping) } : null;
    },
  };
}
export type SyncRunService = ReturnType<typeof createSyncRunService>;
