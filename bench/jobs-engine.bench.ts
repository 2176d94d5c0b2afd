// node bin/run-ts.mjs bench/jobs-engine.bench.ts — the job engine against pg-boss@10 on the same
// PostgreSQL, each on a fresh database behind a statement-counting proxy, with kdesk's shape of work:
// 10 job kinds (one queue each in pg-boss) and 5 schedules. Prints, per engine:
//   idleStatementsPerSecond  statements sent while nothing is queued (BENCH_IDLE_SECONDS, default 30)
//   claimLatencyMs           median time from enqueue (committed) to the handler starting, idle engine (20 runs)
//   jobsPerSecond            1,000 small jobs of one kind, 10 at once (BENCH_JOBS)
//   rssMb                    resident memory added by starting the engine
// pg-boss is not a dependency of kdesk: to compare, install it anywhere (`npm install pg-boss@10` in a
// scratch folder) and set PGBOSS_DIR to that folder; without it only the home engine is measured.
// Needs a PostgreSQL server: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDb } from '../server/db/client.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { createJobsRepo } from '../server/jobs/jobs.repo.ts';
import { createJobRunner } from '../server/jobs/runner.ts';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const KINDS = Array.from({ length: 10 }, (_, i) => `bench.kind${i}`);
const SCHEDULES = ['@every 60m', '@every 10m', '@every 1m', '@every 30s', '@every 30m'];

function countingProxy(target: URL) {
  let statements = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    let buf = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (!started) {
          if (buf.length < 4) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          buf = buf.subarray(len);
          started = true;
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        if (buf[0] === 0x51 /* Q */ || buf[0] === 0x45 /* E */) statements++;
        buf = buf.subarray(len + 1);
      }
    });
    upstream.on('data', (c) => client.write(c));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return {
    listen: () => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port))),
    count: () => statements,
    close: () => server.close(),
  };
}

async function freshDatabase() {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const name = `kdesk_engine_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const proxy = countingProxy(new URL(ADMIN));
  const port = await proxy.listen();
  const direct = new URL(ADMIN);
  direct.pathname = `/${name}`;
  const proxied = new URL(direct);
  proxied.host = `127.0.0.1:${port}`;
  return {
    direct: direct.toString(),
    proxied: proxied.toString(),
    proxy,
    async drop() {
      proxy.close();
      const c = new pg.Client({ connectionString: ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const mb = (n: number) => Math.round(n / 1e5) / 10;
const round = (n: number) => Math.round(n * 100) / 100;

interface Engine {
  start(): Promise<void>;
  enqueue(kind: string, n: number): Promise<void>;
  stop(): Promise<void>;
}
type Started = { at: number }[];

async function measure(name: string, make: (url: string, started: Started, done: () => void) => Promise<Engine>) {
  const db = await freshDatabase();
  try {
    const started: Started = [];
    let finished = 0;
    const rss0 = process.memoryUsage().rss;
    const engine = await make(db.proxied, started, () => finished++);
    await engine.start();
    const rssMb = mb(process.memoryUsage().rss - rss0);
    await sleep(5000); // start-up work (schedules, maintenance) settles
    const s0 = db.proxy.count();
    await sleep(IDLE_S * 1000);
    const idleStatementsPerSecond = round((db.proxy.count() - s0) / IDLE_S);

    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const n = started.length;
      const t0 = Date.now();
      await engine.enqueue(KINDS[1]!, 1);
      while (started.length === n) await sleep(2);
      latencies.push(started[n]!.at - t0);
      await sleep(200 + Math.random() * 300);
    }
    const claimLatencyMs = median(latencies);

    const before = finished;
    const t0 = Date.now();
    await engine.enqueue(KINDS[0]!, JOBS);
    while (finished - before < JOBS) await sleep(5);
    const jobsPerSecond = Math.round(JOBS / ((Date.now() - t0) / 1000));
    await engine.stop();
    console.log(JSON.stringify({ engine: name, idleStatementsPerSecond, claimLatencyMs, jobsPerSecond, rssMb }));
  } finally {
    await db.drop();
  }
}

await measure('kdesk', async (url, started, done) => {
  const migrator = createDb(url, { max: 2 });
  await migrateToLatest(migrator);
  await migrator.destroy();
  const db = createDb(url, { max: 10 });
  const repo = createJobsRepo(db);
  const handler = async () => {
    started.push({ at: Date.now() });
    done();
  };
  const runner = createJobRunner({
    db,
    log: () => {},
    listenUrl: url,
    handlers: Object.fromEntries(KINDS.map((k) => [k, { run: handler, concurrency: 10 }])),
    periodic: SCHEDULES.map((cron, i) => ({ name: `bench.task${i}`, cron, run: async () => {} })),
  });
  return {
    start: async () => runner.start(),
    async enqueue(kind, n) {
      for (let i = 0; i < n; i += 500) {
        const rows = Array.from({ length: Math.min(500, n - i) }, () => ({ id: randomUUID(), teamId: null, kind, payload: '{}' }));
        await db.insertInto('jobs').values(rows).execute();
      }
      await repo.notify(kind);
    },
    async stop() {
      await runner.stop();
      await db.destroy();
    },
  };
});

if (process.env.PGBOSS_DIR) {
  const require = createRequire(path.join(path.resolve(process.env.PGBOSS_DIR), 'package.json'));
  const { default: PgBoss } = (await import(require.resolve('pg-boss'))) as {
    default: new (o: object) => {
      start(): Promise<unknown>;
      stop(o?: object): Promise<void>;
      createQueue(n: string): Promise<void>;
      work(n: string, o: object, h: (jobs: unknown[]) => Promise<void>): Promise<string>;
      schedule(n: string, cron: string): Promise<void>;
      insert(jobs: { name: string; data?: object }[]): Promise<void>;
      send(n: string, d: object): Promise<string>;
    };
  };
  const POLL_S = Number(process.env.PGBOSS_POLL_SECONDS ?? 2);
  await measure(`pg-boss@10 (poll ${POLL_S}s)`, async (url, started, done) => {
    const boss = new PgBoss({ connectionString: url, max: 10 });
    return {
      async start() {
        await boss.start();
        for (const k of KINDS) {
          await boss.createQueue(k);
          // pg-boss polls each queue (every 2 s by default, PGBOSS_POLL_SECONDS); 10 jobs at once like the home engine
          await boss.work(k, { batchSize: 10, pollingIntervalSeconds: POLL_S }, async (jobs) => {
            for (const _ of jobs) started.push({ at: Date.now() });
            for (const _ of jobs) done();
          });
        }
        // the same 5 schedules at cron's one-minute resolution
        for (const [i, cron] of ['0 * * * *', '*/10 * * * *', '* * * * *', '* * * * *', '*/30 * * * *'].entries()) {
          await boss.createQueue(`bench.task${i}`);
          await boss.schedule(`bench.task${i}`, cron);
        }
      },
      async enqueue(kind, n) {
        if (n === 1) await boss.send(kind, {});
        else for (let i = 0; i < n; i += 500) await boss.insert(Array.from({ length: Math.min(500, n - i) }, () => ({ name: kind })));
      },
      stop: () => boss.stop({ graceful: false, wait: true }),
    };
  });
}
process.exit(0);
