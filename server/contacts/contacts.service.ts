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
import { AppError } from '#shared/errors.ts';
import { sql, type RawBuilder } from 'kysely';
import type { Db, Executor, Tx } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow, NewContactRow } from '../db/schema.ts';
import { requirePermission, systemActor, type Actor } from '../auth/actor.ts';
import type { JobContext } from '../jobs/runner.ts';

export type BulkExtension = (actor: Actor, input: BulkInput) => Promise<{ affected: number } | { jobId: string }>;
import { auditRow, createAuditRepo } from '../audit/audit.repo.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { createContactsRepo, type IndexLookup, type ListedRow, type ScopeFilter, type SortField, type SortSpec } from './contacts.repo.ts';
import { likePattern, parseSearch } from './search.rules.ts';
import { coreTrigrams, teamInIndex } from './search-core.rules.ts';
import { createSearchStats, type SearchStats } from './search-stats.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import { fieldsToColumns, presentContact, rowToDirectory, rowToFields, searchColumns } from './contacts.presenter.ts';
import { applyContactInput, diffContacts, emptyContact, emptyDirectory, phonesE164, readOnlyViolations } from './contacts.rules.ts';
import { createTrashService } from './trash.service.ts';
import { encodeCursor, parseCursor, parseHistoryCursor, type Cursor } from './cursor.rules.ts';

/** Above this many rows `total` is the planner's estimate (flagged), so listing stays fast. */
const DEFAULT_EXACT_COUNT_CAP = 10_000;
/** A search first walks the sort index this far looking for a page of matches (see repo.scanPage); the
 *  walk is index-only for the default and name sorts (migration 0006), about 1 µs per row. */
const DEFAULT_SCAN_BUDGET = 20_000;
/** The walk first looks at this many rows; with too few matches there it goes to the trigram index. */
const PROBE_ROWS = 3_000;
/** In a scope too big to count, a common search's total is extrapolated from this many of its newest rows. */
const SHARE_WINDOW = 5_000;
/** Relative costs of looking at one more row of the sort index (index-only, ~2 µs) and of fetching one
 *  match from the table on the trigram path (~5 µs), measured on the bench data. */
const WALK_ROW_COST = 2;
const MATCH_ROW_COST = 5;
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
function parseSort(sort: string): SortSpec {
  const desc = sort.startsWith('-');
  return { field: (desc ? sort.slice(1) : sort) as SortField, desc };
}
function scopeOf(f: Omit<ContactFilter, 'q'>, ids?: string[]): ScopeFilter {
  return { status: f.status, verified: f.verified, companyId: f.companyId, ...(ids ? { ids } : {}) };
}
const patternOf = (q: string | undefined) => {
  const needle = parseSearch(q);
  return needle ? likePattern(needle) : undefined;
};

export interface ContactsHooks {
  /** Contacts that were deactivated, deleted or lost portal access: their portal sessions end in the same transaction. */
  onPortalAccessLost?: (teamId: string, contactIds: string[], tx: Executor) => Promise<unknown>;
}

export function createContactsService(
  deps: {
    db: Db;
    teams: TeamsService;
    jobs: JobsService;
    tuning?: {
      scanBudget?: number;
      probeRows?: number;
      exactCountCap?: number;
      coreTrigrams?: number;
      trustEstimateAbove?: number;
      shareWindow?: number;
    };
    /** trigram statistics for choosing what the trigram index looks up (default: sampled by this service) */
    searchStats?: SearchStats;
  } & ContactsHooks,
) {
  const { db, teams, jobs } = deps;
  // how hard a search tries (tests lower them to exercise every path with little data)
  const SCAN_BUDGET = deps.tuning?.scanBudget ?? DEFAULT_SCAN_BUDGET;
  const EXACT_COUNT_CAP = deps.tuning?.exactCountCap ?? DEFAULT_EXACT_COUNT_CAP;
  // a scope the planner puts above this many rows is not counted at all (its total is an estimate anyway)
  const TRUST_ESTIMATE_ABOVE = deps.tuning?.trustEstimateAbove ?? 4 * EXACT_COUNT_CAP;
  const repo = createContactsRepo(db);
  const audit = createAuditRepo(db);
  const searchStats = deps.searchStats ?? createSearchStats(db);
  /**
   * What the trigram index looks up for a search in a scope of `scopeRows`: the needle's rare trigrams
   * (substring searches only; prefixes keep their pattern), with or without the team's posting list.
   */
  const coreOf = (q: string | undefined, scopeRows: number): (IndexLookup & { needleShare: number }) | null => {
    const needle = parseSearch(q);
    const stats = searchStats.current();
    if (!needle || needle.mode !== 'substring' || !stats) return null;
    const core = coreTrigrams(needle.needle, stats, { maxTrigrams: deps.tuning?.coreTrigrams });
    return core && { trigrams: core.trigrams, teamInIndex: teamInIndex(core, scopeRows, stats.tableRows), needleShare: core.needleShare };
  };
  const trash = createTrashService({ db, jobs, syncMax: BULK_SYNC_MAX });
  /**
   * A search's total, the same for every sort and page size. In a scope of up to TRUST_ESTIMATE_ABOVE rows:
   * exact up to EXACT_COUNT_CAP matches (the count stops there), else the planner's estimate, kept within the
   * scope. In a bigger scope (never counted) counting a common needle's matches would cost more than the page
   * (a million-contact team: ~80 ms for "smith"), so the share of matches among the scope's newest
   * SHARE_WINDOW rows is extrapolated; the matches are counted only when that says they are within the cap.
   */
  async function countMatches(
    teamId: string,
    f: ScopeFilter,
    pattern: string,
    core: IndexLookup | null,
    scope: { total: number; estimate: boolean },
  ): Promise<{ total: number; estimate: boolean }> {
    if (scope.estimate && scope.total > TRUST_ESTIMATE_ABOVE) {
      const w = await repo.matchShare(teamId, f, { pattern, window: deps.tuning?.shareWindow ?? SHARE_WINDOW });
      const extrapolated = w.rows ? Math.round((scope.total * w.hits) / w.rows) : 0;
      if (extrapolated > EXACT_COUNT_CAP) return { total: extrapolated, estimate: true };
    }
    const n = await repo.count(teamId, { ...f, pattern, core }, EXACT_COUNT_CAP);
    return n.estimate ? { total: Math.max(EXACT_COUNT_CAP + 1, Math.min(n.total, scope.total)), estimate: true } : n;
  }

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

  async function trashRows(actor: Actor, rows: ContactRow[], tx: Tx) {
    const moved = new Set(
      (
        await repo.moveToTrash(
          actor.teamId,
          rows.map((r) => r.id),
          tx,
        )
      ).map((r) => r.id),
    );
    await audit.recordMany(
      actor,
      'contact',
      'delete',
      rows.filter((r) => moved.has(r.id)).map((r) => ({ id: r.id, changes: diffContacts(rowToFields(r), null) })),
      tx,
    );
    await deps.onPortalAccessLost?.(actor.teamId, [...moved], tx);
    return moved.size;
  }

  /** One batch of a bulk action in the caller's transaction; answers how many contacts actually changed. */
  async function bulkBatch(actor: Actor, action: 'delete' | 'activate' | 'deactivate', ids: string[], tx: Tx): Promise<number> {
    const rows = await repo.lockMany(actor.teamId, ids, tx);
    // ids of another team, or gone since: nothing to do
    if (!rows.length) return 0;
    if (action === 'delete') return trashRows(actor, rows, tx);
    const active = action === 'activate';
    const changed = new Set(
      (
        await repo.setActive(
          actor.teamId,
          rows.map((r) => r.id),
          active,
          tx,
        )
      ).map((r) => r.id),
    );
    await audit.recordMany(
      actor,
      'contact',
      'update',
      [...changed].map((id) => ({ id, changes: { 'permissions.active': { before: !active, after: active } } })),
      tx,
    );
    if (!active) await deps.onPortalAccessLost?.(actor.teamId, [...changed], tx);
    return changed.size;
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

  async function load(actor: Actor, id: string): Promise<ContactRow> {
    const row = isUuid(id) ? await repo.findById(actor.teamId, id) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'Contact not found');
    return row;
  }

  return {
    async get(actor: Actor, id: string): Promise<Contact> {
      return presentContact(await load(actor, id));
    },

    async create(actor: Actor, input: ContactInput): Promise<Contact> {
      requirePermission(actor, 'modifyContacts');
      const base = emptyContact();
      const ro = readOnlyViolations(input.directory, emptyDirectory(), input.companyId, null);
      const applied = applyContactInput(base, input);
      const details = [...ro, ...(applied.ok ? [] : applied.details)];
      if (details.length || !applied.ok) throw new AppError('VALIDATION', 'Invalid contact', details);
      const { defaultPhoneRegion } = await teams.getSettings(actor.teamId);
      const fields = applied.value;
      const id = uuidv7();
      try {
        const row = await repo.insertAudited(
          { id, teamId: actor.teamId, ...fieldsToColumns(fields, phonesE164(fields.phones, defaultPhoneRegion)) },
          auditRow(actor, 'contact', id, 'create', diffContacts(null, fields)),
        );
        return presentContact(row);
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
      const rows: NewContactRow[] = [];
      const audits: { id: string; changes: ReturnType<typeof diffContacts> }[] = [];
      for (const [index, input] of inputs.entries()) {
        const applied = applyContactInput(emptyContact(), input);
        if (!applied.ok) {
          failed.push({ index, details: applied.details });
          continue;
        }
        const id = uuidv7();
        rows.push({ id, teamId: actor.teamId, ...fieldsToColumns(applied.value, phonesE164(applied.value.phones, defaultPhoneRegion)) });
        audits.push({ id, changes: diffContacts(null, applied.value) });
      }
      if (!rows.length) return { created: 0, failed };
      const created = await db.transaction().execute(async (tx) => {
        const inserted = await repo.insertMany(rows, tx);
        const ids = new Set(inserted);
        await audit.recordMany(
          actor,
          'contact',
          'create',
          audits.filter((a) => ids.has(a.id)),
          tx,
        );
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
          const ro = readOnlyViolations(input.directory, rowToDirectory(current), input.companyId, current.companyId);
          const applied = applyContactInput(before, input);
          const details = [...ro, ...(applied.ok ? [] : applied.details)];
          if (details.length || !applied.ok) throw new AppError('VALIDATION', 'Invalid contact', details);
          const changes = diffContacts(before, applied.value);
          if (Object.keys(changes).length === 0) return presentContact(current);
          attempted = applied.value.primaryEmail;
          const row = await repo.update(
            actor.teamId,
            id,
            fieldsToColumns(applied.value, phonesE164(applied.value.phones, defaultPhoneRegion)),
            tx,
          );
          await audit.record({ actor, entityType: 'contact', entityId: id, action: 'update', changes }, tx);
          const lost =
            (before.permissions.active && !applied.value.permissions.active) ||
            (before.permissions.portalAccess && !applied.value.permissions.portalAccess) ||
            (before.primaryEmail !== null && before.primaryEmail !== applied.value.primaryEmail);
          if (lost) await deps.onPortalAccessLost?.(actor.teamId, [id], tx);
          return presentContact(row!);
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
        items: items.map((r) => ({ ...presentContact(r), deletedAt: r.deletedAt!.toISOString() })),
        nextCursor: rows.length > q.limit && last ? encodeCursor({ s: 'trash', k: last.sortValue, id: last.id }) : null,
        total,
        totalIsEstimate: false,
      };
    },

    async list(actor: Actor, q: ContactListQuery): Promise<ContactPage> {
      const sort = parseSort(q.sort);
      const cursor = q.cursor ? decodeCursor(q.cursor, q.sort) : undefined;
      const after = cursor ? { k: cursor.k, id: cursor.id } : undefined;
      const f = scopeOf(q);
      const pattern = patternOf(q.q);
      const want = q.limit + 1;
      let rows: ListedRow[];
      let total: { total: number; estimate: boolean };
      if (!pattern) {
        [rows, total] = await Promise.all([
          repo.page(actor.teamId, f, { sort, limit: want, after }),
          repo.count(actor.teamId, f, EXACT_COUNT_CAP, db, { trustEstimateAbove: TRUST_ESTIMATE_ABOVE }),
        ]);
      } else {
        const scope = await repo.count(actor.teamId, f, EXACT_COUNT_CAP, db, { trustEstimateAbove: TRUST_ESTIMATE_ABOVE });
        if (!scope.estimate && scope.total <= SCAN_BUDGET) {
          // a small scope (a small team): one walk over all of it gives the page and the exact total; it
          // never reads the trigram index, whose posting lists hold every team's rows
          const all = await repo.walkAll(actor.teamId, f, { sort, limit: want, after, pattern, budget: SCAN_BUDGET });
          // past the last match the page is empty and says nothing of the total
          const counted =
            all.length || !after ? all : await repo.walkAll(actor.teamId, f, { sort, limit: 1, pattern, budget: SCAN_BUDGET });
          rows = all;
          total = { total: counted[0]?.fullCount ?? 0, estimate: false };
        } else {
          // probe the first rows of the walk; walk further only when what it found says a page is near
          const probe = Math.min(deps.tuning?.probeRows ?? PROBE_ROWS, SCAN_BUDGET);
          let scanned = await repo.scanPage(actor.teamId, f, { sort, limit: want, after, pattern, budget: probe });
          // walk on when the rows still to walk for a page cost less than fetching every match from the
          // table; matches may cluster at the start of the sort order, so the sampled statistics bound the density
          const core = coreOf(q.q, scope.total);
          const density = Math.min(scanned.length / probe, core?.needleShare ?? 1);
          const walkRows = density ? (want - scanned.length) / density : Infinity;
          const walkOn = walkRows <= SCAN_BUDGET - probe && walkRows * WALK_ROW_COST < density * scope.total * MATCH_ROW_COST;
          if (scanned.length < want && SCAN_BUDGET > probe && walkOn) {
            // go on from the probe's last match (the probe found one: density > 0), not from the start again
            const last = scanned.at(-1)!;
            const more = await repo.scanPage(actor.teamId, f, {
              sort,
              limit: want - scanned.length,
              after: { k: last.sortValue, id: last.id },
              pattern,
              budget: SCAN_BUDGET - Number(last.rn),
            });
            scanned = [...scanned, ...more.map((r) => ({ ...r, rn: Number(r.rn) + Number(last.rn) }))];
          }
          if (scanned.length === want) {
            // matches are common: the page came from the sort index. The total is counted, never
            // extrapolated from the walk: matches cluster in sort order, so the walk's density would
            // depend on the sort and the page size
            rows = scanned;
            total = await countMatches(actor.teamId, f, pattern, core, scope);
          } else {
            const matched = await repo.matchPage(actor.teamId, f, { sort, limit: want, after, pattern, core });
            rows = matched;
            total = matched.length
              ? { total: matched[0]!.fullCount, estimate: false }
              : await countMatches(actor.teamId, f, pattern, core, scope);
          }
        }
      }
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
        const n = await db.transaction().execute(async (tx) => {
          const rows = await repo.purgeTrashedBefore(before, 1000, tx);
          const byTeam = new Map<string, string[]>();
          for (const r of rows) byTeam.set(r.teamId, [...(byTeam.get(r.teamId) ?? []), r.id]);
          for (const [teamId, ids] of byTeam) {
            await audit.recordMany(
              systemActor(teamId, 'kdesk trash purge'),
              'contact',
              'purge',
              ids.map((id) => ({ id, changes: {} })),
              tx,
            );
          }
          return rows.length;
        });
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
          for (const r of rows) await repo.setSearchColumns(r.id, searchColumns(rowToFields(r), r.phonesE164), tx);
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
      o: { pageSize?: number; select?: RawBuilder<unknown>; createdBefore?: Date } = {},
    ): AsyncGenerator<Row[]> {
      const { scope } = bulkTarget({ action: 'export', ...selection }, o.createdBefore);
      const limit = o.pageSize ?? 5000;
      let afterId: string | undefined;
      for (;;) {
        const rows = await repo.rowsMatching<Row & { id: string }>(actor.teamId, scope, { limit, afterId, select: o.select ?? sql`*` });
        if (rows.length) yield rows;
        if (rows.length < limit) return;
        afterId = rows.at(-1)!.id;
      }
    },

    /**
     * The same pages as pagesMatching, each as one text: `line` (an SQL expression over a contacts row) of
     * every row, in id order (exports written by the database). Where a page ends is looked up first (an
     * index walk), so the database builds two pages at once on two connections while the caller writes
     * the one before: at most three pages are held.
     */
    async *textPagesMatching(
      actor: Actor,
      selection: { filter: ContactFilter } | { ids: string[] },
      o: { line: RawBuilder<string>; pageSize?: number; createdBefore?: Date },
    ): AsyncGenerator<{ text: string; rows: number }> {
      const { scope } = bulkTarget({ action: 'export', ...selection }, o.createdBefore);
      const limit = o.pageSize ?? 5000;
      type Page = { text: string; rows: number; lastId: string | null };
      const inFlight: Promise<Page>[] = [];
      let afterId: string | undefined;
      let done = false;
      const launch = async () => {
        // the page (afterId, end]: `end` is its last row, or null when it is the last page
        const end = await repo.nthIdMatching(actor.teamId, scope, { n: limit, afterId });
        const page = repo.textMatching(actor.teamId, scope, { limit, afterId, ...(end ? { uptoId: end } : {}), line: o.line });
        page.catch(() => {}); // a failure is thrown where it is awaited; a caller that stops early leaves it
        inFlight.push(page);
        if (end) afterId = end;
        else done = true;
      };
      while (!done && inFlight.length < 2) await launch();
      while (inFlight.length) {
        const page = await inFlight.shift()!;
        if (!done) await launch();
        if (page.rows) yield { text: page.text, rows: page.rows };
      }
    },

    /** The database's clock, for a job's "created before the request" bound. */
    now: () => repo.now(),

    /** Lets other features (portal invitations, exports) handle their bulk action. */
    extendBulk(action: 'invite' | 'export', handler: BulkExtension) {
      bulkExtensions[action] = handler;
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
      const rows = await audit.list(actor.teamId, 'contact', id, { limit: q.limit + 1, beforeId });
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
  };
}
export type ContactsService = ReturnType<typeof createContactsService>;
