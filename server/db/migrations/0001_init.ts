// Frozen in time: migrations use Kysely<any> and never import application code.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);

  await db.schema
    .createTable('teams')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    // normalised by shared/email.ts; unique across the deployment so sign-in needs no team name
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('owner','admin','agent')`))
    .addColumn('modify_contacts', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('import_contacts', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('export_contacts', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('members_team_idx').on('members').columns(['team_id', 'email']).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'uuid', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_member_idx').on('sessions').column('member_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('member_id', 'uuid', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_tokens_member_idx').on('api_tokens').column('member_id').execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('company', 'text')
    .addColumn('job_title', 'text')
    .addColumn('division', 'text')
    .addColumn('notes', 'text')
    .addColumn('primary_email', 'text')
    // json, not jsonb: jsonb re-sorts keys, and people expect their labels in the order they typed them
    .addColumn('emails', 'json', (c) => c.notNull().defaultTo(sql`'{}'::json`))
    .addColumn('phones', 'json', (c) => c.notNull().defaultTo(sql`'{}'::json`))
    // E.164 forms of the phones (team default region), for search and duplicate detection
    .addColumn('phones_e164', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('address_line1', 'text')
    .addColumn('address_line2', 'text')
    .addColumn('city', 'text')
    .addColumn('state', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('country', 'text')
    .addColumn('notify_new_tickets', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('notify_ticket_updates', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('notify_new_comments', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('notify_form_assignments', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('portal_access', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('can_post_comments', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('can_close_tickets', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('directory_sync_id', 'text')
    .addColumn('directory_organization_id', 'text')
    .addColumn('directory_connection_id', 'uuid')
    .addColumn('reports_to_contact_id', 'uuid')
    .addColumn('reports_to_sync_id', 'text')
    .addColumn('company_id', 'uuid')
    .addColumn('portal_verified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // primary email is unique per team; values are already normalised (lower-cased) by shared/email.ts
  await sql`CREATE UNIQUE INDEX contacts_team_primary_email_key ON contacts (team_id, primary_email) WHERE primary_email IS NOT NULL`.execute(
    db,
  );
  // ids are UUIDv7 (time-ordered): (team_id, id) serves team scoping and newest-first paging
  await sql`CREATE INDEX contacts_team_id_idx ON contacts (team_id, id)`.execute(db);

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'uuid')
    .addColumn('actor_label', 'text')
    .addColumn('changes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('request_id', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX audit_log_entity_idx ON audit_log (team_id, entity_type, entity_id, id DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audit_log', 'contacts', 'api_tokens', 'sessions', 'members', 'teams']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
