// Export routes (contract: the comment at the top of server/imports/imports.routes.ts).
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contactFilter } from '#shared/contact.schema.ts';
import { exportSchema } from '#shared/import.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { ExportsService } from './exports.service.ts';

const tags = ['exports'];

const exportQuery = contactFilter.extend({
  ids: z
    .string()
    .max(400_000)
    .optional()
    .transform((s) =>
      s === undefined
        ? undefined
        : s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
    ),
});

export function exportsRoutes(app: FastifyInstance, deps: { exports: ExportsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { exports } = deps;

  r.get(
    '/api/v1/contacts/export.csv',
    {
      schema: {
        tags,
        summary: 'Stream the contacts of a filter (or of ids) as CSV, in the template columns',
        querystring: exportQuery,
        response: { 200: z.unknown().describe('text/csv'), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      const { ids, ...filter } = req.query;
      const out = exports.streamCsv(actorOf(req), ids ? { ids } : { filter });
      return (
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${out.fileName}"`)
          .header('cache-control', 'no-store')
          // bytes, not objects: an object-mode stream would read 16 pages ahead of a slow client
          .send(Readable.from(out.lines, { objectMode: false }))
      );
    },
  );

  r.post(
    '/api/v1/exports',
    {
      schema: {
        tags,
        summary: 'Export as a job (CSV or XLSX); GET the export for its download link',
        body: z
          .object({
            ids: z.array(z.string()).optional(),
            filter: contactFilter.optional(),
            format: z.enum(['csv', 'xlsx']).default('csv'),
          })
          .strict(),
        response: { 202: exportSchema, ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      const e = await exports.create(actorOf(req), req.body);
      return reply.code(202).header('location', `/api/v1/exports/${e.id}`).send(e);
    },
  );

  r.get(
    '/api/v1/exports/:id',
    { schema: { tags, summary: 'An export job', params: idParams, response: { 200: exportSchema, ...errors(403, 404) } } },
    async (req) => exports.get(actorOf(req), req.params.id),
  );

  r.get(
    '/api/v1/exports/:id/download',
    {
      schema: {
        tags,
        summary: 'The exported file',
        params: idParams,
        response: { 200: z.unknown().describe('the file'), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      const f = await exports.download(actorOf(req), req.params.id);
      return reply
        .type(f.contentType)
        .header('content-length', f.size)
        .header('content-disposition', `attachment; filename="${f.fileName}"`)
        .header('cache-control', 'no-store')
        .send(f.stream);
    },
  );
}
