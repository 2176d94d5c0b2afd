// HTTP routes of the duplicate finder, merges and "change primary email". Shapes: shared/merge.schema.ts.
//   GET  /api/v1/contacts/duplicates?cursor=&limit=&source=live|scan   200 { items: [{ reason, key, contactIds, contacts }], nextCursor, source, scan }
//   POST /api/v1/contacts/duplicates/scan      202 { jobId } (GET /api/v1/jobs/:id for progress; then ?source=scan)
//   POST /api/v1/contacts/merge                200 { contact, mergeId } { survivorId, mergedIds: 1..9, fields?: { field: contactId } }
//   POST /api/v1/contacts/merge/bulk           202 { jobId, total } { groups: [{ survivorId, mergedIds }] }
//   GET  /api/v1/merges                        200 { items } the merges that can still be undone, newest first
//   POST /api/v1/merges/:mergeId/undo          200 { contacts } (the survivor first) — 409 when it cannot be undone
//   POST /api/v1/contacts/:id/primary-email    200 Contact { email, keepOld, label? } (If-Match honoured)
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contactSchema } from '#shared/contact.schema.ts';
import { AppError } from '#shared/errors.ts';
import {
  bulkMergeInput,
  bulkMergeQueued,
  duplicatesPage,
  duplicatesQuery,
  mergeInput,
  mergeList,
  mergeResult,
  primaryEmailChange,
  scanStarted,
  undoResult,
} from '#shared/merge.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import { etagFor, parseIfMatch } from './contacts.rules.ts';
import type { MergeService } from './merge.service.ts';

const tags = ['contacts'];

export function mergeRoutes(app: FastifyInstance, deps: { merges: MergeService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { merges } = deps;

  r.get(
    '/api/v1/contacts/duplicates',
    {
      schema: {
        tags,
        summary: 'Candidate duplicate groups (same email, same phone, same name at the same company)',
        description:
          'source=live (default) computes the groups now, in pages anchored at the contacts in id order; a page may hold fewer ' +
          'groups than asked while nextCursor is not null. source=scan pages the groups the last full scan found.',
        querystring: duplicatesQuery,
        response: { 200: duplicatesPage, ...errors(400) },
      },
    },
    async (req) => merges.duplicates(actorOf(req), req.query),
  );
  r.post(
    '/api/v1/contacts/duplicates/scan',
    {
      schema: {
        tags,
        summary: 'Scan every contact for duplicates (a job with progress)',
        response: { 202: scanStarted, ...errors(403) },
      },
    },
    async (req, reply) => reply.code(202).send(await merges.startScan(actorOf(req))),
  );
  r.post(
    '/api/v1/contacts/merge',
    {
      schema: {
        tags,
        summary: 'Merge 2–10 contacts into one (undo for 30 days)',
        description:
          'The merged contacts go to the trash marked as merged; their labeled emails and phones are added to the survivor (their ' +
          'primary emails become labeled emails), and their tickets, ticket links, form assignments, portal state and history ' +
          'move to it. fields chooses, per field, the contact whose value the survivor keeps. A contact managed by Contact Sync ' +
          'can only be the survivor (409).',
        body: mergeInput,
        response: { 200: mergeResult, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => merges.merge(actorOf(req), req.body),
  );
  r.post(
    '/api/v1/contacts/merge/bulk',
    {
      schema: {
        tags,
        summary: 'Merge many duplicate groups (a job; each group merged or reported with its reason)',
        body: bulkMergeInput,
        response: { 202: bulkMergeQueued, ...errors(400, 403) },
      },
    },
    async (req, reply) => reply.code(202).send(await merges.bulkMerge(actorOf(req), req.body)),
  );
  r.get(
    '/api/v1/merges',
    { schema: { tags, summary: 'Merges that can still be undone, newest first', response: { 200: mergeList, ...errors(401) } } },
    async (req) => merges.recent(actorOf(req)),
  );
  r.post(
    '/api/v1/merges/:mergeId/undo',
    {
      schema: {
        tags,
        summary: 'Undo a merge: every contact and link as it was',
        params: z.object({ mergeId: z.string() }),
        response: { 200: undoResult, ...errors(403, 404, 409) },
      },
    },
    async (req) => merges.undo(actorOf(req), req.params.mergeId),
  );
  r.post(
    '/api/v1/contacts/:id/primary-email',
    {
      schema: {
        tags,
        summary: 'Change the primary email: promote a labeled email or add a new one; keep the old one as labeled or drop it',
        params: idParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: primaryEmailChange,
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
      const c = await merges.changePrimaryEmail(actorOf(req), req.params.id, req.body, expected);
      return reply.header('etag', etagFor(c.version)).send(c);
    },
  );
}
