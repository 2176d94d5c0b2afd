// HTTP routes of tickets, request templates and the portal's ticket pages. Shapes: shared/ticket.schema.ts.
//
// Members (bearer token or session cookie):
//   GET    /api/v1/tickets?status=open,pending&assigneeId=<id>|none&contactId=&companyId=&q=&limit=&cursor=
//          200 { items: Ticket[], nextCursor, total, totalIsEstimate }   (newest first; q: subject text or #number)
//   POST   /api/v1/tickets                       201 TicketDetail (the requester is always a ticket contact)
//   GET    /api/v1/tickets/:id                   200 TicketDetail (with `contacts`: the ticket contacts' directory details)
//   PATCH  /api/v1/tickets/:id                   200 TicketDetail { subject?, description?, status?, priority?, assigneeId? }
//   POST   /api/v1/tickets/:id/contacts          200 TicketDetail { contactId }
//   DELETE /api/v1/tickets/:id/contacts/:contactId   204 (409 for the requester)
//   GET    /api/v1/tickets/:id/comments          200 { items: Comment[] } (public and private, oldest first)
//   POST   /api/v1/tickets/:id/comments          201 Comment { body, public? }  (private notes: public false)
//   GET    /api/v1/tickets/assignees             200 { items: [{ id, name, email }] } (members a ticket can be assigned to)
//   GET    /api/v1/tickets/:id/history           200 the ticket's audit entries, newest first
//   GET    /api/v1/contacts/:id/tickets          200 like GET /tickets, the contact's tickets
//   GET|POST /api/v1/request-templates, GET|PATCH|DELETE /api/v1/request-templates/:id
//
// Portal (signed-in contact, cookie; writes need a same-origin Origin):
//   GET  /portal/api/<slug>/tickets?cursor=      200 { items: PortalTicket[], nextCursor } (only tickets the contact is on)
//   GET  /portal/api/<slug>/tickets/:id          200 PortalTicketDetail (public comments; can/refusals), 404 when not on it
//   POST /portal/api/<slug>/tickets/:id/comments 201 Comment; 403 ALLOW_PORTAL_COMMENTS_OFF | CAN_POST_COMMENTS_OFF
//   POST /portal/api/<slug>/tickets/:id/close    200 PortalTicketDetail; 403 ALLOW_CONTACTS_CLOSE_TICKETS_OFF | CAN_CLOSE_TICKETS_OFF
//   GET  /portal/api/<slug>/templates            200 { items: PortalTemplate[] } (only those available to the contact)
//   POST /portal/api/<slug>/requests             201 { ticket } signed in; 202 { ticket: null } for a visitor
//        (portalTicketCreation "anyone": body has name + email; 401 otherwise; 429 when rate-limited)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { historyPage } from '#shared/contact.schema.ts';
import { AppError } from '#shared/errors.ts';
import {
  commentInput,
  commentList,
  commentSchema,
  portalCommentInput,
  portalRequestInput,
  portalTemplateList,
  portalTicket,
  portalTicketDetail,
  portalTicketPage,
  requestTemplateInput,
  requestTemplateList,
  requestTemplatePatch,
  requestTemplateSchema,
  ticketContactInput,
  ticketDetail,
  ticketInput,
  ticketListQuery,
  ticketPage,
  ticketPatch,
} from '#shared/ticket.schema.ts';
import { actorOf, checkSameOrigin } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import type { PortalService } from '../portal/portal.service.ts';
import { portalCookieName } from '../portal/portal.routes.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import type { TicketsService } from './tickets.service.ts';

const tags = ['tickets'];
const slugParams = z.object({ teamSlug: z.string().max(200) });
const slugIdParams = z.object({ teamSlug: z.string().max(200), id: z.string().max(100) });

export function ticketsRoutes(
  app: FastifyInstance,
  deps: {
    tickets: TicketsService;
    portal: Pick<PortalService, 'session'>;
    teams: Pick<TeamsService, 'getTeamBySlug'>;
    options: { secureCookies: boolean; publicUrl: string | null };
  },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { tickets, portal, teams, options } = deps;
  const cookieName = portalCookieName(options.secureCookies);

  async function contactOf(req: FastifyRequest, slug: string) {
    const s = await portal.session(req.cookies[cookieName], slug);
    if (!s) throw new AppError('UNAUTHENTICATED', 'Sign in to the portal first');
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) checkSameOrigin(req, options.publicUrl);
    return s;
  }

  r.get(
    '/api/v1/tickets',
    {
      schema: {
        tags,
        summary: 'List tickets (filters, newest first, cursor paging)',
        querystring: ticketListQuery,
        response: { 200: ticketPage, ...errors(400) },
      },
    },
    async (req) => tickets.list(actorOf(req), req.query),
  );

  r.get(
    '/api/v1/tickets/assignees',
    {
      schema: {
        tags,
        summary: 'Members a ticket can be assigned to',
        response: { 200: z.object({ items: z.array(z.object({ id: z.string(), name: z.string(), email: z.string() })) }), ...errors() },
      },
    },
    async (req) => tickets.assignees(actorOf(req)),
  );

  r.post(
    '/api/v1/tickets',
    { schema: { tags, summary: 'Create a ticket', body: ticketInput, response: { 201: ticketDetail, ...errors(400) } } },
    async (req, reply) => {
      const t = await tickets.create(actorOf(req), req.body);
      return reply.code(201).header('location', `/api/v1/tickets/${t.id}`).send(t);
    },
  );

  r.get(
    '/api/v1/tickets/:id',
    { schema: { tags, summary: 'A ticket with its contacts', params: idParams, response: { 200: ticketDetail, ...errors(404) } } },
    async (req) => tickets.get(actorOf(req), req.params.id),
  );

  r.patch(
    '/api/v1/tickets/:id',
    {
      schema: {
        tags,
        summary: 'Update a ticket',
        params: idParams,
        body: ticketPatch,
        response: { 200: ticketDetail, ...errors(400, 404) },
      },
    },
    async (req) => tickets.update(actorOf(req), req.params.id, req.body),
  );

  r.post(
    '/api/v1/tickets/:id/contacts',
    {
      schema: {
        tags,
        summary: 'Add a ticket contact',
        params: idParams,
        body: ticketContactInput,
        response: { 200: ticketDetail, ...errors(400, 404, 409) },
      },
    },
    async (req) => tickets.addContact(actorOf(req), req.params.id, req.body.contactId),
  );

  r.delete(
    '/api/v1/tickets/:id/contacts/:contactId',
    {
      schema: {
        tags,
        summary: 'Remove a ticket contact (not the requester)',
        params: z.object({ id: z.string(), contactId: z.string() }),
        response: { 204: z.null(), ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      await tickets.removeContact(actorOf(req), req.params.id, req.params.contactId);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/v1/tickets/:id/comments',
    { schema: { tags, summary: 'The conversation, oldest first', params: idParams, response: { 200: commentList, ...errors(404) } } },
    async (req) => tickets.comments(actorOf(req), req.params.id),
  );

  r.post(
    '/api/v1/tickets/:id/comments',
    {
      schema: {
        tags,
        summary: 'Reply (public) or add a private note',
        params: idParams,
        body: commentInput,
        response: { 201: commentSchema, ...errors(400, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(await tickets.comment(actorOf(req), req.params.id, req.body)),
  );

  r.get(
    '/api/v1/tickets/:id/history',
    {
      schema: {
        tags,
        summary: "The ticket's audit entries, newest first",
        params: idParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(100).optional() }),
        response: { 200: historyPage, ...errors(404) },
      },
    },
    async (req) => tickets.history(actorOf(req), req.params.id, req.query),
  );

  r.get(
    '/api/v1/contacts/:id/tickets',
    {
      schema: {
        tags,
        summary: "A contact's tickets",
        params: idParams,
        querystring: ticketListQuery.omit({ contactId: true }),
        response: { 200: ticketPage, ...errors(400, 404) },
      },
    },
    async (req) => tickets.contactTickets(actorOf(req), req.params.id, req.query),
  );

  r.get(
    '/api/v1/request-templates',
    { schema: { tags, summary: 'Request templates', response: { 200: requestTemplateList, ...errors() } } },
    async (req) => tickets.templates(actorOf(req)),
  );
  r.post(
    '/api/v1/request-templates',
    {
      schema: {
        tags,
        summary: 'Create a request template',
        body: requestTemplateInput,
        response: { 201: requestTemplateSchema, ...errors(400) },
      },
    },
    async (req, reply) => reply.code(201).send(await tickets.createTemplate(actorOf(req), req.body)),
  );
  r.get(
    '/api/v1/request-templates/:id',
    { schema: { tags, summary: 'A request template', params: idParams, response: { 200: requestTemplateSchema, ...errors(404) } } },
    async (req) => tickets.template(actorOf(req), req.params.id),
  );
  r.patch(
    '/api/v1/request-templates/:id',
    {
      schema: {
        tags,
        summary: 'Update a request template',
        params: idParams,
        body: requestTemplatePatch,
        response: { 200: requestTemplateSchema, ...errors(400, 404) },
      },
    },
    async (req) => tickets.updateTemplate(actorOf(req), req.params.id, req.body),
  );
  r.delete(
    '/api/v1/request-templates/:id',
    { schema: { tags, summary: 'Delete a request template', params: idParams, response: { 204: z.null(), ...errors(404) } } },
    async (req, reply) => {
      await tickets.deleteTemplate(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  // --- portal ---
  const portalTags = ['portal'];

  r.get(
    '/portal/api/:teamSlug/tickets',
    {
      schema: {
        tags: portalTags,
        summary: "The signed-in contact's tickets",
        params: slugParams,
        querystring: z.object({ cursor: z.string().max(100).optional() }),
        response: { 200: portalTicketPage, ...errors(400) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return tickets.portalList(await contactOf(req, req.params.teamSlug), req.query.cursor);
    },
  );

  r.get(
    '/portal/api/:teamSlug/tickets/:id',
    {
      schema: {
        tags: portalTags,
        summary: 'A ticket the contact is on',
        params: slugIdParams,
        response: { 200: portalTicketDetail, ...errors(404) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return tickets.portalGet(await contactOf(req, req.params.teamSlug), req.params.id);
    },
  );

  r.post(
    '/portal/api/:teamSlug/tickets/:id/comments',
    {
      schema: {
        tags: portalTags,
        summary: 'Comment (allowPortalComments AND canPostComments)',
        params: slugIdParams,
        body: portalCommentInput,
        response: { 201: commentSchema, ...errors(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const s = await contactOf(req, req.params.teamSlug);
      return reply.code(201).send(await tickets.portalComment(s, req.params.id, req.body.body, String(req.id)));
    },
  );

  r.post(
    '/portal/api/:teamSlug/tickets/:id/close',
    {
      schema: {
        tags: portalTags,
        summary: 'Close (allowContactsCloseTickets AND canCloseTickets)',
        params: slugIdParams,
        response: { 200: portalTicketDetail, ...errors(403, 404) },
      },
    },
    async (req) => tickets.portalClose(await contactOf(req, req.params.teamSlug), req.params.id, String(req.id)),
  );

  r.get(
    '/portal/api/:teamSlug/templates',
    {
      schema: {
        tags: portalTags,
        summary: 'Request templates offered to the contact',
        params: slugParams,
        response: { 200: portalTemplateList, ...errors(404) },
      },
    },
    async (req) => {
      const s = await portal.session(req.cookies[cookieName], req.params.teamSlug);
      if (s) return tickets.portalTemplates(s.team.id, s.contact);
      // a visitor sees the templates offered to everyone, when the team takes requests from visitors
      const team = await teams.getTeamBySlug(req.params.teamSlug);
      if (!team.settings.portalEnabled || team.settings.portalTicketCreation !== 'anyone')
        throw new AppError('UNAUTHENTICATED', 'Sign in to the portal first');
      return tickets.portalTemplates(team.id, null);
    },
  );

  r.post(
    '/portal/api/:teamSlug/requests',
    {
      schema: {
        tags: portalTags,
        summary: 'Submit a request (signed in, or as a visitor with name and email when the team allows it)',
        params: slugParams,
        body: portalRequestInput,
        response: { 201: z.object({ ticket: portalTicket }), 202: z.object({ ticket: z.null() }), ...errors(400, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const s = await portal.session(req.cookies[cookieName], req.params.teamSlug);
      // a cross-site page must not file requests in this browser's name
      if (s || req.headers.origin) checkSameOrigin(req, options.publicUrl);
      if (s) {
        const { ticket } = await tickets.portalRequest({ session: s }, req.body, String(req.id));
        return reply.code(201).send({ ticket: ticket! });
      }
      const team = await teams.getTeamBySlug(req.params.teamSlug);
      await tickets.portalRequest({ team, ip: req.ip }, req.body, String(req.id));
      return reply.code(202).send({ ticket: null });
    },
  );
}
