// Portal sign-in with Google / Microsoft: OpenID Connect authorization code flow with PKCE, state and
// nonce (openid-client v6). The state row is single use, expires in 10 minutes, and is bound to the
// browser that started the flow by a cookie whose hash it stores (no login CSRF).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { SsoConfigInput, SsoConfigs, SsoProvider } from '#shared/portal.schema.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import { hashSecret } from '../auth/secrets.ts';
import { createRateLimiter } from '../auth/rate-limit.ts';
import { canUseSso } from '../contacts/contact-policy.rules.ts';
import { rowToFields } from '../contacts/contacts.presenter.ts';
import type { Db } from '../db/client.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import type { ContactRow } from '../db/schema.ts';
import type { Keyring } from './keyring.ts';
import { createPortalRepo } from './portal.repo.ts';
import type { PortalService } from './portal.service.ts';
import {
  normaliseSsoDomains,
  normaliseSsoTenants,
  readSsoClaims,
  ssoOrganisationRefusal,
  ssoRedirectUri,
  syncedIdentityMatches,
  type SsoRefusal,
} from './portal.rules.ts';
import { guardedFetch, internalHostReason, PrivateAddressError, unguardedFetch } from './sso-fetch.ts';

const STATE_TTL_MS = 10 * 60_000;
const DISCOVERY_TTL_MS = 60 * 60_000;
const SSO_STARTS_PER_IP = 60;

export type SsoFailure = SsoRefusal | 'sso_failed' | 'sso_unavailable';

export class SsoError extends Error {
  constructor(
    readonly reason: SsoFailure,
    message: string,
  ) {
    super(message);
  }
}

const isLoopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/** https only; plain http is accepted for a provider on this machine (development, tests). */
export function checkIssuerUrl(issuer: string): string | null {
  let u: URL;
  try {
    u = new URL(issuer);
  } catch {
    return 'Not a URL';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && isLoopback(u.hostname)) return null;
  return 'The issuer must be an https:// URL';
}

export function createSsoService(deps: {
  db: Db;
  keyring: Keyring;
  portal: PortalService;
  now: () => Date;
  /** KDESK_ALLOW_PRIVATE_ISSUERS: issuers on loopback or private addresses (development, tests) */
  allowPrivateIssuers?: boolean;
}) {
  const { db, keyring, portal, now } = deps;
  const repo = createPortalRepo(db);
  const audit = createAuditWriter(db);
  const limiter = createRateLimiter(db);
  // discovery documents per team and provider (a cache: any instance can rebuild it)
  const cache = new Map<string, { at: number; config: oidc.Configuration }>();
  const secretContext = (teamId: string, provider: SsoProvider) => `sso:${teamId}:${provider}`;

  async function configuration(teamId: string, provider: SsoProvider): Promise<oidc.Configuration> {
    const row = await repo.ssoConfig(teamId, provider);
    if (!row) throw new SsoError('sso_unavailable', `${provider} sign-in is not configured for this team`);
    const key = `${teamId}:${provider}:${row.updatedAt.getTime()}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
    const secret = keyring.decrypt(row.clientSecretEnc, secretContext(teamId, provider));
    const issuer = new URL(row.issuer);
    // checked again here, not only when saved: the settings may predate the rule, and DNS answers change
    const reason = deps.allowPrivateIssuers ? null : await internalHostReason(issuer);
    if (reason) throw new PrivateAddressError(`The ${provider} issuer is refused: ${reason}`);
    const config = await oidc.discovery(issuer, row.clientId, secret, undefined, {
      ...(issuer.protocol === 'http:' && isLoopback(issuer.hostname) ? { execute: [oidc.allowInsecureRequests] } : {}),
      // every later request too (keys, tokens), whatever host the discovery document names
      [oidc.customFetch]: deps.allowPrivateIssuers ? unguardedFetch : guardedFetch,
      timeout: 10,
    });
    for (const k of cache.keys()) if (k.startsWith(`${teamId}:${provider}:`)) cache.delete(k);
    cache.set(key, { at: Date.now(), config });
    return config;
  }

  function view(r: { issuer: string; clientId: string; allowedDomains: string[]; allowedTenants: string[]; updatedAt: Date }) {
    return {
      issuer: r.issuer,
      clientId: r.clientId,
      clientSecretSet: true,
      allowedDomains: r.allowedDomains,
      allowedTenants: r.allowedTenants,
      updatedAt: r.updatedAt.toISOString(),
    };
  }

  /** The organisation lists of a PUT, normalised; each applies to one provider only (400 with the path otherwise). */
  function allowedLists(provider: SsoProvider, input: SsoConfigInput) {
    const details = [];
    if (provider === 'microsoft' && input.allowedDomains?.length) {
      details.push({ path: 'allowedDomains', message: 'Only for Google; limit Microsoft sign-in with allowedTenants' });
    }
    if (provider === 'google' && input.allowedTenants?.length) {
      details.push({ path: 'allowedTenants', message: 'Only for Microsoft; limit Google sign-in with allowedDomains' });
    }
    const domains = input.allowedDomains ? normaliseSsoDomains(input.allowedDomains) : null;
    const tenants = input.allowedTenants ? normaliseSsoTenants(input.allowedTenants) : null;
    if (domains && !domains.ok) details.push(...domains.details);
    if (tenants && !tenants.ok) details.push(...tenants.details);
    if (details.length) throw new AppError('VALIDATION', 'Invalid SSO settings', details);
    return { domains: domains?.ok ? domains.value : undefined, tenants: tenants?.ok ? tenants.value : undefined };
  }

  async function findContact(
    teamId: string,
    provider: SsoProvider,
    claims: Record<string, unknown>,
    requireSynced: boolean,
  ): Promise<ContactRow | SsoRefusal> {
    const id = readSsoClaims(claims);
    // an explicit "not verified" is refused in every mode
    if (claims.email_verified === false || claims.email_verified === 'false') return 'sso_email_unverified';
    if (requireSynced) {
      const stableId = provider === 'microsoft' ? id.oid : id.sub;
      if (!stableId) return 'sso_no_access';
      const candidates = await repo.contactsBySyncedIdentity(teamId, stableId);
      const match = candidates.filter((c) =>
        syncedIdentityMatches(provider, id, {
          syncId: c.directorySyncId,
          organizationId: c.directoryOrganizationId,
          source: c.connectionSource,
          domains: [
            (c.connectionSettings as { domain?: string | null } | null)?.domain ?? null,
            c.primaryEmail ? c.primaryEmail.slice(c.primaryEmail.lastIndexOf('@') + 1) : null,
          ],
        }),
      );
      return match.length === 1 ? match[0]! : 'sso_no_access';
    }
    // Microsoft marks an email whose domain the tenant has verified with xms_edov; an unverified
    // email claim must never link an account (nOAuth).
    const verified = id.emailVerified || (provider === 'microsoft' && (claims.xms_edov === true || claims.xms_edov === '1'));
    if (!id.email || !verified) return 'sso_email_unverified';
    const n = normalizeEmail(id.email);
    if (!n.ok) return 'sso_no_access';
    return (await repo.contactByEmail(teamId, n.email)) ?? 'sso_no_access';
  }

  return {
    /** The providers a team configured (issuer, client id and secret): only those may be switched on. */
    async configuredProviders(teamId: string): Promise<Set<SsoProvider>> {
      return new Set((await repo.ssoConfigs(teamId)).map((r) => r.provider));
    },

    async getConfigs(actor: Actor, base: string): Promise<SsoConfigs> {
      requireTeamManager(actor);
      const t = await repo.teamById(actor.teamId);
      const rows = await repo.ssoConfigs(actor.teamId);
      const of = (p: SsoProvider) => rows.find((r) => r.provider === p);
      const g = of('google');
      const m = of('microsoft');
      return {
        google: g ? view(g) : null,
        microsoft: m ? view(m) : null,
        redirectUris: { google: ssoRedirectUri(base, t!.slug, 'google'), microsoft: ssoRedirectUri(base, t!.slug, 'microsoft') },
      };
    },

    async putConfig(actor: Actor, provider: SsoProvider, input: SsoConfigInput) {
      requireTeamManager(actor);
      const problem = checkIssuerUrl(input.issuer) ?? (deps.allowPrivateIssuers ? null : await internalHostReason(new URL(input.issuer)));
      if (problem) throw new AppError('VALIDATION', 'Invalid SSO settings', [{ path: 'issuer', message: problem }]);
      const lists = allowedLists(provider, input);
      return db.transaction().execute(async (tx) => {
        const current = await repo.ssoConfig(actor.teamId, provider, tx);
        if (!current && !input.clientSecret) {
          throw new AppError('VALIDATION', 'Invalid SSO settings', [{ path: 'clientSecret', message: 'Required the first time' }]);
        }
        const clientSecretEnc = input.clientSecret
          ? keyring.encrypt(input.clientSecret, secretContext(actor.teamId, provider))
          : current!.clientSecretEnc;
        const row = await repo.upsertSsoConfig(
          {
            teamId: actor.teamId,
            provider,
            issuer: input.issuer.replace(/\/$/, ''),
            clientId: input.clientId,
            clientSecretEnc,
            // omitted = keep the stored list (a client that does not know the field never lifts a restriction)
            allowedDomains: lists.domains ?? current?.allowedDomains ?? [],
            allowedTenants: lists.tenants ?? current?.allowedTenants ?? [],
          },
          tx,
        );
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        if (current?.issuer !== row.issuer) changes[`${provider}.issuer`] = { before: current?.issuer ?? null, after: row.issuer };
        if (current?.clientId !== row.clientId)
          changes[`${provider}.clientId`] = { before: current?.clientId ?? null, after: row.clientId };
        for (const k of ['allowedDomains', 'allowedTenants'] as const) {
          const before = current?.[k] ?? [];
          if (before.join(' ') !== row[k].join(' ')) changes[`${provider}.${k}`] = { before, after: row[k] };
        }
        // the secret itself is never written to the audit log
        if (input.clientSecret) changes[`${provider}.clientSecret`] = { before: current ? '(set)' : null, after: '(changed)' };
        await audit.record({ actor, entityType: 'team', entityId: actor.teamId, action: 'sso.update', changes }, tx);
        return view(row);
      });
    },

    async deleteConfig(actor: Actor, provider: SsoProvider) {
      requireTeamManager(actor);
      const r = await repo.deleteSsoConfig(actor.teamId, provider);
      if (!r.numDeletedRows) throw new AppError('NOT_FOUND', `${provider} sign-in is not configured`);
      await audit.record({
        actor,
        entityType: 'team',
        entityId: actor.teamId,
        action: 'sso.delete',
        changes: { [provider]: { before: '(configured)', after: null } },
      });
    },

    /** The redirect to the identity provider, and the browser-binding secret to set as a cookie. */
    async start(slug: string, provider: SsoProvider, base: string, ip: string) {
      const t = await portal.team(slug);
      // each start stores a state row: bounded per address
      const limits = [{ key: `portal:sso:ip:${ip}`, max: SSO_STARTS_PER_IP, windowSeconds: 15 * 60 }];
      await limiter.take(limits, 'Too many sign-in attempts. Wait a few minutes and try again.');
      if (!t.settings.portalEnabled || !t.settings.contactSso[provider]) {
        throw new AppError('NOT_FOUND', `${provider} sign-in is not offered on this portal`);
      }
      let config: oidc.Configuration;
      try {
        config = await configuration(t.id, provider);
      } catch (err) {
        if (err instanceof SsoError) throw new AppError('NOT_FOUND', err.message);
        throw new AppError('UNAVAILABLE', `The ${provider} sign-in service could not be reached`);
      }
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const browserSecret = randomBytes(32).toString('base64url');
      await repo.insertSsoState({
        state,
        teamId: t.id,
        provider,
        nonce,
        codeVerifier,
        browserHash: hashSecret(browserSecret),
        expiresAt: new Date(now().getTime() + STATE_TTL_MS),
      });
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: ssoRedirectUri(base, t.slug, provider),
        scope: 'openid email profile',
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, browserSecret };
    },

    /** Completes the flow; throws SsoError with a reason the portal page shows. */
    async callback(
      slug: string,
      provider: SsoProvider,
      base: string,
      search: string,
      browserSecret: string | undefined,
      replacing: string | null,
      requestId: string,
    ) {
      const t = await portal.team(slug);
      const params = new URLSearchParams(search);
      const state = params.get('state');
      if (!state || !browserSecret) throw new SsoError('sso_failed', 'The sign-in did not start in this browser');
      const row = await repo.consumeSsoState({ state, teamId: t.id, provider, now: now() });
      const a = Buffer.from(hashSecret(browserSecret));
      const b = Buffer.from(row?.browserHash ?? '');
      if (!row || a.length !== b.length || !timingSafeEqual(a, b)) {
        throw new SsoError('sso_failed', 'The sign-in request is unknown, expired, used, or started in another browser');
      }
      if (!t.settings.portalEnabled || !t.settings.contactSso[provider]) throw new SsoError('sso_unavailable', 'Not offered');
      let claims: Record<string, unknown>;
      let allowed: { allowedDomains: string[]; allowedTenants: string[] };
      try {
        const config = await configuration(t.id, provider);
        const current = new URL(ssoRedirectUri(base, t.slug, provider));
        current.search = search;
        const tokens = await oidc.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: row.codeVerifier,
          expectedState: row.state,
          expectedNonce: row.nonce,
          idTokenExpected: true,
        });
        claims = (tokens.claims() ?? {}) as Record<string, unknown>;
        const stored = await repo.ssoConfig(t.id, provider);
        if (!stored) throw new Error('the set-up was removed during the sign-in');
        allowed = stored;
      } catch (err) {
        throw new SsoError('sso_failed', `The identity provider's answer was refused: ${(err as Error).message}`);
      }
      // before any contact is looked at: nothing is read or written for an organisation not allowed
      const orgRefusal = ssoOrganisationRefusal(provider, readSsoClaims(claims), allowed);
      if (orgRefusal) {
        throw new SsoError(
          orgRefusal,
          provider === 'google'
            ? 'The Google account is not from an allowed domain'
            : 'The Microsoft account is not from an allowed tenant',
        );
      }
      const found = await findContact(t.id, provider, claims, t.settings.requireSyncedContactForSso);
      if (typeof found === 'string') throw new SsoError(found, 'No contact may sign in with this identity');
      if (!canUseSso(t.settings, provider, rowToFields(found))) throw new SsoError('sso_no_access', 'This contact may not sign in');
      const created = await portal.createSession(t, found.id, `sso:${provider}`, replacing, requestId);
      if (!created) throw new SsoError('sso_no_access', 'This contact may not sign in');
      return { token: created.token, expiresAt: created.session.expiresAt };
    },
  };
}
export type SsoService = ReturnType<typeof createSsoService>;
