// "Send portal invitation" as a bulk action of the directory (POST /api/v1/contacts/bulk {action: "invite"}).
import { AppError } from '#shared/errors.ts';
import type { ContactFilter } from '#shared/contact.schema.ts';
import type { Actor } from '../auth/actor.ts';
import { requirePermission } from '../auth/actor.ts';
import { BULK_SYNC_MAX, type ContactsService } from '../contacts/contacts.service.ts';
import { jobActor, type JobsService } from '../jobs/jobs.service.ts';
import type { JobContext } from '../jobs/runner.ts';
import type { PortalService } from './portal.service.ts';

/** At most this many contacts per bulk invitation: every one gets a mail, so a typo in a filter must not mail the whole directory. */
export const BULK_INVITE_MAX = 10_000;

const INVITE_BATCH = 200;

export function registerBulkInvite(contacts: ContactsService, portal: PortalService, jobs: JobsService) {
  async function idsMatching(actor: Actor, filter: ContactFilter): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await contacts.list(actor, { ...filter, sort: '-createdAt', limit: 500, cursor });
      ids.push(...page.items.map((c) => c.id));
      if (ids.length > BULK_INVITE_MAX) {
        throw new AppError('VALIDATION', `More than ${BULK_INVITE_MAX} contacts match: narrow the filter to send invitations`, [
          { path: 'filter', message: `Matches more than ${BULK_INVITE_MAX} contacts` },
        ]);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  contacts.extendBulk('invite', async (actor, input) => {
    requirePermission(actor, 'modifyContacts');
    const ids = 'ids' in input ? [...new Set(input.ids)] : await idsMatching(actor, input.filter);
    if (ids.length <= BULK_SYNC_MAX)
      return { affected: (await portal.inviteMany(actor, ids, undefined, { baseUrl: actor.origin })).invited };
    // the links point where the request came to, not where the worker runs
    const job = await jobs.enqueue({ actor, kind: 'portal.invite', payload: { ids, baseUrl: actor.origin }, total: ids.length });
    return { jobId: job.id };
  });
}

/** The job behind a large bulk invitation. It resumes after the last batch it reported, so a worker
 *  that dies mid-way re-sends at most one batch. */
export async function runInviteJob(portal: PortalService, ctx: JobContext): Promise<{ affected: number; skipped: number }> {
  const actor = jobActor(ctx.job);
  const {
    ids,
    baseUrl,
    invited: before = 0,
    skipped: skippedBefore = 0,
  } = ctx.job.payload as { ids: string[]; baseUrl?: string; invited?: number; skipped?: number };
  let affected = before;
  let skipped = skippedBefore;
  for (let i = ctx.job.processed; i < ids.length; i += INVITE_BATCH) {
    const r = await portal.inviteMany(actor, ids.slice(i, i + INVITE_BATCH), undefined, { baseUrl });
    affected += r.invited;
    skipped += r.skipped.length;
    await ctx.progress(Math.min(ids.length, i + INVITE_BATCH));
  }
  return { affected, skipped };
}
