// Runs queued imports in this process, one at a time, each claimed with a lease on its import row, so any
// number of kdesk processes (the `worker` role) run side by side and a dead one's import is taken over
// when its lease expires. Tests and the CLI call runOnce()/drain()/runImportById() instead of start().
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Db } from '../db/client.ts';
import type { ImportConfig } from '../config.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { runImport, type RunHooks } from './imports.job.ts';
import { createImportsRepo, type ImportRecord } from './imports.repo.ts';
import { importEvents } from './imports.service.ts';

/** An import whose workers died this many times in a row without committing a batch is given up
 *  (a file that kills every worker), with the counts of what was committed. */
export const MAX_ATTEMPTS = 5;

export interface Runner {
  owner: string;
  /** Claims and runs one import; its id, or null when there was nothing to do. */
  runOnce(hooks?: RunHooks): Promise<string | null>;
  /** Runs until nothing is left (tests). */
  drain(): Promise<number>;
  /** Runs one given import if nobody else holds it (the CLI); false when another worker has it. */
  runImportById(id: string, hooks?: RunHooks): Promise<boolean>;
  start(): void;
  stop(): Promise<void>;
}

export function createImportRunner(deps: {
  db: Db;
  teams: TeamsService;
  jobs: Pick<JobsService, 'actorNow'>;
  config: ImportConfig;
  pollMs?: number;
  log?: (err: unknown) => void;
}): Runner {
  const { db, config } = deps;
  const repo = createImportsRepo(db);
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const controller = new AbortController();
  const pollMs = deps.pollMs ?? 1000;
  let current: Promise<unknown> | null = null;
  let currentId: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;

  async function run(rec: ImportRecord, hooks: RunHooks = {}) {
    if (rec.attempts > MAX_ATTEMPTS) {
      await repo.finish(
        rec.id,
        owner,
        'failed',
        `Stopped after ${MAX_ATTEMPTS} attempts in a row without progress: the process running it ended each time. Rows up to ${rec.checkpointRow} were committed (see the counts).`,
      );
      return;
    }
    currentId = rec.id;
    try {
      await runImport(deps, rec, owner, { signal: hooks.signal ?? controller.signal, onProgress: hooks.onProgress });
    } finally {
      currentId = null;
    }
  }

  const runner: Runner = {
    owner,
    async runOnce(hooks) {
      const rec = await repo.claim(owner, config.leaseSeconds);
      if (!rec) return null;
      await run(rec, hooks);
      return rec.id;
    },
    async drain() {
      let n = 0;
      for (;;) {
        const id = await runner.runOnce();
        if (!id) return n;
        n++;
      }
    },
    async runImportById(id, hooks) {
      const rec = await repo.claimById(id, owner, config.leaseSeconds);
      if (!rec) return false;
      await run(rec, hooks);
      return true;
    },
    start() {
      const loop = async () => {
        while (!controller.signal.aborted) {
          try {
            current = runner.runOnce();
            if (await current) continue;
          } catch (err) {
            deps.log?.(err);
          } finally {
            current = null;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, pollMs);
          });
          wake = null;
        }
      };
      importEvents.on('queued', onQueued);
      void loop();
    },
    async stop() {
      importEvents.off('queued', onQueued);
      controller.abort();
      if (timer) clearTimeout(timer);
      wake?.();
      const id = currentId;
      await current?.catch(() => {});
      // give the import back at once rather than after its lease runs out
      if (id) await repo.release(id, owner).catch(() => {});
    },
  };
  function onQueued() {
    wake?.();
  }
  return runner;
}
