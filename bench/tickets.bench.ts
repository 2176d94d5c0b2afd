// npm run bench:tickets — tickets over HTTP: a contact's portal ticket list, an agent's filtered ticket
// list, and a comment that notifies 10 ticket contacts (its mails are written in the comment's
// transaction, so the answer comes after the commit). 100,000 tickets over 10,000 contacts by default
// (BENCH_TICKETS, BENCH_CONTACTS); BENCH_DURATION_S per measurement, BENCH_CONNECTIONS requests in
// flight. Uses DATABASE_URL's server when set (a fresh database), otherwise an embedded PostgreSQL.
// BENCH_KEEP_DB=1 (with DATABASE_URL) keeps the seeded database to inspect plans. The server runs in its own process; latencies are measured here per request. Last line: one JSON object.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { loadavg } from 'node:os';
import { createDb } from '../server/db/client.ts';
import { uuidv7 } from '../server/db/ids.ts';
import { hashSecret } from '../server/auth/secrets.ts';
import { log, seedContacts, setupDatabase } from './import-support.ts';
import { cpuMsOf } from './lib/proc.ts';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
/** Tickets with 10 notifiable contacts each, for the comment measurement. */
const WIDE_TICKETS = 200;
const PORT = 30000 + Math.floor(Math.random() * 20000);
const statuses = ['open', 'open', 'pending', 'resolved', 'closed', 'closed', 'closed'] as const;
const priorities = ['low', 'normal', 'normal', 'high', 'urgent'] as const;

/** The q-quantile of the latencies, in ms with one decimal. */
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * q))]! * 10) / 10;
};
const p95 = (xs: number[]) => pct(xs, 0.95);

interface Phase {
  latencies: number[];
  /** answers per second over the phase */
  rps: number;
  /** statements the server sent to PostgreSQL per request (from its x-bench-statements stamps) */
  statements: number | null;
  /** CPU of this client and of the server process, in % of one core over the phase */
  clientCpu: number;
  serverCpu: number;
  /** CPU ms per request of the server processes and of the PostgreSQL backends serving the bench database
   *  (less sensitive to a busy machine than latencies; null when /proc cannot tell) */
  serverMsPerRequest: number;
  dbMsPerRequest: number | null;
}

/** User + system CPU time in ms of the server process and its descendants (the web workers, the jobs process);
 *  Linux /proc, 0 elsewhere. */
const serverCpuMs = async (pid: number | undefined) => (pid === undefined ? 0 : ((await cpuMsOf(pid, true)) ?? 0));

interface Req {
  path: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
}

/** One keep-alive connection per loop. node:http, not fetch: undici's fetch cost this client ~1.3 ms of CPU
 *  per request (measured), enough to make it, on the same 2 cores as the server, part of what it measures. */
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function send(base: string, r: Req): Promise<{ status: number; body: string; statements: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      base + r.path,
      {
        method: r.method ?? 'GET',
        headers: r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            statements: res.headers['x-bench-statements'] as string | undefined,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

/** CONNECTIONS loops sending requests for DURATION seconds; the latency of each answer, all 2xx or it throws. */
/** Where the CPU is read: the server process tree, and the database's backends (their pids from pg_stat_activity). */
interface Probes {
  serverPid: number | undefined;
  /** CPU ms per backend pid of the bench database, now (pg_stat_activity, /proc) */
  dbCpuByPid: () => Promise<Map<number, number>>;
}

/**
 * The database's CPU over a phase: its backends are sampled every 250 ms, each pid's last reading minus its first
 * (0 for a backend that started during the phase). Reading only at the start and the end undercounts (or goes
 * negative) when a pooled connection closes meanwhile (pg's idle timeout) and takes its CPU time with it.
 */
function sampleDbCpu(probes: Probes) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let started = false;
  const read = async () => {
    const now = await probes.dbCpuByPid();
    for (const [pid, ms] of now) {
      if (!first.has(pid)) first.set(pid, started ? 0 : ms);
      last.set(pid, ms);
    }
    started = true;
  };
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();
  return {
    async start() {
      await read();
      timer = setInterval(() => (pending = pending.then(read, read)), 250);
    },
    async stop(): Promise<number | null> {
      clearInterval(timer);
      await pending;
      await read();
      let ms = 0;
      for (const [pid, v] of last) ms += v - first.get(pid)!;
      return last.size ? ms : null;
    },
  };
}

async function measure(name: string, next: () => Req, base: string, probes: Probes, seconds = DURATION): Promise<Phase> {
  const { serverPid } = probes;
  const latencies: number[] = [];
  let failed = 0;
  let sample = '';
  // per web worker process: its first and last running statement total seen in this phase
  const stamps = new Map<string, { first: number; last: number }>();
  const cpu0 = process.cpuUsage();
  const server0 = await serverCpuMs(serverPid);
  const db = sampleDbCpu(probes);
  await db.start();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const r = next();
        const t = performance.now();
        const res = await send(base, r);
        latencies.push(performance.now() - t);
        const [worker, total] = (res.statements ?? '').split(':');
        if (worker && total) {
          const s = stamps.get(worker);
          const n = Number(total);
          if (!s) stamps.set(worker, { first: n, last: n });
          else {
            s.first = Math.min(s.first, n);
            s.last = Math.max(s.last, n);
          }
        }
        if (res.status < 200 || res.status > 299) {
          failed++;
          sample ||= `${res.status} ${res.body.slice(0, 200)}`;
        }
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = (await serverCpuMs(serverPid)) - server0;
  const dbMs = await db.stop();
  if (failed) throw new Error(`${name}: ${failed} requests failed (${sample}); the figures are not valid`);
  const phase: Phase = {
    latencies,
    rps: Math.round(latencies.length / (wall / 1000)),
    // each worker's first answer only marks where its count starts
    statements:
      stamps.size && latencies.length > stamps.size
        ? Math.round(([...stamps.values()].reduce((a, s) => a + s.last - s.first, 0) / (latencies.length - stamps.size)) * 10) / 10
        : null,
    clientCpu: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100),
    serverCpu: Math.round((serverMs / wall) * 100),
    serverMsPerRequest: Math.round((serverMs / latencies.length) * 100) / 100,
    dbMsPerRequest: dbMs !== null ? Math.round((dbMs / latencies.length) * 100) / 100 : null,
  };
  log(
    `${name.padEnd(34)} ${latencies.length} requests  ${phase.rps} req/s  p50 ${pct(latencies, 0.5)} ms  p95 ${p95(latencies)} ms  ` +
      `p99 ${pct(latencies, 0.99)} ms  ${phase.statements ?? '?'} statements/request  CPU client ${phase.clientCpu}% server ${phase.serverCpu}%  ` +
      `CPU per request: server ${phase.serverMsPerRequest} ms, database ${phase.dbMsPerRequest ?? '?'} ms`,
  );
  return phase;
}

async function main() {
  const bench = await setupDatabase();
  const { url, token, teamId } = bench;
  let server: ReturnType<typeof spawn> | null = null;
  try {
    const contactIds = await seedContacts(url, teamId, CONTACTS);
    const db = createDb(url);
    const owner = await db.selectFrom('members').select('id').where('teamId', '=', teamId).executeTakeFirstOrThrow();
    // contacts who may sign in and want comment mails: the portal sessions and the wide tickets use them
    const reachable = (
      await db
        .selectFrom('contacts')
        .select('id')
        .where('teamId', '=', teamId)
        .where('active', '=', true)
        .where('portalAccess', '=', true)
        .where('notifyNewComments', '=', true)
        .where('primaryEmail', 'is not', null)
        .execute()
    ).map((r) => r.id);
    if (reachable.length < 10) throw new Error('too few notifiable contacts in the seed');

    const t0 = performance.now();
    const start = Date.now() - TICKETS * 60_000;
    const wideIds: string[] = [];
    for (let done = 0; done < TICKETS; done += 2000) {
      const rows = [];
      const links: { ticketId: string; contactId: string; teamId: string; addedAt: Date }[] = [];
      for (let i = done; i < Math.min(TICKETS, done + 2000); i++) {
        const at = new Date(start + i * 60_000);
        const id = uuidv7(at.getTime());
        const wide = i >= TICKETS - WIDE_TICKETS;
        const requester = wide ? reachable[i % reachable.length]! : contactIds[i % contactIds.length]!;
        const status = wide ? 'open' : statuses[i % statuses.length]!;
        rows.push({
          id,
          teamId,
          number: i + 1,
          subject: `Bench ticket ${i} about ${['printer', 'laptop', 'invoice', 'login', 'vpn'][i % 5]}`,
          description: 'Generated by bench/tickets.bench.ts',
          status,
          priority: priorities[i % priorities.length]!,
          requesterId: requester,
          assigneeId: i % 4 === 0 ? owner.id : null,
          createdAt: at,
          updatedAt: at,
          closedAt: status === 'closed' ? at : null,
        });
        links.push({ ticketId: id, contactId: requester, teamId, addedAt: at });
        if (wide) {
          wideIds.push(id);
          for (let k = 1; k < 10; k++) {
            links.push({ ticketId: id, contactId: reachable[(i + k * 7) % reachable.length]!, teamId, addedAt: at });
          }
        } else if (i % 5 === 0) {
          links.push({ ticketId: id, contactId: contactIds[(i * 7 + 3) % contactIds.length]!, teamId, addedAt: at });
        }
      }
      await db.insertInto('tickets').values(rows).execute();
      await db
        .insertInto('ticketContacts')
        .values(links)
        .onConflict((oc) => oc.columns(['ticketId', 'contactId']).doNothing())
        .execute();
    }
    await db.insertInto('ticketCounters').values({ teamId, lastNumber: TICKETS }).execute();
    log(`seeded ${TICKETS} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // portal sessions of 200 contacts who are on tickets (as a code sign-in would create them)
    const portalContacts = reachable.slice(0, 200);
    const cookies: string[] = [];
    for (const contactId of portalContacts) {
      const t = `kdp_${randomBytes(32).toString('base64url')}`;
      cookies.push(`kdesk_portal=${t}`);
      const far = new Date(Date.now() + 24 * 3600_000);
      await db
        .insertInto('portalSessions')
        .values({ tokenHash: hashSecret(t), teamId, contactId, method: 'code', createdAt: new Date(), idleExpiresAt: far, expiresAt: far })
        .execute();
    }
    const slug = (await db.selectFrom('teams').select('slug').where('id', '=', teamId).executeTakeFirstOrThrow()).slug;
    await db.destroy();
    const vacuum = new (await import('pg')).default.Client({ connectionString: url });
    await vacuum.connect();
    await vacuum.query('VACUUM ANALYZE');
    await vacuum.end();

    server = spawn(process.execPath, ['--import', new URL('./lib/count-statements.mjs', import.meta.url).href, 'bin/kdesk.mjs', 'serve'], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(PORT),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        KDESK_WEB_DIR: '/nonexistent',
        // e.g. an --import hook that runs the inspector's profiler (--cpu-prof is refused in NODE_OPTIONS)
        ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (d) => String(d).includes('kdesk is ready') && resolve());
      server!.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    const base = `http://127.0.0.1:${PORT}`;
    const bearer = { authorization: `Bearer ${token}` };
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

    const portalList = (): Req => ({ path: `/portal/api/${slug}/tickets`, headers: { cookie: pick(cookies) } });
    const agentFilters = [
      `status=open&assigneeId=${owner.id}`,
      'status=open,pending',
      `status=open&assigneeId=none`,
      `contactId=${pick(contactIds)}`,
    ];
    const agentList = (): Req => ({ path: `/api/v1/tickets?${pick(agentFilters)}&limit=50`, headers: bearer });
    let n = 0;
    const comment = (): Req => ({
      path: `/api/v1/tickets/${pick(wideIds)}/comments`,
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ body: `Bench reply ${n++}` }),
    });

    // warm up the read paths (plans, caches, prepared statements in every pooled connection)
    const stats = new (await import('pg')).default.Client({ connectionString: url });
    await stats.connect();
    const probes: Probes = {
      serverPid: server.pid,
      // the backends of every pooled connection of the server, each by pid (not this probe's own)
      async dbCpuByPid() {
        const { rows } = await stats.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        // 0: the backend ended between the query and /proc (its last reading stands)
        const byPid = await Promise.all(rows.map(async (r) => [r.pid, (await cpuMsOf(r.pid)) ?? 0] as const));
        return new Map(byPid.filter(([, ms]) => ms > 0));
      },
    };
    await measure('warm-up portal list', portalList, base, probes, Math.min(3, DURATION));
    await measure('warm-up agent list', agentList, base, probes, Math.min(3, DURATION));
    const portal = await measure('GET /portal/api/:slug/tickets', portalList, base, probes);
    const list = await measure('GET /api/v1/tickets (filtered)', agentList, base, probes);
    const comments = await measure('POST /api/v1/tickets/:id/comments', comment, base, probes);

    await stats.end();
    const check = createDb(url);
    const mails = await check
      .selectFrom('mailOutbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'ticket.commented')
      .executeTakeFirstOrThrow();
    await check.destroy();
    const nComments = comments.latencies.length;
    log(`comments ${nComments}, notification mails ${mails.n} (${(Number(mails.n) / nComments).toFixed(1)} per comment)`);
    const figures = (key: string, ph: Phase) => ({
      [`${key}_p50_ms`]: pct(ph.latencies, 0.5),
      [`${key}_p95_ms`]: p95(ph.latencies),
      [`${key}_p99_ms`]: pct(ph.latencies, 0.99),
      [`${key}_rps`]: ph.rps,
      [`${key}_statements`]: ph.statements,
      [`${key}_client_cpu_pct`]: ph.clientCpu,
      [`${key}_server_cpu_pct`]: ph.serverCpu,
      [`${key}_server_cpu_ms_per_request`]: ph.serverMsPerRequest,
      [`${key}_db_cpu_ms_per_request`]: ph.dbMsPerRequest,
    });

    console.log(
      JSON.stringify({
        tickets: TICKETS,
        contacts: CONTACTS,
        connections: CONNECTIONS,
        duration_s: DURATION,
        ...figures('portal_list', portal),
        ...figures('agent_list', list),
        ...figures('comment', comments),
        mails_per_comment: Math.round((Number(mails.n) / nComments) * 10) / 10,
        loadavg: loadavg()
          .map((x) => x.toFixed(2))
          .join(' '),
      }),
    );
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    if (process.env.BENCH_KEEP_DB && process.env.DATABASE_URL) {
      log(`kept the database for inspection: ${url} (drop it when done)`);
      await bench.admin.end();
    } else await bench.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
