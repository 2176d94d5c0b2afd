import { loadConfig } from '../server/config.ts';
import { openDatabase, type Database } from '../server/db/connect.ts';

/** Opens kdesk's database for a CLI command (reusing the embedded server when `kdesk serve` runs). */
export async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config, { log: process.env.LOG_LEVEL === 'debug' ? (l) => console.error(l) : undefined });
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}
