// Every job kind and periodic task, in one place. Features add their `*.job.ts` handlers here.
import type { Services } from '../app.ts';
import { AppError } from '#shared/errors.ts';
import { internalJobError } from './jobs.service.ts';
import { JobStopped, type JobHandler, type JobKind, type PeriodicTask } from './runner.ts';
import { IMPORT_JOB_KIND } from '../imports/import-runner.ts';
import { runInviteJob } from '../portal/portal.bulk.ts';
import { SYNC_RUN_KIND } from '../sync/sync-run.service.ts';

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
    'companies.rescan': (ctx) => services.companies.runRescanJob(ctx),
    'contacts.duplicate-scan': (ctx) => services.merges.runScanJob(ctx),
    'contacts.merge-bulk': (ctx) => services.merges.runBulkMergeJob(ctx),
    'forms.assign': (ctx) => services.forms.runAssignJob(ctx),
  };
  return Object.fromEntries(Object.entries(handlers).map(([kind, h]) => [kind, userSafe(h)]));
}

/** Every job kind a worker runs: the team jobs above, imports and Contact Sync runs (which say what went wrong in their own row). */
export function jobKinds(services: Services): Record<string, JobHandler | JobKind> {
  return { ...jobHandlers(services), [IMPORT_JOB_KIND]: services.imports.jobKind(), [SYNC_RUN_KIND]: services.syncRuns.kind };
}

/**
 * The periodic tasks: each is a job kind of its own with a schedule, so a long one (a re-index) never
 * delays another (sign-in codes, mail). Sign-in codes and mail are also woken the moment a request or a
 * message is written (JobsService.wake); their schedules only catch what is due later (mail retries).
 */
export function periodicTasks(services: Services): PeriodicTask[] {
  return [
    { name: 'contacts.purge-trash', cron: '@every 60m', run: async () => void (await services.contacts.purgeExpiredTrash()) },
    { name: 'contacts.forget-merges', cron: '@every 60m', run: async () => void (await services.merges.purgeExpired()) },
    { name: 'contacts.reindex-search', cron: '@every 10m', run: async () => void (await services.contacts.reindexStale()) },
    {
      name: 'portal.issue-codes',
      cron: '@every 1m',
      run: async () => {
        // a full page means more may wait
        for (;;) {
          const r = await services.portal.processLoginRequests({ limit: 100 });
          if (r.issued + r.dropped < 100) return;
        }
      },
    },
    {
      // also woken by each reset request (its transaction), so the link is mailed at once
      name: 'auth.password-resets',
      cron: '@every 1m',
      run: async () => {
        for (;;) {
          const r = await services.passwordResets.processRequests({ limit: 100 });
          if (r.issued + r.dropped < 100) return;
        }
      },
    },
    {
      name: 'mail.deliver',
      cron: '@every 30s',
      run: async () => {
        for (;;) {
          const r = await services.mail.deliverDue({ limit: 50 });
          if (r.sent + r.retry + r.failed + r.discarded < 50) return;
        }
      },
    },
    { name: 'files.delete-expired', cron: '@every 30m', run: async () => void (await services.imports.deleteExpiredFiles()) },
  ];
}
