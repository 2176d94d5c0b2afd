// Portal SSO against a real OpenID Provider (oidc-provider@8 on loopback), shaped once like Google
// (sub, email_verified, hd) and once like Microsoft Entra ID (oid, tid, no email_verified).
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { createContact, me } from './portal-test-support.ts';
import { uuidv7 } from '../db/ids.ts';
import { microsoftDefaultMapping } from '#shared/sync.ts';
import { startEntraIdp } from '../../test/support/entra-idp.ts';
import { graphUserId, startGraphFake } from '../../test/support/graph-fake.ts';
import { jobKinds } from '../jobs/handlers.ts';
import { createJobRunner } from '../jobs/runner.ts';

type Claims = Record<string, unknown>;

/** An OpenID Provider whose login page signs in whichever account the test chose. */
async function startIdp(clientId: string, clientSecret: string, redirectUris: string[]) {
  const accounts = new Map<string, Claims>();
  const state = { next: '' };
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    clientBasedCORS: () => true,
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, ...accounts.get(id) }) }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'hd', 'oid', 'tid', 'xms_edov'] },
    conformIdTokenClaims: false,
    cookies: { keys: ['idp test cookie key'] },
    jwks: { keys: [{ ...jwk, kid: 'k1', use: 'sig', alg: 'RS256' }] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true, methods: ['S256'] },
  } as never);
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: state.next, clientId: details.params.client_id as string });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: state.next }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    callback(req, res);
  });
  return {
    issuer,
    accounts,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Follows the browser through the provider (its own cookie jar) until it is sent back to kdesk. */
async function throughIdp(authorizeUrl: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (!url.startsWith('http://127.0.0.1')) return url;
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const loc = res.headers.get('location');
    if (!loc) throw new Error(`the provider answered ${res.status}: ${await res.text()}`);
    url = new URL(loc, url).href;
  }
  throw new Error('too many redirects');
}

let ctx: TestContext;

// Teams get predictable slugs (a fresh database per file), so the provider knows their callbacks.
const TEAMS = ['sso-g1', 'sso-g2', 'sso-g3', 'sso-g4', 'sso-m1', 'sso-m2', 'sso-m3', 'sso-m4'];
const redirectUris = TEAMS.flatMap((slug) => ['google', 'microsoft'].map((p) => `http://localhost/portal/api/${slug}/sso/${p}/callback`));

async function ssoTeam(idp: Awaited<ReturnType<typeof startIdp>>, provider: 'google' | 'microsoft', slug: string, settings: object = {}) {
  const team = await createTeam(ctx, slug);
  expect(team.slug).toBe(slug);
  const put = await call(ctx, team.ownerToken, 'PUT', `/api/v1/portal/sso/${provider}`, {
    issuer: idp.issuer,
    clientId: 'kdesk-client',
    clientSecret: 'idp client secret',
  });
  expect(put.statusCode).toBe(200);
  await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', { contactSso: { [provider]: true }, ...settings });
  return team;
}

/** Signs in as `account` at the provider; returns kdesk's final answer of the callback. */
async function ssoSignIn(
  idp: Awaited<ReturnType<typeof startIdp>>,
  team: TestTeam,
  provider: 'google' | 'microsoft',
  account: string,
  tamper: { callbackUrl?: (u: URL) => void; beforeCallback?: () => Promise<void>; bindingCookie?: string | null } = {},
) {
  idp.state.next = account;
  const start = await ctx.app.inject({
    method: 'GET',
    url: `/portal/api/${team.slug}/sso/${provider}/start`,
    headers: { host: 'localhost' },
  });
  expect(start.statusCode).toBe(302);
  const binding = start.cookies.find((c) => c.name === 'kdesk_portal_sso')!;
  expect(binding).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  const back = new URL(await throughIdp(start.headers.location as string));
  expect(back.pathname).toBe(`/portal/api/${team.slug}/sso/${provider}/callback`);
  tamper.callbackUrl?.(back);
  await tamper.beforeCallback?.();
  const cookie = tamper.bindingCookie === null ? undefined : `kdesk_portal_sso=${tamper.bindingCookie ?? binding.value}`;
  const res = await ctx.app.inject({
    method: 'GET',
    url: back.pathname + back.search,
    headers: { host: 'localhost', ...(cookie ? { cookie } : {}) },
  });
  return { res, callbackPath: back.pathname + back.search, binding: binding.value };
}

/** Everything a refused sign-in must leave alone: the team's contacts (rows as they are) and portal sessions. */
async function teamState(team: TestTeam) {
  const contacts = await ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', team.teamId).orderBy('id').execute();
  const sessions = await ctx.db.selectFrom('portalSessions').select('tokenHash').where('teamId', '=', team.teamId).execute();
  return { contacts: JSON.stringify(contacts), sessions: sessions.length };
}

/** A Contact Sync connection of the team (as a synced contact's identity names it). */
async function syncConnection(team: TestTeam, source: 'google' | 'microsoft' | 'ldap', settings: Record<string, unknown> = {}) {
  const id = uuidv7();
  await ctx.db
    .insertInto('syncConnections')
    .values({
      id,
      teamId: team.teamId,
      name: `${source} ${id.slice(-6)}`,
      source,
      status: 'enabled',
      settings: JSON.stringify(settings),
      secrets: '{}',
      scope: JSON.stringify({ mode: 'all' }),
      mapping: '{}',
      schedule: null,
      createdBy: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    .execute();
  return id;
}

const outcome = (res: LightMyRequestResponse) => {
  expect(res.statusCode).toBe(302);
  const loc = new URL(res.headers.location as string, 'http://localhost');
  return loc.searchParams.get('error') ?? 'signed-in';
};
const portalCookie = (res: LightMyRequestResponse) => {
  const c = res.cookies.find((x) => x.name === 'kdesk_portal');
  return c ? `kdesk_portal=${c.value}` : null;
};

beforeAll(async () => {
  // the provider runs on loopback, which only KDESK_ALLOW_PRIVATE_ISSUERS permits
  ctx = await createTestContext({ allowPrivateIssuers: true });
});
afterAll(() => ctx?.close());

describe('Google-shaped provider', () => {
  let idp: Awaited<ReturnType<typeof startIdp>>;
  let team: TestTeam;
  beforeAll(async () => {
    idp = await startIdp('kdesk-client', 'idp client secret', redirectUris);
    team = await ssoTeam(idp, 'google', 'sso-g1');
  });
  afterAll(() => idp?.close());

  it('offers the button and signs in the contact with the same verified email', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/${team.slug}` })).json().sso).toEqual({
      google: true,
      microsoft: false,
    });
    const c = await createContact(ctx, team);
    idp.accounts.set('g-100', { email: c.primaryEmail.toUpperCase(), email_verified: true, hd: 'example.com', name: 'Pat' });
    const { res } = await ssoSignIn(idp, team, 'google', 'g-100');
    expect(outcome(res)).toBe('signed-in');
    expect(res.headers.location).toBe(`/portal/${team.slug}`);
    const profile = await me(ctx, team.slug, portalCookie(res)!);
    expect(profile.json()).toMatchObject({ id: c.id });
    expect(profile.json().portalVerifiedAt).not.toBeNull();
  });

  it('limits how often one address may start a sign-in (429)', async () => {
    const start = () =>
      ctx.app.inject({
        method: 'GET',
        url: `/portal/api/${team.slug}/sso/google/start`,
        headers: { host: 'localhost' },
        remoteAddress: '10.77.0.1',
      });
    for (let i = 0; i < 60; i++) expect((await start()).statusCode).toBe(302);
    const blocked = await start();
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
  });

  it('refuses an unverified email', async () => {
    const c = await createContact(ctx, team);
    idp.accounts.set('g-101', { email: c.primaryEmail, email_verified: false });
    const { res } = await ssoSignIn(idp, team, 'google', 'g-101');
    expect(outcome(res)).toBe('sso_email_unverified');
    expect(portalCookie(res)).toBeNull();
  });

  it('refuses an identity with no matching contact, and an inactive contact', async () => {
    idp.accounts.set('g-102', { email: 'stranger@example.com', email_verified: true });
    expect(outcome((await ssoSignIn(idp, team, 'google', 'g-102')).res)).toBe('sso_no_access');
    const c = await createContact(ctx, team, { permissions: { active: false } });
    idp.accounts.set('g-103', { email: c.primaryEmail, email_verified: true });
    expect(outcome((await ssoSignIn(idp, team, 'google', 'g-103')).res)).toBe('sso_no_access');
  });

  it('refuses a tampered state, a tampered nonce, a replayed answer and another browser', async () => {
    const c = await createContact(ctx, team);
    idp.accounts.set('g-104', { email: c.primaryEmail, email_verified: true });
    const stateTampered = await ssoSignIn(idp, team, 'google', 'g-104', {
      callbackUrl: (u) => u.searchParams.set('state', `${u.searchParams.get('state')}x`),
    });
    expect(outcome(stateTampered.res)).toBe('sso_failed');

    const nonceTampered = await ssoSignIn(idp, team, 'google', 'g-104', {
      beforeCallback: async () => {
        await ctx.db.updateTable('portalSsoStates').set({ nonce: 'not-the-nonce-sent' }).where('usedAt', 'is', null).execute();
      },
    });
    expect(outcome(nonceTampered.res)).toBe('sso_failed');

    const ok = await ssoSignIn(idp, team, 'google', 'g-104');
    expect(outcome(ok.res)).toBe('signed-in');
    const replay = await ctx.app.inject({
      method: 'GET',
      url: ok.callbackPath,
      headers: { host: 'localhost', cookie: `kdesk_portal_sso=${ok.binding}` },
    });
    expect(outcome(replay)).toBe('sso_failed');

    expect(outcome((await ssoSignIn(idp, team, 'google', 'g-104', { bindingCookie: null })).res)).toBe('sso_failed');
    expect(outcome((await ssoSignIn(idp, team, 'google', 'g-104', { bindingCookie: 'another-browser' })).res)).toBe('sso_failed');
  });

  it('is not offered when the team portal or Google sign-in is off, and refuses a flow already started', async () => {
    const t = await ssoTeam(idp, 'google', 'sso-g2');
    const c = await createContact(ctx, t);
    idp.accounts.set('g-105', { email: c.primaryEmail, email_verified: true });
    const disabled = await ssoSignIn(idp, t, 'google', 'g-105', {
      beforeCallback: async () => {
        await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: false });
      },
    });
    expect(outcome(disabled.res)).toBe('sso_unavailable');
    const start = await ctx.app.inject({ method: 'GET', url: `/portal/api/${t.slug}/sso/google/start`, headers: { host: 'localhost' } });
    expect(start.statusCode).toBe(404);
    await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: true, contactSso: { google: false } });
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/${t.slug}/sso/google/start` })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/${t.slug}` })).json().sso.google).toBe(false);
  });

  it('with requireSyncedContactForSso matches sub + domain of the synced contact, never the email alone', async () => {
    const t = await ssoTeam(idp, 'google', 'sso-g3', { requireSyncedContactForSso: true });
    const synced = await createContact(ctx, t);
    const google = await syncConnection(t, 'google', { domain: 'acme.com' });
    await ctx.db
      .updateTable('contacts')
      .set({ directorySyncId: 'g-200', directoryOrganizationId: 'C0customer', directoryConnectionId: google })
      .where('id', '=', synced.id)
      .execute();
    idp.accounts.set('g-200', { email: 'whatever@elsewhere.example', email_verified: true, hd: 'acme.com' });
    const ok = await ssoSignIn(idp, t, 'google', 'g-200');
    expect(outcome(ok.res)).toBe('signed-in');
    expect((await me(ctx, t.slug, portalCookie(ok.res)!)).json().id).toBe(synced.id);

    // same verified email as a contact, but no synced identity: refused
    const emailOnly = await createContact(ctx, t);
    idp.accounts.set('g-201', { email: emailOnly.primaryEmail, email_verified: true, hd: 'acme.com' });
    expect(outcome((await ssoSignIn(idp, t, 'google', 'g-201')).res)).toBe('sso_no_access');

    // right sub, wrong Workspace domain
    idp.accounts.set('g-200', { email: synced.primaryEmail, email_verified: true, hd: 'evil.example' });
    expect(outcome((await ssoSignIn(idp, t, 'google', 'g-200')).res)).toBe('sso_no_access');
  });
});

describe('Google allowed domains', () => {
  let idp: Awaited<ReturnType<typeof startIdp>>;
  beforeAll(async () => {
    idp = await startIdp('kdesk-client', 'idp client secret', redirectUris);
  });
  afterAll(() => idp?.close());

  it('signs in a verified email of an allowed domain, refuses another domain without touching any contact', async () => {
    const t = await ssoTeam(idp, 'google', 'sso-g4');
    const put = await call(ctx, t.ownerToken, 'PUT', '/api/v1/portal/sso/google', {
      issuer: idp.issuer,
      clientId: 'kdesk-client',
      allowedDomains: ['Example.COM', '@bücher.de', 'example.com'],
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ allowedDomains: ['example.com', 'xn--bcher-kva.de'], allowedTenants: [] });

    const c = await createContact(ctx, t);
    idp.accounts.set('g-500', { email: c.primaryEmail.toUpperCase(), email_verified: true, hd: 'EXAMPLE.com' });
    expect(outcome((await ssoSignIn(idp, t, 'google', 'g-500')).res)).toBe('signed-in');

    // an IDN domain, typed in Unicode and signed in with in Unicode
    const idn = await createContact(ctx, t, { primaryEmail: 'kim@bücher.de' });
    idp.accounts.set('g-501', { email: 'kim@BÜCHER.de', email_verified: true });
    const idnOk = await ssoSignIn(idp, t, 'google', 'g-501');
    expect(outcome(idnOk.res)).toBe('signed-in');
    expect((await me(ctx, t.slug, portalCookie(idnOk.res)!)).json().id).toBe(idn.id);

    // a contact exists with that email, but its domain is not allowed
    const other = await createContact(ctx, t, { primaryEmail: `pat-${Date.now()}@other.example` });
    const before = await teamState(t);
    idp.accounts.set('g-502', { email: other.primaryEmail, email_verified: true });
    const refused = await ssoSignIn(idp, t, 'google', 'g-502');
    expect(outcome(refused.res)).toBe('sso_domain_not_allowed');
    expect(portalCookie(refused.res)).toBeNull();
    // an allowed email domain from another Workspace (hd) is refused too
    idp.accounts.set('g-503', { email: c.primaryEmail, email_verified: true, hd: 'other.example' });
    expect(outcome((await ssoSignIn(idp, t, 'google', 'g-503')).res)).toBe('sso_domain_not_allowed');
    // a look-alike sub-domain is not the domain
    idp.accounts.set('g-504', { email: 'pat@evil.example.com', email_verified: true });
    expect(outcome((await ssoSignIn(idp, t, 'google', 'g-504')).res)).toBe('sso_domain_not_allowed');
    expect(await teamState(t)).toEqual(before);

    // the portal shows the reason; the agent app reads the lists back; an empty list allows any domain again
    const get = await call(ctx, t.ownerToken, 'GET', '/api/v1/portal/sso');
    expect(get.json().google).toMatchObject({ allowedDomains: ['example.com', 'xn--bcher-kva.de'], allowedTenants: [] });
    // a PUT without the list keeps it
    await call(ctx, t.ownerToken, 'PUT', '/api/v1/portal/sso/google', { issuer: idp.issuer, clientId: 'kdesk-client' });
    expect((await call(ctx, t.ownerToken, 'GET', '/api/v1/portal/sso')).json().google.allowedDomains).toHaveLength(2);
    await call(ctx, t.ownerToken, 'PUT', '/api/v1/portal/sso/google', { issuer: idp.issuer, clientId: 'kdesk-client', allowedDomains: [] });
    expect(outcome((await ssoSignIn(idp, t, 'google', 'g-502')).res)).toBe('signed-in');
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('changes')
      .where('teamId', '=', t.teamId)
      .where('action', '=', 'sso.update')
      .execute();
    expect(JSON.stringify(audit)).toContain('google.allowedDomains');
  });
});

describe('Microsoft-shaped provider', () => {
  let idp: Awaited<ReturnType<typeof startIdp>>;
  beforeAll(async () => {
    idp = await startIdp('kdesk-client', 'idp client secret', redirectUris);
  });
  afterAll(() => idp?.close());
  const tenant = '11111111-2222-3333-4444-555555555555';

  it('with requireSyncedContactForSso matches oid + tenant, and refuses another tenant', async () => {
    const t = await ssoTeam(idp, 'microsoft', 'sso-m1', { requireSyncedContactForSso: true });
    const c = await createContact(ctx, t);
    const entra = await syncConnection(t, 'microsoft');
    await ctx.db
      .updateTable('contacts')
      .set({ directorySyncId: 'oid-300', directoryOrganizationId: tenant, directoryConnectionId: entra })
      .where('id', '=', c.id)
      .execute();
    idp.accounts.set('pairwise-300', { oid: 'oid-300', tid: tenant, email: c.primaryEmail, name: 'Pat' });
    const ok = await ssoSignIn(idp, t, 'microsoft', 'pairwise-300');
    expect(outcome(ok.res)).toBe('signed-in');
    expect((await me(ctx, t.slug, portalCookie(ok.res)!)).json().id).toBe(c.id);

    idp.accounts.set('pairwise-301', { oid: 'oid-300', tid: '99999999-2222-3333-4444-555555555555', email: c.primaryEmail });
    expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-301')).res)).toBe('sso_no_access');
    idp.accounts.set('pairwise-302', { oid: 'oid-300', tid: tenant, email: c.primaryEmail, email_verified: false });
    expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-302')).res)).toBe('sso_email_unverified');
  });

  it('a contact synced from Entra ID (Graph) signs in with its oid + tid; the same email with another oid is refused', async () => {
    let check: (t: string) => Promise<boolean> = async () => false;
    const graph = await startGraphFake({ users: 30, validateToken: (t) => check(t) });
    const tokenIdp = await startEntraIdp({ tenantId: graph.tenantId, graphUrl: graph.url });
    check = (t) => tokenIdp.validate(t);
    try {
      const t = await ssoTeam(idp, 'microsoft', 'sso-m4', { requireSyncedContactForSso: true });
      const conn = await call(ctx, t.ownerToken, 'POST', '/api/v1/sync/connections', {
        name: 'Contoso Entra ID',
        source: 'microsoft',
        status: 'enabled',
        settings: {
          tenantId: graph.tenantId,
          clientId: tokenIdp.clientId,
          clientSecret: tokenIdp.clientSecret,
          graphBaseUrl: graph.url,
          authorityUrl: tokenIdp.authorityUrl,
        },
        mapping: microsoftDefaultMapping,
      });
      expect(conn.statusCode, conn.body).toBe(201);
      const started = await call(ctx, t.ownerToken, 'POST', `/api/v1/sync/connections/${conn.json().id}/run`, {});
      await createJobRunner({ db: ctx.db, handlers: jobKinds(ctx.services), log: () => {} }).runUntilIdle();
      expect((await call(ctx, t.ownerToken, 'GET', `/api/v1/sync/runs/${started.json().runId}`)).json()).toMatchObject({
        status: 'succeeded',
        counts: { created: 30 },
      });
      const synced = await ctx.db
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', t.teamId)
        .where('directorySyncId', '=', graphUserId(3))
        .executeTakeFirstOrThrow();
      expect(synced).toMatchObject({
        primaryEmail: 'user3@contoso.test',
        directoryOrganizationId: graph.tenantId,
        directoryConnectionId: conn.json().id,
      });

      // Entra's ID token: a pairwise sub, the object id and the tenant id
      idp.accounts.set('pairwise-600', { oid: graphUserId(3), tid: graph.tenantId, email: 'user3@contoso.test', name: 'Given3 Sur3' });
      const ok = await ssoSignIn(idp, t, 'microsoft', 'pairwise-600');
      expect(outcome(ok.res)).toBe('signed-in');
      expect((await me(ctx, t.slug, portalCookie(ok.res)!)).json().id).toBe(synced.id);

      // the same email (verified by the tenant) under another object id: refused, nothing touched
      const before = await teamState(t);
      idp.accounts.set('pairwise-601', {
        oid: 'aaaaaaaa-0000-4000-8000-000000000003',
        tid: graph.tenantId,
        email: 'user3@contoso.test',
        xms_edov: true,
      });
      expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-601')).res)).toBe('sso_no_access');
      // the right oid from another tenant: refused
      idp.accounts.set('pairwise-602', { oid: graphUserId(3), tid: '99999999-2222-3333-4444-555555555555', email: 'user3@contoso.test' });
      expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-602')).res)).toBe('sso_no_access');
      expect(await teamState(t)).toEqual(before);
    } finally {
      await graph.close();
      await tokenIdp.close();
    }
  });

  it('without the synced requirement refuses an email the tenant has not verified (no email_verified), accepts xms_edov', async () => {
    const t = await ssoTeam(idp, 'microsoft', 'sso-m2');
    const c = await createContact(ctx, t);
    idp.accounts.set('pairwise-400', { oid: 'oid-400', tid: tenant, email: c.primaryEmail });
    expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-400')).res)).toBe('sso_email_unverified');
    idp.accounts.set('pairwise-401', { oid: 'oid-401', tid: tenant, email: c.primaryEmail, xms_edov: true });
    expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-401')).res)).toBe('signed-in');
  });

  it('with allowed tenants signs in a listed tid, refuses another tenant or none without touching any contact', async () => {
    const t = await ssoTeam(idp, 'microsoft', 'sso-m3');
    const put = await call(ctx, t.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', {
      issuer: idp.issuer,
      clientId: 'kdesk-client',
      allowedTenants: [tenant.toUpperCase(), ' 72f988bf-86f1-41af-91ab-2d7cd011db47 '],
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ allowedTenants: [tenant, '72f988bf-86f1-41af-91ab-2d7cd011db47'], allowedDomains: [] });
    const c = await createContact(ctx, t);
    idp.accounts.set('pairwise-500', { oid: 'oid-500', tid: tenant.toUpperCase(), email: c.primaryEmail, xms_edov: true });
    expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-500')).res)).toBe('signed-in');

    const before = await teamState(t);
    idp.accounts.set('pairwise-501', {
      oid: 'oid-501',
      tid: '99999999-2222-3333-4444-555555555555',
      email: c.primaryEmail,
      xms_edov: true,
    });
    const refused = await ssoSignIn(idp, t, 'microsoft', 'pairwise-501');
    expect(outcome(refused.res)).toBe('sso_tenant_not_allowed');
    expect(portalCookie(refused.res)).toBeNull();
    idp.accounts.set('pairwise-502', { oid: 'oid-502', email: c.primaryEmail, xms_edov: true });
    expect(outcome((await ssoSignIn(idp, t, 'microsoft', 'pairwise-502')).res)).toBe('sso_tenant_not_allowed');
    expect(await teamState(t)).toEqual(before);
  });
});

describe('team SSO configuration', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
  });

  it('keeps the client secret write-only and encrypted, and never in the audit log', async () => {
    const put = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/google', {
      issuer: 'https://accounts.google.com',
      clientId: 'abc.apps.googleusercontent.com',
      clientSecret: 'GOCSPX-super-secret',
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      issuer: 'https://accounts.google.com',
      clientId: 'abc.apps.googleusercontent.com',
      clientSecretSet: true,
    });
    const get = await call(ctx, team.ownerToken, 'GET', '/api/v1/portal/sso', undefined, { host: 'help.example' });
    expect(get.json()).toMatchObject({
      google: { clientSecretSet: true },
      microsoft: null,
      redirectUris: { google: `http://help.example/portal/api/${team.slug}/sso/google/callback` },
    });
    expect(get.body).not.toContain('super-secret');
    const row = await ctx.db.selectFrom('portalSsoConfigs').selectAll().where('teamId', '=', team.teamId).executeTakeFirstOrThrow();
    expect(row.clientSecretEnc).not.toContain('super-secret');
    expect(ctx.services.keyring.decrypt(row.clientSecretEnc, `sso:${team.teamId}:google`)).toBe('GOCSPX-super-secret');
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('changes')
      .where('teamId', '=', team.teamId)
      .where('action', '=', 'sso.update')
      .execute();
    expect(JSON.stringify(audit)).not.toContain('super-secret');

    // changing the client id keeps the stored secret
    await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/google', { issuer: 'https://accounts.google.com', clientId: 'new-id' });
    const after = await ctx.db.selectFrom('portalSsoConfigs').selectAll().where('teamId', '=', team.teamId).executeTakeFirstOrThrow();
    expect(ctx.services.keyring.decrypt(after.clientSecretEnc, `sso:${team.teamId}:google`)).toBe('GOCSPX-super-secret');
  });

  it('validates the issuer and asks for a secret the first time', async () => {
    const plain = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', {
      issuer: 'http://idp.example.com',
      clientId: 'x',
      clientSecret: 'y',
    });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().details[0].path).toBe('issuer');
    const noSecret = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', {
      issuer: 'https://login.microsoftonline.com/common/v2.0',
      clientId: 'x',
    });
    expect(noSecret.json().details[0].path).toBe('clientSecret');
    expect(
      (await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/okta', { issuer: 'https://a.example', clientId: 'x' })).statusCode,
    ).toBe(400);
  });

  it('refuses a domain that is not a host name and a tenant that is not a GUID (400 with the path)', async () => {
    const base = { issuer: 'https://accounts.google.com', clientId: 'x', clientSecret: 'y' };
    const badDomain = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/google', {
      ...base,
      allowedDomains: ['example.com', 'not a domain', 'https://example.com/x', '*.example.com', 'localhost'],
    });
    expect(badDomain.statusCode).toBe(400);
    expect(badDomain.json().details.map((d: { path: string }) => d.path)).toEqual([
      'allowedDomains.1',
      'allowedDomains.2',
      'allowedDomains.3',
      'allowedDomains.4',
    ]);
    const ms = { issuer: 'https://login.microsoftonline.com/organizations/v2.0', clientId: 'x', clientSecret: 'y' };
    const badTenant = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', {
      ...ms,
      allowedTenants: ['11111111-2222-3333-4444-555555555555', 'contoso.onmicrosoft.com', '11111111-2222-3333-4444-55555555555'],
    });
    expect(badTenant.statusCode).toBe(400);
    expect(badTenant.json().details.map((d: { path: string }) => d.path)).toEqual(['allowedTenants.1', 'allowedTenants.2']);
    // each list belongs to its provider
    const crossed = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', { ...ms, allowedDomains: ['example.com'] });
    expect(crossed.statusCode).toBe(400);
    expect(crossed.json().details[0].path).toBe('allowedDomains');
    const nothingSaved = await call(ctx, team.ownerToken, 'GET', '/api/v1/portal/sso');
    expect(nothingSaved.json().microsoft).toBeNull();
  });

  it('is for owners and admins only, and per team', async () => {
    const agent = await createMember(ctx, team, { role: 'agent' });
    expect((await call(ctx, agent.token, 'GET', '/api/v1/portal/sso')).statusCode).toBe(403);
    expect(
      (await call(ctx, agent.token, 'PUT', '/api/v1/portal/sso/google', { issuer: 'https://a.example', clientId: 'x', clientSecret: 'y' }))
        .statusCode,
    ).toBe(403);
    const other = await createTeam(ctx);
    expect((await call(ctx, other.ownerToken, 'GET', '/api/v1/portal/sso')).json().google).toBeNull();
    expect((await call(ctx, other.ownerToken, 'DELETE', '/api/v1/portal/sso/google')).statusCode).toBe(404);
    expect((await call(ctx, team.ownerToken, 'DELETE', '/api/v1/portal/sso/google')).statusCode).toBe(204);
  });
});
