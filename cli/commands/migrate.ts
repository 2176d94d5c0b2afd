import { Command } from 'commander';
import { withDatabase } from '../database.ts';

export function migrateCommand() {
  return new Command('migrate').description('apply pending database migrations').action(async () => {
    await withDatabase(async (d) => {
      // openDatabase already migrated; report where
      console.log(`Database is at the latest schema (${d.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}).`);
    });
  });
}
