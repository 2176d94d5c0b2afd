// Frozen in time: migrations use Kysely<any> and never import application code.
// Contact portal: sign-in requests and codes, contact sessions, contact links, per-team SSO settings,
// OpenID Connect login states, and the transactional mail outbox.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Mail written in the same transaction as the event it reports; a periodic task delivers it.
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    // bodies carrying a secret (sign-in codes) are blanked once delivered by SMTP
    .addColumn('sensitive', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status IN ('pending','sent','failed','kept')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    // a sender holds a row until this time; another instance takes it over after a crash
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    // not worth sending after this (a sign-in code that expired)
    .addColumn('discard_after', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX mail_outbox_team_idx ON mail_outbox (team_id, id DESC)`.execute(db);

  // One row per "send me a code", for every email typed (known or not); a periodic task resolves
  // the contact and issues the code, so the request path never depends on whether the email exists.
  await db.schema
    .createTable('portal_login_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('email', 'text')
    .addColumn('link_token_hash', 'text')
    .addColumn('ip', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status IN ('pending','issued','dropped')`),
    )
    .addColumn('contact_id', 'uuid', (c) => c.references('contacts.id').onDelete('cascade'))
    .addColumn('code_hash', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX portal_login_requests_pending_idx ON portal_login_requests (created_at) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX portal_login_requests_expiry_idx ON portal_login_requests (expires_at)`.execute(db);

  await db.schema
    .createTable('portal_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('idle_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('portal_sessions_contact_idx').on('portal_sessions').column('contact_id').execute();
  await db.schema.createIndex('portal_sessions_expiry_idx').on('portal_sessions').column('expires_at').execute();

  // The contact-specific link /portal/<slug>/c/<token>: one live token per contact, stored hashed.
  await db.schema
    .createTable('portal_links')
    .addColumn('contact_id', 'uuid', (c) => c.primaryKey().references('contacts.id').onDelete('cascade'))
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('portal_sso_configs')
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider IN ('google','microsoft')`))
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    // AES-256-GCM with the server key (KDESK_SECRET_KEY); never sent back
    .addColumn('client_secret_enc', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('portal_sso_configs_pkey', ['team_id', 'provider'])
    .execute();

  // An OpenID Connect authorization in flight: state, nonce, PKCE verifier, bound to the browser
  // that started it by a cookie whose hash is stored here.
  await db.schema
    .createTable('portal_sso_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['portal_sso_states', 'portal_sso_configs', 'portal_links', 'portal_sessions', 'portal_login_requests', 'mail_outbox']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
