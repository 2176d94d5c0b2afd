import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invitationAccept, invitationPreview, meSchema, memberSchema, passwordString, selfPatch } from '#shared/member.schema.ts';
import {
  actorOf,
  checkSameOrigin,
  clearSessionCookie,
  requestOrigin,
  sessionCookieName,
  setSessionCookie,
  type AuthOptions,
} from '../http/auth.ts';
import { errorBodySchema, errors, idParams } from '../http/schemas.ts';
import type { MembersService } from '../members/members.service.ts';
import { presentMember } from '../members/members.service.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import type { Actor } from './actor.ts';
import type { AuthService } from './auth.service.ts';
import type { PasswordResetService } from './password-reset.service.ts';

const tags = ['auth'];
export const tokenSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() });
export const presentToken = (t: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }) => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
});

export function authRoutes(
  app: FastifyInstance,
  deps: { auth: AuthService; teams: TeamsService; members: MembersService; passwordResets: PasswordResetService; options: AuthOptions },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { auth, teams, options } = deps;

  async function me(actor: Actor) {
    const team = await teams.getTeam(actor.teamId);
    return {
      member: await deps.members.self(actor),
      team: { id: team.id, name: team.name, slug: team.slug },
      via: actor.via === 'token' ? ('token' as const) : ('session' as const),
    };
  }

  r.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email and password; sets the session cookie',
        body: z.object({ email: z.string().max(320), password: z.string().max(1000) }).strict(),
        response: { 200: meSchema, ...errors(400, 429) },
      },
    },
    async (req, reply) => {
      // a cross-site page must not sign the browser in to an account of its choosing
      if (req.headers.origin) checkSameOrigin(req, options.publicUrl);
      const { sessionToken, member, expiresAt } = await auth.login(req.body.email, req.body.password, req.ip);
      setSessionCookie(reply, options, sessionToken, expiresAt);
      // the address a member signs in at is trusted for links in mail that no member request causes
      if (!options.publicUrl) await teams.rememberMemberOrigin(member.teamId, requestOrigin(req));
      const team = await teams.getTeam(member.teamId);
      return { member: presentMember(member), team: { id: team.id, name: team.name, slug: team.slug }, via: 'session' as const };
    },
  );

  r.post(
    '/api/v1/auth/logout',
    { schema: { tags, summary: 'Sign out (ends the session)', response: { 204: z.null(), 403: errorBodySchema } } },
    async (req, reply) => {
      const token = req.cookies[sessionCookieName(options.secureCookies)];
      if (token) {
        if (req.actor) checkSameOrigin(req, options.publicUrl);
        await auth.logout(token);
      }
      clearSessionCookie(reply, options);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/auth/password',
    {
      schema: {
        tags,
        summary: 'Change your password; ends your other sessions and revokes your API tokens',
        body: z.object({ currentPassword: z.string().max(1000), newPassword: passwordString }).strict(),
        response: { 204: z.null(), ...errors(400, 429) },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await auth.changePassword(actor, { ...req.body, sessionToken: req.cookies[sessionCookieName(options.secureCookies)] });
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/v1/auth/password-reset',
    {
      schema: {
        tags,
        summary: 'Mail a password reset link (1 hour, works once). The answer is the same whether or not the address belongs to a member',
        body: z.object({ email: z.string().max(320) }).strict(),
        response: { 202: z.object({ message: z.string() }), ...errors(400, 429) },
      },
    },
    async (req, reply) => {
      await deps.passwordResets.request(req.body.email, req.ip, requestOrigin(req));
      return reply.code(202).send({
        message: 'If this address belongs to a kdesk account, a link to choose a new password is on its way. It works for 1 hour.',
      });
    },
  );
  r.get(
    '/api/v1/auth/password-reset/:token',
    {
      schema: {
        tags,
        summary: 'Whether a reset link still works (for the reset page)',
        params: z.object({ token: z.string().max(200) }),
        response: { 200: z.object({ email: z.string() }), ...errors(404) },
      },
    },
    async (req) => deps.passwordResets.check(req.params.token),
  );
  r.post(
    '/api/v1/auth/password-reset/:token',
    {
      schema: {
        tags,
        summary: 'Choose a new password with a reset link; ends every session and API token of the member and signs in here',
        params: z.object({ token: z.string().max(200) }),
        body: z.object({ password: passwordString }).strict(),
        response: { 200: meSchema, ...errors(400, 404) },
      },
    },
    async (req, reply) => {
      if (req.headers.origin || req.actor) checkSameOrigin(req, options.publicUrl);
      const member = await deps.passwordResets.complete(req.params.token, req.body.password);
      const { sessionToken, expiresAt } = await auth.startSession(member.id);
      setSessionCookie(reply, options, sessionToken, expiresAt);
      const team = await teams.getTeam(member.teamId);
      return { member: presentMember(member), team: { id: team.id, name: team.name, slug: team.slug }, via: 'session' as const };
    },
  );

  r.patch(
    '/api/v1/me',
    { schema: { tags, summary: 'Change your own name', body: selfPatch, response: { 200: memberSchema, ...errors(400) } } },
    async (req) => deps.members.updateSelf(actorOf(req), req.body),
  );

  r.get(
    '/api/v1/invitations/:token',
    {
      schema: {
        tags,
        summary: 'What an invitation link is for (no sign-in needed); 404 once used, renewed, revoked or expired',
        params: z.object({ token: z.string().max(200) }),
        response: { 200: invitationPreview, ...errors(404) },
      },
    },
    async (req) => deps.members.previewInvitation(req.params.token),
  );

  r.post(
    '/api/v1/invitations/:token/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation: creates the member and signs them in (the link works once)',
        params: z.object({ token: z.string().max(200) }),
        body: invitationAccept,
        response: { 200: meSchema, ...errors(400, 404, 409) },
      },
    },
    async (req, reply) => {
      if (req.headers.origin || req.actor) checkSameOrigin(req, options.publicUrl);
      const member = await deps.members.acceptInvitation(req.params.token, req.body);
      const { sessionToken, expiresAt } = await auth.startSession(member.id);
      setSessionCookie(reply, options, sessionToken, expiresAt);
      if (!options.publicUrl) await teams.rememberMemberOrigin(member.teamId, requestOrigin(req));
      const team = await teams.getTeam(member.teamId);
      return { member: presentMember(member), team: { id: team.id, name: team.name, slug: team.slug }, via: 'session' as const };
    },
  );

  r.get(
    '/api/v1/me',
    { schema: { tags, summary: 'The signed-in member and team', response: { 200: meSchema, ...errors() } } },
    async (req) => me(actorOf(req)),
  );

  r.post(
    '/api/v1/tokens',
    {
      schema: {
        tags,
        summary: 'Create an API token for yourself (shown once)',
        body: z.object({ name: z.string().trim().min(1).max(100) }).strict(),
        response: { 201: z.object({ token: z.string(), id: z.string(), name: z.string(), createdAt: z.string() }), ...errors(400) },
      },
    },
    async (req, reply) => {
      const t = await auth.createToken(actorOf(req), req.body.name);
      return reply.code(201).send({ ...t, createdAt: t.createdAt.toISOString() });
    },
  );

  r.get(
    '/api/v1/tokens',
    { schema: { tags, summary: 'Your API tokens', response: { 200: z.object({ items: z.array(tokenSchema) }), ...errors() } } },
    async (req) => ({ items: (await auth.listTokens(actorOf(req))).map(presentToken) }),
  );

  r.delete(
    '/api/v1/tokens/:id',
    { schema: { tags, summary: 'Revoke one of your API tokens', params: idParams, response: { 204: z.null(), ...errors(404) } } },
    async (req, reply) => {
      await auth.revokeToken(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
