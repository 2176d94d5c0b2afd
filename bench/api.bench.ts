// npm run bench:api — GET-by-id and create throughput over HTTP with 100,000 contacts in the team.
// Uses DATABASE_URL's server when set (in a fresh database), otherwise an embedded PostgreSQL.
// The server runs in its own process, autocannon in this one. Last line: one JSON object.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { createServices } from '../server/app.ts';
import { createDb } from '../server/db/client.ts';
import { startEmbeddedPostgres } from '../server/db/embedded.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { systemActor } from '../server/auth/actor.ts';
import { createDemoGenerator } from '../server/contacts/demo-data.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PORT = 30000 + Math.floor(Math.random() * 20000);

const log = (s: string) => console.error(s);

async function main() {
  let adminUrl: string;
  let stopPg = async () => {};
  let tmp: string | null = null;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kdesk-bench-'));
    const e = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres', ephemeral: true });
    adminUrl = e.url;
    stopPg = e.stop;
  }
  const dbName = `kdesk_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();

  let server: ReturnType<typeof spawn> | null = null;
  try {
    const db = createDb(url);
    await migrateToLatest(db);
    const services = createServices(db, { sessionTtlHours: 24 });
    const { team, owner } = await services.teams.createTeamWithOwner({
      name: 'Bench',
      ownerEmail: 'bench@example.com',
      ownerPassword: 'bench password',
    });
    const token = await services.auth.createTokenForMember(owner.id, 'bench');

    const t0 = performance.now();
    const next = createDemoGenerator(7);
    const actor = systemActor(team.id, 'bench');
    for (let done = 0; done < CONTACTS; done += 1000) {
      await services.contacts.createMany(actor, Array.from({ length: Math.min(1000, CONTACTS - done) }, next));
      if (done % 20000 === 0) log(`seeded ${done}/${CONTACTS}`);
    }
    await admin.query(`VACUUM ANALYZE`).catch(() => {});
    const ids = (await db.selectFrom('contacts').select('id').where('teamId', '=', team.id).execute()).map((r) => r.id);
    log(`seeded ${ids.length} contacts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await db.destroy();

    server = spawn(process.execPath, ['bin/kdesk.mjs', 'serve'], {
      env: { ...process.env, DATABASE_URL: url, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', KDESK_WEB_DIR: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (d) => String(d).includes('kdesk is ready') && resolve());
      server!.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });

    const base = `http://127.0.0.1:${PORT}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const pick = () => ids[Math.floor(Math.random() * ids.length)]!;

    // warm up
    await autocannon({
      url: base,
      connections: 4,
      duration: 2,
      requests: [{ method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `/api/v1/contacts/${pick()}` }) }],
    });

    const read = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [{ method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `/api/v1/contacts/${pick()}` }) }],
    });
    log(
      `GET /api/v1/contacts/:id  ${read.requests.average.toFixed(0)} req/s  p50 ${read.latency.p50} ms  p99 ${read.latency.p99} ms  non-2xx ${read.non2xx} errors ${read.errors}`,
    );

    let n = 0;
    const gen = createDemoGenerator(99);
    const create = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/contacts',
          headers,
          setupRequest: (r) => {
            const c = gen();
            c.primaryEmail = `bench-${process.pid}-${n++}@bench.example.com`;
            return { ...r, body: JSON.stringify(c) };
          },
        },
      ],
    });
    log(
      `POST /api/v1/contacts      ${create.requests.average.toFixed(0)} req/s  p50 ${create.latency.p50} ms  p99 ${create.latency.p99} ms  non-2xx ${create.non2xx} errors ${create.errors}`,
    );
    if (read.non2xx || create.non2xx || read.errors || create.errors) throw new Error('some requests failed: the figures are not valid');

    console.log(
      JSON.stringify({
        contacts: ids.length,
        connections: CONNECTIONS,
        duration_s: DURATION,
        read_rps: Math.round(read.requests.average),
        read_p99_ms: read.latency.p99,
        create_rps: Math.round(create.requests.average),
        create_p99_ms: create.latency.p99,
      }),
    );
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await stopPg();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
