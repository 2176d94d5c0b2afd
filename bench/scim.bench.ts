// npm run bench:scim — SCIM 2.0 provisioning: BENCH_SCIM_USERS (10,000) sequential POST /scim/v2/Users with
// the body Microsoft Entra ID sends (core + enterprise extension: name, work email, phones, address, title,
// department, organization), one request at a time over one keep-alive connection, against the real server
// started as its own process (kdesk serve, one web worker) with a SCIM connection created over the API.
// Each create is a contact written through the contact writer, its audit row, the stored User and its entry in
// the connection's run log. Figures: creates per second, p50/p99 latency, and statements per create (the
// server's PostgreSQL statements, counted by bench/lib/count-statements.mjs). Last line: one JSON object with
// `scim_creates_per_s` and `scim_p99_ms`.
//
// `runScimBench()` is the same measurement for other benchmarks (bench:sync-cloud appends its two keys).
// Environment: BENCH_SCIM_USERS, BENCH_SCIM_WARMUP (200), DATABASE_URL (else an embedded PostgreSQL).
import http from 'node:http';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { scimDefaultMapping } from '../shared/sync.ts';
import type pg from 'pg';
import { log, setupDatabase, startServer, type Server } from './import-support.ts';
import { cpuMsOf, postgresProcesses } from './lib/proc.ts';

const USERS = Number(process.env.BENCH_SCIM_USERS ?? 10_000);
const WARMUP = Number(process.env.BENCH_SCIM_WARMUP ?? 200);
const CLIENT = process.env.BENCH_SCIM_CLIENT === 'fetch' ? 'fetch' : 'http';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const FIRST = ['Ada', 'Bo', 'Chloé', 'Dmitri', 'Eun-ji', 'Fatima', 'Gérard', 'Hana', 'Ivan', 'Jun', 'Kemal', 'Lucía'];
const LAST = ['Smith', 'Müller', 'García', 'Kim', 'Yılmaz', 'Dubois', 'Rossi', 'Tanaka', 'Nowak', 'Silva'];

/** Entra's Create User body for person `i`. */
function entraUser(run: string, i: number) {
  const given = FIRST[i % FIRST.length]!;
  const family = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  const upn = `${given
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z]/g, '')}.${i}.${run}@contoso.example`;
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    externalId: `${run}-${i}`,
    userName: upn,
    active: true,
    displayName: `${given} ${family}`,
    title: i % 3 ? 'Engineer' : 'Sales lead',
    emails: [{ primary: true, type: 'work', value: upn }],
    phoneNumbers: [
      { type: 'work', value: `+1 425 555 ${String(i % 10000).padStart(4, '0')}` },
      { type: 'mobile', value: `+1 206 555 ${String((i * 7) % 10000).padStart(4, '0')}` },
    ],
    addresses: [{ type: 'work', streetAddress: `${i} Main St`, locality: 'Redmond', region: 'WA', postalCode: '98052', country: 'US' }],
    meta: { resourceType: 'User' },
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    [ENTERPRISE]: { department: ['Sales', 'Support', 'R&D'][i % 3], organization: 'Contoso', employeeNumber: String(100000 + i) },
    roles: [],
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const statementsOf = (h: string | null) => {
  const m = /^(\d+):(\d+)$/.exec(h ?? '');
  return m ? { pid: m[1]!, n: Number(m[2]) } : null;
};
const loadAvg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** CPU milliseconds (user + system) the server's processes have used so far (Linux /proc; clock ticks of 10 ms). */
const cpuMs = (server: Server) => cpuMsOf(server.proc.pid!, true);

/** CPU milliseconds per process so far, of the PostgreSQL backends serving database `dbName` ("b<pid>") and of
 * every `postgres` process ("a<pid>": its WAL writer, checkpointer and autovacuum too — and, on a shared
 * machine, other databases' work). Only when PostgreSQL runs on this machine (read from /proc); else null. */
async function pgCpu(admin: pg.Client, dbName: string): Promise<Map<string, number> | null> {
  try {
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName]);
    const out = new Map<string, number>();
    for (const r of rows) out.set(`b${r.pid}`, (await cpuMsOf(r.pid)) ?? 0);
    for (const { pid } of await postgresProcesses()) out.set(`a${pid}`, (await cpuMsOf(pid)) ?? 0);
    return rows.length && [...out.keys()].some((k) => k.startsWith('a')) ? out : null;
  } catch {
    return null;
  }
}
/** CPU ms between two pgCpu readings: of the database's backends, and of all postgres processes. */
function pgCpuDelta(a: Map<string, number> | null, b: Map<string, number> | null) {
  if (!a || !b) return null;
  const sum = (prefix: string) => [...b].filter(([k]) => k.startsWith(prefix)).reduce((s, [k, v]) => s + v - (a.get(k) ?? 0), 0);
  return { backends: sum('b'), all: sum('a') };
}

export interface ScimBenchResult {
  scim_creates_per_s: number;
  scim_p99_ms: number;
}

/**
 * Creates a SCIM connection on `server` (as the owner of `ownerToken`) and provisions `users` people one after
 * the other. Without a server, sets up its own database and server (and stops them after).
 */
export async function runScimBench(o: { server?: Server; ownerToken?: string; users?: number } = {}): Promise<
  ScimBenchResult & {
    scim_p50_ms: number;
    statements_per_create: number | null;
    server_cpu_ms_per_create: number | null;
    client_cpu_ms_per_create: number;
    pg_backend_cpu_ms_per_create: number | null;
    pg_all_cpu_ms_per_create: number | null;
    client: string;
    load_avg: string;
  }
> {
  const users = o.users ?? USERS;
  let own: { cleanup(): Promise<void>; server: Server } | null = null;
  let pgOf: { admin: pg.Client; dbName: string } | null = null;
  let server = o.server;
  let ownerToken = o.ownerToken;
  if (!server || !ownerToken) {
    const bench = await setupDatabase();
    // BENCH_SERVER_NODE_OPTIONS (e.g. --import of an inspector profiler) is kept beside the counter
    const s = await startServer(bench.url, {
      NODE_OPTIONS:
        `--import=${new URL('./lib/count-statements.mjs', import.meta.url).href} ${process.env.BENCH_SERVER_NODE_OPTIONS ?? ''}`.trim(),
    }).catch(async (err: unknown) => {
      await bench.cleanup(); // the database goes too
      throw err;
    });
    own = { server: s, cleanup: bench.cleanup };
    pgOf = { admin: bench.admin, dbName: new URL(bench.url).pathname.slice(1) };
    server = s;
    ownerToken = bench.token;
  }
  try {
    const conn = await fetch(new URL('/api/v1/sync/connections', server.base), {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `SCIM bench ${Date.now()}`,
        source: 'scim',
        status: 'enabled',
        settings: {},
        mapping: scimDefaultMapping,
      }),
    });
    const c = (await conn.json()) as { scimToken?: string; message?: string };
    if (conn.status !== 201 || !c.scimToken) throw new Error(`creating the SCIM connection: ${conn.status} ${JSON.stringify(c)}`);
    const headers = { authorization: `Bearer ${c.scimToken}`, 'content-type': 'application/scim+json' };
    const url = new URL('/scim/v2/Users', server.base);
    const run = Math.random().toString(36).slice(2, 8);
    // the client: node:http over one keep-alive connection (default; an identity provider is no Node
    // process, and undici's fetch costs the client about as much CPU as the server spends on a create),
    // or BENCH_SCIM_CLIENT=fetch for the global fetch
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: string) =>
      new Promise<{ status: number; statements: string | null }>((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.on('data', () => {});
            res.on('end', () => {
              const h = res.headers['x-bench-statements'];
              resolve({ status: res.statusCode ?? 0, statements: typeof h === 'string' ? h : null });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const post = async (i: number) => {
      const t = performance.now();
      let r: { status: number; statements: string | null };
      if (CLIENT === 'fetch') {
        const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(entraUser(run, i)) });
        await res.arrayBuffer();
        r = { status: res.status, statements: res.headers.get('x-bench-statements') };
      } else r = await send(JSON.stringify(entraUser(run, i)));
      const ms = performance.now() - t;
      if (r.status !== 201) throw new Error(`create ${i}: ${r.status}`);
      return { ms, statements: statementsOf(r.statements) };
    };

    for (let i = 0; i < WARMUP; i++) await post(users + i);
    log(`warmed up with ${WARMUP} creates; load average ${loadAvg()}`);

    const times: number[] = [];
    let first: ReturnType<typeof statementsOf> = null;
    let last: ReturnType<typeof statementsOf> = null;
    const cpu0 = await cpuMs(server);
    const pg0 = pgOf ? await pgCpu(pgOf.admin, pgOf.dbName) : null;
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < users; i++) {
      const r = await post(i);
      times.push(r.ms);
      if (i === 0) first = r.statements;
      last = r.statements;
      if ((i + 1) % 2000 === 0) log(`${i + 1}/${users} created (${((i + 1) / ((performance.now() - t0) / 1000)).toFixed(0)}/s)`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const client1 = process.cpuUsage(client0);
    const cpu1 = await cpuMs(server);
    const pgUsed = pgCpuDelta(pg0, pgOf ? await pgCpu(pgOf.admin, pgOf.dbName) : null);
    agent.destroy();
    const perCreate = (ms: number) => Number((ms / users).toFixed(2));
    times.sort((a, b) => a - b);
    const statements = first && last && first.pid === last.pid && users > 1 ? (last.n - first.n) / (users - 1) : null;
    return {
      scim_creates_per_s: Math.round(users / seconds),
      scim_p99_ms: Number(percentile(times, 99).toFixed(1)),
      scim_p50_ms: Number(percentile(times, 50).toFixed(1)),
      statements_per_create: statements === null ? null : Number(statements.toFixed(1)),
      // the kdesk server's own CPU per create (PostgreSQL's is not in it): what caps creates/s on an idle machine
      server_cpu_ms_per_create: cpu0 === null || cpu1 === null ? null : perCreate(cpu1 - cpu0),
      // the bench's own CPU (the client), and PostgreSQL's: the backends serving the bench database, and
      // every postgres process (WAL writer, checkpointer, autovacuum — and other work on a shared machine)
      client_cpu_ms_per_create: perCreate((client1.user + client1.system) / 1000),
      pg_backend_cpu_ms_per_create: pgUsed ? perCreate(pgUsed.backends) : null,
      pg_all_cpu_ms_per_create: pgUsed ? perCreate(pgUsed.all) : null,
      client: CLIENT,
      load_avg: loadAvg(),
    };
  } finally {
    if (own) {
      await own.server.stop();
      await own.cleanup();
    }
  }
}

async function main() {
  log(`SCIM bench: ${USERS} sequential creates; load average ${loadAvg()} on ${os.cpus().length} cores`);
  const r = await runScimBench();
  console.log(JSON.stringify({ scim_creates: USERS, ...r }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
