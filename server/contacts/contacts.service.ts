import type {
  BulkInput,
  Contact,
  ContactFilter,
  ContactInput,
  ContactListQuery,
  ContactPage,
  HistoryEntry,
  TrashPage,
} from '#shared/contact.schema.ts';
import { AppError, type ErrorDetail } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { RawBuilder } from 'kysely';
import type { Db, Executor, Tx } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow } from '../db/schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import type { JobContext } from '../jobs/runner.ts';

export type BulkExtension = (actor: Actor, input: BulkInput) => Promise<{ affected: number } | { jobId: string }>;
/** The connection that manages a synced contact: its name and the contact field paths it writes (Contact Sync). */
export type SyncedFieldsOf = (teamId: string, connectionId: string, tx: Executor) => Promise<{ name: string; paths: string[] } | null>;
import { createAuditWriter, createContactWriter, type ContactCreate } from './contacts.writer.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { createContactsRepo, type ScopeFilter } from './contacts.repo.ts';
import { createSearchPlanner, patternOf, scopeOf, type SearchTuning } from './search.planner.ts';
import type { SearchStats } from './search-stats.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import { presentContact, rowToDirectory, rowToFields } from './contacts.presenter.ts';
import { applyContactInput, diffContacts, emptyContact, emptyDirectory, readOnlyViolations, reportsToChange } from './contacts.rules.ts';
import { createTrashService } from './trash.service.ts';
import { syncedFieldViolations } from '../sync/synced-fields.rules.ts';
import { encodeCursor, parseCursor, parseHistoryCursor, type Cursor } from './cursor.rules.ts';

/** Bulk actions on more rows than this run as a job with progress. */
export const BULK_SYNC_MAX = 250;
const BULK_BATCH = 500;
export const TRASH_DAYS = 30;

/** A bulk job's result while it runs: the count so far and where to go on (see runBulkJob). */
type BulkCheckpoint = { affected: number; resume: { position: number; afterId?: string } };

function decodeCursor(cursor: string, sort: string): Cursor {
  const c = parseCursor(cursor, sort);
  if (c) return c;
  throw new AppError('VALIDATION', 'Invalid query', [
    { path: 'cursor', message: 'Not a cursor this server issued for this sort order; start again without a cursor' },
  ]);
}

/** A company set by hand (`companyId`): an id, or null to clear it; absent: left to the email's domain. */
function companyIdInput(v: string | null | undefined): { value: string | null | undefined; details: ErrorDetail[] } {
  if (v === undefined || v === null) return { value: v, details: [] };
  return isUuid(v) ? { value: v, details: [] } : { value: undefined, details: [{ path: 'companyId', message: 'Not a company id' }] };
}

export function createContactsService(deps: {
  db: Db;
  teams: TeamsService;
  jobs: JobsService;
  /** how hard a search tries, and trigram statistics (see search.planner.ts) */
  tuning?: SearchTuning;
  searchStats?: SearchStats;
}) {
  const { db, teams, jobs } = deps;
  const repo = createContactsRepo(db);
  // every write of a contact and its history goes through the writer (side effects included)
  const writer = createContactWriter(db);
  const audit = createAuditWriter(db);
  const planner = createSearchPlanner({ db, repo, tuning: deps.tuning, searchStats: deps.searchStats });
  const trash = createTrashService({ db, jobs, syncMax: BULK_SYNC_MAX });
  async function conflictError(teamId: string, email: string, exceptId?: string) {
    const other = await repo.findByPrimaryEmail(teamId, email);
    const name = other ? [other.firstName, other.lastName].filter(Boolean).join(' ') : '';
    const who = other && other.id !== exceptId ? `contact ${name ? `"${name}" ` : ''}(${other.id})` : 'another contact';
    return new AppError('CONFLICT', `The primary email ${email} already belongs to ${who}`, [
      { path: 'primaryEmail', message: `Already used by ${who}`, contactId: other?.id ?? null, contactName: name || null },
    ]);
  }

  const isPrimaryEmailConflict = (err: unknown) =>
    (err as { code?: string; constraint?: string }).code === '23505' &&
    (err as { constraint?: string }).constraint === 'contacts_team_primary_email_key';

  const bulkExtensions: Partial<Record<'invite' | 'export', BulkExtension>> = {};
  // set by Contact Sync (createServices): the fields a connection writes are not edited by hand
  let syncedFieldsOf: SyncedFieldsOf | null = null;
  // set by the merge service (createServices): the contacts merged into a contact, whose history is its too
  let mergedIdsOf: ((teamId: string, id: string) => Promise<string[]>) | null = null;

  async function trashRows(actor: Actor, rows: ContactRow[], tx: Tx) {
    return (await writer.trash(tx, actor, rows)).length;
  }

  /** One batch of a bulk action in the caller's transaction; answers how many contacts actually changed. */
  async function bulkBatch(actor: Actor, action: 'delete' | 'activate' | 'deactivate', ids: string[], tx: Tx): Promise<number> {
    const rows = await repo.lockMany(actor.teamId, ids, tx);
    // ids of another team, or gone since: nothing to do
    if (!rows.length) return 0;
    if (action === 'delete') return trashRows(actor, rows, tx);
    const changed = await writer.setActive(
      tx,
      actor,
      rows.map((r) => r.id),
      action === 'activate',
    );
    return changed.length;
  }

  async function bulkApply(actor: Actor, action: 'delete' | 'activate' | 'deactivate', ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    return db.transaction().execute((tx) => bulkBatch(actor, action, ids, tx));
  }

  function bulkTarget(
    input: { action: string; filter: ContactFilter } | { action: string; ids: string[] },
    createdBefore?: Date,
  ): {
    scope: ScopeFilter & { pattern?: string };
  } {
    if ('ids' in input) return { scope: { ids: input.ids } };
    return { scope: { ...scopeOf(input.filter), pattern: patternOf(input.filter.q), ...(createdBefore ? { createdBefore } : {}) } };
  }

  /** A reports-to contact must be a live contact of the same team (another team's id is "not found" too). */
  async function requireReportsTo(teamId: string, value: string | null | undefined, tx?: Executor) {
    if (!value) return;
    if (!(await repo.findById(teamId, value, {}, tx))) {
      throw new AppError('VALIDATION', 'Invalid contact', [
        { path: 'directory.reportsToContactId', message: 'No contact with this id in this team' },
      ]);
    }
  }

  async function load(actor: Actor, id: string): Promise<ContactRow> {
    const row = isUuid(id) ? await repo.findById(actor.teamId, id) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'Contact not found');
    return row;
  }

  /** One contact with the connection that syncs it (its fields are read-only by hand), or sync: null. */
  async function presentOne(teamId: string, row: ContactRow, tx: Executor = db): Promise<Contact> {
    const connectionId = row.directoryConnectionId;
    const conn = connectionId && syncedFieldsOf ? await syncedFieldsOf(teamId, connectionId, tx) : null;
    return {
      ...presentContact(row),
      sync: conn && connectionId ? { connectionId, connectionName: conn.name, fields: conn.paths } : null,
    };
  }

  const service = {
    async get(actor: Actor, id: string): Promise<Contact> {
      return presentOne(actor.teamId, await load(actor, id));
    },

    async create(actor: Actor, input: ContactInput): Promise<Contact> {
      requirePermission(actor, 'modifyContacts');
      const base = emptyContact();
      const ro = readOnlyViolations(input.directory, emptyDirectory(), undefined, null, { reportsToContactEditable: true });
      const reportsTo = reportsToChange(input.directory, emptyDirectory(), null);
      const applied = applyContactInput(base, input);
      const company = companyIdInput(input.companyId);
      const details = [...ro, ...company.details, ...(reportsTo.detail ? [reportsTo.detail] : []), ...(applied.ok ? [] : applied.details)];
      if (details.length || !applied.ok) throw new AppError('VALIDATION', 'Invalid contact', details);
      await requireReportsTo(actor.teamId, reportsTo.value);
      const { defaultPhoneRegion } = await teams.getSettings(actor.teamId);
      const fields = applied.value;
      try {
        const [row] = await writer.create(
          db,
          actor,
          [{ id: uuidv7(), fields, reportsToContactId: reportsTo.value ?? null, companyId: company.value }],
          {
            region: defaultPhoneRegion,
            returnRows: true,
          },
        );
        // a contact made by hand: no connection syncs it
        return { ...presentContact(row!), sync: null };
      } catch (err) {
        if (isPrimaryEmailConflict(err)) throw await conflictError(actor.teamId, fields.primaryEmail!);
        throw err;
      }
    },

    /**
     * Creates many contacts in one statement per call (demo data, seeding). Each input is validated
     * like a single create; invalid ones are returned with their problems and the rest are written.
     */
    async createMany(actor: Actor, inputs: ContactInput[]): Promise<{ created: number; failed: { index: number; details: unknown }[] }> {
      requirePermission(actor, 'modifyContacts');
      const { defaultPhoneRegion } = await teams.getSettings(actor.teamId);
      const failed: { index: number; details: unknown }[] = [];
      const items: ContactCreate[] = [];
      for (const [index, input] of inputs.entries()) {
        const applied = applyContactInput(emptyContact(), input);
        if (!applied.ok) {
          failed.push({ index, details: applied.details });
          continue;
        }
        items.push({ id: uuidv7(), fields: applied.value });
      }
      if (!items.length) return { created: 0, failed };
      const created = await db.transaction().execute(async (tx) => {
        const inserted = await writer.create(tx, actor, items, { region: defaultPhoneRegion, skipTakenEmails: true });
        return inserted.length;
      });
      return { created, failed };
    },

    /** Applies a partial update; `expectedVersion` (from If-Match) makes it conditional. */
    async update(actor: Actor, id: string, input: ContactInput, expectedVersion: number | null): Promise<Contact> {
      requirePermission(actor, 'modifyContacts');
      if (!isUuid(id)) throw new AppError('NOT_FOUND', 'Contact not found');
      // the team's settings are read on another connection while the transaction locks the row
      const settings = teams.getSettings(actor.teamId);
      settings.catch(() => {}); // awaited below; a failure before that must not go unhandled
      let attempted: string | null = null;
      try {
        return await db.transaction().execute(async (tx) => {
          const current = await repo.findById(actor.teamId, id, { forUpdate: true }, tx);
          const { defaultPhoneRegion } = await settings;
          if (!current) throw new AppError('NOT_FOUND', 'Contact not found');
          if (expectedVersion !== null && expectedVersion !== current.version) {
            throw new AppError(
              'PRECONDITION_FAILED',
              `The contact was changed by someone else (version ${current.version}, you sent ${expectedVersion}). Reload it and apply your change again.`,
              { currentVersion: current.version },
            );
          }
          const before = rowToFields(current);
          const directory = rowToDirectory(current);
          const ro = readOnlyViolations(input.directory, directory, undefined, current.companyId, { reportsToContactEditable: true });
          const reportsTo = reportsToChange(input.directory, directory, id);
          const applied = applyContactInput(before, input);
          const company = companyIdInput(input.companyId);
          const details = [
            ...ro,
            ...company.details,
            ...(reportsTo.detail ? [reportsTo.detail] : []),
            ...(applied.ok ? [] : applied.details),
          ];
          if (details.length || !applied.ok) throw new AppError('VALIDATION', 'Invalid contact', details);
          if (directory.connectionId && syncedFieldsOf) {
            const conn = await syncedFieldsOf(actor.teamId, directory.connectionId, tx);
            const synced = conn ? syncedFieldViolations(before, applied.value, conn.paths, conn.name) : [];
            if (synced.length) {
              throw new AppError(
                'VALIDATION',
                `These fields are synced from the directory by the connection "${conn!.name}"; change them in the directory`,
                synced,
              );
            }
          }
          await requireReportsTo(actor.teamId, reportsTo.value, tx);
          const changes = diffContacts(before, applied.value);
          if (reportsTo.value !== undefined) {
            changes['directory.reportsToContactId'] = { before: directory.reportsToContactId, after: reportsTo.value };
          }
          if (company.value !== undefined && company.value !== current.companyId) {
            changes.companyId = { before: current.companyId, after: company.value };
          }
          if (Object.keys(changes).length === 0) return presentOne(actor.teamId, current, tx);
          attempted = applied.value.primaryEmail;
          const [row] = await writer.update(
            tx,
            actor,
            [{ id, before, after: applied.value, changes, stored: current, reportsToContactId: reportsTo.value, companyId: company.value }],
            { region: defaultPhoneRegion, returnRows: true },
          );
          return presentOne(actor.teamId, row!, tx);
        });
      } catch (err) {
        if (isPrimaryEmailConflict(err) && attempted) throw await conflictError(actor.teamId, attempted, id);
        throw err;
      }
    },

    /** Moves a contact to the trash (restorable for 30 days); `purge` erases one that is in the trash. */
    async remove(actor: Actor, id: string, opts: { purge?: boolean } = {}): Promise<void> {
      requirePermission(actor, 'modifyContacts');
      if (!isUuid(id)) throw new AppError('NOT_FOUND', 'Contact not found');
      await db.transaction().execute(async (tx) => {
        const current = await repo.findById(actor.teamId, id, { forUpdate: true }, tx);
        if (current) {
          await trashRows(actor, [current], tx);
          if (!opts.purge) return;
        }
        // without purge only a live contact can be deleted; a trashed one is "not found" like for GET
        if (!opts.purge || !(await trash.purgeOne(actor, id, tx))) throw new AppError('NOT_FOUND', 'Contact not found');
      });
    },

    /** Restores a contact from the trash (the rules of trash.service.ts: 409 while its primary email is taken). */
    async restore(actor: Actor, id: string): Promise<Contact> {
      requirePermission(actor, 'modifyContacts');
      if (!isUuid(id)) throw new AppError('NOT_FOUND', 'Contact not found in the trash');
      return presentContact(await trash.restoreOne(actor, id));
    },

    /** Restores or erases selected rows of the trash, or every row matching a search (see trash.service.ts). */
    trashBulk: trash.bulk,
    runTrashBulkJob: trash.runJob,

    async trash(actor: Actor, q: { q?: string; limit: number; cursor?: string }): Promise<TrashPage> {
      const pattern = patternOf(q.q);
      const after = q.cursor ? decodeCursor(q.cursor, 'trash') : undefined;
      const [rows, total] = await Promise.all([
        repo.trash(actor.teamId, { limit: q.limit + 1, pattern, after }),
        repo.trashCount(actor.teamId, pattern),
      ]);
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return {
        items: items.map((r) => ({ ...presentContact(r), deletedAt: r.deletedAt!.toISOString(), mergedInto: r.mergedInto ?? null })),
        nextCursor: rows.length > q.limit && last ? encodeCursor({ s: 'trash', k: last.sortValue, id: last.id }) : null,
        total,
        totalIsEstimate: false,
      };
    },

    async list(actor: Actor, q: ContactListQuery): Promise<ContactPage> {
      const cursor = q.cursor ? decodeCursor(q.cursor, q.sort) : undefined;
      const { rows, total } = await planner.page(actor.teamId, q, cursor ? { k: cursor.k, id: cursor.id } : undefined);
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return {
        items: items.map(presentContact),
        nextCursor: rows.length > q.limit && last ? encodeCursor({ s: q.sort, k: last.sortValue, id: last.id }) : null,
        total: total.total,
        totalIsEstimate: total.estimate,
      };
    },

    /**
     * Bulk action on selected ids or on every contact matching a filter. Up to BULK_SYNC_MAX rows are
     * done at once (200 {affected}); more run as a job (202 {jobId}) with progress.
     */
    async bulk(actor: Actor, input: BulkInput): Promise<{ affected: number } | { jobId: string }> {
      if (input.action === 'invite' || input.action === 'export') {
        // each extension checks its own permission: export needs exportContacts only, invite modifyContacts
        const handler = bulkExtensions[input.action];
        if (!handler) throw new AppError('VALIDATION', `The bulk action "${input.action}" is not available on this server`);
        return handler(actor, input);
      }
      requirePermission(actor, 'modifyContacts');
      const target = bulkTarget(input);
      if ('ids' in input) {
        const ids = [...new Set(input.ids)];
        const bad = ids.findIndex((id) => !isUuid(id));
        if (bad >= 0) throw new AppError('VALIDATION', 'Invalid ids', [{ path: `ids.${bad}`, message: 'Not a contact id' }]);
        if (ids.length <= BULK_SYNC_MAX) return { affected: await bulkApply(actor, input.action, ids) };
        const job = await jobs.enqueue({ actor, kind: 'contacts.bulk', payload: { action: input.action, ids }, total: ids.length });
        return { jobId: job.id };
      }
      const count = await repo.count(actor.teamId, target.scope, BULK_SYNC_MAX, db);
      if (!count.estimate) {
        const ids = await repo.idsMatching(actor.teamId, target.scope, { limit: BULK_SYNC_MAX + 1 });
        if (ids.length <= BULK_SYNC_MAX) return { affected: await bulkApply(actor, input.action, ids) };
      }
      // the job acts on what matches now, not on contacts added while it waits or runs
      const createdBefore = await repo.now();
      const exact = await repo.count(actor.teamId, { ...target.scope, createdBefore }, 10_000_000);
      const job = await jobs.enqueue({
        actor,
        kind: 'contacts.bulk',
        payload: { action: input.action, filter: input.filter, createdBefore: createdBefore.toISOString() },
        total: exact.total,
      });
      return { jobId: job.id };
    },

    /**
     * The job behind a large bulk action: batches in id order. Each batch commits its changes, audit rows
     * and the job's count and position (a checkpoint fenced by the lease) together, after checking that
     * the member who started it still may; a job taken over by another worker goes on from there.
     */
    async runBulkJob(ctx: JobContext): Promise<{ affected: number }> {
      const p = ctx.job.payload as {
        action: 'delete' | 'activate' | 'deactivate';
        ids?: string[];
        filter?: ContactFilter;
        createdBefore?: string;
      };
      const saved = ctx.job.result as BulkCheckpoint | null;
      let affected = saved?.resume ? saved.affected : 0;
      let at = saved?.resume ?? { position: 0 };
      const step = async (ids: string[], next: BulkCheckpoint['resume']) => {
        const r = await jobs.batch(ctx.job, 'modifyContacts', async (actor, tx) => {
          const done = affected + (await bulkBatch(actor, p.action, ids, tx));
          return { processed: next.position, result: { affected: done, resume: next } };
        });
        affected = r.affected;
        at = next;
      };
      if (p.ids) {
        while (at.position < p.ids.length) {
          const batch = p.ids.slice(at.position, at.position + BULK_BATCH);
          await step(batch, { position: at.position + batch.length });
          await ctx.progress(at.position);
        }
        return { affected };
      }
      // jobs queued before the bound was stored act on every match, as they did
      const createdBefore = p.createdBefore ? new Date(p.createdBefore) : undefined;
      const target = bulkTarget({ action: p.action, filter: p.filter! }, createdBefore);
      for (;;) {
        const ids = await repo.idsMatching(ctx.job.teamId, target.scope, { limit: BULK_BATCH, afterId: at.afterId });
        if (!ids.length) break;
        await step(ids, { position: at.position + ids.length, afterId: ids.at(-1) });
        await ctx.progress(at.position, Math.max(at.position, ctx.job.total ?? 0));
      }
      return { affected };
    },

    /** Erases contacts that have been in the trash longer than TRASH_DAYS. */
    async purgeExpiredTrash(now = new Date()): Promise<number> {
      const before = new Date(now.getTime() - TRASH_DAYS * 86_400_000);
      let purged = 0;
      for (;;) {
        const n = await db.transaction().execute((tx) => writer.purgeExpired(tx, before, 1000, 'kdesk trash purge'));
        purged += n;
        if (n < 1000) return purged;
      }
    },

    /** Recomputes search columns written by an older normaliser (or before they existed). */
    async reindexStale(batch = 1000): Promise<number> {
      let done = 0;
      for (;;) {
        const n = await db.transaction().execute(async (tx) => {
          const rows = await repo.staleSearchRows(batch, tx);
          for (const r of rows) await writer.refreshSearch(tx, r);
          return rows.length;
        });
        done += n;
        if (n < batch) return done;
      }
    },

    /** How many contacts a selection (the directory's filter, or ids) holds; exact. */
    async countMatching(actor: Actor, selection: { filter: ContactFilter } | { ids: string[] }, createdBefore?: Date): Promise<number> {
      const { scope } = bulkTarget({ action: 'export', ...selection }, createdBefore);
      return (await repo.count(actor.teamId, scope, 100_000_000)).total;
    },

    /**
     * Every contact of a selection, in id (creation) order, a page at a time (exports: bounded memory).
     * `select` is the caller's column list (default: every column).
     */
    async *pagesMatching<Row = ContactRow>(
      actor: Actor,
      selection: { filter: ContactFilter } | { ids: string[] },
      o: { pageSize?: number; select?: string; createdBefore?: Date } = {},
    ): AsyncGenerator<Row[]> {
      const { scope } = bulkTarget({ action: 'export', ...selection }, o.createdBefore);
      const limit = o.pageSize ?? 5000;
      let afterId: string | undefined;
      for (;;) {
        const rows = await repo.rowsMatching<Row & { id: string }>(actor.teamId, scope, { limit, afterId, select: o.select });
        if (rows.length) yield rows;
        if (rows.length < limit) return;
        afterId = rows.at(-1)!.id;
      }
    },

    /**
     * `line` (an SQL expression over a contacts row) of every contact of a selection, in id (creation) order,
     * as the bytes the database writes, streamed (exports): one snapshot, read at the caller's pace, in
     * chunks with the number of rows each completes.
     */
    linesMatching(
      actor: Actor,
      selection: { filter: ContactFilter } | { ids: string[] },
      o: { line: RawBuilder<string>; createdBefore?: Date },
    ): AsyncGenerator<{ bytes: Buffer; rows: number }> {
      const { scope } = bulkTarget({ action: 'export', ...selection }, o.createdBefore);
      return repo.linesMatching(actor.teamId, scope, { line: o.line });
    },

    /** The database's clock, for a job's "created before the request" bound. */
    now: () => repo.now(),

    /** Lets other features (portal invitations, exports) handle their bulk action. */
    extendBulk(action: 'invite' | 'export', handler: BulkExtension) {
      bulkExtensions[action] = handler;
    },
    /** Contact Sync: how to find the fields the connection managing a contact writes (refused in `update`). */
    setSyncedFields(fn: SyncedFieldsOf) {
      syncedFieldsOf = fn;
    },
    /** Merges: the history of a contact includes that of the contacts merged into it. */
    setMergedIdsOf(fn: (teamId: string, id: string) => Promise<string[]>) {
      mergedIdsOf = fn;
    },

    async history(
      actor: Actor,
      id: string,
      q: { limit: number; cursor?: string },
    ): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
      await load(actor, id);
      const beforeId = q.cursor ? parseHistoryCursor(q.cursor) : undefined;
      if (beforeId === null) {
        throw new AppError('VALIDATION', 'Invalid query', [
          { path: 'cursor', message: 'Not a history cursor; start again without a cursor' },
        ]);
      }
      const merged = mergedIdsOf ? await mergedIdsOf(actor.teamId, id) : [];
      const rows = await audit.list(actor.teamId, 'contact', merged.length ? [id, ...merged] : id, { limit: q.limit + 1, beforeId });
      const items = rows.slice(0, q.limit);
      return {
        items: items.map((r) => ({
          at: r.at.toISOString(),
          actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
          action: r.action,
          changes: r.changes as HistoryEntry['changes'],
        })),
        nextCursor: rows.length > q.limit ? String(items.at(-1)!.id) : null,
      };
    },

    /**
     * The live contact whose primary email this is, or a new contact made with this name (portal
     * requests from visitors, "add other contacts"). The caller must not tell its user which happened.
     */
    async findOrCreateByEmail(
      actor: Actor,
      input: { email: string; firstName?: string | null; lastName?: string | null },
    ): Promise<{ id: string; created: boolean }> {
      const norm = normalizeEmail(input.email);
      if (!norm.ok) throw new AppError('VALIDATION', 'Invalid email address', [{ path: 'email', message: norm.message }]);
      const found = await repo.findByPrimaryEmail(actor.teamId, norm.email);
      if (found) return { id: found.id, created: false };
      try {
        const c = await service.create(actor, {
          primaryEmail: norm.email,
          firstName: input.firstName ?? null,
          lastName: input.lastName ?? null,
        });
        return { id: c.id, created: true };
      } catch (err) {
        // made by a parallel request meanwhile: that one is the contact
        const again =
          err instanceof AppError && err.code === 'CONFLICT' ? await repo.findByPrimaryEmail(actor.teamId, norm.email) : undefined;
        if (again) return { id: again.id, created: false };
        throw err;
      }
    },
  };
  return service;
}
export type ContactsService = ReturnType<typeof createContactsService>;
