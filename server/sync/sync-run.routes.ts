// HTTP routes of Contact Sync runs (team owners and admins; agents get 403, contacts never reach /api/v1).
//   POST /api/v1/sync/connections/:id/run   { full?, dryRun? } → 202 { runId } (the run already waiting, if any)
//   POST /api/v1/sync/run-all               202 { runs } — a run of every enabled connection
//   GET  /api/v1/sync/connections/:id/runs  200 { items, nextCursor } — newest first, paged
//   GET  /api/v1/sync/runs/:id              200 SyncRun
//   GET  /api/v1/sync/runs/:id/entries      200 { items, nextCursor } — what happened to each person, paged
//   GET  /api/v1/sync/runs/:id/log.txt      200 text/plain — the raw log
//   POST /api/v1/sync/runs/:id/confirm      202 SyncRun — a run stopped before a mass deactivation goes on
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { syncOutcomes, syncRunEntrySchema, syncRunSchema } from '#shared/sync.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { SyncRunService } from './sync-run.service.ts';

const tags = ['sync'];

export const runInput = z
  .object({
    /** Read everyone in scope (finds people who left), not only what changed since the last run. */
    full: z.boolean().optional(),
    /** Count what would happen; write nothing. */
    dryRun: z.boolean().optional(),
  })
  .strict();
const runStarted = z.object({ runId: z.string(), run: syncRunSchema });
const runPage = z.object({ items: z.array(syncRunSchema), nextCursor: z.string().nullable() });
// `changes` as an object or null (an unknown that is nullable has no JSON type, which OpenAPI validators refuse)
const entrySchema = syncRunEntrySchema.extend({ changes: z.record(z.string(), z.unknown()).nullable() });
const entryPage = z.object({ items: z.array(entrySchema), nextCursor: z.number().int().nullable() });
const limit = z.coerce.number().int().min(1).max(500).default(50);

export function syncRunsRoutes(app: FastifyInstance, deps: { syncRuns: SyncRunService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { syncRuns } = deps;

  r.post(
    '/api/v1/sync/connections/:id/run',
    {
      schema: {
        tags,
        summary: 'Run a connection now (a job; one run per connection at a time)',
        params: idParams,
        body: runInput.nullish(),
        response: { 202: runStarted, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const run = await syncRuns.start(actorOf(req), req.params.id, req.body ?? {});
      return reply.code(202).send({ runId: run.id, run });
    },
  );

  r.post(
    '/api/v1/sync/run-all',
    {
      schema: {
        tags,
        summary: 'Run every enabled connection',
        body: runInput.nullish(),
        response: { 202: z.object({ runs: z.array(syncRunSchema) }), ...errors(403) },
      },
    },
    async (req, reply) => reply.code(202).send(await syncRuns.runAll(actorOf(req), req.body ?? {})),
  );

  r.get(
    '/api/v1/sync/connections/:id/runs',
    {
      schema: {
        tags,
        summary: "A connection's runs, newest first",
        params: idParams,
        querystring: z.object({ limit, cursor: z.string().max(100).optional() }),
        response: { 200: runPage, ...errors(400, 403, 404) },
      },
    },
    async (req) => syncRuns.list(actorOf(req), req.params.id, req.query),
  );

  r.get(
    '/api/v1/sync/runs/:id',
    {
      schema: {
        tags,
        summary: 'A run: status, counts and timing',
        params: idParams,
        response: { 200: syncRunSchema, ...errors(403, 404) },
      },
    },
    async (req) => syncRuns.get(actorOf(req), req.params.id),
  );

  r.get(
    '/api/v1/sync/runs/:id/entries',
    {
      schema: {
        tags,
        summary: 'What a run did to each person, in order (optionally of one outcome)',
        params: idParams,
        querystring: z.object({
          limit,
          cursor: z.coerce.number().int().min(0).optional(),
          outcome: z.enum(syncOutcomes).optional(),
        }),
        response: { 200: entryPage, ...errors(400, 403, 404) },
      },
    },
    async (req) => syncRuns.entries(actorOf(req), req.params.id, req.query),
  );

  r.get(
    '/api/v1/sync/runs/:id/log.txt',
    {
      schema: {
        tags,
        summary: "A run's raw log (text: the run, then one tab-separated line per person)",
        params: idParams,
        response: { 200: z.unknown().describe('text/plain'), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      const out = await syncRuns.log(actorOf(req), req.params.id);
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="${out.fileName}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(out.lines, { objectMode: false }));
    },
  );

  r.post(
    '/api/v1/sync/runs/:id/confirm',
    {
      schema: {
        tags,
        summary: 'Let a run that stopped before a mass deactivation go on',
        params: idParams,
        response: { 202: syncRunSchema, ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(202).send(await syncRuns.confirm(actorOf(req), req.params.id)),
  );
}
