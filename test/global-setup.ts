// One PostgreSQL per test run: the machine's server when DATABASE_URL is set, otherwise an embedded
// one in a temporary folder. Migrations run once into a template database; each test file copies it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb } from '../server/db/client.ts';
import { startEmbeddedPostgres } from '../server/db/embedded.ts';
import { migrateToLatest } from '../server/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dbAdminUrl: string;
    templateDb: string;
    dbPrefix: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const prefix = `kdesk_t_${runId}`;
  const templateDb = `${prefix}_tpl`;
  let adminUrl: string;
  let stop = async () => {};
  let tmp: string | null = null;

  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kdesk-test-'));
    const embedded = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres', ephemeral: true });
    adminUrl = embedded.url;
    stop = embedded.stop;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  const db = createDb(withDatabase(adminUrl, templateDb), { max: 2 });
  await migrateToLatest(db);
  await db.destroy();

  project.provide('dbAdminUrl', adminUrl);
  project.provide('templateDb', templateDb);
  project.provide('dbPrefix', prefix);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${prefix}%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
}
