// HTTP routes of forms. Shapes: shared/form.schema.ts.
// Members (bearer token or session cookie):
//   GET    /api/v1/forms?q=&limit=&offset=              200 { items: Form[], total }
//   POST   /api/v1/forms                                201 Form { name, description?, fields }   (owners/admins; 400 with field paths)
//   GET    /api/v1/forms/:id                            200 Form
//   PATCH  /api/v1/forms/:id                            200 Form (owners/admins)
//   DELETE /api/v1/forms/:id                            204 (with its assignments and responses; owners/admins)
//   POST   /api/v1/forms/:id/assignments                200 { assigned, alreadyAssigned, refused: [{contactId, name, code}], notified }
//          { contactIds } | { filter }                  202 { jobId, total } above a few thousand contacts (GET /api/v1/jobs/:id)
//          one contact asked for and refused: 409 with code contact_inactive | no_portal_access | portal_disabled
//   DELETE /api/v1/forms/:id/assignments/:assignmentId  204 (an open assignment; 409 once submitted)
//   GET    /api/v1/forms/:id/responses?status=&limit=&offset=   200 { items: FormResponse[], total }
//   GET    /api/v1/forms/:id/responses.csv              200 text/csv, the submitted responses
//   GET    /api/v1/contacts/:id/forms                   200 { items: FormResponse[] }
// Portal (signed-in contact, cookie; writes need a same-origin Origin):
//   GET    /portal/api/<slug>/forms                     200 { items: PortalFormSummary[] } (open first)
//   GET    /portal/api/<slug>/forms/:id                 200 PortalFormDetail (fields and the draft or the submitted values)
//   PUT    /portal/api/<slug>/forms/:id/draft           200 { draftSavedAt } { values }  (400 per field; 409 once submitted)
//   POST   /portal/api/<slug>/forms/:id/response        200 PortalFormDetail { values } (400 per field; 409 once submitted)
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import {
  assignInput,
  assignQueued,
  assignResult,
  contactFormList,
  draftSaved,
  formInput,
  formListQuery,
  formPage,
  formPatch,
  formSchema,
  portalFormDetail,
  portalFormList,
  portalFormValuesInput,
  responseListQuery,
  responsePage,
} from '#shared/form.schema.ts';
import { actorOf, checkSameOrigin } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { PortalService } from '../portal/portal.service.ts';
import { portalCookieName } from '../portal/portal.routes.ts';
import type { FormsService } from './forms.service.ts';

const tags = ['forms'];
const slugParams = z.object({ teamSlug: z.string().max(200) });
const slugIdParams = z.object({ teamSlug: z.string().max(200), id: z.string().max(100) });
const assignmentParams = z.object({ id: z.string(), assignmentId: z.string() });

export function formsRoutes(
  app: FastifyInstance,
  deps: { forms: FormsService; portal: Pick<PortalService, 'session'>; options: { secureCookies: boolean; publicUrl: string | null } },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { forms, portal, options } = deps;
  const cookieName = portalCookieName(options.secureCookies);

  r.get(
    '/api/v1/forms',
    {
      schema: {
        tags,
        summary: 'List forms (search by name, paged)',
        querystring: formListQuery,
        response: { 200: formPage, ...errors(400) },
      },
    },
    async (req) => forms.list(actorOf(req), req.query),
  );
  r.post(
    '/api/v1/forms',
    { schema: { tags, summary: 'Build a form (owners and admins)', body: formInput, response: { 201: formSchema, ...errors(400, 403) } } },
    async (req, reply) => {
      const f = await forms.create(actorOf(req), req.body);
      return reply.code(201).header('location', `/api/v1/forms/${f.id}`).send(f);
    },
  );
  r.get(
    '/api/v1/forms/:id',
    { schema: { tags, summary: 'A form with its counts', params: idParams, response: { 200: formSchema, ...errors(404) } } },
    async (req) => forms.get(actorOf(req), req.params.id),
  );
  r.patch(
    '/api/v1/forms/:id',
    {
      schema: {
        tags,
        summary: 'Change a form (owners and admins)',
        params: idParams,
        body: formPatch,
        response: { 200: formSchema, ...errors(400, 403, 404) },
      },
    },
    async (req) => forms.update(actorOf(req), req.params.id, req.body),
  );
  r.delete(
    '/api/v1/forms/:id',
    {
      schema: {
        tags,
        summary: 'Delete a form with its assignments and responses (owners and admins)',
        params: idParams,
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await forms.remove(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/v1/forms/:id/assignments',
    {
      schema: {
        tags,
        summary: 'Assign a form to contacts (by id or by the directory filter); refused contacts are named with the reason',
        params: idParams,
        body: assignInput,
        response: { 200: assignResult, 202: assignQueued, ...errors(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const out = await forms.assign(actorOf(req), req.params.id, req.body);
      return 'jobId' in out ? reply.code(202).header('location', `/api/v1/jobs/${out.jobId}`).send(out) : out;
    },
  );
  r.delete(
    '/api/v1/forms/:id/assignments/:assignmentId',
    {
      schema: {
        tags,
        summary: 'Withdraw an open assignment',
        params: assignmentParams,
        response: { 204: z.null(), ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => {
      await forms.withdraw(actorOf(req), req.params.id, req.params.assignmentId);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/v1/forms/:id/responses',
    {
      schema: {
        tags,
        summary: "A form's assignments and responses, newest first, paged",
        params: idParams,
        querystring: responseListQuery,
        response: { 200: responsePage, ...errors(400, 404) },
      },
    },
    async (req) => forms.responses(actorOf(req), req.params.id, req.query),
  );
  r.get(
    '/api/v1/forms/:id/responses.csv',
    {
      schema: {
        tags,
        summary: "The form's submitted responses as CSV (UTF-8 with BOM, one column per field)",
        params: idParams,
        response: { 200: z.unknown().describe('text/csv'), ...errors(404) },
      },
    },
    async (req, reply) => {
      const out = await forms.responsesCsv(actorOf(req), req.params.id);
      const safe =
        out.name
          .replace(/[^\w.-]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 60) || 'form';
      return reply
        .type('text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="responses-${safe}.csv"`)
        .send(Readable.from(out.lines));
    },
  );
  r.get(
    '/api/v1/contacts/:id/forms',
    {
      schema: {
        tags,
        summary: "A contact's forms (open and submitted), newest first",
        params: idParams,
        response: { 200: contactFormList, ...errors(404) },
      },
    },
    async (req) => forms.ofContact(actorOf(req), req.params.id),
  );

  // --- portal ---
  const portalTags = ['portal'];
  async function contactOf(req: FastifyRequest, slug: string) {
    const s = await portal.session(req.cookies[cookieName], slug);
    if (!s) throw new AppError('UNAUTHENTICATED', 'Sign in to the portal first');
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) checkSameOrigin(req, options.publicUrl);
    return s;
  }

  r.get(
    '/portal/api/:teamSlug/forms',
    {
      schema: {
        tags: portalTags,
        summary: 'Forms assigned to the signed-in contact (open first)',
        params: slugParams,
        response: { 200: portalFormList, ...errors(400) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return forms.portalList(await contactOf(req, req.params.teamSlug));
    },
  );
  r.get(
    '/portal/api/:teamSlug/forms/:id',
    {
      schema: {
        tags: portalTags,
        summary: 'A form assigned to the contact, with the draft or the submitted answers',
        params: slugIdParams,
        response: { 200: portalFormDetail, ...errors(404) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return forms.portalGet(await contactOf(req, req.params.teamSlug), req.params.id);
    },
  );
  r.put(
    '/portal/api/:teamSlug/forms/:id/draft',
    {
      schema: {
        tags: portalTags,
        summary: 'Keep a draft of the answers',
        params: slugIdParams,
        body: portalFormValuesInput,
        response: { 200: draftSaved, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => forms.portalSaveDraft(await contactOf(req, req.params.teamSlug), req.params.id, req.body.values),
  );
  r.post(
    '/portal/api/:teamSlug/forms/:id/response',
    {
      schema: {
        tags: portalTags,
        summary: 'Submit the answers (once)',
        params: slugIdParams,
        body: portalFormValuesInput,
        response: { 200: portalFormDetail, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => forms.portalSubmit(await contactOf(req, req.params.teamSlug), req.params.id, req.body.values, String(req.id)),
  );
}
