// Pure rules of portal sign-in: codes, session lifetimes, link URLs, SSO identity matching. No I/O.
import { randomInt } from 'node:crypto';
import { normalizeEmail } from '#shared/email.ts';
import type { ErrorDetail } from '#shared/errors.ts';
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

export type SsoRefusal = 'sso_email_unverified' | 'sso_no_access' | 'sso_domain_not_allowed' | 'sso_tenant_not_allowed';

type Normalised = { ok: true; value: string[] } | { ok: false; details: ErrorDetail[] };

/** A host name as an email domain (IDN to punycode, lower case, a leading @ tolerated), or null. */
export function normaliseEmailDomain(domain: string): string | null {
  const r = normalizeEmail(`x@${domain.trim().replace(/^@/, '')}`);
  return r.ok ? r.email.slice(2) : null;
}

/** The allowed Google domains as stored: punycode, lower case, no duplicates; a detail per bad entry. */
export function normaliseSsoDomains(domains: string[], path = 'allowedDomains'): Normalised {
  const out: string[] = [];
  const details: ErrorDetail[] = [];
  domains.forEach((d, i) => {
    const n = normaliseEmailDomain(d);
    if (!n) details.push({ path: `${path}.${i}`, message: 'Not a domain name (e.g. example.com)' });
    else if (!out.includes(n)) out.push(n);
  });
  return details.length ? { ok: false, details } : { ok: true, value: out };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The allowed Microsoft tenant ids as stored: GUIDs, lower case, no duplicates. */
export function normaliseSsoTenants(tenants: string[], path = 'allowedTenants'): Normalised {
  const out: string[] = [];
  const details: ErrorDetail[] = [];
  tenants.forEach((t, i) => {
    const n = t.trim().toLowerCase();
    if (!GUID.test(n))
      details.push({ path: `${path}.${i}`, message: 'Not a tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47)' });
    else if (!out.includes(n)) out.push(n);
  });
  return details.length ? { ok: false, details } : { ok: true, value: out };
}

/**
 * The team's organisation restriction. Google: every domain the identity claims — the Workspace domain
 * `hd` when sent, and the domain of the email when it is verified — must be allowed, and there must be
 * at least one. Microsoft: the tenant id `tid` must be allowed. An empty list allows any.
 */
export function ssoOrganisationRefusal(
  provider: SsoProvider,
  id: SsoIdentity,
  allowed: { allowedDomains: string[]; allowedTenants: string[] },
): SsoRefusal | null {
  if (provider === 'microsoft') {
    if (!allowed.allowedTenants.length) return null;
    const tid = id.tid?.trim().toLowerCase();
    return tid && allowed.allowedTenants.includes(tid) ? null : 'sso_tenant_not_allowed';
  }
  if (!allowed.allowedDomains.length) return null;
  const claimed: (string | null)[] = [];
  if (id.hd) claimed.push(normaliseEmailDomain(id.hd));
  if (id.email && id.emailVerified) {
    const n = normalizeEmail(id.email);
    claimed.push(n.ok ? n.email.slice(n.email.lastIndexOf('@') + 1) : null);
  }
  if (!claimed.length) return 'sso_domain_not_allowed';
  return claimed.every((d) => d !== null && allowed.allowedDomains.includes(d)) ? null : 'sso_domain_not_allowed';
}

/**
 * With `requireSyncedContactForSso` the provider's stable identity must equal the identity a Contact Sync
 * connection of that provider synced: Microsoft oid + tenant id (a Microsoft Entra ID connection: the
 * object id is the sync id, the tenant the organization id); Google sub + Workspace domain (a Google
 * Workspace connection: the user id is the sync id; `hd` must be the connection's domain or the domain of
 * the contact's synced email). The email never suffices, nor an id another kind of source wrote.
 */
export function syncedIdentityMatches(
  provider: SsoProvider,
  id: SsoIdentity,
  directory: { syncId: string | null; organizationId: string | null; source: string | null; domains?: (string | null)[] },
): boolean {
  if (!directory.syncId || !directory.organizationId || directory.source !== provider) return false;
  if (provider === 'microsoft') {
    if (!id.oid || !id.tid) return false;
    return id.oid === directory.syncId && id.tid.toLowerCase() === directory.organizationId.toLowerCase();
  }
  if (!id.sub || !id.hd) return false;
  const hd = id.hd.trim().toLowerCase();
  const domains = (directory.domains ?? []).filter((d): d is string => !!d).map((d) => d.trim().toLowerCase());
  return id.sub === directory.syncId && domains.includes(hd);
}
