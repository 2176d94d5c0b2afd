// A loopback Google for the Google Workspace source's tests (never part of the product): the OAuth token
// endpoint of service accounts (a JWT bearer assertion, checked with the account's public key: issuer,
// audience, scopes, the delegated admin), and the Admin SDK Directory API as Google documents it —
// users.list (customer / domain, maxResults, pageToken / nextPageToken, query with orgUnitPath and
// isSuspended, projection=full for custom schemas), members.list of groups (USER and GROUP members), and
// the rate-limit answers: 403 with `userRateLimitExceeded` / `quotaExceeded`, and 429.
import { createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_CUSTOMER = 'C03az79cb';
export const googleUserId = (i: number) => `1${String(i).padStart(20, '0')}`;

export function generatedGoogleUser(i: number, domain = 'example.com'): Record<string, unknown> {
  return {
    kind: 'admin#directory#user',
    id: googleUserId(i),
    primaryEmail: `user${i}@${domain}`,
    name: { givenName: `Given${i}`, familyName: `Family${i}`, fullName: `Given${i} Family${i}` },
    isAdmin: i === 0,
    suspended: i % 40 === 5,
    archived: false,
    customerId: FAKE_CUSTOMER,
    orgUnitPath: i % 2 ? '/Sales' : '/Engineering',
    emails: [{ address: `user${i}@${domain}`, primary: true }],
    organizations: [
      { name: 'Example Inc', title: i % 10 === 0 ? 'Lead' : 'Staff', department: `Team ${i % 7}`, primary: true, customType: '' },
    ],
    phones: [
      { type: 'work', value: `+44 20 7946 ${String(i).padStart(4, '0')}` },
      ...(i % 3 ? [{ type: 'mobile', value: `+44 7700 9${String(i).padStart(5, '0')}` }] : []),
    ],
    addresses: [
      {
        type: 'work',
        streetAddress: `${i} High Street`,
        locality: 'London',
        postalCode: 'EC1A 1BB',
        country: 'United Kingdom',
        primary: true,
      },
    ],
    ...(i > 0 ? { relations: [{ type: 'manager', value: `user${Math.floor((i - 1) / 5)}@${domain}` }] } : {}),
    customSchemas: { Employment: { costCenter: `CC-${i % 5}`, badges: [{ value: 'door' }, { value: 'car park' }] } },
  };
}

export interface GoogleFake {
  url: string;
  tokenUrl: string;
  /** The service account key file to store in a connection. */
  keyFile: string;
  adminEmail: string;
  requests: string[];
  tokenRequests: number;
  /** The next n Directory requests answer 403 userRateLimitExceeded (or 429 with `status`). */
  rateLimit(n: number, status?: 403 | 429): void;
  update(i: number, patch: Record<string, unknown>): void;
  remove(i: number): void;
  group(email: string, members: { users?: number[]; groups?: string[] }): void;
  close(): Promise<void>;
}

export async function startGoogleFake(o: { users: number; domain?: string; adminEmail?: string }): Promise<GoogleFake> {
  const domain = o.domain ?? 'example.com';
  const adminEmail = o.adminEmail ?? `admin@${domain}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = 'kdesk-sync@kdesk-test.iam.gserviceaccount.com';
  const overrides = new Map<number, Record<string, unknown> | null>();
  const groups = new Map<string, { users: number[]; groups: string[] }>();
  const tokens = new Set<string>();
  const faults: number[] = [];
  const requests: string[] = [];
  const state = { tokenRequests: 0 };
  const user = (i: number) => (overrides.has(i) ? overrides.get(i)! : i < o.users ? generatedGoogleUser(i, domain) : null);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    const gError = (code: number, message: string, reason: string, status?: string) =>
      send(code, {
        error: {
          code,
          message,
          errors: [{ message, domain: code === 403 ? 'usageLimits' : 'global', reason }],
          ...(status ? { status } : {}),
        },
      });

    if (url.pathname === '/token' && req.method === 'POST') {
      state.tokenRequests++;
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
          return send(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
        const [h, c, sig] = (form.get('assertion') ?? '').split('.');
        const ok = h && c && sig && createVerify('RSA-SHA256').update(`${h}.${c}`).verify(publicKey, Buffer.from(sig, 'base64url'));
        if (!ok) return send(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
        const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
        const now = Math.floor(Date.now() / 1000);
        if (claims.iss !== clientEmail || claims.aud !== `http://${req.headers.host}/token` || Number(claims.exp) < now) {
          return send(400, {
            error: 'invalid_grant',
            error_description: 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.',
          });
        }
        if (!String(claims.scope).split(' ').includes('https://www.googleapis.com/auth/admin.directory.user.readonly')) {
          return send(401, {
            error: 'unauthorized_client',
            error_description:
              'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
          });
        }
        if (claims.sub !== adminEmail) return send(400, { error: 'invalid_grant', error_description: 'Invalid email or User ID' });
        const t = `ya29.${randomBytes(24).toString('base64url')}`;
        tokens.add(t);
        send(200, { access_token: t, expires_in: 3599, token_type: 'Bearer' });
      });
      return;
    }

    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !tokens.has(auth)) return gError(401, 'Request had invalid authentication credentials.', 'authError', 'UNAUTHENTICATED');
    const fault = faults.shift();
    if (fault === 429) return gError(429, 'Quota exceeded for quota metric', 'rateLimitExceeded', 'RESOURCE_EXHAUSTED');
    if (fault === 403)
      return gError(403, "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'", 'userRateLimitExceeded');
    const q = url.searchParams;

    if (url.pathname === '/admin/directory/v1/users') {
      if (!q.get('customer') && !q.get('domain')) return gError(400, 'Bad Request', 'badRequest');
      if (q.get('customer') && q.get('customer') !== 'my_customer' && q.get('customer') !== FAKE_CUSTOMER)
        return gError(404, 'Resource Not Found: customer', 'notFound');
      if (q.get('domain') && q.get('domain') !== domain) return gError(403, 'Not Authorized to access this resource/api', 'forbidden');
      // query: orgUnitPath='/x', isSuspended=true|false, givenName:'x' (the subset these tests use)
      const tests: ((u: Record<string, unknown>) => boolean)[] = [];
      let rest = q.get('query') ?? '';
      for (const [re, make] of [
        [
          /orgUnitPath='((?:[^'\\]|\\.)*)'/,
          (m: RegExpExecArray) => (u: Record<string, unknown>) =>
            String(u.orgUnitPath).toLowerCase() === m[1]!.toLowerCase() ||
            String(u.orgUnitPath).toLowerCase().startsWith(`${m[1]!.toLowerCase()}/`),
        ],
        [/isSuspended=(true|false)/, (m: RegExpExecArray) => (u: Record<string, unknown>) => u.suspended === (m[1] === 'true')],
        [
          /givenName:'([^']*)'/,
          (m: RegExpExecArray) => (u: Record<string, unknown>) =>
            String((u.name as { givenName: string }).givenName)
              .toLowerCase()
              .startsWith(m[1]!.toLowerCase()),
        ],
      ] as const) {
        const m = re.exec(rest);
        if (m) {
          tests.push(make(m));
          rest = rest.replace(m[0], '');
        }
      }
      if (rest.trim()) return gError(400, 'Invalid Input', 'invalid');
      const max = Math.min(Number(q.get('maxResults') ?? 100), 500);
      let i = Number(q.get('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString() : 0);
      const users: Record<string, unknown>[] = [];
      const total = Math.max(o.users, ...[...overrides.keys()].map((k) => k + 1));
      for (; i < total && users.length < max; i++) {
        const u = user(i);
        if (!u || !tests.every((t) => t(u))) continue;
        const { customSchemas: _schemas, ...basic } = u;
        users.push(q.get('projection') === 'full' ? u : basic);
      }
      return send(200, {
        kind: 'admin#directory#users',
        etag: '"fake"',
        users,
        ...(i < total ? { nextPageToken: Buffer.from(String(i)).toString('base64url') } : {}),
      });
    }
    const gm = /^\/admin\/directory\/v1\/groups\/([^/]+)\/members$/.exec(url.pathname);
    if (gm) {
      const key = decodeURIComponent(gm[1]!).toLowerCase();
      const g = groups.get(key);
      if (!g) return gError(404, 'Resource Not Found: groupKey', 'notFound');
      const all = [
        ...g.users.map((n) => ({
          kind: 'admin#directory#member',
          id: googleUserId(n),
          email: `user${n}@${domain}`,
          role: 'MEMBER',
          type: 'USER',
          status: 'ACTIVE',
        })),
        ...g.groups.map((e) => ({ kind: 'admin#directory#member', id: `g-${e}`, email: e, role: 'MEMBER', type: 'GROUP' })),
      ];
      const max = Math.min(Number(q.get('maxResults') ?? 200), 200);
      const from = Number(q.get('pageToken') ?? 0);
      return send(200, {
        kind: 'admin#directory#members',
        members: all.slice(from, from + max),
        ...(from + max < all.length ? { nextPageToken: String(from + max) } : {}),
      });
    }
    return gError(404, 'Not Found', 'notFound');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keyFile = JSON.stringify({
    type: 'service_account',
    project_id: 'kdesk-test',
    private_key_id: 'k1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: clientEmail,
    client_id: '1234567890',
    token_uri: `${url}/token`,
  });
  return {
    url,
    tokenUrl: `${url}/token`,
    keyFile,
    adminEmail,
    requests,
    get tokenRequests() {
      return state.tokenRequests;
    },
    rateLimit: (n, status = 403) => {
      for (let k = 0; k < n; k++) faults.push(status);
    },
    update: (i, patch) => overrides.set(i, { ...(user(i) ?? generatedGoogleUser(i, domain)), ...patch }),
    remove: (i) => overrides.set(i, null),
    group: (email, m) => groups.set(email.toLowerCase(), { users: m.users ?? [], groups: m.groups ?? [] }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
