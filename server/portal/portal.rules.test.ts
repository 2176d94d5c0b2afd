import { describe, expect, it } from 'vitest';
import { PORTAL_CODE_ALPHABET } from '#shared/portal.schema.ts';
import {
  extendIdle,
  generateCode,
  newSessionExpiry,
  normalizeCode,
  normaliseSsoDomains,
  normaliseSsoTenants,
  readSsoClaims,
  ssoOrganisationRefusal,
  syncedIdentityMatches,
  trustedMailBase,
} from './portal.rules.ts';

describe('sign-in codes', () => {
  it('are 7 symbols of an alphabet without 0, O, 1, I, L', () => {
    expect(PORTAL_CODE_ALPHABET).not.toMatch(/[0O1IL]/);
    expect(new Set(PORTAL_CODE_ALPHABET).size).toBe(PORTAL_CODE_ALPHABET.length);
    for (let i = 0; i < 200; i++) expect(generateCode()).toMatch(new RegExp(`^[${PORTAL_CODE_ALPHABET}]{7}$`));
  });

  it('use every symbol about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const n = 30_000;
    for (let i = 0; i < n / 7; i++) for (const ch of generateCode()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(PORTAL_CODE_ALPHABET.length);
    const expected = n / PORTAL_CODE_ALPHABET.length;
    for (const c of counts.values()) expect(Math.abs(c - expected) / expected).toBeLessThan(0.2);
  });

  it('are read case-insensitively with spaces and dashes ignored', () => {
    expect(normalizeCode(' abc-d efg ')).toBe('ABCDEFG');
    expect(normalizeCode('ABCDEF')).toBeNull();
    expect(normalizeCode('ABCDEF0')).toBeNull();
  });
});

describe('contact session lifetimes', () => {
  const t = { idleMinutes: 30, absoluteHours: 12 };
  it('start with 30 idle minutes within 12 hours, and idle extension never passes the absolute end', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const s = newSessionExpiry(now, t);
    expect(s.idleExpiresAt.toISOString()).toBe('2030-01-01T00:30:00.000Z');
    expect(s.expiresAt.toISOString()).toBe('2030-01-01T12:00:00.000Z');
    expect(extendIdle(new Date('2030-01-01T11:50:00Z'), s.expiresAt, t).toISOString()).toBe('2030-01-01T12:00:00.000Z');
  });
});

describe('synced identity for SSO', () => {
  const ms = readSsoClaims({ sub: 'pairwise', oid: 'oid-1', tid: 'tenant-1', email: 'a@x.com' });
  const g = readSsoClaims({ sub: 'g-1', hd: 'Acme.com', email: 'a@acme.com', email_verified: 'true' });
  it('matches Microsoft oid + tenant and Google sub + domain, never the email alone', () => {
    const entra = (syncId: string | null, organizationId: string | null, source: string | null = 'microsoft') => ({
      syncId,
      organizationId,
      source,
    });
    const ws = (syncId: string | null, domains: string[], source: string | null = 'google') => ({
      syncId,
      organizationId: 'C01',
      source,
      domains,
    });
    expect(syncedIdentityMatches('microsoft', ms, entra('oid-1', 'tenant-1'))).toBe(true);
    expect(syncedIdentityMatches('microsoft', ms, entra('oid-1', 'TENANT-1'))).toBe(true);
    expect(syncedIdentityMatches('microsoft', ms, entra('oid-1', 'tenant-2'))).toBe(false);
    expect(syncedIdentityMatches('microsoft', ms, entra('pairwise', 'tenant-1'))).toBe(false);
    // the same ids written by another kind of source (LDAP, an import) or by no connection: not a synced identity
    expect(syncedIdentityMatches('microsoft', ms, entra('oid-1', 'tenant-1', 'ldap'))).toBe(false);
    expect(syncedIdentityMatches('microsoft', ms, entra('oid-1', 'tenant-1', null))).toBe(false);
    expect(syncedIdentityMatches('google', g, ws('g-1', ['acme.com']))).toBe(true);
    expect(syncedIdentityMatches('google', g, ws('g-1', ['other.com']))).toBe(false);
    expect(syncedIdentityMatches('google', g, ws('g-1', ['acme.com'], 'microsoft'))).toBe(false);
    expect(syncedIdentityMatches('google', g, { syncId: null, organizationId: null, source: 'google' })).toBe(false);
    expect(syncedIdentityMatches('google', readSsoClaims({ sub: 'g-1' }), ws('g-1', ['acme.com']))).toBe(false);
    expect(g.emailVerified).toBe(true);
    expect(ms.emailVerified).toBe(false);
  });
});

describe('SSO organisation limits', () => {
  const lists = (allowedDomains: string[], allowedTenants: string[] = []) => ({ allowedDomains, allowedTenants });
  it('normalises domains (IDN, case, @, duplicates) and tenants, and names each bad entry', () => {
    expect(normaliseSsoDomains([' @Bücher.DE ', 'bücher.de', 'Example.com'])).toEqual({
      ok: true,
      value: ['xn--bcher-kva.de', 'example.com'],
    });
    expect(normaliseSsoDomains(['ok.com', 'a b', 'localhost', 'http://x.com'])).toMatchObject({
      ok: false,
      details: [{ path: 'allowedDomains.1' }, { path: 'allowedDomains.2' }, { path: 'allowedDomains.3' }],
    });
    expect(normaliseSsoTenants(['11111111-2222-3333-4444-AAAAAAAAAAAA'])).toEqual({
      ok: true,
      value: ['11111111-2222-3333-4444-aaaaaaaaaaaa'],
    });
    expect(normaliseSsoTenants(['common', '{11111111-2222-3333-4444-555555555555}'])).toMatchObject({ ok: false, details: [{}, {}] });
  });
  it('Google: the verified email domain and hd must both be listed; an empty list allows any', () => {
    const id = (c: Record<string, unknown>) => readSsoClaims({ sub: 's', ...c });
    expect(
      ssoOrganisationRefusal('google', id({ email: 'a@B\u00fccher.de', email_verified: true }), lists(['xn--bcher-kva.de'])),
    ).toBeNull();
    expect(
      ssoOrganisationRefusal('google', id({ email: 'a@acme.com', email_verified: true, hd: 'acme.com' }), lists(['acme.com'])),
    ).toBeNull();
    expect(ssoOrganisationRefusal('google', id({ email: 'a@acme.com', email_verified: true, hd: 'evil.com' }), lists(['acme.com']))).toBe(
      'sso_domain_not_allowed',
    );
    expect(ssoOrganisationRefusal('google', id({ email: 'a@sub.acme.com', email_verified: true }), lists(['acme.com']))).toBe(
      'sso_domain_not_allowed',
    );
    // an unverified email says nothing; no claim at all is refused
    expect(ssoOrganisationRefusal('google', id({ email: 'a@acme.com' }), lists(['acme.com']))).toBe('sso_domain_not_allowed');
    expect(ssoOrganisationRefusal('google', id({ email: 'a@evil.com', email_verified: true }), lists([]))).toBeNull();
  });
  it('Microsoft: tid must be listed (case-insensitive)', () => {
    const t = '11111111-2222-3333-4444-555555555555';
    expect(ssoOrganisationRefusal('microsoft', readSsoClaims({ sub: 's', tid: t.toUpperCase() }), lists([], [t]))).toBeNull();
    expect(ssoOrganisationRefusal('microsoft', readSsoClaims({ sub: 's', tid: 'other' }), lists([], [t]))).toBe('sso_tenant_not_allowed');
    expect(ssoOrganisationRefusal('microsoft', readSsoClaims({ sub: 's' }), lists([], [t]))).toBe('sso_tenant_not_allowed');
    expect(ssoOrganisationRefusal('microsoft', readSsoClaims({ sub: 's' }), lists(['acme.com'], []))).toBeNull();
  });
});

describe('links in code mails', () => {
  const o = { publicUrl: null, memberOrigin: null, requestOrigin: null };
  it('prefers the public URL, then where a member signed in, and trusts a request only on loopback', () => {
    expect(
      trustedMailBase({ ...o, publicUrl: 'https://help.acme.com/', memberOrigin: 'http://x.test', requestOrigin: 'http://y.test' }),
    ).toBe('https://help.acme.com');
    expect(trustedMailBase({ ...o, memberOrigin: 'http://help.acme.test', requestOrigin: 'http://evil.test' })).toBe(
      'http://help.acme.test',
    );
    expect(trustedMailBase({ ...o, requestOrigin: 'http://evil.test' })).toBeNull();
    expect(trustedMailBase({ ...o, requestOrigin: 'http://localhost:3000' })).toBe('http://localhost:3000');
    expect(trustedMailBase({ ...o, requestOrigin: 'http://[::1]:3000' })).toBe('http://[::1]:3000');
    expect(trustedMailBase({ ...o, requestOrigin: 'not a url' })).toBeNull();
  });
});
