// Pure rules of portal sign-in: codes, session lifetimes, link URLs, SSO identity matching. No I/O.
import { randomInt } from 'node:crypto';
import { PORTAL_CODE_ALPHABET, PORTAL_CODE_LENGTH, type SsoProvider } from '#shared/portal.schema.ts';

export const CODE_TTL_MINUTES = 10;
export const CODE_MAX_WRONG_TRIES = 5;

/** Issue ("send me a code") and verify limits, per 15 minutes. Verify counts wrong codes only. */
export const PORTAL_LIMITS = {
  windowSeconds: 15 * 60,
  startPerEmail: 5,
  startPerIp: 30,
  verifyPerEmail: 10,
  verifyPerIp: 50,
};

/** A code from the CSPRNG (crypto.randomInt is uniform: no modulo bias). */
export function generateCode(length = PORTAL_CODE_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PORTAL_CODE_ALPHABET[randomInt(PORTAL_CODE_ALPHABET.length)];
  return out;
}

/** What the person typed, as a code (case-insensitive, spaces and dashes ignored), or null when it cannot be one. */
export function normalizeCode(input: string): string | null {
  const c = input.toUpperCase().replace(/[\s-]+/g, '');
  if (c.length !== PORTAL_CODE_LENGTH) return null;
  for (const ch of c) if (!PORTAL_CODE_ALPHABET.includes(ch)) return null;
  return c;
}

export interface SessionTimes {
  idleMinutes: number;
  absoluteHours: number;
}

export function newSessionExpiry(now: Date, t: SessionTimes) {
  const expiresAt = new Date(now.getTime() + t.absoluteHours * 3600_000);
  const idle = new Date(now.getTime() + t.idleMinutes * 60_000);
  return { idleExpiresAt: idle < expiresAt ? idle : expiresAt, expiresAt };
}

/** The idle deadline after activity at `now`, never past the absolute one. */
export function extendIdle(now: Date, expiresAt: Date, t: SessionTimes): Date {
  const idle = new Date(now.getTime() + t.idleMinutes * 60_000);
  return idle < expiresAt ? idle : expiresAt;
}

/** Extending the idle deadline costs a write; skip it when it would move by less than this. */
export const IDLE_TOUCH_MS = 60_000;

export function portalBaseUrl(publicUrl: string | null, requestOrigin: string): string {
  return (publicUrl ?? requestOrigin).replace(/\/$/, '');
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The base of links in a mail that an unauthenticated request caused (a sign-in code). Its Host header is
 * the sender's to choose, so it is used only on loopback (a developer's machine); otherwise the configured
 * public URL, or the address a member of the team last signed in at. Null: the mail carries no link.
 */
export function trustedMailBase(o: { publicUrl: string | null; memberOrigin: string | null; requestOrigin: string | null }): string | null {
  if (o.publicUrl) return o.publicUrl.replace(/\/$/, '');
  if (o.memberOrigin) return o.memberOrigin;
  if (!o.requestOrigin) return null;
  try {
    return LOOPBACK_HOSTS.has(new URL(o.requestOrigin).hostname) ? o.requestOrigin : null;
  } catch {
    return null;
  }
}

export const teamPortalUrl = (base: string, slug: string) => `${base}/portal/${encodeURIComponent(slug)}`;
export const contactPortalUrl = (base: string, slug: string, token: string) =>
  `${teamPortalUrl(base, slug)}/c/${encodeURIComponent(token)}`;
export const ssoRedirectUri = (base: string, slug: string, provider: SsoProvider) =>
  `${base}/portal/api/${encodeURIComponent(slug)}/sso/${provider}/callback`;

/** What an ID token says about the person (claims we read). */
export interface SsoIdentity {
  sub: string;
  email: string | null;
  emailVerified: boolean;
  /** Microsoft: object id (stable per tenant) and tenant id. */
  oid: string | null;
  tid: string | null;
  /** Google: hosted domain (Workspace). */
  hd: string | null;
}

export function readSsoClaims(claims: Record<string, unknown>): SsoIdentity {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const ev = claims.email_verified;
  return {
    sub: String(claims.sub ?? ''),
    email: str(claims.email),
    // some providers send "true" as a string
    emailVerified: ev === true || ev === 'true',
    oid: str(claims.oid),
    tid: str(claims.tid),
    hd: str(claims.hd),
  };
}

export type SsoRefusal = 'sso_email_unverified' | 'sso_no_access';

/**
 * With `requireSyncedContactForSso` the provider's stable identity must equal the contact's synced
 * directory identity: Microsoft oid + tenant id, Google sub + Workspace domain. The email never suffices.
 */
export function syncedIdentityMatches(
  provider: SsoProvider,
  id: SsoIdentity,
  directory: { syncId: string | null; organizationId: string | null },
): boolean {
  if (!directory.syncId || !directory.organizationId) return false;
  const [stableId, org] = provider === 'microsoft' ? [id.oid, id.tid] : [id.sub, id.hd];
  if (!stableId || !org) return false;
  return stableId === directory.syncId && org.toLowerCase() === directory.organizationId.toLowerCase();
}
