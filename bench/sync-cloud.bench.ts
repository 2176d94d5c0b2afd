// npm run bench:sync-cloud — Contact Sync from Microsoft Entra ID at scale: BENCH_USERS (100,000) users served by
// the loopback Graph fake (test/support/graph-fake.ts; pages of 999, `$expand=manager`), the tenant's token
// endpoint being the real oidc-provider (client credentials), read by the real server started as its own
// process: a Microsoft connection created over the API, a full run (which also takes the delta link), then
// BENCH_CHANGED (1,000) users changed in the fake and an incremental run reading only the delta. The
// server's process tree's RSS is sampled throughout. Then SCIM provisioning (bench/scim.bench.ts: its own
// database and server, BENCH_SCIM_USERS sequential creates). Last line: one JSON object with `full_s`, `delta_s`,
// `peak_rss_mb`, `scim_creates_per_s`, `scim_p99_ms` (BENCH_SKIP_SCIM=1 leaves the SCIM figures out).
//
// Environment: BENCH_USERS, BENCH_CHANGED, BENCH_PAGE_SIZE (999), BENCH_TIMEOUT_S (per run, 1800), DATABASE_URL
// (else an embedded PostgreSQL).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { microsoftDefaultMapping } from '../shared/sync.ts';
import { startEntraIdp } from '../test/support/entra-idp.ts';
import { runScimBench } from './scim.bench.ts';
import { graphUserId, startGraphFake } from '../test/support/graph-fake.ts';
import { log, setupDatabase, startServer, type Server } from './import-support.ts';
import { processTree, statusMb } from './lib/proc.ts';

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function api(server: Server, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(new URL(p, server.base), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** The RSS of the server's processes, summed, sampled every 250 ms. */
function rssSampler(server: Server) {
  let peak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let sum = 0;
      for (const pid of await processTree(server.proc.pid!)) sum += await statusMb(pid, 'VmRSS');
      peak = Math.max(peak, sum);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return peak;
    },
  };
}

async function runSync(server: Server, token: string, connectionId: string, body: { full?: boolean }, timeoutS: number) {
  const t0 = performance.now();
  const started = await api(server, token, 'POST', `/api/v1/sync/connections/${connectionId}/run`, body);
  if (started.status !== 202) throw new Error(`POST run answered ${started.status}: ${JSON.stringify(started.body)}`);
  const runId = started.body.runId as string;
  let lastLog = 0;
  for (;;) {
    const r = await api(server, token, 'GET', `/api/v1/sync/runs/${runId}`);
    const status = r.body.status as string;
    const elapsed = (performance.now() - t0) / 1000;
    if (!['queued', 'running'].includes(status)) return { seconds: elapsed, run: r.body };
    if (elapsed > timeoutS) throw new Error(`run ${runId} still ${status} after ${timeoutS} s`);
    if (elapsed - lastLog >= 5) {
      lastLog = elapsed;
      log(`  ${status} seen ${r.body.seen ?? '?'} ${JSON.stringify(r.body.counts ?? {})}  ${elapsed.toFixed(0)} s  load ${load()}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

export interface SyncCloudOptions {
  users?: number;
  changed?: number;
  pageSize?: number;
  timeoutS?: number;
}

/** The Entra ID measurement: full run and delta run times and the server's peak RSS (nulls for what failed). */
export async function measureSyncCloud(o: SyncCloudOptions = {}): Promise<Record<string, number | string | null>> {
  const users = o.users ?? Number(process.env.BENCH_USERS ?? 100_000);
  const changed = Math.min(o.changed ?? Number(process.env.BENCH_CHANGED ?? 1000), users);
  const pageSize = o.pageSize ?? Number(process.env.BENCH_PAGE_SIZE ?? 999);
  const timeoutS = o.timeoutS ?? Number(process.env.BENCH_TIMEOUT_S ?? 1800);
  const result: Record<string, number | string | null> = {
    users,
    changed,
    page_size: pageSize,
    full_s: null,
    delta_s: null,
    peak_rss_mb: null,
  };
  log(`load ${load()}`);
  let check: (t: string) => Promise<boolean> = async () => false;
  const graph = await startGraphFake({ users, validateToken: (t) => check(t) });
  const idp = await startEntraIdp({ tenantId: graph.tenantId, graphUrl: graph.url });
  check = (t) => idp.validate(t);
  const bench = await setupDatabase();
  const db = new pg.Client({ connectionString: bench.url });
  db.on('error', () => {});
  await db.connect();
  let server: Server | null = null;
  try {
    server = await startServer(bench.url, {
      KDESK_SECRET_KEY: randomBytes(32).toString('hex'),
      KDESK_ALLOW_PRIVATE_DIRECTORY_URLS: 'true',
    });
    const created = await api(server, bench.token, 'POST', '/api/v1/sync/connections', {
      name: 'Bench Entra ID',
      description: `${users} users from the Graph fake`,
      source: 'microsoft',
      status: 'enabled',
      settings: {
        tenantId: graph.tenantId,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        graphBaseUrl: graph.url,
        authorityUrl: idp.authorityUrl,
        pageSize,
        incremental: 'delta',
      },
      scope: { mode: 'all' },
      mapping: microsoftDefaultMapping,
    });
    if (created.status !== 201)
      throw new Error(`POST /api/v1/sync/connections answered ${created.status}: ${JSON.stringify(created.body)}`);
    const connectionId = created.body.id as string;
    const sampler = rssSampler(server);
    try {
      log(`full run of ${users} users, pages of ${pageSize} (load ${load()})`);
      const full = await runSync(server, bench.token, connectionId, { full: true }, timeoutS);
      log(`full run ${full.run.status} in ${full.seconds.toFixed(1)} s: ${JSON.stringify(full.run.counts)} (load ${load()})`);
      if (full.run.status !== 'succeeded') throw new Error(`full run: ${JSON.stringify(full.run)}`);
      const { rows } = await db.query<{ n: number; inactive: number; managed: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT active)::int AS inactive,
                count(reports_to_contact_id)::int AS managed FROM contacts WHERE team_id = $1`,
        [bench.teamId],
      );
      log(`  contacts: ${rows[0]!.n} (${rows[0]!.inactive} inactive, ${rows[0]!.managed} with a manager)`);
      result.full_s = +full.seconds.toFixed(2);
      result.full_created = (full.run.counts as Record<string, number>).created ?? null;

      // BENCH_CHANGED users spread over the directory get a new title and phone
      const step = Math.max(1, Math.floor(users / changed));
      for (let k = 0; k < changed; k++) {
        const i = (k * step + 1) % users;
        graph.update(i, { jobTitle: `Bench title ${i}`, businessPhones: [`+1 415 555 ${String(i % 10000).padStart(4, '0')}`] });
      }
      await db.query('CREATE TEMP TABLE bench_versions AS SELECT id, version FROM contacts WHERE team_id = $1', [bench.teamId]);
      log(`delta run after ${changed} changes (load ${load()})`);
      const delta = await runSync(server, bench.token, connectionId, {}, timeoutS);
      log(`delta run ${delta.run.status} in ${delta.seconds.toFixed(1)} s: ${JSON.stringify(delta.run.counts)} (load ${load()})`);
      if (delta.run.status !== 'succeeded' || delta.run.full) throw new Error(`delta run: ${JSON.stringify(delta.run)}`);
      const { rows: upd } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM contacts c JOIN bench_versions v USING (id) WHERE c.team_id = $1 AND v.version <> c.version`,
        [bench.teamId],
      );
      log(`  contacts with a new version: ${upd[0]!.n} (${changed} changed in the directory); first changed id ${graphUserId(1)}`);
      result.delta_s = +delta.seconds.toFixed(2);
      result.delta_updated = upd[0]!.n;
      result.graph_requests = graph.requests.length;
    } finally {
      result.peak_rss_mb = Math.round(await sampler.stop());
      log(`server RSS: sampled peak ${result.peak_rss_mb} MB`);
    }
  } finally {
    result.load = load();
    await db.end();
    await server?.stop();
    await bench.cleanup();
    await graph.close();
    await idp.close();
  }
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureSyncCloud()
    .then(async (r) => {
      if (process.env.BENCH_SKIP_SCIM !== '1') {
        const scim = await runScimBench();
        Object.assign(r, { scim_creates_per_s: scim.scim_creates_per_s, scim_p99_ms: scim.scim_p99_ms, scim_p50_ms: scim.scim_p50_ms });
      }
      console.log(JSON.stringify(r));
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
