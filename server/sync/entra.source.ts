// Microsoft Entra ID through Microsoft Graph: an app-only token (client credentials) from the tenant's
// token endpoint; everyone in scope from /users ($select, $expand=manager, $filter for a Pattern scope,
// @odata.nextLink paging); List scope from /groups/{id}/transitiveMembers (nested groups included,
// read once per run); incremental runs from the /users/delta link kept per connection: the people it
// names are read again in full (a delta answer carries only what changed), `@removed` ones are
// deactivated, and an expired delta link (410) falls back to reading everyone. `accountEnabled: false`
// syncs as inactive; the object id is the sync id and the tenant id the organization id.
import type { MicrosoftSettings, SyncScope, SyncTestResult } from '#shared/sync.ts';
import { cloudRequest, errorText, type CloudResponse, cloudOptions, type CloudSourceTuning } from './cloud-http.ts';
import {
  DirectoryError,
  type DirectoryEntry,
  type DirectoryReadOptions,
  type DirectorySource,
  type DirectoryStart,
  type Watermark,
} from './source.ts';

export type MicrosoftConnectionSettings = Omit<MicrosoftSettings, 'clientSecret'> & { clientSecret: string | null };

export const GRAPH_DEFAULT = 'https://graph.microsoft.com';
export const AUTHORITY_DEFAULT = 'https://login.microsoftonline.com';
const SERVICE = 'Microsoft Graph';
/** Ids per `id in (...)` lookup of changed people (Graph allows 15 values in an `in` filter). */
const IDS_PER_LOOKUP = 15;
const LOOKUPS_IN_FLIGHT = 4;

/** Properties every read asks for, whatever the mapping. */
const BASE_SELECT = ['id', 'accountEnabled', 'userPrincipalName', 'displayName', 'mail'];
/** Graph user properties that are not $select-able this way (navigation properties, computed attributes). */
const NOT_SELECTED = new Set(['manager', 'tenantid']);

export interface EntraSourceOptions extends CloudSourceTuning {
  settings: MicrosoftConnectionSettings;
  scope: SyncScope;
  /** The directory attributes the mapping reads (Graph property names). */
  attributes: string[];
}

const graphBase = (s: Pick<MicrosoftSettings, 'graphBaseUrl'>) => (s.graphBaseUrl ?? GRAPH_DEFAULT).replace(/\/+$/, '');
const authority = (s: Pick<MicrosoftSettings, 'authorityUrl'>) => (s.authorityUrl ?? AUTHORITY_DEFAULT).replace(/\/+$/, '');
export const entraTokenUrl = (s: Pick<MicrosoftSettings, 'authorityUrl' | 'tenantId'>) =>
  `${authority(s)}/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Graph user as a directory entry: attribute names lower-cased, arrays as values, the manager as its id. */
export function graphUserToEntry(u: Record<string, unknown>, tenantId: string | null): DirectoryEntry {
  const attributes: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(u)) {
    if (k.startsWith('@') || v === null || v === undefined) continue;
    const key = k.toLowerCase();
    if (key === 'manager') {
      const id = (v as { id?: string }).id;
      if (id) attributes.manager = [id];
    } else if (Array.isArray(v)) {
      const vals = v.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').map(String);
      if (vals.length) attributes[key] = vals;
    } else if (typeof v === 'object') {
      // e.g. onPremisesExtensionAttributes.extensionAttribute1, employeeOrgData.costCenter
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        if (v2 !== null && v2 !== undefined && typeof v2 !== 'object') attributes[`${key}.${k2.toLowerCase()}`] = [String(v2)];
      }
    } else attributes[key] = [String(v)];
  }
  if (tenantId) attributes.tenantid = [tenantId];
  const id = typeof u.id === 'string' ? u.id : '';
  return {
    syncId: id,
    dn: String(u.userPrincipalName ?? u.mail ?? id),
    attributes,
    disabled: u.accountEnabled === false,
    changeMarker: null,
    organizationId: tenantId,
    ...(id ? {} : { error: 'The user has no id' }),
  };
}

/** The $select of a read: the base properties and the mapped ones Graph can select. */
export function graphSelect(attributes: string[]): string[] {
  const out = new Map<string, string>();
  for (const a of [...BASE_SELECT, ...attributes]) {
    const top = a.split('.')[0]!;
    if (NOT_SELECTED.has(top.toLowerCase()) || a.includes(';')) continue;
    if (!out.has(top.toLowerCase())) out.set(top.toLowerCase(), top);
  }
  return [...out.values()];
}

export function createEntraSource(o: EntraSourceOptions): DirectorySource & { tenantId(): string | null } {
  const s = o.settings;
  const base = graphBase(s);
  const timeoutMs = s.timeoutSeconds * 1000;
  const select = graphSelect(o.attributes).join(',');
  const wantsManager = o.attributes.some((a) => a.toLowerCase() === 'manager');
  const expand = wantsManager ? '&$expand=manager($select=id)' : '';
  const deltaSupported = s.incremental === 'delta' && o.scope.mode !== 'pattern';
  let token: { value: string; expires: number } | null = null;
  let tenant: string | null = null;
  let members: Set<string> | null = null;
  let lastReadFull = true;
  let completed = false;
  let nextLink: string | null = null;
  let signal: AbortSignal | undefined;

  const http = (url: string, init: RequestInit = {}) => cloudRequest(url, init, cloudOptions(o, timeoutMs, signal, SERVICE));

  async function getToken(): Promise<string> {
    if (token && token.expires > Date.now() + 60_000) return token.value;
    if (!s.clientSecret) {
      throw new DirectoryError({
        code: 'bind',
        message: 'No client secret: enter a client secret of the app registration.',
        field: 'settings.clientSecret',
      });
    }
    const url = entraTokenUrl(s);
    const r = await cloudRequest(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: s.clientId,
          client_secret: s.clientSecret,
          scope: `${base}/.default`,
        }).toString(),
      },
      cloudOptions(o, timeoutMs, signal, 'the Microsoft sign-in service'),
    );
    const b = r.body as { access_token?: string; expires_in?: number; error?: string } | null;
    if (r.status !== 200 || !b?.access_token) {
      const code = typeof b?.error === 'string' ? b.error : '';
      const field =
        code === 'invalid_client' || code === 'unauthorized_client'
          ? 'settings.clientSecret'
          : r.status === 404 || code === 'invalid_request'
            ? 'settings.tenantId'
            : null;
      const hint =
        code === 'invalid_client'
          ? 'the application (client) id or the client secret is wrong, or the secret expired'
          : r.status === 404
            ? `no tenant "${s.tenantId}" answers at ${authority(s)}`
            : errorText(r);
      throw new DirectoryError({ code: 'bind', message: `Microsoft refused the app's sign-in: ${hint}.`, field });
    }
    token = { value: b.access_token, expires: Date.now() + (b.expires_in ?? 3600) * 1000 };
    return token.value;
  }

  /** A Graph GET with the token (renewed once on 401); an error answer becomes a DirectoryError. */
  async function graph(
    url: string,
    what: { field?: string | null; code?: 'filter' | 'group' | 'other'; headers?: Record<string, string> } = {},
  ) {
    for (let renewed = false; ; renewed = true) {
      const r = await http(url, { headers: { authorization: `Bearer ${await getToken()}`, accept: 'application/json', ...what.headers } });
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
        message: `Microsoft Graph refused to ${what}: ${errorText(r)}. Give the app registration the application permissions User.Read.All (and GroupMember.Read.All for a list of groups) with admin consent.`,
        field: null,
      });
    }
    throw new DirectoryError({ code, message: `Microsoft Graph could not ${what}: ${errorText(r)}`, field });
  }

  const users = (r: CloudResponse) => ((r.body as { value?: Record<string, unknown>[] } | null)?.value ?? []) as Record<string, unknown>[];
  const linkOf = (r: CloudResponse, k: '@odata.nextLink' | '@odata.deltaLink') =>
    ((r.body as Record<string, unknown> | null)?.[k] as string | undefined) ?? null;

  async function readTenant(): Promise<string | null> {
    const r = await graph(`${base}/v1.0/organization?$select=id`);
    if (r.status === 200) {
      const id = users(r)[0]?.id;
      if (typeof id === 'string') return id;
    } else if (r.status !== 403) fail(r, 'read the organization');
    return GUID.test(s.tenantId) ? s.tenantId.toLowerCase() : null;
  }

  /** The user ids of the groups (nested groups included): one paged read of each group's transitive members. */
  async function readMembers(groups: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const g of groups) {
      let url: string | null = `${base}/v1.0/groups/${encodeURIComponent(g)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`;
      while (url) {
        const r = await graph(url);
        if (r.status === 404 || r.status === 400) {
          throw new DirectoryError({
            code: 'group',
            message: `No group with the id ${g} in this tenant (give the group's object id).`,
            field: 'scope.groups',
          });
        }
        if (r.status !== 200) fail(r, `read the members of the group ${g}`, 'scope.groups', 'group');
        for (const u of users(r)) if (typeof u.id === 'string') out.add(u.id);
        url = linkOf(r, '@odata.nextLink');
      }
    }
    return out;
  }

  const inScope = (id: string) => !members || members.has(id);

  async function* readAll(limit: number | undefined): AsyncGenerator<DirectoryEntry[]> {
    const filter = o.scope.mode === 'pattern' && o.scope.pattern?.filter ? `&$filter=${encodeURIComponent(o.scope.pattern.filter)}` : '';
    // advanced filters (endsWith, ne, not...) need the eventual consistency level and $count
    const advanced = filter ? { ConsistencyLevel: 'eventual' } : undefined;
    let url: string | null =
      `${base}/v1.0/users?$select=${select}${expand}&$top=${Math.min(limit ?? s.pageSize, s.pageSize)}${filter}${filter ? '&$count=true' : ''}`;
    let count = 0;
    while (url) {
      const r = await graph(url, { headers: advanced });
      if (r.status === 400 && filter) {
        throw new DirectoryError({
          code: 'filter',
          message: `Microsoft Graph refused the filter: ${errorText(r)}`,
          field: 'scope.pattern.filter',
        });
      }
      if (r.status !== 200) fail(r, 'list the users');
      const page: DirectoryEntry[] = [];
      for (const u of users(r)) {
        const e = graphUserToEntry(u, tenant);
        if (!inScope(e.syncId)) continue;
        page.push(e);
        if (limit !== undefined && ++count >= limit) break;
      }
      if (page.length) yield page;
      if (limit !== undefined && count >= limit) return;
      url = linkOf(r, '@odata.nextLink');
    }
  }

  /** The people of a delta answer: changed ones read again in full (lookups by id), removed ones marked. */
  async function* readDelta(deltaLink: string): AsyncGenerator<DirectoryEntry[], 'expired' | 'done'> {
    let url: string | null = deltaLink;
    while (url) {
      const r = await graph(url);
      if (r.status === 410 || (r.status === 400 && /sync ?state|resync|token/i.test(errorText(r)))) return 'expired';
      if (r.status !== 200) fail(r, 'read the changes since the last run');
      const removed: DirectoryEntry[] = [];
      const changed: string[] = [];
      for (const u of users(r)) {
        const id = typeof u.id === 'string' ? u.id : null;
        if (!id) continue;
        if (u['@removed'] !== undefined) {
          removed.push({ syncId: id, dn: id, attributes: {}, disabled: true, changeMarker: null, organizationId: tenant, removed: true });
        } else if (inScope(id)) changed.push(id);
      }
      const page = [...removed, ...(await lookup([...new Set(changed)]))];
      if (page.length) yield page;
      nextLink = linkOf(r, '@odata.deltaLink');
      url = linkOf(r, '@odata.nextLink');
    }
    return 'done';
  }

  /** Users by id, IDS_PER_LOOKUP per request, a few requests at a time; ids that are gone are left out. */
  async function lookup(ids: string[]): Promise<DirectoryEntry[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_LOOKUP) chunks.push(ids.slice(i, i + IDS_PER_LOOKUP));
    const out: DirectoryEntry[][] = new Array(chunks.length);
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const i = next++;
        const f = `id in (${chunks[i]!.map((id) => `'${id.replace(/'/g, "''")}'`).join(',')})`;
        const r = await graph(`${base}/v1.0/users?$select=${select}${expand}&$filter=${encodeURIComponent(f)}&$top=${IDS_PER_LOOKUP}`);
        if (r.status !== 200) fail(r, 'read the changed users');
        out[i] = users(r).map((u) => graphUserToEntry(u, tenant));
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, chunks.length) }, worker));
    return out.flat();
  }

  /** The delta link of "now", without reading everyone (`$deltatoken=latest`): changes from here on. */
  async function latestDeltaLink(): Promise<string | null> {
    const r = await graph(`${base}/v1.0/users/delta?$select=${select}${wantsManager ? ',manager' : ''}&$deltatoken=latest`);
    if (r.status !== 200) return null;
    return linkOf(r, '@odata.deltaLink');
  }

  async function start(): Promise<DirectoryStart> {
    await getToken();
    tenant = await readTenant();
    if (o.scope.mode === 'list') members = await readMembers(o.scope.groups ?? []);
    return { watermarkAtStart: null, invocationId: null, directory: null };
  }

  async function* pages(r: DirectoryReadOptions = {}): AsyncGenerator<DirectoryEntry[]> {
    signal = r.signal;
    completed = false;
    nextLink = null;
    if (!token) await start();
    const since = r.since && r.since.kind === 'delta' && deltaSupported ? r.since : null;
    if (since) {
      const gen = readDelta(since.deltaLink);
      let step = await gen.next();
      while (!step.done) {
        yield step.value;
        step = await gen.next();
      }
      if (step.value === 'done') {
        lastReadFull = false;
        completed = true;
        return;
      }
      // the delta link expired (410): everyone is read, and a new link taken
    }
    lastReadFull = true;
    // taken before the read: what changes while it runs is read again by the next delta (idempotent)
    const link = deltaSupported && r.limit === undefined ? await latestDeltaLink() : null;
    yield* readAll(r.limit);
    nextLink = link;
    completed = true;
  }

  return {
    start,
    pages,
    async *entries(r: DirectoryReadOptions = {}) {
      for await (const page of pages(r)) yield* page;
    },
    readEveryone: () => lastReadFull,
    nextWatermark(): Watermark | null {
      return completed && nextLink ? { kind: 'delta', deltaLink: nextLink } : null;
    },
    tenantId: () => tenant,
    async close() {
      token = null;
    },
  };
}

/** Test connection: sign in, read the organization, the groups of a List scope, the filter, and count people. */
export async function testEntraConnection(
  s: MicrosoftConnectionSettings,
  scope: SyncScope,
  attributes: string[],
  countLimit = 1000,
  net: { allowPrivateAddresses?: boolean } = {},
): Promise<SyncTestResult> {
  const steps: SyncTestResult['steps'] = [];
  const source = createEntraSource({ settings: s, scope, attributes, maxRetries: 2, ...net });
  let usersFound = 0;
  let more = false;
  try {
    try {
      await source.start();
    } catch (err) {
      if (err instanceof DirectoryError && err.problem.code === 'bind')
        steps.push({ step: 'connect', ok: true, message: `${authority(s)} answered` });
      throw err;
    }
    steps.push({ step: 'connect', ok: true, message: `${authority(s)} and ${graphBase(s)} answered` });
    steps.push({ step: 'bind', ok: true, message: `Signed in as the app ${s.clientId} in the tenant ${source.tenantId() ?? s.tenantId}` });
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
    if (scope.mode === 'pattern') steps.push({ step: 'filter', ok: true, message: 'Microsoft Graph accepted the filter' });
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
    const step =
      err.problem.code === 'bind'
        ? 'bind'
        : err.problem.code === 'group'
          ? 'scope'
          : err.problem.code === 'filter'
            ? 'filter'
            : err.problem.code === 'unreachable' || err.problem.code === 'timeout'
              ? 'connect'
              : 'users';
    steps.push({ step, ok: false, message: err.problem.message });
    return { ok: false, problem: err.problem, steps, directory: null, usersFound: 0, countIsLowerBound: false };
  } finally {
    await source.close();
  }
}
