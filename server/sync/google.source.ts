// Google Workspace through the Admin SDK Directory API: a service account with domain-wide delegation
// (its JSON key is a write-only secret; the JWT is signed here with node:crypto, RS256, and exchanged at
// the token endpoint for a token acting as the admin); users.list with paging (customer or domain,
// `query` and `orgUnitPath` for a Pattern scope, projection=full so custom schemas are mappable); List
// scope from members.list of the groups, nested groups expanded, read once per run. Google has no delta:
// every run reads everyone and the engine writes only what changed. `suspended` (or archived) syncs as
// inactive; the user id is the sync id (the `sub` of Google sign-in) and the customer id the organization.
// Rate limits (429, 403 userRateLimitExceeded / quotaExceeded) are retried with exponential backoff.
import { createSign } from 'node:crypto';
import type { GoogleSettings, SyncScope, SyncTestResult } from '#shared/sync.ts';
import { cloudRequest, errorText, type CloudResponse, cloudOptions, type CloudSourceTuning } from './cloud-http.ts';
import { DirectoryError, type DirectoryEntry, type DirectoryReadOptions, type DirectorySource, type DirectoryStart } from './source.ts';

export type GoogleConnectionSettings = Omit<GoogleSettings, 'serviceAccountKey'> & { serviceAccountKey: string | null };

export const GOOGLE_DIRECTORY_DEFAULT = 'https://admin.googleapis.com';
export const GOOGLE_TOKEN_DEFAULT = 'https://oauth2.googleapis.com/token';
export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
];
const SERVICE = 'the Google Admin SDK';

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

/** The service account key file, checked: what is wrong with it in plain words. */
export function parseServiceAccountKey(text: string | null): { ok: true; key: ServiceAccountKey } | { ok: false; message: string } {
  if (!text?.trim()) return { ok: false, message: 'No service account key: paste the JSON key file of the service account.' };
  let k: Record<string, unknown>;
  try {
    k = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { ok: false, message: 'The service account key is not JSON: paste the whole key file Google downloaded.' };
  }
  if (k?.type !== undefined && k.type !== 'service_account')
    return { ok: false, message: `The key file is a "${String(k.type)}" key, not a service account key.` };
  if (typeof k.client_email !== 'string' || typeof k.private_key !== 'string' || !k.private_key.includes('PRIVATE KEY')) {
    return { ok: false, message: 'The key file lacks client_email or private_key: download a new JSON key of the service account.' };
  }
  return { ok: true, key: k as unknown as ServiceAccountKey };
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** The signed JWT of the service account acting for `subject` (RFC 7523 assertion). */
export function signServiceAccountJwt(
  key: ServiceAccountKey,
  o: { subject: string; audience: string; scopes: string[]; now?: number },
): string {
  const iat = Math.floor((o.now ?? Date.now()) / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
  const claims = { iss: key.client_email, sub: o.subject, scope: o.scopes.join(' '), aud: o.audience, iat, exp: iat + 3600 };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.private_key);
  return `${input}.${b64url(signature)}`;
}

/** The value of a Google user field for the mapping: nested objects as dotted lower-case paths. */
export function googleUserToEntry(u: Record<string, unknown>): DirectoryEntry {
  const attributes: Record<string, string[]> = {};
  const put = (k: string, v: unknown) => {
    if (v === null || v === undefined || v === '') return;
    if (typeof v === 'object') return;
    const key = k.toLowerCase();
    (attributes[key] ??= []).push(String(v));
  };
  for (const [k, v] of Object.entries(u)) {
    if (v === null || v === undefined) continue;
    if (k === 'name' && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) put(`name.${k2}`, v2);
      put('givenName', (v as Record<string, unknown>).givenName);
      put('familyName', (v as Record<string, unknown>).familyName);
    } else if (k === 'organizations' || k === 'addresses') {
      // the primary one (else the work one, else the first)
      const list = Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
      const one = list.find((x) => x.primary) ?? list.find((x) => x.type === 'work') ?? list[0];
      if (one) for (const [k2, v2] of Object.entries(one)) if (k2 !== 'primary') put(`${k}.${k2}`, v2);
    } else if (k === 'phones' || k === 'emails' || k === 'externalIds' || k === 'relations' || k === 'ims' || k === 'locations') {
      // by type: phones.work, phones.mobile, externalIds.organization, relations.manager
      for (const x of Array.isArray(v) ? (v as Record<string, unknown>[]) : []) {
        const type = String(x.type === 'custom' ? (x.customType ?? 'custom') : (x.type ?? 'other'));
        const value = k === 'emails' ? x.address : x.value;
        if (k === 'relations' && type === 'manager' && typeof value === 'string') {
          // the manager is named by email: a reference the engine resolves like a DN
          put('relations.manager', `mail=${value}`);
        } else put(`${k}.${type}`, value);
      }
    } else if (k === 'customSchemas' && typeof v === 'object') {
      for (const [schema, fields] of Object.entries(v as Record<string, Record<string, unknown>>)) {
        for (const [field, val] of Object.entries(fields ?? {})) {
          if (Array.isArray(val)) for (const x of val) put(`customSchemas.${schema}.${field}`, (x as { value?: unknown })?.value ?? x);
          else put(`customSchemas.${schema}.${field}`, val);
        }
      }
    } else put(k, v);
  }
  const id = typeof u.id === 'string' ? u.id : '';
  const email = typeof u.primaryEmail === 'string' ? u.primaryEmail : id;
  return {
    syncId: id,
    // a DN-like name, so that managers named by email resolve (relations.manager)
    dn: `mail=${email}`,
    attributes,
    disabled: u.suspended === true || u.archived === true,
    changeMarker: null,
    organizationId: typeof u.customerId === 'string' ? u.customerId : null,
    ...(id ? {} : { error: 'The user has no id' }),
  };
}

export interface GoogleSourceOptions extends CloudSourceTuning {
  settings: GoogleConnectionSettings;
  scope: SyncScope;
}

/** The users.list query of a Pattern scope: the query and the organizational unit. */
export function googleQuery(scope: SyncScope): string | null {
  if (scope.mode !== 'pattern') return null;
  const parts: string[] = [];
  if (scope.pattern?.query) parts.push(scope.pattern.query);
  if (scope.pattern?.orgUnitPath) parts.push(`orgUnitPath='${scope.pattern.orgUnitPath.replace(/'/g, "\\'")}'`);
  return parts.join(' ') || null;
}

export function createGoogleSource(o: GoogleSourceOptions): DirectorySource {
  const s = o.settings;
  const base = (s.directoryBaseUrl ?? GOOGLE_DIRECTORY_DEFAULT).replace(/\/+$/, '');
  const timeoutMs = s.timeoutSeconds * 1000;
  let token: { value: string; expires: number } | null = null;
  let members: Set<string> | null = null;
  let signal: AbortSignal | undefined;

  const http = (url: string, init: RequestInit = {}) => cloudRequest(url, init, cloudOptions(o, timeoutMs, signal, SERVICE));

  async function getToken(): Promise<string> {
    if (token && token.expires > Date.now() + 60_000) return token.value;
    const parsed = parseServiceAccountKey(s.serviceAccountKey);
    if (!parsed.ok) throw new DirectoryError({ code: 'bind', message: parsed.message, field: 'settings.serviceAccountKey' });
    const audience = s.tokenUrl ?? parsed.key.token_uri ?? GOOGLE_TOKEN_DEFAULT;
    let assertion: string;
    try {
      assertion = signServiceAccountJwt(parsed.key, { subject: s.adminEmail, audience, scopes: GOOGLE_SCOPES });
    } catch {
      throw new DirectoryError({
        code: 'bind',
        message: 'The private key of the key file cannot sign: download a new JSON key.',
        field: 'settings.serviceAccountKey',
      });
    }
    const r = await cloudRequest(
      audience,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      },
      cloudOptions(o, timeoutMs, signal, 'the Google token service'),
    );
    const b = r.body as { access_token?: string; expires_in?: number; error?: string; error_description?: string } | null;
    if (r.status !== 200 || !b?.access_token) {
      const why =
        b?.error === 'unauthorized_client'
          ? `the service account ${parsed.key.client_email} has no domain-wide delegation for the Directory API scopes (add its client id and the scopes ${GOOGLE_SCOPES.join(', ')} in the Admin console)`
          : b?.error === 'invalid_grant'
            ? `${b.error_description ?? 'invalid grant'} (is ${s.adminEmail} an admin of the Workspace, and the key still valid?)`
            : errorText(r);
      throw new DirectoryError({
        code: 'bind',
        message: `Google refused the service account's sign-in: ${why}.`,
        field:
          b?.error === 'invalid_grant' && /subject|user/i.test(b.error_description ?? '')
            ? 'settings.adminEmail'
            : 'settings.serviceAccountKey',
      });
    }
    token = { value: b.access_token, expires: Date.now() + (b.expires_in ?? 3600) * 1000 };
    return token.value;
  }

  async function api(url: string): Promise<CloudResponse> {
    for (let renewed = false; ; renewed = true) {
      const r = await http(url, { headers: { authorization: `Bearer ${await getToken()}`, accept: 'application/json' } });
      if (r.status === 401 && !renewed) {
        token = null;
        continue;
      }
      return r;
    }
  }

  function fail(r: CloudResponse, what: string, field: string | null = null, code: 'filter' | 'group' | 'other' = 'other'): never {
    if (r.status === 401 || r.status === 403) {
      throw new DirectoryError({
        code: 'permission',
        message: `Google refused to ${what}: ${errorText(r)}. The admin ${s.adminEmail} must be allowed to read users and groups, and the service account's delegation must include the read-only Directory scopes.`,
        field: null,
      });
    }
    throw new DirectoryError({ code, message: `Google could not ${what}: ${errorText(r)}`, field });
  }

  /** The user ids of the groups, nested groups expanded (each group read once). */
  async function readMembers(groups: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const seen = new Set<string>();
    const queue = [...groups];
    while (queue.length) {
      const g = queue.shift()!;
      if (seen.has(g.toLowerCase())) continue;
      seen.add(g.toLowerCase());
      let pageToken: string | null = null;
      do {
        const q = new URLSearchParams({ maxResults: '200' });
        if (pageToken) q.set('pageToken', pageToken);
        const r = await api(`${base}/admin/directory/v1/groups/${encodeURIComponent(g)}/members?${q}`);
        if (r.status === 404 || r.status === 400) {
          throw new DirectoryError({
            code: 'group',
            message: `No group ${g} in this Workspace (give the group's email address).`,
            field: 'scope.groups',
          });
        }
        if (r.status !== 200) fail(r, `read the members of the group ${g}`, 'scope.groups', 'group');
        const b = r.body as { members?: { type?: string; id?: string; email?: string; status?: string }[]; nextPageToken?: string };
        for (const m of b.members ?? []) {
          if (m.type === 'GROUP') queue.push(m.email ?? m.id ?? '');
          else if (m.type === 'USER' && m.id) out.add(m.id);
        }
        pageToken = b.nextPageToken ?? null;
      } while (pageToken);
    }
    return out;
  }

  async function start(): Promise<DirectoryStart> {
    await getToken();
    if (o.scope.mode === 'list') members = await readMembers(o.scope.groups ?? []);
    return { watermarkAtStart: null, invocationId: null, directory: null };
  }

  async function* pages(r: DirectoryReadOptions = {}): AsyncGenerator<DirectoryEntry[]> {
    signal = r.signal;
    if (!token) await start();
    const query = googleQuery(o.scope);
    let pageToken: string | null = null;
    let count = 0;
    do {
      const q = new URLSearchParams({
        maxResults: String(Math.min(s.pageSize, r.limit ?? s.pageSize)),
        projection: 'full',
        orderBy: 'email',
      });
      if (s.domain) q.set('domain', s.domain);
      else q.set('customer', s.customer);
      if (query) q.set('query', query);
      if (pageToken) q.set('pageToken', pageToken);
      const res = await api(`${base}/admin/directory/v1/users?${q}`);
      if (res.status === 400 && query) {
        throw new DirectoryError({
          code: 'filter',
          message: `Google refused the query: ${errorText(res)}`,
          field: o.scope.pattern?.query ? 'scope.pattern.query' : 'scope.pattern.orgUnitPath',
        });
      }
      if (res.status === 404 || (res.status === 400 && !query)) {
        throw new DirectoryError({
          code: 'base_dn',
          message: `Google does not know the ${s.domain ? `domain ${s.domain}` : `customer ${s.customer}`}: ${errorText(res)}`,
          field: s.domain ? 'settings.domain' : 'settings.customer',
        });
      }
      if (res.status !== 200) fail(res, 'list the users');
      const b = res.body as { users?: Record<string, unknown>[]; nextPageToken?: string };
      const page: DirectoryEntry[] = [];
      for (const u of b.users ?? []) {
        const e = googleUserToEntry(u);
        if (members && !members.has(e.syncId)) continue;
        page.push(e);
        if (r.limit !== undefined && ++count >= r.limit) break;
      }
      if (page.length) yield page;
      if (r.limit !== undefined && count >= r.limit) return;
      pageToken = b.nextPageToken ?? null;
    } while (pageToken);
  }

  return {
    start,
    pages,
    async *entries(r: DirectoryReadOptions = {}) {
      for await (const page of pages(r)) yield* page;
    },
    readEveryone: () => true,
    // no delta in the Directory API: every run reads everyone
    nextWatermark: () => null,
    async close() {
      token = null;
    },
  };
}

/** Test connection: sign in with the key, read the groups of a List scope, the query, and count people. */
export async function testGoogleConnection(
  s: GoogleConnectionSettings,
  scope: SyncScope,
  countLimit = 1000,
  net: { allowPrivateAddresses?: boolean } = {},
): Promise<SyncTestResult> {
  const steps: SyncTestResult['steps'] = [];
  const source = createGoogleSource({ settings: s, scope, maxRetries: 2, ...net });
  let usersFound = 0;
  let more = false;
  try {
    await source.start();
    steps.push({ step: 'connect', ok: true, message: 'Google answered' });
    steps.push({ step: 'bind', ok: true, message: `Signed in with the service account, acting for ${s.adminEmail}` });
    if (scope.mode === 'list')
      steps.push({ step: 'scope', ok: true, message: `Read the members of ${scope.groups?.length ?? 0} group(s)` });
    for await (const page of source.pages({ limit: countLimit + 1 })) {
      usersFound += page.length;
      if (usersFound > countLimit) {
        usersFound = countLimit;
        more = true;
        break;
      }
    }
    if (scope.mode === 'pattern') steps.push({ step: 'filter', ok: true, message: 'Google accepted the query' });
    if (!usersFound) {
      const problem = {
        code: 'no_users' as const,
        message: 'Signed in, but no users are in the scope.',
        field: scope.mode === 'all' ? null : 'scope',
      };
      steps.push({ step: 'users', ok: false, message: problem.message });
      return { ok: false, problem, steps, directory: null, usersFound: 0, countIsLowerBound: false };
    }
    steps.push({ step: 'users', ok: true, message: `${more ? 'More than ' : ''}${usersFound} user(s) in scope` });
    return { ok: true, problem: null, steps, directory: null, usersFound, countIsLowerBound: more };
  } catch (err) {
    if (!(err instanceof DirectoryError)) throw err;
    const c = err.problem.code;
    const step =
      c === 'bind'
        ? 'bind'
        : c === 'group'
          ? 'scope'
          : c === 'filter'
            ? 'filter'
            : c === 'unreachable' || c === 'timeout'
              ? 'connect'
              : 'users';
    steps.push({ step, ok: false, message: err.problem.message });
    return { ok: false, problem: err.problem, steps, directory: null, usersFound: 0, countIsLowerBound: false };
  } finally {
    await source.close();
  }
}
