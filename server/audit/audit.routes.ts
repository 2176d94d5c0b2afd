import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditEntrySchema, auditPage, auditQuery } from '#shared/audit.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { AuditService } from './audit.service.ts';

const tags = ['audit'];

export function auditRoutes(app: FastifyInstance, deps: { audit: AuditService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { audit } = deps;
  r.get(
    '/api/v1/audit',
    {
      schema: {
        tags,
        summary:
          'The team-wide log (owners/admins), newest first, filtered by who (actorId), what (entityType, entityId, action) and when (from, to)',
        querystring: auditQuery,
        response: { 200: auditPage, ...errors(400, 403) },
      },
    },
    async (req) => audit.list(actorOf(req), req.query),
  );
  r.get(
    '/api/v1/audit/kinds',
    {
      schema: {
        tags,
        summary: 'The entity types and actions of the last 90 days (for filters)',
        response: { 200: z.object({ items: z.array(z.object({ entityType: z.string(), action: z.string() })) }), ...errors(403) },
      },
    },
    async (req) => ({ items: await audit.kinds(actorOf(req)) }),
  );
  r.get(
    '/api/v1/audit/export.csv',
    {
      schema: {
        tags,
        summary: 'The filtered log as CSV (UTF-8 with BOM), newest first',
        querystring: auditQuery.omit({ cursor: true, limit: true }),
        response: { 200: z.unknown().describe('text/csv'), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      const lines = audit.csv(actorOf(req), req.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`)
        .send(Readable.from(lines));
    },
  );
  r.get(
    '/api/v1/audit/:id',
    { schema: { tags, summary: 'One log entry as stored', params: idParams, response: { 200: auditEntrySchema, ...errors(403, 404) } } },
    async (req) => audit.get(actorOf(req), req.params.id),
  );
}
