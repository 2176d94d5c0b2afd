// HTTP routes of companies and of the time logged on tickets. Shapes: shared/company.schema.ts.
//   GET    /api/v1/companies?q=&sort=name|-name|createdAt|-createdAt&limit=&offset=   200 { items: Company[], total }
//   POST   /api/v1/companies                  201 Company { name, domains?, notes? } (400 bad/personal domain, 409 domain taken)
//   GET    /api/v1/companies/:id              200 Company
//   PATCH  /api/v1/companies/:id              200 Company + { addedDomains, linkable }
//   DELETE /api/v1/companies/:id              204 (its contacts are unlinked; its tickets keep no company)
//   POST   /api/v1/companies/:id/rescan       200 { linked } | 202 { jobId, total } (GET /api/v1/jobs/:id for progress)
//   GET    /api/v1/companies/:id/time?from=YYYY-MM-DD&to=YYYY-MM-DD        200 TimeReport
//   GET    /api/v1/companies/:id/time.csv?from=&to=                          200 text/csv, one line per entry
//   GET    /api/v1/tickets/:id/time           200 { items: TimeEntry[], totalMinutes }
//   POST   /api/v1/tickets/:id/time           201 TimeEntry { minutes, note?, spentAt? }
//   PATCH  /api/v1/tickets/:id/time/:entryId  200 TimeEntry (own entries only: 403 otherwise)
//   DELETE /api/v1/tickets/:id/time/:entryId  204 (own entries only)
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  companyDetail,
  companyInput,
  companyListQuery,
  companyPage,
  companyPatch,
  companyUpdated,
  rescanQueued,
  rescanResult,
  timeEntryInput,
  timeEntryList,
  timeEntryPatch,
  timeEntrySchema,
  timeReport,
  timeReportQuery,
} from '#shared/company.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { CompaniesService } from './companies.service.ts';

const tags = ['companies'];
const entryParams = z.object({ id: z.string(), entryId: z.string() });

export function companiesRoutes(app: FastifyInstance, deps: { companies: CompaniesService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { companies } = deps;

  r.get(
    '/api/v1/companies',
    {
      schema: {
        tags,
        summary: 'List companies (search by name or domain, sorted, paged)',
        querystring: companyListQuery,
        response: { 200: companyPage, ...errors(400) },
      },
    },
    async (req) => companies.list(actorOf(req), req.query),
  );
  r.post(
    '/api/v1/companies',
    { schema: { tags, summary: 'Create a company', body: companyInput, response: { 201: companyDetail, ...errors(400, 403, 409) } } },
    async (req, reply) => {
      const c = await companies.create(actorOf(req), req.body);
      return reply.code(201).header('location', `/api/v1/companies/${c.id}`).send(c);
    },
  );
  r.get(
    '/api/v1/companies/:id',
    { schema: { tags, summary: 'A company with its counts', params: idParams, response: { 200: companyDetail, ...errors(404) } } },
    async (req) => companies.get(actorOf(req), req.params.id),
  );
  r.patch(
    '/api/v1/companies/:id',
    {
      schema: {
        tags,
        summary: 'Update a company (name, domains, notes)',
        params: idParams,
        body: companyPatch,
        response: { 200: companyUpdated, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => companies.update(actorOf(req), req.params.id, req.body),
  );
  r.delete(
    '/api/v1/companies/:id',
    {
      schema: {
        tags,
        summary: 'Delete a company (its contacts are unlinked)',
        params: idParams,
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await companies.remove(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/v1/companies/:id/rescan',
    {
      schema: {
        tags,
        summary: "Link contacts without a company whose primary email is at the company's domains",
        params: idParams,
        response: { 200: rescanResult, 202: rescanQueued, ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      const out = await companies.rescan(actorOf(req), req.params.id);
      return 'jobId' in out ? reply.code(202).header('location', `/api/v1/jobs/${out.jobId}`).send(out) : out;
    },
  );
  r.get(
    '/api/v1/companies/:id/time',
    {
      schema: {
        tags,
        summary: "Time logged on the company's tickets: total, per ticket and per month",
        params: idParams,
        querystring: timeReportQuery,
        response: { 200: timeReport, ...errors(400, 404) },
      },
    },
    async (req) => companies.timeReport(actorOf(req), req.params.id, req.query),
  );
  r.get(
    '/api/v1/companies/:id/time.csv',
    {
      schema: {
        tags,
        summary: "The company's time entries as CSV (UTF-8 with BOM)",
        params: idParams,
        querystring: timeReportQuery,
        response: { 200: z.unknown().describe('text/csv'), ...errors(400, 404) },
      },
    },
    async (req, reply) => {
      const out = await companies.timeCsv(actorOf(req), req.params.id, req.query);
      const safe =
        out.name
          .replace(/[^\w.-]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 60) || 'company';
      return reply
        .type('text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="time-${safe}.csv"`)
        .send(Readable.from(out.lines));
    },
  );

  r.get(
    '/api/v1/tickets/:id/time',
    {
      schema: {
        tags,
        summary: 'Time logged on a ticket, newest first',
        params: idParams,
        response: { 200: timeEntryList, ...errors(404) },
      },
    },
    async (req) => companies.timeEntries(actorOf(req), req.params.id),
  );
  r.post(
    '/api/v1/tickets/:id/time',
    {
      schema: {
        tags,
        summary: 'Log time on a ticket',
        params: idParams,
        body: timeEntryInput,
        response: { 201: timeEntrySchema, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(await companies.logTime(actorOf(req), req.params.id, req.body)),
  );
  r.patch(
    '/api/v1/tickets/:id/time/:entryId',
    {
      schema: {
        tags,
        summary: 'Change your own time entry',
        params: entryParams,
        body: timeEntryPatch,
        response: { 200: timeEntrySchema, ...errors(400, 403, 404) },
      },
    },
    async (req) => companies.updateTime(actorOf(req), req.params.id, req.params.entryId, req.body),
  );
  r.delete(
    '/api/v1/tickets/:id/time/:entryId',
    { schema: { tags, summary: 'Delete your own time entry', params: entryParams, response: { 204: z.null(), ...errors(403, 404) } } },
    async (req, reply) => {
      await companies.deleteTime(actorOf(req), req.params.id, req.params.entryId);
      return reply.code(204).send(null);
    },
  );
}
