// Imports run as `contacts.import` jobs of the job engine (one per team: the job's singleton key). The
// engine's lease decides which worker runs an import; the import row's owner is set to that lease's
// token, so a worker that lost the job cannot commit another batch. The import's counters and checkpoint
// row stay in the imports table, committed with each batch together with the engine's checkpoint.
// Tests and the CLI run imports here with runOnce()/drain()/runImportById(); workers run them through
// the engine (server/jobs/handlers.ts).
import type { Db } from '../db/client.ts';
import type { EngineJobRow } from '../db/schema.ts';
import type { ImportConfig } from '../config.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import { createJobRunner, JobStopped, type JobContext, type JobKind } from '../jobs/runner.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { runImport, type RunHooks } from './imports.job.ts';
import { createImportsRepo } from './imports.repo.ts';

export const IMPORT_JOB_KIND = 'contacts.import';

export interface ImportDeps {
  db: Db;
  teams: TeamsService;
  jobs: Pick<JobsService, 'actorNow'>;
  config: ImportConfig;
}

/** Runs (or resumes) the import of a claimed `contacts.import` job. */
export async function runImportJob(deps: ImportDeps, ctx: JobContext, hooks: RunHooks = {}) {
  const repo = createImportsRepo(deps.db);
  const token = ctx.job.leaseOwner!;
  const importId = (ctx.job.payload as { importId: string }).importId;
  const rec = await repo.takeForJob(importId, token, deps.config.leaseSeconds);
  if (!rec) return { importId }; // cancelled (or ended) before it ran
  const signal = hooks.signal ? AbortSignal.any([ctx.signal, hooks.signal]) : ctx.signal;
  await runImport(deps, rec, token, { signal, onProgress: hooks.onProgress, checkpoint: ctx.checkpoint });
  const after = await repo.findById(importId);
  if (after && (after.status === 'queued' || after.status === 'running')) {
    // stopped before its end: a shutdown (the job is handed back, and the import with it) or a lost lease
    if (ctx.signal.aborted) {
      const reason = ctx.signal.reason;
      if (reason instanceof JobStopped && reason.reason === 'shutdown') await repo.release(importId, token).catch(() => {});
      throw reason;
    }
    throw new JobStopped('lease-lost');
  }
  return { importId, status: after?.status ?? null };
}

export function importJobKind(deps: ImportDeps, hooks: () => RunHooks = () => ({})): JobKind {
  return {
    run: (ctx) => runImportJob(deps, ctx, hooks()),
    // an error fails the import (its row says why); the engine does not retry it
    maxAttempts: 1,
    concurrency: 1,
    // a long file's count pass commits nothing: a few more worker deaths in a row before giving up
    maxLeaseExpiries: 5,
    async onGiveUp(job: EngineJobRow, reason: string) {
      const repo = createImportsRepo(deps.db);
      const importId = (job.payload as { importId: string }).importId;
      const rec = await repo.findById(importId);
      await repo.finish(
        importId,
        null,
        'failed',
        `${reason.replace(/ it is not tried again\.$/, '')} Rows up to ${rec?.checkpointRow ?? 0} were committed (see the counts); it is not tried again.`,
      );
    },
  };
}

export interface Runner {
  /** Claims and runs one import; its id, or null when there was nothing to do. */
  runOnce(hooks?: RunHooks): Promise<string | null>;
  /** Runs until nothing is left (tests). */
  drain(): Promise<number>;
  /** Runs one given import if nobody else holds it (the CLI); false when another worker has it. */
  runImportById(id: string, hooks?: RunHooks): Promise<boolean>;
}

/** An engine that runs only imports, in this process (tests and the CLI). */
export function createImportRunner(deps: ImportDeps & { log?: (err: unknown) => void }): Runner {
  let hooks: RunHooks = {};
  const engine = createJobRunner({
    db: deps.db,
    leaseMs: deps.config.leaseSeconds * 1000,
    handlers: { [IMPORT_JOB_KIND]: importJobKind(deps, () => hooks) },
    log: (_msg, err) => (err ? deps.log?.(err) : undefined),
  });
  const runner: Runner = {
    async runOnce(h = {}) {
      hooks = h;
      return engine.runOne([IMPORT_JOB_KIND]);
    },
    async drain() {
      let n = 0;
      while (await runner.runOnce()) n++;
      return n;
    },
    async runImportById(id, h = {}) {
      hooks = h;
      // the job has the import's id
      return (await engine.runOne([IMPORT_JOB_KIND], id)) !== null;
    },
  };
  return runner;
}
