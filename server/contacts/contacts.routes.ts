import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  bulkInput,
  bulkResult,
  contactInput,
  contactListQuery,
  contactPage,
  contactSchema,
  historyPage,
  trashBulkInput,
  trashBulkSummary,
  trashPage,
  trashQuery,
} from '#shared/contact.schema.ts';
import { AppError } from '#shared/errors.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { ContactsService } from './contacts.service.ts';
import { etagFor, parseIfMatch } from './contacts.rules.ts';

const tags = ['contacts'];

export function contactsRoutes(app: FastifyInstance, deps: { contacts: ContactsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { contacts } = deps;

  r.get(
    '/api/v1/contacts',
    {
      schema: {
        tags,
        summary: 'Search and list contacts (filters, sort, cursor paging)',
        description:
          'q matches name, company, primary email, labeled emails and phones (phone formatting ignored). Three or more ' +
          'characters match anywhere in a field; one or two match the start of a word. total is exact, or an estimate ' +
          'flagged by totalIsEstimate for large results.',
        querystring: contactListQuery,
        response: { 200: contactPage, ...errors(400) },
      },
    },
    async (req) => contacts.list(actorOf(req), req.query),
  );

  r.post(
    '/api/v1/contacts',
    { schema: { tags, summary: 'Create a contact', body: contactInput, response: { 201: contactSchema, ...errors(400, 403, 409) } } },
    async (req, reply) => {
      const c = await contacts.create(actorOf(req), req.body);
      return reply.code(201).header('etag', etagFor(c.version)).header('location', `/api/v1/contacts/${c.id}`).send(c);
    },
  );

  r.get(
    '/api/v1/contacts/:id',
    { schema: { tags, summary: 'Get a contact', params: idParams, response: { 200: contactSchema, ...errors(404) } } },
    async (req, reply) => {
      const c = await contacts.get(actorOf(req), req.params.id);
      return reply.header('etag', etagFor(c.version)).send(c);
    },
  );

  r.patch(
    '/api/v1/contacts/:id',
    {
      schema: {
        tags,
        summary: 'Update a contact (partial; If-Match makes it conditional)',
        params: idParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: contactInput,
        response: { 200: contactSchema, ...errors(400, 403, 404, 409, 412) },
      },
    },
    async (req, reply) => {
      const expected = parseIfMatch(req.headers['if-match']);
      if (Number.isNaN(expected)) {
        throw new AppError('VALIDATION', 'Invalid If-Match header', [
          { path: 'If-Match', message: 'Send the ETag of the version you read, e.g. "3"' },
        ]);
      }
      const c = await contacts.update(actorOf(req), req.params.id, req.body, expected);
      return reply.header('etag', etagFor(c.version)).send(c);
    },
  );

  r.delete(
    '/api/v1/contacts/:id',
    {
      schema: {
        tags,
        summary: 'Move a contact to the trash (restorable for 30 days); ?purge=true erases it at once',
        params: idParams,
        querystring: z.object({ purge: z.enum(['true', 'false']).optional() }),
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await contacts.remove(actorOf(req), req.params.id, { purge: req.query.purge === 'true' });
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/contacts/trash',
    {
      schema: {
        tags,
        summary: 'Contacts in the trash, most recently deleted first',
        querystring: trashQuery,
        response: { 200: trashPage, ...errors(400) },
      },
    },
    async (req) => contacts.trash(actorOf(req), req.query),
  );

  r.post(
    '/api/v1/contacts/:id/restore',
    {
      schema: {
        tags,
        summary: 'Restore a contact from the trash',
        params: idParams,
        response: { 200: contactSchema, ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => {
      const c = await contacts.restore(actorOf(req), req.params.id);
      return reply.header('etag', etagFor(c.version)).send(c);
    },
  );

  r.post(
    '/api/v1/contacts/trash/bulk',
    {
      schema: {
        tags,
        summary: 'Restore or erase selected contacts of the trash, or every one matching a search ({} empties the trash)',
        description:
          'Body {action: "restore"|"purge", ids} or {action, filter: {q?}}. Up to 250 rows are done at once (200 with the counts); ' +
          'more run as a job (202 {jobId}, see GET /api/v1/jobs/:id; its result has the same counts). A restore skips rows whose ' +
          'primary email a live contact holds (skipped: the first 100 with their reason, skippedCount: all); ids that are not ' +
          "in this team's trash are counted in notFound and never touched. A filter reaches only rows deleted before the request.",
        body: trashBulkInput,
        response: { 200: trashBulkSummary, 202: z.object({ jobId: z.string() }), ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      const r = await contacts.trashBulk(actorOf(req), req.body);
      return reply.code('jobId' in r ? 202 : 200).send(r);
    },
  );

  r.post(
    '/api/v1/contacts/bulk',
    {
      schema: {
        tags,
        summary: 'Bulk action on selected contacts or on all contacts matching a filter',
        description: `Up to a few hundred contacts are done at once (200 {affected}); more run as a job (202 {jobId}, see GET /api/v1/jobs/:id).`,
        body: bulkInput,
        response: { 200: bulkResult, 202: bulkResult, ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      const r = await contacts.bulk(actorOf(req), req.body);
      return reply.code('jobId' in r ? 202 : 200).send(r);
    },
  );

  r.get(
    '/api/v1/contacts/:id/history',
    {
      schema: {
        tags,
        summary: 'Audit history of a contact, newest first',
        params: idParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().optional() }),
        response: { 200: historyPage, ...errors(404) },
      },
    },
    async (req) => contacts.history(actorOf(req), req.params.id, req.query),
  );
}
