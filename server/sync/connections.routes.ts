// HTTP routes of Contact Sync connections (team owners and admins; agents get 403, contacts never reach
// /api/v1). Shapes: shared/sync.ts.
//   GET    /api/v1/sync/connections?q=          200 { items: Connection[] } (q: name, description, source or status)
//   POST   /api/v1/sync/connections             201 Connection (secrets write-only: never in an answer)
//   GET    /api/v1/sync/connections/:id         200 Connection
//   PATCH  /api/v1/sync/connections/:id         200 Connection (settings replaced whole; a secret left out is kept, '' clears it)
//   DELETE /api/v1/sync/connections/:id         204 (its runs go with it; its contacts stay)
//   POST   /api/v1/sync/connections/test        200 SyncTestResult  — a connection body (+ id to use its stored secret)
//   POST   /api/v1/sync/connections/preview     200 SyncPreviewResult — the first 20 people as contacts, nothing written
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  connectionDraftInput,
  connectionInput,
  connectionList,
  connectionListQuery,
  connectionPatch,
  connectionSchema,
  syncPreviewResult,
  syncTestResult,
} from '#shared/sync.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { ConnectionsService } from './connections.service.ts';

const tags = ['sync'];

export function connectionsRoutes(app: FastifyInstance, deps: { connections: ConnectionsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { connections } = deps;

  r.get(
    '/api/v1/sync/connections',
    {
      schema: {
        tags,
        summary: 'List Contact Sync connections (owners and admins)',
        querystring: connectionListQuery,
        response: { 200: connectionList, ...errors(400, 403) },
      },
    },
    async (req) => connections.list(actorOf(req), req.query),
  );

  r.post(
    '/api/v1/sync/connections',
    {
      schema: {
        tags,
        summary: 'Create a connection (secrets are write-only and stored encrypted)',
        body: connectionInput,
        response: { 201: connectionSchema, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => {
      const c = await connections.create(actorOf(req), req.body);
      return reply.code(201).header('location', `/api/v1/sync/connections/${c.id}`).send(c);
    },
  );

  r.post(
    '/api/v1/sync/connections/test',
    {
      schema: {
        tags,
        summary: 'Test connection settings (saved or not): what is wrong, in plain words',
        body: connectionDraftInput,
        response: { 200: syncTestResult, ...errors(400, 403, 404, 409, 429) },
      },
    },
    async (req) => connections.test(actorOf(req), req.body),
  );

  r.post(
    '/api/v1/sync/connections/preview',
    {
      schema: {
        tags,
        summary: 'The first 20 people in scope as they would become contacts (nothing is written)',
        body: connectionDraftInput,
        response: { 200: syncPreviewResult, ...errors(400, 403, 404, 409, 429) },
      },
    },
    async (req) => connections.preview(actorOf(req), req.body),
  );

  r.get(
    '/api/v1/sync/connections/:id',
    { schema: { tags, summary: 'A connection', params: idParams, response: { 200: connectionSchema, ...errors(403, 404) } } },
    async (req) => connections.get(actorOf(req), req.params.id),
  );

  r.patch(
    '/api/v1/sync/connections/:id',
    {
      schema: {
        tags,
        summary: 'Change a connection',
        params: idParams,
        body: connectionPatch,
        response: { 200: connectionSchema, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => connections.update(actorOf(req), req.params.id, req.body),
  );

  r.delete(
    '/api/v1/sync/connections/:id',
    {
      schema: {
        tags,
        summary: 'Delete a connection and its runs (its contacts stay)',
        params: idParams,
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await connections.remove(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
