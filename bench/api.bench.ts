// npm run bench:api — GET-by-id and create throughput over HTTP with 100,000 contacts in the team.
// Uses DATABASE_URL's server when set (in a fresh database), otherwise an embedded PostgreSQL.
// The server runs in its own process, autocannon in this one. Last line: one JSON object.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { createServices } from '../server/app.ts';
import { createDb } from '../server/db/client.ts';
import { systemActor } from '../server/auth/actor.ts';
import { createDemoGenerator } from '../server/contacts/demo-data.ts';
import { log, setupDatabase } from './import-support.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PORT = 30000 + Math.floor(Math.random() * 20000);

async function main() {
  const bench = await setupDatabase();
  const { url, admin, token } = bench;

  let server: ReturnType<typeof spawn> | null = null;
  try {
    const db = createDb(url);
    const services = createServices(db, { sessionTtlHours: 24 });

    const t0 = performance.now();
    const next = createDemoGenerator(7);
    const actor = systemActor(bench.teamId, 'bench');
    for (let done = 0; done < CONTACTS; done += 1000) {
      await services.contacts.createMany(actor, Array.from({ length: Math.min(1000, CONTACTS - done) }, next));
      if (done % 20000 === 0) log(`seeded ${done}/${CONTACTS}`);
    }
    await admin.query(`VACUUM ANALYZE`).catch(() => {});
    const ids = (await db.selectFrom('contacts').select('id').where('teamId', '=', bench.teamId).execute()).map((r) => r.id);
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
    await bench.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
