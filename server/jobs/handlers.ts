// Every job kind and periodic task, in one place. Features add their `*.job.ts` handlers here.
import type { Services } from '../app.ts';
import type { JobHandler, PeriodicTask } from './runner.ts';
import { runInviteJob } from '../portal/portal.bulk.ts';

export function jobHandlers(services: Services): Record<string, JobHandler> {
  return {
    'contacts.bulk': (ctx) => services.contacts.runBulkJob(ctx),
    'contacts.trash-bulk': (ctx) => services.contacts.runTrashBulkJob(ctx),
    'portal.invite': (ctx) => runInviteJob(services.portal, ctx),
    'contacts.export': (ctx) => services.exports.runExportJob(ctx),
  };
}

export function periodicTasks(services: Services): PeriodicTask[] {
  return [
    { name: 'contacts.purge-trash', everyMs: 60 * 60_000, run: async () => void (await services.contacts.purgeExpiredTrash()) },
    { name: 'contacts.reindex-search', everyMs: 10 * 60_000, run: async () => void (await services.contacts.reindexStale()) },
    // sign-in codes, then the mail outbox (codes arrive within a few seconds)
    { name: 'portal.issue-codes', everyMs: 1000, run: async () => void (await services.portal.processLoginRequests()) },
    { name: 'mail.deliver', everyMs: 2000, run: async () => void (await services.mail.deliverDue()) },
    { name: 'files.delete-expired', everyMs: 30 * 60_000, run: async () => void (await services.imports.deleteExpiredFiles()) },
  ];
}
