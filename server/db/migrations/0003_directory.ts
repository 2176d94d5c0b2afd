// Directory at scale (issue 3): folded search text and sort keys written by the application (one JS
// normaliser), a trash (deleted_at), and the jobs table for long-running work with progress.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gin`.execute(db);
  // COLLATE "C": byte order, the same on every server whatever its locale, so keyset cursors stay valid
  await sql`
    ALTER TABLE contacts
      ADD COLUMN search_text text COLLATE "C" NOT NULL DEFAULT '',
      ADD COLUMN sk_last text COLLATE "C" NOT NULL DEFAULT '',
      ADD COLUMN sk_first text COLLATE "C" NOT NULL DEFAULT '',
      ADD COLUMN sk_company text COLLATE "C" NOT NULL DEFAULT '',
      ADD COLUMN sk_email text COLLATE "C" NOT NULL DEFAULT '',
      ADD COLUMN search_version smallint NOT NULL DEFAULT 0,
      ADD COLUMN deleted_at timestamptz
  `.execute(db);
  // a contact in the trash no longer holds its primary email; restoring checks it is still free
  await sql`DROP INDEX contacts_team_primary_email_key`.execute(db);
  await sql`CREATE UNIQUE INDEX contacts_team_primary_email_key ON contacts (team_id, primary_email)
            WHERE primary_email IS NOT NULL AND deleted_at IS NULL`.execute(db);
  for (const [name, cols] of [
    ['contacts_sort_last_idx', 'sk_last, id'],
    ['contacts_sort_first_idx', 'sk_first, id'],
    ['contacts_sort_company_idx', 'sk_company, id'],
    ['contacts_sort_email_idx', 'sk_email, id'],
    ['contacts_sort_created_idx', 'created_at, id'],
    ['contacts_sort_updated_idx', 'updated_at, id'],
  ] as const) {
    await sql.raw(`CREATE INDEX ${name} ON contacts (team_id, ${cols}) WHERE deleted_at IS NULL`).execute(db);
  }
  // team_id inside the GIN index: its posting list is ANDed with the trigrams' lists (it does not keep teams
  // apart: trigram lists span all teams; small teams avoid this index altogether, see contacts.service list)
  await sql`CREATE INDEX contacts_search_idx ON contacts USING gin (team_id, search_text gin_trgm_ops) WHERE deleted_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX contacts_phones_e164_idx ON contacts USING gin (team_id, phones_e164) WHERE deleted_at IS NULL`.execute(db);
  await sql`CREATE INDEX contacts_trash_idx ON contacts (team_id, deleted_at, id) WHERE deleted_at IS NOT NULL`.execute(db);
  await sql`CREATE INDEX contacts_search_version_idx ON contacts (search_version) WHERE search_version < 1`.execute(db);

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('queued')
        .check(sql`status IN ('queued','running','succeeded','failed','cancelled')`),
    )
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'integer')
    .addColumn('result', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('created_by', 'uuid')
    .addColumn('run_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('cancel_requested', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX jobs_pending_idx ON jobs (run_at) WHERE status IN ('queued','running')`.execute(db);
  await sql`CREATE INDEX jobs_team_idx ON jobs (team_id, created_at DESC)`.execute(db);

  // periodic work (trash purge, ...) runs once per interval across all instances
  await db.schema
    .createTable('periodic_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_run_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('periodic_runs').ifExists().execute();
  await db.schema.dropTable('jobs').ifExists().execute();
  for (const i of [
    'contacts_sort_last_idx',
    'contacts_sort_first_idx',
    'contacts_sort_company_idx',
    'contacts_sort_email_idx',
    'contacts_sort_created_idx',
    'contacts_sort_updated_idx',
    'contacts_search_idx',
    'contacts_phones_e164_idx',
    'contacts_trash_idx',
    'contacts_search_version_idx',
  ]) {
    await sql.raw(`DROP INDEX IF EXISTS ${i}`).execute(db);
  }
  await sql`DROP INDEX contacts_team_primary_email_key`.execute(db);
  await sql`DELETE FROM contacts WHERE deleted_at IS NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX contacts_team_primary_email_key ON contacts (team_id, primary_email) WHERE primary_email IS NOT NULL`.execute(
    db,
  );
  await sql`ALTER TABLE contacts DROP COLUMN search_text, DROP COLUMN sk_last, DROP COLUMN sk_first, DROP COLUMN sk_company,
            DROP COLUMN sk_email, DROP COLUMN search_version, DROP COLUMN deleted_at`.execute(db);
}
