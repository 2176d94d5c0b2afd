import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invitationCreate, invitationSchema, memberCreate, memberPatch, memberSchema } from '#shared/member.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import { presentToken, tokenSchema } from '../auth/auth.routes.ts';
import type { MembersService } from './members.service.ts';

const tags = ['members'];

export function membersRoutes(app: FastifyInstance, deps: { members: MembersService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { members } = deps;
  r.get(
    '/api/v1/members',
    {
      schema: {
        tags,
        summary: 'List members (owners/admins)',
        response: { 200: z.object({ items: z.array(memberSchema) }), ...errors(403) },
      },
    },
    async (req) => ({
      items: await members.list(actorOf(req)),
    }),
  );
  r.post(
    '/api/v1/members',
    { schema: { tags, summary: 'Add a member', body: memberCreate, response: { 201: memberSchema, ...errors(400, 403, 409) } } },
    async (req, reply) => reply.code(201).send(await members.create(actorOf(req), req.body)),
  );
  r.get(
    '/api/v1/members/invitations',
    {
      schema: {
        tags,
        summary: 'Open invitations (owners/admins)',
        response: { 200: z.object({ items: z.array(invitationSchema) }), ...errors(403) },
      },
    },
    async (req) => ({ items: await members.listInvitations(actorOf(req)) }),
  );
  r.post(
    '/api/v1/members/invitations',
    {
      schema: {
        tags,
        summary: 'Invite a member by email (a one-time link valid 7 days; inviting again renews it)',
        body: invitationCreate,
        response: { 201: invitationSchema, ...errors(400, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await members.invite(actorOf(req), req.body)),
  );
  r.post(
    '/api/v1/members/invitations/:id/resend',
    {
      schema: {
        tags,
        summary: 'Send an invitation again with a new link and 7 more days (the old link stops working)',
        params: idParams,
        response: { 200: invitationSchema, ...errors(403, 404) },
      },
    },
    async (req) => members.resendInvitation(actorOf(req), req.params.id),
  );
  r.delete(
    '/api/v1/members/invitations/:id',
    { schema: { tags, summary: 'Revoke an invitation', params: idParams, response: { 204: z.null(), ...errors(403, 404) } } },
    async (req, reply) => {
      await members.revokeInvitation(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/v1/members/:id',
    { schema: { tags, summary: 'One member (owners/admins)', params: idParams, response: { 200: memberSchema, ...errors(403, 404) } } },
    async (req) => members.get(actorOf(req), req.params.id),
  );
  r.patch(
    '/api/v1/members/:id',
    {
      schema: {
        tags,
        summary:
          'Change role, permissions, name or password, or deactivate (`active: false`: sessions end, API tokens are revoked, queued jobs are cancelled, running ones stop at their next batch)',
        params: idParams,
        body: memberPatch,
        response: { 200: memberSchema, ...errors(400, 403, 404, 409) },
      },
    },
    async (req) => members.update(actorOf(req), req.params.id, req.body),
  );
  r.get(
    '/api/v1/members/:id/tokens',
    {
      schema: {
        tags,
        summary: "A member's API tokens (owners/admins)",
        params: idParams,
        response: { 200: z.object({ items: z.array(tokenSchema) }), ...errors(403, 404) },
      },
    },
    async (req) => ({ items: (await members.listTokens(actorOf(req), req.params.id)).map(presentToken) }),
  );
  r.delete(
    '/api/v1/members/:id/tokens/:tokenId',
    {
      schema: {
        tags,
        summary: "Revoke one of a member's API tokens (owners/admins; an owner's only by an owner)",
        params: z.object({ id: z.string(), tokenId: z.string() }),
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await members.revokeToken(actorOf(req), req.params.id, req.params.tokenId);
      return reply.code(204).send(null);
    },
  );
  r.delete(
    '/api/v1/members/:id',
    {
      schema: {
        tags,
        summary: 'Remove a member (their sessions and API tokens go with them; their queued jobs are cancelled, running ones stop)',
        params: idParams,
        response: { 204: z.null(), ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => {
      await members.remove(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
