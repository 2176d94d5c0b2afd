import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '#shared/errors.ts';
import type { Actor } from '../auth/actor.ts';
import { actorFromMember, type AuthService } from '../auth/auth.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export interface AuthOptions {
  auth: AuthService;
  secureCookies: boolean;
  publicUrl: string | null;
  sessionTtlHours: number;
}

export const sessionCookieName = (secure: boolean) => (secure ? '__Host-kdesk_session' : 'kdesk_session');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origins this server answers for: KDESK_PUBLIC_URL, or the one the request itself addressed. */
function expectedOrigins(req: FastifyRequest, publicUrl: string | null): string[] {
  if (publicUrl) return [new URL(publicUrl).origin];
  const host = req.headers.host;
  return host ? [`http://${host}`, `https://${host}`] : [];
}

/** Cookie-authenticated writes must come from our own pages: a matching Origin, or Sec-Fetch-Site. */
export function checkSameOrigin(req: FastifyRequest, publicUrl: string | null): void {
  const origin = req.headers.origin;
  if (origin) {
    if (!expectedOrigins(req, publicUrl).includes(origin)) {
      throw new AppError('CSRF', 'Cross-site request refused: the Origin header does not match this server');
    }
    return;
  }
  if (req.headers['sec-fetch-site'] === 'same-origin') return;
  throw new AppError('CSRF', 'Cross-site request refused: a request signed in with a cookie must carry an Origin header');
}

export function registerAuth(app: FastifyInstance, opts: AuthOptions) {
  const cookieName = sessionCookieName(opts.secureCookies);
  app.decorateRequest('actor', null);

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/v1/')) return;
    const authz = req.headers.authorization;
    if (authz) {
      const m = /^Bearer\s+(\S+)$/i.exec(authz);
      const member = m ? await opts.auth.memberForToken(m[1]!) : undefined;
      if (!member) throw new AppError('UNAUTHENTICATED', 'The API token is not valid', undefined, { 'WWW-Authenticate': 'Bearer' });
      req.actor = { ...actorFromMember(member, 'token', String(req.id)), origin: requestOrigin(req) };
      return;
    }
    const token = req.cookies[cookieName];
    if (!token) return;
    const member = await opts.auth.memberForSession(token);
    if (!member) return;
    if (!SAFE_METHODS.has(req.method)) checkSameOrigin(req, opts.publicUrl);
    req.actor = { ...actorFromMember(member, 'session', String(req.id)), origin: requestOrigin(req) };
  });
}

/** The address this request came to (KDESK_PUBLIC_URL, when set, takes precedence where links are built). */
export const requestOrigin = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export function setSessionCookie(reply: FastifyReply, opts: AuthOptions, token: string, expiresAt: Date) {
  reply.setCookie(sessionCookieName(opts.secureCookies), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: opts.secureCookies,
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply, opts: AuthOptions) {
  reply.clearCookie(sessionCookieName(opts.secureCookies), { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secureCookies });
}

/** The signed-in actor, or 401. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first (session cookie or Authorization: Bearer <token>)');
  return req.actor;
}
