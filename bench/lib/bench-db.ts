// The benchmarks' database: DATABASE_URL when given, otherwise an embedded PostgreSQL in its own data
// directory (default .data/bench), so a benchmark never touches the development database in .data.
import path from 'node:path';
import pg from 'pg';
import { createDb, type Db } from '../../server/db/client.ts';
import { startEmbeddedPostgres } from '../../server/db/embedded.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';

export const DEFAULT_BENCH_DATA_DIR = '.data/bench';

export interface BenchDatabase {
  url: string;
  db: Db;
  embedded: boolean;
  dataDir: string | null;
  close(): Promise<void>;
}

/** `fresh`: (embedded only) start from an empty database, whatever state the last run left. */
export async function openBenchDatabase(o: {
  databaseUrl?: string | null;
  dataDir?: string | null;
  fresh?: boolean;
}): Promise<BenchDatabase> {
  let url: string;
  let stop = async () => {};
  const dataDir = o.databaseUrl ? null : path.resolve(o.dataDir || DEFAULT_BENCH_DATA_DIR);
  if (o.databaseUrl) url = o.databaseUrl;
  else {
    const e = await startEmbeddedPostgres({ dataDir: dataDir!, database: 'postgres' });
    stop = e.stop;
    const u = new URL(e.url);
    u.pathname = '/kdesk';
    url = u.toString();
    await withClient(e.url, async (c) => {
      // a drop that was interrupted leaves an "invalid" database that can only be dropped
      if (o.fresh) await c.query('DROP DATABASE IF EXISTS kdesk WITH (FORCE)');
      const { rowCount } = await c.query(`SELECT 1 FROM pg_database WHERE datname = 'kdesk'`);
      if (!rowCount) await c.query('CREATE DATABASE kdesk');
    });
  }
  const db = createDb(url, { max: 4 });
  await migrateToLatest(db);
  return {
    url,
    db,
    embedded: !o.databaseUrl,
    dataDir,
    async close() {
      await db.destroy();
      await stop();
    },
  };
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** "1.2 (load 3.4)": the 1-minute load average, to print beside every figure (the machine is shared). */
export async function loadAverage(): Promise<number> {
  const os = await import('node:os');
  return Math.round(os.loadavg()[0]! * 100) / 100;
}

export const fmt = (n: number) => n.toLocaleString('en-US');
