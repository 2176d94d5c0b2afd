import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import { jobSchema, type JobsService } from './jobs.service.ts';

const tags = ['jobs'];

export function jobsRoutes(app: FastifyInstance, deps: { jobs: JobsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/jobs/:id',
    { schema: { tags, summary: 'A background job and its progress', params: idParams, response: { 200: jobSchema, ...errors(404) } } },
    async (req) => deps.jobs.get(actorOf(req), req.params.id),
  );
  r.post(
    '/api/v1/jobs/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a queued or running job (a running one stops at its next step)',
        params: idParams,
        response: { 200: jobSchema, ...errors(403, 404) },
      },
    },
    async (req) => deps.jobs.cancel(actorOf(req), req.params.id),
  );
}
