import { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import type { MemberPermissions } from '#shared/member.schema.ts';
import type { Db, Executor, Tx } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { JobRow } from '../db/schema.ts';
import { permissionNames, requirePermission, type Actor } from '../auth/actor.ts';
import { effectivePermissions } from '../members/members.rules.ts';
import { createJobsRepo, SCHEDULES_CHANGED } from './jobs.repo.ts';
import { JobStopped } from './runner.ts';
import { nextRun, parseCron } from './cron.rules.ts';

export const jobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  processed: z.number().int(),
  total: z.number().int().nullable(),
  result: z.unknown(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Job = z.infer<typeof jobSchema>;

export function presentJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    processed: r.processed,
    total: r.total,
    result: r.result ?? null,
    // a retried attempt's error is kept for diagnosis but only shown once the job has failed (or was
    // cancelled for a reason, e.g. its member was removed)
    error: r.status === 'failed' || r.status === 'cancelled' ? r.error : null,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt ? r.startedAt.toISOString() : null,
    finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
  };
}

/** The actor a job acts for, stored in its payload so audit entries name the member who started it. */
type StoredActor = Pick<Actor, 'type' | 'via' | 'memberId' | 'label' | 'role' | 'permissions'>;
export function jobActor(job: JobRow): Actor {
  const a = (job.payload as { actor?: StoredActor }).actor;
  if (!a) throw new Error(`job ${job.id} has no actor`);
  return { ...a, teamId: job.teamId };
}

/** The member a job acts for lost the right to run it: the job fails with this reason and is not retried. */
export class JobRevoked extends AppError {
  readonly permanent = true;
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** Said to the user instead of an internal error's text (which is logged with the job id). */
export const internalJobError = (jobId: string) =>
  `The job stopped because of an internal error. Start it again; if it fails again, give your administrator the job id ${jobId} (the details are in the server log).`;

/** What the queued jobs of a removed member say. */
export const REMOVED_MEMBER_REASON = 'Cancelled: the member who started this job was removed from the team.';
/** What the queued jobs of a deactivated member say. */
export const DEACTIVATED_MEMBER_REASON = 'Cancelled: the member who started this job was deactivated.';

export function createJobsService(deps: { db: Db }) {
  const repo = createJobsRepo(deps.db);
  /**
   * The actor of a job as it is now, checked before each batch (in the batch's transaction): the
   * member must still be in the team and hold `permission`. The job's own role and permissions
   * at enqueue time do not count any more once they were taken away.
   */
  async function actorFor(job: JobRow, permission: keyof MemberPermissions, tx: Executor = deps.db): Promise<Actor> {
    return actorNow(job.teamId, jobActor(job), permission, tx);
  }
  /** `actorFor` for work that keeps its actor elsewhere than a jobs row (an import). */
  async function actorNow(teamId: string, stored: Actor, permission: keyof MemberPermissions, tx: Executor = deps.db): Promise<Actor> {
    if (!stored.memberId) {
      requirePermission(stored, permission);
      return stored;
    }
    const m = await repo.memberForJob(teamId, stored.memberId, tx);
    if (!m) throw new JobRevoked('Stopped: the member who started this job was removed from the team.');
    if (m.deactivatedAt) throw new JobRevoked('Stopped: the member who started this job was deactivated.');
    const actor: Actor = { ...stored, role: m.role, permissions: effectivePermissions(m) };
    if (!actor.permissions[permission]) {
      throw new JobRevoked(
        `Stopped: the member who started this job no longer has the permission "${permissionNames[permission]}" (${permission}).`,
      );
    }
    return actor;
  }
  /**
   * Saves a job's counts and where to go on, in the transaction of the batch they describe. Fenced by
   * the lease: when another worker owns the job now, throws so the batch rolls back.
   */
  async function checkpoint(job: JobRow, p: { processed: number; result: unknown }, tx: Tx): Promise<void> {
    if (!(await repo.checkpoint(job.id, job.leaseOwner ?? '', p, tx))) throw new JobStopped('lease-lost');
  }
  return {
    actorFor,
    actorNow,
    checkpoint,
    /**
     * Queues a team's job that keeps its actor in its own domain row (an import), in the caller's
     * transaction; with a singleton key, not while another of that key is queued. Wakes the workers on commit.
     */
    async queue(
      j: { id: string; teamId: string; kind: string; payload: Record<string, unknown>; singletonKey?: string | null },
      tx: Executor = deps.db,
    ): Promise<boolean> {
      return repo.insertSingleton({ ...j, singletonKey: j.singletonKey ?? null }, tx);
    },
    /** Cancels a queued job whose domain row was cancelled before it ran (an import), so it does not hold its singleton key. */
    async dropQueued(teamId: string, id: string, tx: Executor = deps.db): Promise<void> {
      await repo.cancelQueued(teamId, id, tx);
    },
    /**
     * Wakes the engine's own work of `kind` (mail delivery, sign-in codes): queues one run unless one is
     * already waiting, in the caller's transaction, and NOTIFYs the workers when it commits.
     */
    async wake(kind: string, tx: Executor = deps.db): Promise<void> {
      await repo.insertSingleton({ id: uuidv7(), teamId: null, kind, payload: {}, singletonKey: kind }, tx);
    },
    /** `wake` as parts of the caller's own statement (jobs.repo wakeSql): queued only when `onlyIf` selects a row. */
    wakeStatement(kind: string) {
      return repo.wakeSql(uuidv7(), kind);
    },
    /**
     * Creates or changes a schedule (cron-style, see cron.rules.ts): at each due time one job of `kind`
     * is queued, once across all instances; with a singleton key, not while the previous run still waits.
     * A new schedule is first due at its next time after now.
     */
    async schedule(
      s: {
        name: string;
        cron: string;
        kind: string;
        payload?: Record<string, unknown>;
        teamId?: string | null;
        singletonKey?: string | null;
      },
      tx: Executor = deps.db,
    ): Promise<void> {
      let nextRunAt: Date;
      try {
        nextRunAt = nextRun(parseCron(s.cron), new Date());
      } catch (err) {
        throw new AppError('VALIDATION', 'Invalid schedule', [{ path: 'cron', message: (err as Error).message }]);
      }
      await repo.upsertSchedule(
        {
          name: s.name,
          cron: s.cron,
          kind: s.kind,
          payload: s.payload ?? {},
          teamId: s.teamId ?? null,
          singletonKey: s.singletonKey ?? null,
          nextRunAt,
        },
        tx,
      );
      await repo.notify(SCHEDULES_CHANGED, tx);
    },
    /** Removes a schedule; its jobs already queued stay. */
    unschedule(name: string, tx: Executor = deps.db): Promise<boolean> {
      return repo.deleteSchedule(name, tx);
    },
    /**
     * One batch of a job in one transaction: checks the job's member (actorFor), does the work and saves
     * the counts the work answers as the job's checkpoint, all committed together.
     */
    async batch<T>(
      job: JobRow,
      permission: keyof MemberPermissions,
      work: (actor: Actor, tx: Tx) => Promise<{ processed: number; result: T }>,
    ): Promise<T> {
      return deps.db.transaction().execute(async (tx) => {
        const done = await work(await actorFor(job, permission, tx), tx);
        await checkpoint(job, done, tx);
        return done.result;
      });
    },
    /** Queues a job; pass the caller's transaction so the job exists only if the change that needs it commits. */
    async enqueue(
      input: { actor: Actor; kind: string; payload?: Record<string, unknown>; total?: number | null; runAt?: Date },
      tx?: Executor,
    ): Promise<Job> {
      const { actor } = input;
      const stored: StoredActor = {
        type: actor.type,
        via: actor.via,
        memberId: actor.memberId,
        label: actor.label,
        role: actor.role,
        permissions: actor.permissions,
      };
      const row = await repo.insert(
        {
          id: uuidv7(),
          teamId: actor.teamId,
          kind: input.kind,
          payload: { ...input.payload, actor: stored },
          total: input.total ?? null,
          createdBy: actor.memberId,
          runAt: input.runAt,
        },
        tx,
      );
      return presentJob(row);
    },
    async get(actor: Actor, id: string): Promise<Job> {
      const row = isUuid(id) ? await repo.find(actor.teamId, id) : undefined;
      if (!row) throw new AppError('NOT_FOUND', 'Job not found');
      return presentJob(row);
    },
    async cancel(actor: Actor, id: string): Promise<Job> {
      const row = isUuid(id) ? await repo.find(actor.teamId, id) : undefined;
      if (!row) throw new AppError('NOT_FOUND', 'Job not found');
      if (row.createdBy !== actor.memberId && actor.role === 'agent') {
        throw new AppError('FORBIDDEN', 'Only the member who started a job, or an owner or admin, can cancel it.');
      }
      if (row.status !== 'queued' && row.status !== 'running') return presentJob(row);
      return presentJob((await repo.requestCancel(actor.teamId, id))!);
    },
  };
}
export type JobsService = ReturnType<typeof createJobsService>;
