// npm run bench:sync — Contact Sync from a real OpenLDAP slapd holding BENCH_USERS (100,000) Active Directory-like
// users (test/support/slapd.ts: binary objectGUIDs, disabled accounts, escaped DNs, managers), through the real
// server started as its own process: an LDAP connection created over the API, a full run, an unchanged re-run
// (which must write nothing: contacts whose version changed and audit rows added are read from the database),
// then BENCH_CHANGED (1,000) users changed with ldapmodify and an incremental run. The server's process tree's
// RSS is sampled throughout. The floor: `ldapsearch` with the paged-results control enumerating the same users
// and attributes (`ratio_to_ldapsearch` = full run / ldapsearch). Last line: one JSON object.
//
// Environment: BENCH_USERS, BENCH_CHANGED, BENCH_PAGE_SIZE (1000), BENCH_INCREMENTAL (modifyTimestamp |
// uSNChanged), BENCH_TIMEOUT_S (per run, 1800), DATABASE_URL (else an embedded PostgreSQL).
// When the server has no sync routes yet (404), it measures what it can — the slapd load and the ldapsearch
// floor — and prints nulls for the rest.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { setupDatabase, startServer, log, type Server } from './import-support.ts';
import { processTree, statusMb } from './lib/proc.ts';
import { startSlapd, type Slapd } from '../test/support/slapd.ts';
import { adDefaultMapping } from '../shared/sync.ts';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const CHANGED = Math.min(Number(process.env.BENCH_CHANGED ?? 1000), USERS);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 1000);
const INCREMENTAL = (process.env.BENCH_INCREMENTAL ?? 'modifyTimestamp') as 'modifyTimestamp' | 'uSNChanged';
const RUN_TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 1800);

// the Active Directory default mapping of the Contact Sync page
const MAPPING = adDefaultMapping;
const ATTRIBUTES = [
  'objectGUID',
  'userAccountControl',
  'modifyTimestamp',
  'uSNChanged',
  ...new Set(Object.values(MAPPING).filter((v): v is string => typeof v === 'string')),
];

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
  let json: Record<string, unknown>;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  return { status: res.status, body: json };
}

/** The RSS of the server's processes, summed, sampled every 250 ms while `fn` runs. */
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
    peak: () => peak,
    async stop() {
      stopped = true;
      await loop;
      return peak;
    },
  };
}

async function timeLdapsearch(s: Slapd): Promise<{ seconds: number; entries: number }> {
  const t0 = performance.now();
  const entries = await new Promise<number>((resolve, reject) => {
    const p = spawn('ldapsearch', [
      '-x',
      '-LLL',
      '-o',
      'ldif-wrap=no',
      '-H',
      s.url,
      '-D',
      s.bindDn,
      '-w',
      s.bindPassword,
      '-b',
      s.usersDn,
      '-E',
      `pr=${PAGE_SIZE}/noprompt`,
      '(objectClass=user)',
      ...ATTRIBUTES,
    ]);
    let n = 0;
    let tail = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      const text = tail + d.toString('latin1');
      const lines = text.split('\n');
      tail = lines.pop()!;
      for (const l of lines) if (l.startsWith('dn:')) n++;
    });
    p.stderr.on('data', (d) => (err += d));
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve(n) : reject(new Error(`ldapsearch ${code}: ${err}`))));
  });
  return { seconds: (performance.now() - t0) / 1000, entries };
}

interface RunResult {
  seconds: number;
  run: Record<string, unknown>;
}

async function runSync(server: Server, token: string, connectionId: string, body: { full?: boolean }): Promise<RunResult> {
  const t0 = performance.now();
  const started = await api(server, token, 'POST', `/api/v1/sync/connections/${connectionId}/run`, body);
  if (started.status !== 202) throw new Error(`POST run answered ${started.status}: ${JSON.stringify(started.body)}`);
  const runId = started.body.runId as string;
  let lastLog = 0;
  for (;;) {
    const r = await api(server, token, 'GET', `/api/v1/sync/runs/${runId}`);
    if (r.status !== 200) throw new Error(`GET run answered ${r.status}: ${JSON.stringify(r.body)}`);
    const status = r.body.status as string;
    const elapsed = (performance.now() - t0) / 1000;
    if (!['queued', 'running'].includes(status)) {
      // where the run's time went (the timing line of its raw log)
      const text = await fetch(new URL(`/api/v1/sync/runs/${runId}/log.txt`, server.base), {
        headers: { authorization: `Bearer ${token}` },
      }).then((res) => (res.ok ? res.text() : ''));
      const timing = text.split('\n').find((l) => l.startsWith('timing:'));
      if (timing) log(`  ${timing}`);
      return { seconds: elapsed, run: r.body };
    }
    if (elapsed > RUN_TIMEOUT_S) throw new Error(`run ${runId} still ${status} after ${RUN_TIMEOUT_S} s`);
    if (elapsed - lastLog >= 5) {
      lastLog = elapsed;
      log(`  ${status} seen ${r.body.seen ?? '?'} ${JSON.stringify(r.body.counts ?? {})}  ${elapsed.toFixed(0)} s  load ${load()}`);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function main() {
  log(`load ${load()}`);
  const t0 = performance.now();
  const slapd = await startSlapd({ directory: { adUsers: USERS, openLdapUsers: 0, seed: 16 } });
  log(
    `slapd: ${USERS} AD users (${slapd.summary.adDisabled} disabled, ${slapd.summary.adWithoutMail} without mail), ` +
      `${slapd.summary.entries} entries; LDIF + slapadd + start ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
      `slapadd ${(slapd.loadMs / 1000).toFixed(1)} s  (load ${load()})`,
  );
  const bench = await setupDatabase();
  let server: Server | null = null;
  const result: Record<string, number | null | boolean | string> = {
    users: USERS,
    changed: CHANGED,
    slapadd_s: +(slapd.loadMs / 1000).toFixed(2),
    full_s: null,
    rerun_s: null,
    rerun_writes: null,
    incremental_s: null,
    peak_rss_mb: null,
    ldapsearch_s: null,
    ratio_to_ldapsearch: null,
  };
  const db = new pg.Client({ connectionString: bench.url });
  db.on('error', () => {}); // the database is dropped WITH (FORCE) at the end
  await db.connect();
  try {
    // the floor first, on a cold directory as the full run will find it, and again warm
    const floorCold = await timeLdapsearch(slapd);
    const floor = await timeLdapsearch(slapd);
    if (floor.entries !== USERS) throw new Error(`ldapsearch found ${floor.entries} users, not ${USERS}`);
    log(
      `ldapsearch -E pr=${PAGE_SIZE}/noprompt, ${ATTRIBUTES.length} attributes: ${floorCold.seconds.toFixed(2)} s cold, ${floor.seconds.toFixed(2)} s warm (load ${load()})`,
    );
    result.ldapsearch_s = +floor.seconds.toFixed(2);

    server = await startServer(bench.url, { KDESK_SECRET_KEY: randomBytes(32).toString('hex') });
    const created = await api(server, bench.token, 'POST', '/api/v1/sync/connections', {
      name: 'Bench directory',
      description: `${USERS} Active Directory-like users in a local slapd`,
      source: 'ldap',
      status: 'enabled',
      settings: {
        url: slapd.url,
        bindDn: slapd.bindDn,
        bindPassword: slapd.bindPassword,
        baseDn: slapd.usersDn,
        userFilter: '(objectClass=user)',
        idAttribute: 'objectGUID',
        pageSize: PAGE_SIZE,
        incremental: INCREMENTAL,
      },
      scope: { mode: 'all' },
      mapping: MAPPING,
    });
    if (created.status === 404) {
      log('the server has no /api/v1/sync routes: only the slapd load and the ldapsearch floor were measured');
      result.sync_routes = false;
      return;
    }
    if (created.status !== 201)
      throw new Error(`POST /api/v1/sync/connections answered ${created.status}: ${JSON.stringify(created.body)}`);
    const connectionId = created.body.id as string;

    const sampler = rssSampler(server);
    try {
      log(`full run (load ${load()})`);
      const full = await runSync(server, bench.token, connectionId, { full: true });
      log(`full run ${full.run.status} in ${full.seconds.toFixed(1)} s: ${JSON.stringify(full.run.counts)} (load ${load()})`);
      if (full.run.status !== 'succeeded') throw new Error(`full run: ${JSON.stringify(full.run)}`);
      const { rows: n } = await db.query<{ n: number; inactive: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT active)::int AS inactive FROM contacts WHERE team_id = $1`,
        [bench.teamId],
      );
      log(`  contacts: ${n[0]!.n} (${n[0]!.inactive} inactive; the directory has ${slapd.summary.adDisabled} disabled)`);
      result.full_s = +full.seconds.toFixed(2);
      result.full_created = (full.run.counts as Record<string, number> | undefined)?.created ?? null;

      await db.query('CREATE TEMP TABLE bench_versions AS SELECT id, version FROM contacts WHERE team_id = $1', [bench.teamId]);
      const { rows: a0 } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE team_id = $1', [bench.teamId]);
      log(`unchanged full re-run (load ${load()})`);
      const rerun = await runSync(server, bench.token, connectionId, { full: true });
      log(`re-run ${rerun.run.status} in ${rerun.seconds.toFixed(1)} s: ${JSON.stringify(rerun.run.counts)} (load ${load()})`);
      if (rerun.run.status !== 'succeeded') throw new Error(`re-run: ${JSON.stringify(rerun.run)}`);
      const { rows: changedRows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM contacts c LEFT JOIN bench_versions v USING (id)
          WHERE c.team_id = $1 AND (v.id IS NULL OR v.version <> c.version)`,
        [bench.teamId],
      );
      const { rows: a1 } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE team_id = $1', [bench.teamId]);
      result.rerun_s = +rerun.seconds.toFixed(2);
      result.rerun_writes = changedRows[0]!.n + (a1[0]!.n - a0[0]!.n);
      log(`  contacts with a new version: ${changedRows[0]!.n}, audit rows added: ${a1[0]!.n - a0[0]!.n}`);

      // BENCH_CHANGED users spread over the directory get a new title and phone (their uSNChanged bumped too)
      const step = Math.max(1, Math.floor(USERS / CHANGED));
      const indices = Array.from({ length: CHANGED }, (_, k) => (k * step + 1) % USERS);
      const m0 = performance.now();
      await slapd.changeAdUsers(indices, (i) => ({
        title: `Bench title ${i}`,
        telephoneNumber: `+1 415 555 ${String(i % 10000).padStart(4, '0')}`,
      }));
      log(`ldapmodify of ${CHANGED} users: ${((performance.now() - m0) / 1000).toFixed(1)} s`);
      await db.query('TRUNCATE bench_versions');
      await db.query('INSERT INTO bench_versions SELECT id, version FROM contacts WHERE team_id = $1', [bench.teamId]);
      log(`incremental run (${INCREMENTAL}) (load ${load()})`);
      const inc = await runSync(server, bench.token, connectionId, { full: false });
      log(`incremental run ${inc.run.status} in ${inc.seconds.toFixed(1)} s: ${JSON.stringify(inc.run.counts)} (load ${load()})`);
      if (inc.run.status !== 'succeeded') throw new Error(`incremental run: ${JSON.stringify(inc.run)}`);
      const { rows: incRows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM contacts c JOIN bench_versions v USING (id) WHERE c.team_id = $1 AND v.version <> c.version`,
        [bench.teamId],
      );
      log(`  contacts with a new version: ${incRows[0]!.n} (${CHANGED} changed in the directory)`);
      result.incremental_s = +inc.seconds.toFixed(2);
      result.incremental_updated = incRows[0]!.n;
    } finally {
      const sampled = await sampler.stop();
      const hwm = await server.peakRssMb();
      log(`server RSS: sampled peak ${sampled.toFixed(0)} MB (sum of each process's own peak: ${hwm.toFixed(0)} MB)`);
      result.peak_rss_mb = Math.round(sampled);
    }
    result.ratio_to_ldapsearch = +((result.full_s as number) / floor.seconds).toFixed(1);
  } finally {
    result.load = load();
    console.log(JSON.stringify(result));
    await db.end();
    await server?.stop();
    await bench.cleanup();
    await slapd.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
