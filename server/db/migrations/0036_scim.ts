// SCIM 2.0 provisioning into Contact Sync: the bearer token of each SCIM connection (stored as its
// SHA-256 only: the token is shown once) and the users an identity provider provisioned, as it sent them
// (GET answers them back), keyed by the id kdesk assigned — the contact's directory sync id.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE scim_tokens (
      connection_id uuid PRIMARY KEY REFERENCES sync_connections (id) ON DELETE CASCADE,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      -- base64url SHA-256 of the token
      token_hash text NOT NULL UNIQUE,
      created_by uuid REFERENCES members (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      last_used_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE scim_users (
      connection_id uuid NOT NULL REFERENCES sync_connections (id) ON DELETE CASCADE,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      -- the SCIM id kdesk assigned (the contact's directory_sync_id)
      id uuid NOT NULL,
      user_name text NOT NULL,
      external_id text,
      -- the User as last provisioned (core + extensions, without id and meta)
      resource jsonb NOT NULL,
      active boolean NOT NULL,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      -- DELETE /Users/:id: gone for SCIM (404), its contact deactivated, never deleted
      deleted_at timestamptz,
      PRIMARY KEY (connection_id, id)
    )`.execute(db);
  // userName is unique per connection, case-insensitively (RFC 7643 caseExact false)
  await sql`CREATE UNIQUE INDEX scim_users_user_name_key ON scim_users (connection_id, lower(user_name))`.execute(db);
  await sql`CREATE INDEX scim_users_external_id_idx ON scim_users (connection_id, external_id) WHERE external_id IS NOT NULL`.execute(db);
  // people whose manager was provisioned after them: found when the manager arrives
  await sql`CREATE INDEX contacts_pending_reports_to_idx ON contacts (team_id, reports_to_sync_id)
            WHERE reports_to_sync_id IS NOT NULL AND reports_to_contact_id IS NULL AND deleted_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS contacts_pending_reports_to_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS scim_users`.execute(db);
  await sql`DROP TABLE IF EXISTS scim_tokens`.execute(db);
}
