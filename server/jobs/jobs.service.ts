import { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { JobRow } from '../db/schema.ts';
import type { Actor } from '../auth/actor.ts';
import { createJobsRepo } from './jobs.repo.ts';

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
    // a retried attempt's error is kept for diagnosis but only shown once the job has failed
    error: r.status === 'failed' ? r.error : null,
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

export function createJobsService(deps: { db: Db }) {
  const repo = createJobsRepo(deps.db);
  return {
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
