// Every job kind and periodic task, in one place. Features add their `*.job.ts` handlers here.
import type { Services } from '../app.ts';
import { AppError } from '#shared/errors.ts';
import { internalJobError } from './jobs.service.ts';
import { JobStopped, type JobHandler, type PeriodicTask } from './runner.ts';
import { runInviteJob } from '../portal/portal.bulk.ts';

/**
 * A job's error is shown to its user: an AppError says what went wrong in words meant for them; any
 * other error (SQL, a bug) is replaced by a generic message naming the job, and the runner logs the
 * original (the `cause`) with the job id.
 */
function userSafe(handler: JobHandler): JobHandler {
  return async (ctx) => {
    try {
      return await handler(ctx);
    } catch (err) {
      if (err instanceof AppError || err instanceof JobStopped) throw err;
      throw Object.assign(new Error(internalJobError(ctx.job.id), { cause: err }), {
        permanent: (err as { permanent?: boolean }).permanent,
      });
    }
  };
}

export function jobHandlers(services: Services): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = {
    'contacts.bulk': (ctx) => services.contacts.runBulkJob(ctx),
    'contacts.trash-bulk': (ctx) => services.contacts.runTrashBulkJob(ctx),
    'portal.invite': (ctx) => runInviteJob(services, ctx),
    'contacts.export': (ctx) => services.exports.runExportJob(ctx),
  };
  return Object.fromEntries(Object.entries(handlers).map(([kind, h]) => [kind, userSafe(h)]));
}

export function periodicTasks(services: Services): PeriodicTask[] {
  return [
    { name: 'contacts.purge-trash', everyMs: 60 * 60_000, run: async () => void (await services.contacts.purgeExpiredTrash()) },
    { name: 'contacts.reindex-search', everyMs: 10 * 60_000, run: async () => void (await services.contacts.reindexStale()) },
    // sign-in codes, then the mail outbox (codes arrive within a few seconds)
    { name: 'portal.issue-codes', everyMs: 1000, run: async () => void (await services.portal.processLoginRequests()) },
    { name: 'auth.password-resets', everyMs: 1000, run: async () => void (await services.passwordResets.processRequests()) },
    { name: 'mail.deliver', everyMs: 2000, run: async () => void (await services.mail.deliverDue()) },
    { name: 'files.delete-expired', everyMs: 30 * 60_000, run: async () => void (await services.imports.deleteExpiredFiles()) },
  ];
}
