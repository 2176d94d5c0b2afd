// HTTP routes of the contact portal. JSON shapes (zod schemas in shared/portal.schema.ts):
//
// Public portal API — <slug> is the team slug; the contact session is the cookie `kdesk_portal`
// (`__Host-kdesk_portal` over https), HttpOnly, SameSite=Lax, Path=/. Writes made with the cookie need
// a same-origin Origin (or Sec-Fetch-Site: same-origin) like the agent API, else 403 {code: "CSRF"}.
//
//   GET  /portal/api/<slug>                        200 { team: {name, slug}, portalEnabled, sso: {google, microsoft}, codeLength: 7, visitorRequests }
//                                                  404 unknown team
//   POST /portal/api/<slug>/login/start            body { email } | { linkToken }
//                                                  200 { requestId, expiresInSeconds: 600 } — the same for every email, known or not
//                                                  400 VALIDATION (not an email address), 403 PORTAL_DISABLED, 429 RATE_LIMITED (Retry-After)
//   POST /portal/api/<slug>/login/verify           body { requestId, code } (code case-insensitive; spaces and dashes ignored)
//                                                  200 PortalProfile + Set-Cookie (a new session; an older portal cookie is replaced)
//                                                  401 INVALID_CODE (wrong, expired, used, or 5 wrong tries), 429 RATE_LIMITED
//   GET  /portal/api/<slug>/me                     200 PortalProfile, 401 UNAUTHENTICATED (no/expired session, or not this team's)
//   PATCH /portal/api/<slug>/me/notifications      body { newTickets?, ticketUpdates?, newComments?, formAssignments? } -> 200 PortalProfile
//   POST /portal/api/<slug>/logout                 204 (clears the cookie; always succeeds)
//   GET  /portal/api/<slug>/sso/<google|microsoft>/start      302 to the identity provider (404 when not offered)
//   GET  /portal/api/<slug>/sso/<google|microsoft>/callback   302 to /portal/<slug> signed in, or to /portal/<slug>?error=<reason>
//        reason: sso_failed | sso_email_unverified | sso_no_access | sso_domain_not_allowed | sso_tenant_not_allowed | sso_unavailable
//
//   PortalProfile = { id, firstName, lastName, primaryEmail, company,
//                     notifications: {newTickets, ticketUpdates, newComments, formAssignments},   // the contact's preferences
//                     teamNotifications: {same keys},                                            // what the team sends at all
//                     can: {postComments, closeTickets}, portalVerifiedAt, team: {name, slug},
//                     session: {idleExpiresAt, expiresAt} }
//
// Agent API (members; bearer token or member session cookie):
//   GET    /api/v1/mailbox/messages?limit=&cursor=  owners/admins; the team's outgoing mail, newest first
//          200 { items: [{ id, to, subject, text, html, kind, status: pending|sent|failed|kept, attempts, lastError, sentAt, createdAt }],
//                nextCursor, smtpConfigured }
//   GET    /api/v1/portal-link                      200 { url }  (team link /portal/<slug>)
//   POST   /api/v1/contacts/:id/portal-link         200 { url }  (contact link /portal/<slug>/c/<token>; a new token each time; modifyContacts;
//                                                    409 with the reason when the contact may not sign in)
//   DELETE /api/v1/contacts/:id/portal-link         204 (the contact link stops working)
//   POST   /api/v1/contacts/:id/invite              202 { invited: 1|0, skipped: [{id, reason}] } — emails a new contact link (modifyContacts)
//   GET    /api/v1/portal/sso                       owners/admins: { google: SsoConfig|null, microsoft: SsoConfig|null, redirectUris: {google, microsoft} }
//   PUT    /api/v1/portal/sso/<provider>            body { issuer, clientId, clientSecret?, allowedDomains? (Google), allowedTenants? (Microsoft) }
//                                                   -> 200 SsoConfig (secret write-only, encrypted at rest; an omitted list is kept)
//   DELETE /api/v1/portal/sso/<provider>            204
//   SsoConfig = { issuer, clientId, clientSecretSet: true, allowedDomains, allowedTenants, updatedAt }
//
// Mailbox bodies: `html` is our own template with every value escaped; show it in a sandboxed iframe
// (srcdoc, sandbox="") anyway, or show `text`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  portalInviteResult,
  portalLink,
  portalLoginStart,
  portalLoginStarted,
  portalLoginVerify,
  portalNotificationsPatch,
  portalProfile,
  portalTeamInfo,
  ssoConfigInput,
  ssoConfigView,
  ssoConfigs,
  ssoProvider,
} from '#shared/portal.schema.ts';
import { AppError } from '#shared/errors.ts';
import { actorOf, checkSameOrigin } from '../http/auth.ts';
import { errorBodySchema, errors, idParams } from '../http/schemas.ts';
import type { PortalService, PortalSession } from './portal.service.ts';
import { SsoError, type SsoService } from './sso.service.ts';

export interface PortalRouteOptions {
  secureCookies: boolean;
  publicUrl: string | null;
}

export const portalCookieName = (secure: boolean) => (secure ? '__Host-kdesk_portal' : 'kdesk_portal');
const ssoCookieName = (secure: boolean) => (secure ? '__Host-kdesk_portal_sso' : 'kdesk_portal_sso');

const tags = ['portal'];
const slugParams = z.object({ teamSlug: z.string().max(200) });
const ssoParams = z.object({ teamSlug: z.string().max(200), provider: ssoProvider });

export function portalRoutes(app: FastifyInstance, deps: { portal: PortalService; sso: SsoService; options: PortalRouteOptions }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { portal, sso, options } = deps;
  const cookieName = portalCookieName(options.secureCookies);
  const origin = (req: FastifyRequest) => options.publicUrl ?? `${req.protocol}://${req.host}`;
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies };

  const setCookie = (reply: FastifyReply, token: string, expires: Date) => reply.setCookie(cookieName, token, { ...cookieOpts, expires });
  const clearCookie = (reply: FastifyReply) => reply.clearCookie(cookieName, cookieOpts);

  /** The signed-in contact of this team; cookie writes must be same-origin (CSRF). */
  async function contactOf(req: FastifyRequest, slug: string): Promise<PortalSession> {
    const s = await portal.session(req.cookies[cookieName], slug);
    if (!s) throw new AppError('UNAUTHENTICATED', 'Sign in to the portal first');
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) checkSameOrigin(req, options.publicUrl);
    return s;
  }
  // sign-in answers must not be stored by a browser cache or a proxy
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  r.get(
    '/portal/api/:teamSlug',
    {
      schema: {
        tags,
        summary: 'Public information of a team portal',
        params: slugParams,
        response: { 200: portalTeamInfo, ...errors(404) },
      },
    },
    async (req) => portal.teamInfo(req.params.teamSlug),
  );

  r.post(
    '/portal/api/:teamSlug/login/start',
    {
      schema: {
        tags,
        summary: 'Send a one-time sign-in code to the primary email (same answer for every email)',
        params: slugParams,
        body: portalLoginStart,
        response: { 200: portalLoginStarted, ...errors(400, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      // a cross-site page must not start sign-ins in this browser's name
      if (req.headers.origin) checkSameOrigin(req, options.publicUrl);
      noStore(reply);
      return portal.startLogin(req.params.teamSlug, req.body, req.ip, origin(req));
    },
  );

  r.post(
    '/portal/api/:teamSlug/login/verify',
    {
      schema: {
        tags,
        summary: 'Check the code; sets the contact session cookie',
        params: slugParams,
        body: portalLoginVerify,
        response: { 200: portalProfile, ...errors(400, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      if (req.headers.origin) checkSameOrigin(req, options.publicUrl);
      noStore(reply);
      const out = await portal.verifyLogin(req.params.teamSlug, req.body, req.ip, req.cookies[cookieName] ?? null, String(req.id));
      setCookie(reply, out.token, out.expiresAt);
      return out.profile;
    },
  );

  r.get(
    '/portal/api/:teamSlug/me',
    { schema: { tags, summary: 'The signed-in contact', params: slugParams, response: { 200: portalProfile, ...errors(404) } } },
    async (req, reply) => {
      noStore(reply);
      return portal.profile(await contactOf(req, req.params.teamSlug));
    },
  );

  r.patch(
    '/portal/api/:teamSlug/me/notifications',
    {
      schema: {
        tags,
        summary: "The contact's own email preferences",
        params: slugParams,
        body: portalNotificationsPatch,
        response: { 200: portalProfile, ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      noStore(reply);
      return portal.updateNotifications(await contactOf(req, req.params.teamSlug), req.body, String(req.id));
    },
  );

  r.post(
    '/portal/api/:teamSlug/logout',
    { schema: { tags, summary: 'Sign out of the portal', params: slugParams, response: { 204: z.null(), 403: errorBodySchema } } },
    async (req, reply) => {
      const token = req.cookies[cookieName];
      if (token) {
        // only our own pages may end the session
        checkSameOrigin(req, options.publicUrl);
        await portal.logout(token);
      }
      clearCookie(reply);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/portal/api/:teamSlug/sso/:provider/start',
    {
      // a browser navigation (302), not an API call: not in the OpenAPI document
      schema: { hide: true, tags, summary: 'Start Google / Microsoft sign-in (302 to the provider)', params: ssoParams },
    },
    async (req, reply) => {
      const { url, browserSecret } = await sso.start(req.params.teamSlug, req.params.provider, origin(req), req.ip);
      reply.setCookie(ssoCookieName(options.secureCookies), browserSecret, { ...cookieOpts, maxAge: 600 });
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },
  );

  r.get(
    '/portal/api/:teamSlug/sso/:provider/callback',
    {
      // a browser navigation (302), not an API call: not in the OpenAPI document
      schema: { hide: true, tags, summary: 'Where the identity provider sends the browser back', params: ssoParams },
    },
    async (req, reply) => {
      const { teamSlug, provider } = req.params;
      const back = `/portal/${encodeURIComponent(teamSlug)}`;
      const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      reply.clearCookie(ssoCookieName(options.secureCookies), cookieOpts).header('cache-control', 'no-store');
      try {
        const out = await sso.callback(
          teamSlug,
          provider,
          origin(req),
          search,
          req.cookies[ssoCookieName(options.secureCookies)],
          req.cookies[cookieName] ?? null,
          String(req.id),
        );
        setCookie(reply, out.token, out.expiresAt);
        return reply.redirect(back, 302);
      } catch (err) {
        if (!(err instanceof SsoError)) throw err;
        req.log.warn({ reason: err.reason, detail: err.message }, 'portal SSO refused');
        return reply.redirect(`${back}?error=${err.reason}`, 302);
      }
    },
  );

  // --- agent API ---

  r.get(
    '/api/v1/portal-link',
    { schema: { tags, summary: 'The team portal link', response: { 200: portalLink, ...errors() } } },
    async (req) => portal.teamLink(actorOf(req), origin(req)),
  );

  r.post(
    '/api/v1/contacts/:id/portal-link',
    {
      schema: {
        tags,
        summary: "A new contact-specific portal link (the contact's previous link stops working)",
        description:
          'Only for a contact who may sign in: 409 with the reason when the team portal is off, or the contact is inactive, has no portal access or no primary email.',
        params: idParams,
        response: { 200: portalLink, ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return portal.contactLink(actorOf(req), req.params.id, origin(req));
    },
  );

  r.delete(
    '/api/v1/contacts/:id/portal-link',
    {
      schema: {
        tags,
        summary: 'Revoke the contact-specific portal link',
        params: idParams,
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await portal.revokeContactLink(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/contacts/:id/invite',
    {
      schema: {
        tags,
        summary: 'Send a portal invitation (a new contact link by mail)',
        params: idParams,
        response: { 202: portalInviteResult, ...errors(403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(202).send(await portal.invite(actorOf(req), req.params.id, origin(req))),
  );

  r.get(
    '/api/v1/portal/sso',
    { schema: { tags, summary: 'Google / Microsoft sign-in settings (owners/admins)', response: { 200: ssoConfigs, ...errors(403) } } },
    async (req) => sso.getConfigs(actorOf(req), origin(req)),
  );

  r.put(
    '/api/v1/portal/sso/:provider',
    {
      schema: {
        tags,
        summary: 'Configure Google / Microsoft sign-in (the client secret is write-only)',
        params: z.object({ provider: ssoProvider }),
        body: ssoConfigInput,
        response: { 200: ssoConfigView, ...errors(400, 403) },
      },
    },
    async (req) => sso.putConfig(actorOf(req), req.params.provider, req.body),
  );

  r.delete(
    '/api/v1/portal/sso/:provider',
    {
      schema: {
        tags,
        summary: 'Remove a Google / Microsoft sign-in configuration',
        params: z.object({ provider: ssoProvider }),
        response: { 204: z.null(), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      await sso.deleteConfig(actorOf(req), req.params.provider);
      return reply.code(204).send(null);
    },
  );
}
