// "Send portal invitation" as a bulk action of the directory (POST /api/v1/contacts/bulk {action: "invite"}).
import { AppError } from '#shared/errors.ts';
import type { ContactFilter } from '#shared/contact.schema.ts';
import type { Actor } from '../auth/actor.ts';
import { requirePermission } from '../auth/actor.ts';
import { BULK_SYNC_MAX, type ContactsService } from '../contacts/contacts.service.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
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

/** The job's result while it runs: the counts so far and where to go on. */
type InviteCheckpoint = { affected: number; skipped: number; resume?: { position: number } };

/**
 * The job behind a large bulk invitation. Each batch writes its links, mails and audit rows together with
 * the job's counts and position (a checkpoint fenced by the lease), after checking that the member who
 * started it still may; a worker that takes the job over goes on after the last committed batch, so no
 * mail is sent twice and the counts are exact.
 */
export async function runInviteJob(
  deps: { portal: PortalService; jobs: JobsService },
  ctx: JobContext,
): Promise<{ affected: number; skipped: number }> {
  const { ids, baseUrl } = ctx.job.payload as { ids: string[]; baseUrl?: string };
  const saved = ctx.job.result as InviteCheckpoint | null;
  let tally = { affected: saved?.resume ? saved.affected : 0, skipped: saved?.resume ? saved.skipped : 0 };
  let position = saved?.resume?.position ?? 0;
  while (position < ids.length) {
    const batch = ids.slice(position, position + INVITE_BATCH);
    const next = position + batch.length;
    const { affected, skipped } = await deps.jobs.batch<InviteCheckpoint>(ctx.job, 'modifyContacts', async (actor, tx) => {
      const r = await deps.portal.inviteMany(actor, batch, tx, { baseUrl });
      return {
        processed: next,
        result: { affected: tally.affected + r.invited, skipped: tally.skipped + r.skipped.length, resume: { position: next } },
      };
    });
    tally = { affected, skipped };
    position = next;
    await ctx.progress(position);
  }
  return tally;
}
