// Boots the real kdesk server (`node bin/kdesk.mjs serve`) as a child process for browser journeys:
// a fresh embedded PostgreSQL in a temp directory, or — when DATABASE_URL is set — a fresh database
// created on that server and dropped afterwards.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin', 'kdesk.mjs');

export interface KdeskServer {
  baseUrl: string;
  /** Runs `kdesk <args>` against the same database; resolves with stdout. */
  cli(args: string[]): Promise<string>;
  /** Output of the server so far (for failure messages). */
  output(): string;
  /** SIGTERM, wait for the exit, then remove the temp data (and the database, with DATABASE_URL). */
  stop(): Promise<void>;
}

export interface StartOptions {
  adminEmail: string;
  adminPassword: string;
  teamName?: string;
  startTimeoutMs?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A new, empty database on the DATABASE_URL server; returns its URL and a function that drops it. */
async function createScratchDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `kdesk_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startKdesk(opts: StartOptions): Promise<KdeskServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kdesk-e2e-'));
  const scratch = process.env.DATABASE_URL ? await createScratchDatabase(process.env.DATABASE_URL) : null;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    KDESK_DATA_DIR: dataDir,
    KDESK_ADMIN_EMAIL: opts.adminEmail,
    KDESK_ADMIN_PASSWORD: opts.adminPassword,
    KDESK_TEAM_NAME: opts.teamName ?? 'Acme Support',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  delete env.KDESK_PUBLIC_URL;
  delete env.KDESK_WEB_DIR;
  if (scratch) env.DATABASE_URL = scratch.url;
  else delete env.DATABASE_URL;

  const child = spawn(process.execPath, [bin, 'serve'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // the server stops its embedded PostgreSQL before it exits
      if (!(await waitForExit(child, 30_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    await scratch?.drop().catch((e: unknown) => console.warn(`could not drop the e2e database: ${String(e)}`));
    await rm(dataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`kdesk serve exited with code ${child.exitCode}:\n${log}`);
      try {
        const res = await fetch(`${baseUrl}/api/health`);
        if (res.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`kdesk serve did not answer /api/health in time:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    baseUrl,
    output: () => log,
    stop,
    cli: (args) =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env, timeout: 120_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`kdesk ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
          else resolve(stdout);
        });
      }),
  };
}
