// A loopback Microsoft Graph for the Entra ID source's tests and bench (never part of the product): the
// documented response shapes of /v1.0/users ($select, $top, $filter, $expand=manager, @odata.nextLink),
// /v1.0/users/delta (@odata.nextLink / @odata.deltaLink, `@removed`, $deltatoken=latest, 410 on an
// expired token), /v1.0/groups/{id}/transitiveMembers, /v1.0/organization, 429 / 503 with Retry-After,
// and Graph's error bodies. N users are generated deterministically (user i is computed, not stored), so
// 100,000 users cost no memory; changes are kept as overrides and a change log the delta replays.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type GraphUser = Record<string, unknown> & { id: string };

export const FAKE_TENANT = '6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
export const graphUserId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const indexOf = (id: string) => (/^00000000-0000-4000-8000-[0-9a-f]{12}$/.test(id) ? parseInt(id.slice(24), 16) : -1);

/** User i as Graph describes it (every 50th disabled; i reports to (i-1)/10, so 0 is the top). */
export function generatedUser(i: number, domain = 'contoso.test'): GraphUser {
  return {
    id: graphUserId(i),
    accountEnabled: i % 50 !== 7,
    userPrincipalName: `user${i}@${domain}`,
    displayName: `Given${i} Sur${i}`,
    givenName: `Given${i}`,
    surname: `Sur${i}`,
    mail: `user${i}@${domain}`,
    jobTitle: i % 10 === 0 ? 'Manager' : 'Engineer',
    department: `Dept ${i % 20}`,
    companyName: 'Contoso',
    businessPhones: [`+1 555 ${String(i).padStart(7, '0')}`],
    mobilePhone: i % 3 === 0 ? null : `+1 666 ${String(i).padStart(7, '0')}`,
    streetAddress: `${i} Main Street`,
    city: ['Seattle', 'Redmond', 'Dublin'][i % 3],
    state: null,
    postalCode: String(98000 + (i % 100)),
    country: 'US',
    employeeId: `E${i}`,
    _manager: i > 0 ? graphUserId(Math.floor((i - 1) / 10)) : null,
  };
}

interface Change {
  version: number;
  id: string;
  removed: boolean;
}

export interface GraphFakeOptions {
  users: number;
  tenantId?: string;
  domain?: string;
  /** Checks the bearer token (e.g. with the oidc-provider that issued it); default: any non-empty token. */
  validateToken?: (token: string) => Promise<boolean> | boolean;
  /** Largest $top served (Graph: 999). */
  maxPageSize?: number;
}

export interface GraphFake {
  url: string;
  tenantId: string;
  /** Requests served, as "METHOD path?query" (for assertions on $select, $filter, paging). */
  requests: string[];
  /** The next n requests answer 429 with Retry-After (seconds), then normally. */
  throttle(n: number, retryAfterSeconds?: number): void;
  /** The next n requests answer 503 with Retry-After. */
  unavailable(n: number, retryAfterSeconds?: number): void;
  /** Drops the throttling / unavailable answers still queued. */
  clearFaults(): void;
  /** Changes user i (a patch of Graph properties; `manager: id|null`). */
  update(i: number, patch: Record<string, unknown>): void;
  /** Adds a user (index >= users) and returns its id. */
  add(i: number, patch?: Record<string, unknown>): string;
  /** Deletes user i (delta answers `@removed`). */
  remove(i: number): void;
  /** Delta tokens issued so far answer 410 Gone. */
  expireDeltaTokens(): void;
  /** A group with these user indexes and nested group ids. */
  group(id: string, userIndexes: number[], nestedGroups?: string[]): void;
  user(i: number): GraphUser | null;
  close(): Promise<void>;
}

/** Graph's error body. */
const graphError = (code: string, message: string) => ({
  error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': 'fake', 'client-request-id': 'fake' } },
});

/** A tiny $filter: `a eq 'x'`, `a eq true`, `startswith(a,'x')`, `id in ('a','b')`, joined by `and`. */
function compileFilter(f: string): ((u: GraphUser) => boolean) | null {
  const parts = f.split(/\s+and\s+/i);
  const tests: ((u: GraphUser) => boolean)[] = [];
  const get = (u: GraphUser, p: string) => {
    const k = Object.keys(u).find((x) => x.toLowerCase() === p.toLowerCase());
    return k ? u[k] : undefined;
  };
  for (const part of parts) {
    let m = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(part);
    if (m) {
      const [p, v] = [m[1]!, m[2]!.replace(/''/g, "'")];
      tests.push((u) => String(get(u, p) ?? '').toLowerCase() === v.toLowerCase());
      continue;
    }
    m = /^\s*(\w+)\s+eq\s+(true|false)\s*$/i.exec(part);
    if (m) {
      const [p, v] = [m[1]!, m[2]!.toLowerCase() === 'true'];
      tests.push((u) => get(u, p) === v);
      continue;
    }
    m = /^\s*startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$/i.exec(part);
    if (m) {
      const [p, v] = [m[1]!, m[2]!.replace(/''/g, "'").toLowerCase()];
      tests.push((u) =>
        String(get(u, p) ?? '')
          .toLowerCase()
          .startsWith(v),
      );
      continue;
    }
    m = /^\s*id\s+in\s+\(([^)]*)\)\s*$/i.exec(part);
    if (m) {
      const ids = new Set([...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!));
      if (ids.size > 15) return null;
      tests.push((u) => ids.has(u.id));
      continue;
    }
    return null;
  }
  return (u) => tests.every((t) => t(u));
}

export async function startGraphFake(o: GraphFakeOptions): Promise<GraphFake> {
  const tenantId = o.tenantId ?? FAKE_TENANT;
  const maxTop = o.maxPageSize ?? 999;
  let total = o.users;
  const overrides = new Map<number, GraphUser | null>();
  const log: Change[] = [];
  let version = 0;
  /** Delta tokens carry the generation they were issued in; expiring starts a new one. */
  let generation = 1;
  const groups = new Map<string, { users: number[]; nested: string[] }>();
  const faults: { status: number; retryAfter: number }[] = [];
  const requests: string[] = [];

  const user = (i: number): GraphUser | null => {
    if (i < 0 || i >= total) return null;
    if (overrides.has(i)) return overrides.get(i)!;
    return generatedUser(i, o.domain);
  };
  const change = (i: number, removed: boolean) => log.push({ version: ++version, id: graphUserId(i), removed });

  /** The user as Graph answers it: the selected properties, the manager expanded to its id. */
  function shape(u: GraphUser, select: string[] | null, expandManager: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = select ?? Object.keys(u).filter((k) => !k.startsWith('_'));
    // the user's properties by lower-case name, once per user (not once per selected property)
    const byLower = new Map<string, string>();
    for (const x of Object.keys(u)) if (!x.startsWith('_') && !byLower.has(x.toLowerCase())) byLower.set(x.toLowerCase(), x);
    for (const k of keys) {
      const real = byLower.get(k.toLowerCase());
      out[real ?? k] = real ? u[real] : null;
    }
    if (!('id' in out)) out.id = u.id;
    if (expandManager) {
      const m = u._manager as string | null;
      if (m && user(indexOf(m))) out.manager = { '@odata.type': '#microsoft.graph.user', id: m };
    }
    return out;
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fault = faults.shift();
    if (fault) {
      return send(
        fault.status,
        graphError(
          fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
          fault.status === 429 ? 'Too many requests' : 'Service unavailable',
        ),
        { 'retry-after': String(fault.retryAfter) },
      );
    }
    const auth = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !(await (o.validateToken ?? (() => true))(auth))) {
      return send(401, graphError('InvalidAuthenticationToken', 'Access token is empty or invalid.'));
    }
    const base = `http://${req.headers.host}`;
    const q = url.searchParams;
    const select = q.get('$select')
      ? q
          .get('$select')!
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== 'manager')
      : null;
    const expandManager = /^manager/i.test(q.get('$expand') ?? '') || /(^|,)manager(,|$)/i.test(q.get('$select') ?? '');
    const top = Math.min(Number(q.get('$top') ?? 100) || 100, maxTop);
    const path = url.pathname.replace(/\/+$/, '');

    if (path === '/v1.0/organization')
      return send(200, { '@odata.context': `${base}/v1.0/$metadata#organization`, value: [{ id: tenantId }] });

    if (path === '/v1.0/users') {
      const filter = q.get('$filter') ? compileFilter(q.get('$filter')!) : null;
      if (q.get('$filter') && !filter)
        return send(
          400,
          graphError('Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified: ${q.get('$filter')}`),
        );
      // the skip token is the index to go on from (opaque to clients)
      const from = Number(q.get('$skiptoken') ?? 0);
      const value: Record<string, unknown>[] = [];
      let i = from;
      // an `id in (...)` lookup: straight to the users named
      const ids = /^\s*id\s+in\s+\(/i.test(q.get('$filter') ?? '')
        ? [...q.get('$filter')!.matchAll(/'([^']*)'/g)].map((m) => indexOf(m[1]!))
        : null;
      if (ids) {
        for (const n of ids) {
          const u = user(n);
          if (u) value.push(shape(u, select, expandManager));
        }
        return send(200, { '@odata.context': `${base}/v1.0/$metadata#users`, value });
      }
      for (; i < total && value.length < top; i++) {
        const u = user(i);
        if (!u || (filter && !filter(u))) continue;
        value.push(shape(u, select, expandManager));
      }
      const next = new URLSearchParams(q);
      next.set('$skiptoken', String(i));
      return send(200, {
        '@odata.context': `${base}/v1.0/$metadata#users`,
        value,
        ...(i < total ? { '@odata.nextLink': `${base}/v1.0/users?${next}` } : {}),
      });
    }

    if (path === '/v1.0/users/delta') {
      const token = q.get('$deltatoken');
      const skip = q.get('$skiptoken');
      const deltaLink = () => {
        const p = new URLSearchParams();
        if (select) p.set('$select', q.get('$select')!);
        p.set('$deltatoken', `${generation}.${version}`);
        return `${base}/v1.0/users/delta?${p}`;
      };
      if (token === 'latest')
        return send(200, { '@odata.context': `${base}/v1.0/$metadata#users`, value: [], '@odata.deltaLink': deltaLink() });
      const state = token
        ? { gen: Number(token.split('.')[0]), from: Number(token.split('.')[1]), offset: 0 }
        : skip
          ? JSON.parse(Buffer.from(skip, 'base64url').toString())
          : null;
      if (state && state.gen !== undefined && state.gen !== generation) {
        return send(410, graphError('SyncStateNotFound', 'The sync state generation is not found. Delta tokens expire: resync required.'));
      }
      if (!state || state.initial) {
        // an initial round: everyone, page by page
        const start = state?.offset ?? 0;
        const value: Record<string, unknown>[] = [];
        let i = start;
        for (; i < total && value.length < top; i++) {
          const u = user(i);
          if (u) value.push(shape(u, select, expandManager));
        }
        if (i < total) {
          const p = new URLSearchParams({
            $skiptoken: Buffer.from(JSON.stringify({ initial: true, offset: i, top })).toString('base64url'),
          });
          return send(200, { value, '@odata.nextLink': `${base}/v1.0/users/delta?${p}` });
        }
        return send(200, { value, '@odata.deltaLink': deltaLink() });
      }
      // the changes after `from`, the newest per user, `offset` of them already served
      const latest = new Map<string, Change>();
      for (const c of log) if (c.version > state.from) latest.set(c.id, c);
      const list = [...latest.values()];
      const pageSize = state.top ?? top;
      const slice = list.slice(state.offset, state.offset + pageSize);
      const value = slice.map((c) => {
        if (c.removed) return { id: c.id, '@removed': { reason: 'deleted' } };
        const u = user(indexOf(c.id));
        // delta answers carry the id and (here) only some of the changed properties
        return u ? { id: u.id, displayName: u.displayName } : { id: c.id, '@removed': { reason: 'deleted' } };
      });
      if (state.offset + pageSize < list.length) {
        const p = new URLSearchParams({
          $skiptoken: Buffer.from(
            JSON.stringify({ gen: state.gen, from: state.from, offset: state.offset + pageSize, top: pageSize }),
          ).toString('base64url'),
        });
        return send(200, { value, '@odata.nextLink': `${base}/v1.0/users/delta?${p}` });
      }
      return send(200, { value, '@odata.deltaLink': deltaLink() });
    }

    const gm = /^\/v1\.0\/groups\/([^/]+)\/transitiveMembers(?:\/microsoft\.graph\.user)?$/.exec(path);
    if (gm) {
      const id = decodeURIComponent(gm[1]!);
      if (!groups.has(id))
        return send(
          404,
          graphError(
            'Request_ResourceNotFound',
            `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
          ),
        );
      const seen = new Set<string>();
      const found = new Set<number>();
      const walk = (g: string) => {
        if (seen.has(g)) return;
        seen.add(g);
        const x = groups.get(g);
        if (!x) return;
        x.users.forEach((n) => found.add(n));
        x.nested.forEach(walk);
      };
      walk(id);
      const all = [...found].sort((a, b) => a - b);
      const from = Number(q.get('$skiptoken') ?? 0);
      const value = all.slice(from, from + top).map((n) => ({ '@odata.type': '#microsoft.graph.user', id: graphUserId(n) }));
      const next = new URLSearchParams(q);
      next.set('$skiptoken', String(from + top));
      return send(200, { value, ...(from + top < all.length ? { '@odata.nextLink': `${base}${url.pathname}?${next}` } : {}) });
    }
    return send(404, graphError('Request_ResourceNotFound', `No resource at ${path}`));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tenantId,
    requests,
    throttle: (n, s = 1) => {
      for (let k = 0; k < n; k++) faults.push({ status: 429, retryAfter: s });
    },
    unavailable: (n, s = 1) => {
      for (let k = 0; k < n; k++) faults.push({ status: 503, retryAfter: s });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    update(i, patch) {
      const u = user(i);
      if (!u) throw new Error(`no user ${i}`);
      const { manager, ...rest } = patch;
      overrides.set(i, { ...u, ...rest, ...(manager !== undefined ? { _manager: manager } : {}) });
      change(i, false);
    },
    add(i, patch = {}) {
      if (i >= total) total = i + 1;
      overrides.set(i, { ...generatedUser(i, o.domain), ...patch, id: graphUserId(i) });
      change(i, false);
      return graphUserId(i);
    },
    remove(i) {
      overrides.set(i, null);
      change(i, true);
    },
    expireDeltaTokens() {
      generation++;
    },
    group(id, users, nested = []) {
      groups.set(id, { users, nested });
    },
    user,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
