// node bin/run-ts.mjs bench/jobs-idle.bench.ts — what an idle worker costs the database: starts
// `kdesk serve --services=worker` on a fresh database behind a counting proxy, waits for it to settle,
// then counts the statements it sends (simple queries + extended-protocol executions) and the
// transactions PostgreSQL commits for that database, for BENCH_SECONDS (default 30).
// Needs a PostgreSQL server: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
// Last line: {statementsPerSecond, transactionsPerSecond, seconds}.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SETTLE_S = Number(process.env.BENCH_SETTLE_SECONDS ?? 8);
const root = path.resolve(import.meta.dirname, '..');

/** A TCP proxy in front of PostgreSQL that counts the statements clients send. */
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
        const type = String.fromCharCode(buf[0]!);
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        if (type === 'Q' || type === 'E') statements++;
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
    listen: () =>
      new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    count: () => statements,
    close: () => server.close(),
  };
}

const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
const name = `kdesk_idle_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${name}`);
const target = new URL(ADMIN);
const proxy = countingProxy(target);
const port = await proxy.listen();
const url = new URL(ADMIN);
url.host = `127.0.0.1:${port}`;
url.pathname = `/${name}`;

const child = spawn(process.execPath, ['bin/kdesk.mjs', 'serve'], {
  cwd: root,
  env: { ...process.env, DATABASE_URL: url.toString(), KDESK_SERVICES: 'worker', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  child.stdout!.on('data', (d: Buffer) => /worker is running/.test(d.toString()) && resolve());
  child.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
});
await new Promise((r) => setTimeout(r, SETTLE_S * 1000));

const xacts = async () =>
  Number(
    (await admin.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [name])).rows[0]!
      .n,
  );
await admin.query('SELECT pg_stat_clear_snapshot()');
const s0 = proxy.count();
const x0 = await xacts();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
await admin.query('SELECT pg_stat_clear_snapshot()');
const s1 = proxy.count();
const x1 = await xacts();

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
proxy.close();
await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();
const round = (n: number) => Math.round(n * 100) / 100;
console.log(
  JSON.stringify({ statementsPerSecond: round((s1 - s0) / SECONDS), transactionsPerSecond: round((x1 - x0) / SECONDS), seconds: SECONDS }),
);
