// Restoring and erasing contacts in the trash, one or many: the single-row endpoints and
// POST /api/v1/contacts/trash/bulk share these batches, so a bulk restore follows exactly the rules of a
// single one (version + 1, an audit row per contact, refused while a live contact holds the primary email).
import type { TrashBulkInput, TrashBulkSummary } from '#shared/contact.schema.ts';
import { AppError } from '#shared/errors.ts';
import type { Db, Tx } from '../db/client.ts';
import { isUuid } from '../db/ids.ts';
import type { ContactRow } from '../db/schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { JobContext } from '../jobs/runner.ts';
import { createContactsRepo } from './contacts.repo.ts';
import { createContactWriter } from './contacts.writer.ts';
import { likePattern, parseSearch } from './search.rules.ts';

export const TRASH_BULK_JOB = 'contacts.trash-bulk';
/** A bulk result lists at most this many skipped rows (skippedCount has them all). */
export const SKIPPED_LISTED = 100;
const BATCH = 500;
/** A batch that meets a primary email taken by a concurrent write between its check and its update is tried again. */
const CONFLICT_RETRIES = 3;

type Skipped = TrashBulkSummary['skipped'][number];
type Action = TrashBulkInput['action'];

/** What one batch did. `conflicts` carries the details a single restore answers 409 with. */
interface BatchOutcome {
  restored: ContactRow[];
  purged: number;
  notFound: number;
  skipped: (Skipped & { email: string; holderName: string | null })[];
}

/** The job's result while it runs: the tally so far and where to go on, checkpointed with every batch. */
type Checkpoint = TrashBulkSummary & { resume: { position: number; afterId?: string } };

interface JobPayload {
  action: Action;
  ids?: string[];
  q?: string;
  deletedBefore?: string;
}

const nameOf = (r: { firstName: string | null; lastName: string | null }) => [r.firstName, r.lastName].filter(Boolean).join(' ') || null;
const who = (id: string, name: string | null) => `contact ${name ? `"${name}" ` : ''}(${id})`;
const patternOf = (q: string | undefined) => {
  const needle = parseSearch(q);
  return needle ? likePattern(needle) : undefined;
};

const withoutResume = ({ resume: _resume, ...summary }: Checkpoint): TrashBulkSummary => summary;
const emptySummary = (): TrashBulkSummary => ({ affected: 0, restored: 0, purged: 0, notFound: 0, skipped: [], skippedCount: 0 });

function addTo(summary: TrashBulkSummary, o: BatchOutcome): TrashBulkSummary {
  const restored = summary.restored + o.restored.length;
  const purged = summary.purged + o.purged;
  const listed = o.skipped.map(({ id, name, reason, conflictContactId }) => ({ id, name, reason, conflictContactId }));
  return {
    affected: restored + purged,
    restored,
    purged,
    notFound: summary.notFound + o.notFound,
    skipped: [...summary.skipped, ...listed].slice(0, SKIPPED_LISTED),
    skippedCount: summary.skippedCount + o.skipped.length,
  };
}

const isPrimaryEmailConflict = (err: unknown) =>
  (err as { code?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'contacts_team_primary_email_key';

export function createTrashService(deps: { db: Db; jobs: JobsService; syncMax: number }) {
  const { db, jobs } = deps;
  const repo = createContactsRepo(db);
  const writer = createContactWriter(db);

  /** Restores the trashed rows among `ids` whose primary email no live contact holds. */
  async function restoreBatch(actor: Actor, ids: string[], tx: Tx): Promise<BatchOutcome> {
    const rows = await repo.lockMany(actor.teamId, ids, tx, { trashed: true });
    const emails = [...new Set(rows.map((r) => r.primaryEmail).filter((e): e is string => e !== null))];
    const holders = new Map((await repo.liveByPrimaryEmails(actor.teamId, emails, tx)).map((h) => [h.primaryEmail!, h]));
    const skipped: BatchOutcome['skipped'] = [];
    const ok: string[] = [];
    // two trashed contacts with one primary email: the first (oldest id) comes back, the other stays
    const claimed = new Map<string, ContactRow>();
    for (const r of rows) {
      const email = r.primaryEmail;
      const holder = email ? (holders.get(email) ?? claimed.get(email)) : undefined;
      if (email && holder) {
        const holderName = nameOf(holder);
        const restoredHere = !holders.has(email);
        // the holder's id is in conflictContactId; the reason is written to be shown as it is
        const holderText = holderName ? `“${holderName}”` : 'another contact';
        skipped.push({
          id: r.id,
          name: nameOf(r),
          reason: restoredHere
            ? `Its primary email ${email} belongs to ${holderText}, restored in the same action`
            : `Its primary email ${email} now belongs to ${holderText}`,
          conflictContactId: holder.id,
          email,
          holderName,
        });
        continue;
      }
      ok.push(r.id);
      if (email) claimed.set(email, r);
    }
    const restored = await writer.restore(tx, actor, ok);
    return { restored, purged: 0, notFound: ids.length - rows.length, skipped };
  }

  /** Erases the trashed rows among `ids`, with an audit row each holding what was erased. */
  async function purgeBatch(actor: Actor, ids: string[], tx: Tx): Promise<BatchOutcome> {
    const rows = await repo.lockMany(actor.teamId, ids, tx, { trashed: true });
    const purged = (await writer.purge(tx, actor, rows)).length;
    return { restored: [], purged, notFound: ids.length - purged, skipped: [] };
  }

  /**
   * One batch in one transaction (with `then`, e.g. a job checkpoint, in the same one). A unique
   * violation means a live contact took a primary email after the check: the batch runs again and
   * skips that row.
   */
  async function inTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(work);
      } catch (err) {
        if (!isPrimaryEmailConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }

  const apply = (actor: Actor, action: Action, ids: string[], tx: Tx) =>
    action === 'restore' ? restoreBatch(actor, ids, tx) : purgeBatch(actor, ids, tx);

  function checkIds(ids: string[]): string[] {
    const unique = [...new Set(ids)];
    const bad = ids.findIndex((id) => !isUuid(id));
    if (bad >= 0) throw new AppError('VALIDATION', 'Invalid ids', [{ path: `ids.${bad}`, message: 'Not a contact id' }]);
    return unique;
  }

  return {
    /** Restores one contact from the trash: 404 when it is not there, 409 when its primary email is taken. */
    async restoreOne(actor: Actor, id: string): Promise<ContactRow> {
      const o = await inTransaction((tx) => restoreBatch(actor, [id], tx));
      if (o.restored[0]) return o.restored[0];
      const s = o.skipped[0];
      if (!s) throw new AppError('NOT_FOUND', 'Contact not found in the trash');
      const holder = who(s.conflictContactId!, s.holderName);
      throw new AppError(
        'CONFLICT',
        `Cannot restore: The primary email ${s.email} already belongs to ${holder}. Change or remove that contact's email first.`,
        [{ path: 'primaryEmail', message: `Already used by ${holder}`, contactId: s.conflictContactId, contactName: s.holderName }],
      );
    },

    /** Erases one contact that is in the trash; answers false when it is not there. */
    async purgeOne(actor: Actor, id: string, tx: Tx): Promise<boolean> {
      return (await purgeBatch(actor, [id], tx)).purged === 1;
    },

    /**
     * POST /api/v1/contacts/trash/bulk. Up to `syncMax` rows are done at once in one transaction
     * (the summary); more run as a job (202 {jobId}) in batches of 500, each batch one transaction.
     * A filter reaches only rows deleted before the request, so "Empty trash" never erases a
     * contact someone deletes while the job runs.
     */
    async bulk(actor: Actor, input: TrashBulkInput): Promise<TrashBulkSummary | { jobId: string }> {
      requirePermission(actor, 'modifyContacts');
      if (input.ids) {
        const ids = checkIds(input.ids);
        if (ids.length <= deps.syncMax) return addTo(emptySummary(), await inTransaction((tx) => apply(actor, input.action, ids, tx)));
        const payload: JobPayload = { action: input.action, ids };
        const job = await jobs.enqueue({ actor, kind: TRASH_BULK_JOB, payload: { ...payload }, total: ids.length });
        return { jobId: job.id };
      }
      const q = input.filter?.q;
      const pattern = patternOf(q);
      const deletedBefore = await repo.now();
      const ids = await repo.trashIdsMatching(actor.teamId, { pattern, deletedBefore, limit: deps.syncMax + 1 });
      if (ids.length <= deps.syncMax) {
        const o = await inTransaction((tx) => apply(actor, input.action, ids, tx));
        // rows matched a moment ago and gone now (restored or erased by someone else) are not "not found"
        return addTo(emptySummary(), { ...o, notFound: 0 });
      }
      const total = await repo.trashCountMatching(actor.teamId, { pattern, deletedBefore });
      const payload: JobPayload = { action: input.action, q, deletedBefore: deletedBefore.toISOString() };
      const job = await jobs.enqueue({ actor, kind: TRASH_BULK_JOB, payload: { ...payload }, total });
      return { jobId: job.id };
    },

    /**
     * The job: batches in id order; each batch commits its changes, audit rows and the job's tally
     * (a checkpoint fenced by the lease) together, so a job taken over by another worker resumes
     * after the last committed batch with exact counts.
     */
    async runJob(ctx: JobContext): Promise<TrashBulkSummary> {
      const p = ctx.job.payload as JobPayload;
      const saved = ctx.job.result as Checkpoint | null;
      let summary: TrashBulkSummary = saved?.resume ? withoutResume(saved) : emptySummary();
      let at = saved?.resume ?? { position: 0 };
      const step = async (ids: string[], next: Checkpoint['resume']) => {
        summary = await inTransaction(async (tx) => {
          // the member who started the job must still be in the team with the permission, at every batch
          const actor = await jobs.actorFor(ctx.job, 'modifyContacts', tx);
          const o = await apply(actor, p.action, ids, tx);
          const s = addTo(summary, p.ids ? o : { ...o, notFound: 0 });
          const checkpoint: Checkpoint = { ...s, resume: next };
          await jobs.checkpoint(ctx.job, { processed: next.position, result: checkpoint }, tx);
          return s;
        });
        at = next;
      };
      if (p.ids) {
        while (at.position < p.ids.length) {
          const batch = p.ids.slice(at.position, at.position + BATCH);
          await step(batch, { position: at.position + batch.length });
          await ctx.progress(at.position);
        }
        return summary;
      }
      const pattern = patternOf(p.q);
      const deletedBefore = new Date(p.deletedBefore!);
      for (;;) {
        const ids = await repo.trashIdsMatching(ctx.job.teamId, { pattern, deletedBefore, limit: BATCH, afterId: at.afterId });
        if (!ids.length) break;
        await step(ids, { position: at.position + ids.length, afterId: ids.at(-1) });
        await ctx.progress(at.position, Math.max(at.position, ctx.job.total ?? 0));
      }
      return summary;
    },
  };
}
export type TrashService = ReturnType<typeof createTrashService>;
