// Duplicates and merging: the finder (a page computed live, or the groups of a full scan run as a job),
// merging 2–10 contacts into a chosen survivor with undo for 30 days, bulk merge from the finder as a job,
// and "change primary email" as one action.
// A merge, in one transaction: the contacts are locked and snapshotted (contact_merges), the merged ones go
// to the trash marked with their survivor and the survivor takes its chosen values (both through the contact
// writer), then every row of every table pointing at contacts (found in the catalog) moves to the survivor
// (merge.repo.ts). Undo restores the contacts from the snapshot byte for byte and puts every row back.
import { AppError } from '#shared/errors.ts';
import type {
  BulkMergeInput,
  DuplicateGroup,
  DuplicatesPage,
  DuplicatesQuery,
  MergeInput,
  MergeResult,
  PrimaryEmailChange,
} from '#shared/merge.schema.ts';
import type { Contact } from '#shared/contact.schema.ts';
import { normalizeEmail } from '#shared/email.ts';
import { limits } from '#shared/limits.ts';
import type { Db, Executor, Tx } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow } from '../db/schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { JobContext } from '../jobs/runner.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { createContactWriter, type AuditBy } from './contacts.writer.ts';
import { presentContact, rowToFields } from './contacts.presenter.ts';
import type { ContactsService } from './contacts.service.ts';
import { createMergeRepo, type ContactRef } from './merge.repo.ts';
import { createDuplicatesRepo, type DuplicateReason, type GroupRow } from './duplicates.repo.ts';
import { FORMER_PRIMARY_LABEL, MERGE_MAX, planMerge } from './merge.rules.ts';

export const MERGE_UNDO_DAYS = 30;
export const DUPLICATE_SCAN_KIND = 'contacts.duplicate-scan';
export const BULK_MERGE_KIND = 'contacts.merge-bulk';
/** Contacts probed per live page of the finder (each looked up by index). */
const LIVE_PROBE = 1000;
const REASONS: DuplicateReason[] = ['email', 'phone', 'name'];

const DAY = 86_400_000;
const encodeCursor = (c: unknown) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(s: string): Record<string, string> {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object') return v as Record<string, string>;
  } catch {
    /* below */
  }
  throw new AppError('VALIDATION', 'Invalid query', [{ path: 'cursor', message: 'Not a cursor of this list; start again without one' }]);
}

export function createMergeService(deps: {
  db: Db;
  teams: Pick<TeamsService, 'getSettings'>;
  jobs: Pick<JobsService, 'enqueue' | 'batch'>;
  contacts: Pick<ContactsService, 'update' | 'get'>;
  now?: () => Date;
}) {
  const { db, teams, jobs } = deps;
  const now = deps.now ?? (() => new Date());
  const writer = createContactWriter(db);
  const repo = createMergeRepo();
  const dupes = createDuplicatesRepo();

  /** The contacts of groups, presented, and groups of fewer than two live contacts left out. */
  async function present(teamId: string, groups: GroupRow[], tx: Executor): Promise<DuplicateGroup[]> {
    const ids = [...new Set(groups.flatMap((g) => g.contactIds))];
    const rows = await repo.liveContacts(teamId, ids, tx);
    const byId = new Map(rows.map((r) => [r.id, presentContact(r)]));
    const seen = new Set<string>();
    const out: DuplicateGroup[] = [];
    for (const g of groups) {
      const contacts = g.contactIds.map((id) => byId.get(id)).filter((c): c is Contact => !!c);
      if (contacts.length < 2) continue;
      // the same contacts sharing an email and a phone are one group
      const setKey = contacts.map((c) => c.id).join(',');
      if (seen.has(setKey)) continue;
      seen.add(setKey);
      out.push({ reason: g.reason, key: g.key, contactIds: contacts.map((c) => c.id), contacts });
    }
    return out;
  }

  /** Merge in the caller's transaction (a request's, or a bulk job's batch). */
  async function mergeIn(actor: Actor | AuditBy, teamId: string, input: MergeInput, tx: Tx): Promise<MergeResult> {
    const ids = [input.survivorId, ...input.mergedIds];
    if (new Set(ids).size !== ids.length) {
      throw new AppError('VALIDATION', 'Invalid merge', [
        { path: 'mergedIds', message: 'Each contact may appear once, and the primary contact is not one of those merged into it' },
      ]);
    }
    if (ids.length > MERGE_MAX) {
      throw new AppError('VALIDATION', 'Invalid merge', [{ path: 'mergedIds', message: `At most ${MERGE_MAX} contacts merge at once` }]);
    }
    // another team's id, a malformed id or a contact in the trash: not found, like everywhere else
    if (!ids.every(isUuid)) throw new AppError('NOT_FOUND', 'Contact not found');
    const rows = await repo.lockContacts(teamId, [...ids].sort(), tx);
    const byId = new Map(rows.filter((r) => r.deletedAt === null).map((r) => [r.id, r]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing) throw new AppError('NOT_FOUND', `Contact not found: ${missing}`);
    const survivor = byId.get(input.survivorId)!;
    const merged = input.mergedIds.map((id) => byId.get(id)!);
    const syncedAway = merged.map((m, i) => ({ m, i })).filter(({ m }) => m.directoryConnectionId);
    if (syncedAway.length) {
      const name = (r: ContactRow) => [r.firstName, r.lastName].filter(Boolean).join(' ') || r.primaryEmail || r.id;
      throw new AppError(
        'CONFLICT',
        survivor.directoryConnectionId
          ? 'Two contacts managed by Contact Sync cannot be merged: each is kept by its directory.'
          : `${name(syncedAway[0]!.m)} is managed by Contact Sync, so it can only be the primary contact that others merge into. Choose it as the primary.`,
        syncedAway.map(({ m, i }) => ({
          path: `mergedIds.${i}`,
          message: 'Managed by Contact Sync: merge other contacts into this one instead',
          contactId: m.id,
        })),
      );
    }
    const { defaultPhoneRegion } = await teams.getSettings(teamId);
    const plan = planMerge(
      { id: survivor.id, fields: rowToFields(survivor), companyId: survivor.companyId },
      merged.map((m) => ({ id: m.id, fields: rowToFields(m), companyId: m.companyId })),
      input.fields ?? {},
      defaultPhoneRegion,
    );
    if (!plan.ok) throw new AppError('VALIDATION', 'Invalid merge', plan.details);
    const mergeId = uuidv7();
    const who = 'permissions' in actor ? { id: actor.memberId, label: actor.label } : { id: actor.id, label: actor.label };
    await repo.insertMerge(
      {
        id: mergeId,
        teamId,
        survivorId: survivor.id,
        mergedIds: input.mergedIds,
        actorId: who.id,
        actorLabel: who.label,
      },
      tx,
    );
    const written = await writer.merge(
      tx,
      actor,
      { survivor, merged, after: plan.fields, companyId: plan.companyId, mergeId },
      { region: defaultPhoneRegion },
    );
    for (const ref of await repo.contactRefs(tx)) await repo.moveRefs(ref, mergeId, survivor.id, input.mergedIds, tx);
    // contacts reporting to a merged contact report to the survivor (the survivor itself then to no one; its
    // snapshot puts it back on undo); the others are recorded so undo points them back
    const reporting = await repo.reportingTo(teamId, input.mergedIds, tx);
    await repo.recordReportsTo(
      mergeId,
      reporting.filter((r) => r.id !== survivor.id),
      tx,
    );
    const repointed = await writer.setReportsTo(
      tx,
      actor,
      reporting.map((r) => ({ id: r.id, before: r.reportsToContactId, after: r.id === survivor.id ? null : survivor.id })),
    );
    const final = repointed.find((r) => r.id === survivor.id) ?? written;
    await repo.setSurvivorVersion(mergeId, final.version, tx);
    return { contact: presentContact(final), mergeId };
  }

  const service = {
    /** A page of candidate groups: computed now (live), or from the last full scan. */
    async duplicates(actor: Actor, q: DuplicatesQuery): Promise<DuplicatesPage> {
      const c = q.cursor ? decodeCursor(q.cursor) : null;
      const scanRow = await dupes.lastScan(actor.teamId, db);
      const scan = scanRow
        ? {
            jobId: scanRow.jobId,
            startedAt: scanRow.startedAt.toISOString(),
            finishedAt: scanRow.finishedAt?.toISOString() ?? null,
            groups: scanRow.groups,
          }
        : null;
      if (q.source === 'scan') {
        if (c && (c.m !== 's' || !isUuid(c.a ?? ''))) decodeCursor('!');
        const after = c ? { anchorId: c.a!, reason: c.r!, key: c.k! } : null;
        const rows = await dupes.scanPage(actor.teamId, after, q.limit + 1, db);
        const page = rows.slice(0, q.limit);
        const last = page.at(-1);
        return {
          items: await present(actor.teamId, page, db),
          nextCursor: rows.length > q.limit && last ? encodeCursor({ m: 's', a: last.anchorId, r: last.reason, k: last.key }) : null,
          source: 'scan',
          scan,
        };
      }
      if (c && (c.m !== 'l' || !isUuid(c.a ?? ''))) decodeCursor('!');
      let after = c?.a ?? null;
      const items: DuplicateGroup[] = [];
      // probe windows until the page has its groups or about a second of work was done
      const started = Date.now();
      for (;;) {
        const from = after;
        const { groups, lastProbed } = await db.transaction().execute((tx) => dupes.livePage(actor.teamId, from, LIVE_PROBE, tx));
        // whole anchors only, so the cursor (an anchor) never splits one contact's groups
        const shown = await present(actor.teamId, groups, db);
        let cut: string | null = null;
        for (const g of shown) {
          if (items.length >= q.limit && g.contactIds[0] !== items.at(-1)!.contactIds[0]) {
            cut = items.at(-1)!.contactIds[0]!;
            break;
          }
          items.push(g);
        }
        if (cut) return { items, nextCursor: encodeCursor({ m: 'l', a: cut }), source: 'live', scan };
        if (!lastProbed) return { items, nextCursor: null, source: 'live', scan };
        after = lastProbed;
        if (items.length >= q.limit || Date.now() - started > 1000) {
          return { items, nextCursor: encodeCursor({ m: 'l', a: after }), source: 'live', scan };
        }
      }
    },

    /** Starts a full scan of the team's contacts as a job (progress: one step per kind of duplicate). */
    async startScan(actor: Actor): Promise<{ jobId: string }> {
      requirePermission(actor, 'modifyContacts');
      const job = await db.transaction().execute(async (tx) => {
        const j = await jobs.enqueue({ actor, kind: DUPLICATE_SCAN_KIND, total: REASONS.length }, tx);
        await dupes.startScan(actor.teamId, j.id, tx);
        return j;
      });
      return { jobId: job.id };
    },

    /** The scan job: one reason per transaction, so a job taken over resumes at the next reason with exact counts. */
    async runScanJob(ctx: JobContext): Promise<{ groups: number }> {
      let step = ctx.job.processed ?? 0;
      let groups = ((ctx.job.result as { groups?: number } | null)?.groups ?? 0) as number;
      while (step < REASONS.length) {
        const reason = REASONS[step]!;
        const n = await jobs.batch(ctx.job, 'modifyContacts', async (_actor, tx) => {
          const found = await dupes.scanReason(ctx.job.teamId, reason, tx);
          if (step + 1 === REASONS.length) await dupes.finishScan(ctx.job.teamId, groups + found, tx);
          return { processed: step + 1, result: { groups: groups + found } };
        });
        groups = n.groups;
        step++;
        await ctx.progress(step, REASONS.length);
      }
      return { groups };
    },

    async merge(actor: Actor, input: MergeInput): Promise<MergeResult> {
      requirePermission(actor, 'modifyContacts');
      return db.transaction().execute((tx) => mergeIn(actor, actor.teamId, input, tx));
    },

    /** Bulk merge from the finder: a job, one group per transaction; a group that cannot merge is reported, not fatal. */
    async bulkMerge(actor: Actor, input: BulkMergeInput): Promise<{ jobId: string; total: number }> {
      requirePermission(actor, 'modifyContacts');
      const job = await jobs.enqueue({ actor, kind: BULK_MERGE_KIND, payload: { groups: input.groups }, total: input.groups.length });
      return { jobId: job.id, total: input.groups.length };
    },

    async runBulkMergeJob(ctx: JobContext) {
      const { groups } = ctx.job.payload as BulkMergeInput;
      type R = { merged: number; merges: string[]; failed: { survivorId: string; message: string }[] };
      let state: R = { merged: 0, merges: [], failed: [], ...((ctx.job.result as R | null) ?? {}) };
      for (let i = ctx.job.processed ?? 0; i < groups.length; i++) {
        const g = groups[i]!;
        state = await jobs.batch(ctx.job, 'modifyContacts', async (actor, tx) => {
          const next: R = { merged: state.merged, merges: [...state.merges], failed: [...state.failed] };
          try {
            await repo.savepoint(tx);
            const r = await mergeIn(actor, ctx.job.teamId, { survivorId: g.survivorId, mergedIds: g.mergedIds }, tx);
            await repo.releaseSavepoint(tx);
            next.merged++;
            if (next.merges.length < 1000) next.merges.push(r.mergeId);
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            await repo.rollbackToSavepoint(tx);
            if (next.failed.length < 1000) next.failed.push({ survivorId: g.survivorId, message: err.message });
          }
          return { processed: i + 1, result: next };
        });
        await ctx.progress(i + 1, groups.length);
      }
      return state;
    },

    /** Undoes a merge within 30 days: every contact back byte for byte, every moved row back where it was. */
    async undo(actor: Actor, mergeId: string): Promise<{ contacts: Contact[] }> {
      requirePermission(actor, 'modifyContacts');
      if (!isUuid(mergeId)) throw new AppError('NOT_FOUND', 'Merge not found');
      try {
        return await db.transaction().execute(async (tx) => {
          const m = await repo.findMerge(actor.teamId, mergeId, tx, { forUpdate: true });
          if (!m) throw new AppError('NOT_FOUND', 'Merge not found');
          if (m.undoneAt) throw new AppError('CONFLICT', 'This merge was already undone');
          if (now().getTime() - m.createdAt.getTime() > MERGE_UNDO_DAYS * DAY) {
            throw new AppError('CONFLICT', `A merge can be undone for ${MERGE_UNDO_DAYS} days; this one is older`);
          }
          const rows = await repo.lockContacts(actor.teamId, [m.survivorId, ...m.mergedIds].sort(), tx);
          const byId = new Map(rows.map((r) => [r.id, r]));
          const survivor = byId.get(m.survivorId);
          if (!survivor || survivor.deletedAt) {
            throw new AppError('CONFLICT', 'The contact the others were merged into is in the trash or was erased; restore it first');
          }
          if (survivor.version !== m.survivorVersion) {
            throw new AppError(
              'CONFLICT',
              'The merged contact was changed after the merge; undoing would lose those changes. Its history shows what changed.',
              [{ path: 'survivorId', message: `Version ${survivor.version}, the merge left version ${m.survivorVersion}` }],
            );
          }
          const gone = m.mergedIds.filter((id) => byId.get(id)?.mergedInto !== m.survivorId || !byId.get(id)?.deletedAt);
          if (gone.length) {
            throw new AppError('CONFLICT', 'A merged contact was restored or erased since the merge, so the merge cannot be undone', [
              { path: 'mergedIds', message: `Not in the trash as merged: ${gone.join(', ')}` },
            ]);
          }
          const restored = await writer.undoMerge(tx, actor, {
            survivorId: m.survivorId,
            mergedIds: m.mergedIds,
            snapshots: m.snapshots,
            mergeId,
          });
          const refs: ContactRef[] = await repo.contactRefs(tx);
          for (const ref of refs) await repo.restoreRefs(ref, mergeId, m.survivorId, tx);
          // who reported to a merged contact does again, unless they were pointed elsewhere since
          const recorded = await repo.recordedReportsTo(mergeId, tx);
          if (recorded.length) {
            const now = new Map((await repo.reportingTo(actor.teamId, [m.survivorId], tx)).map((r) => [r.id, r.reportsToContactId]));
            await writer.setReportsTo(
              tx,
              actor,
              recorded.filter((r) => now.has(r.id)).map((r) => ({ id: r.id, before: m.survivorId, after: r.reportsToContactId })),
            );
          }
          await repo.markUndone(mergeId, tx);
          const order = [m.survivorId, ...m.mergedIds];
          return { contacts: order.map((id) => restored.find((r) => r.id === id)!).map(presentContact) };
        });
      } catch (err) {
        const e = err as { code?: string; constraint?: string };
        if (e.code === '23505' && e.constraint === 'contacts_team_primary_email_key') {
          throw new AppError('CONFLICT', 'A merged contact’s primary email now belongs to another contact; change that contact first');
        }
        throw err;
      }
    },

    /** The team's merges that can still be undone, newest first. */
    async recent(actor: Actor) {
      const since = new Date(now().getTime() - MERGE_UNDO_DAYS * DAY);
      const rows = await repo.recentMerges(actor.teamId, since, 50, db);
      return {
        items: rows.map((r) => ({
          id: r.id,
          survivorId: r.survivorId,
          mergedIds: r.mergedIds,
          createdAt: r.createdAt.toISOString(),
          actor: r.actorLabel,
          undoableUntil: new Date(r.createdAt.getTime() + MERGE_UNDO_DAYS * DAY).toISOString(),
        })),
      };
    },

    /** The ids whose history is also this contact's: the contacts merged into it. */
    mergedIdsOf(teamId: string, survivorId: string) {
      return repo.mergedInto(teamId, survivorId, db);
    },

    /** Forgets merges whose undo window is over. */
    async purgeExpired(): Promise<number> {
      const before = new Date(now().getTime() - MERGE_UNDO_DAYS * DAY);
      let total = 0;
      for (;;) {
        const n = await db.transaction().execute((tx) => repo.deleteMergesBefore(before, 500, tx));
        total += n;
        if (n < 500) return total;
      }
    },

    /**
     * "Change primary email": the new address (a labeled email promoted, or a new one) becomes the primary
     * email; the old one is kept as a labeled email or dropped. One update through the contact service, so
     * conflicts (409), synced fields, If-Match, history and the end of portal sessions are those of any edit.
     */
    async changePrimaryEmail(actor: Actor, id: string, input: PrimaryEmailChange, expectedVersion: number | null): Promise<Contact> {
      requirePermission(actor, 'modifyContacts');
      const current = await deps.contacts.get(actor, id);
      const n = normalizeEmail(input.email);
      if (!n.ok) throw new AppError('VALIDATION', 'Invalid email', [{ path: 'email', message: n.message }]);
      const email = n.email;
      if (current.primaryEmail && current.primaryEmail.toLowerCase() === email.toLowerCase()) {
        throw new AppError('VALIDATION', 'Invalid email', [{ path: 'email', message: 'This is already the primary email' }]);
      }
      const emails: Record<string, string> = {};
      for (const [label, value] of Object.entries(current.emails)) if (value.toLowerCase() !== email.toLowerCase()) emails[label] = value;
      if (input.keepOld && current.primaryEmail) {
        const base = input.label ?? FORMER_PRIMARY_LABEL;
        let label = base;
        for (let i = 2; label in emails; i++) label = `${base.slice(0, limits.labelMax - String(i).length - 1)} ${i}`;
        emails[label] = current.primaryEmail;
      }
      return deps.contacts.update(actor, id, { primaryEmail: email, emails }, expectedVersion ?? current.version);
    },
  };
  return service;
}
export type MergeService = ReturnType<typeof createMergeService>;
