// Member administration: deactivated members, last sign-in, and invitations by email (a one-time link,
// stored as SHA-256, valid 7 days).
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE members ADD COLUMN deactivated_at timestamptz, ADD COLUMN last_sign_in_at timestamptz`.execute(db);
  await sql`
    CREATE TABLE member_invitations (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      email text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner','admin','agent')),
      modify_contacts boolean NOT NULL,
      import_contacts boolean NOT NULL,
      export_contacts boolean NOT NULL,
      token_hash text NOT NULL UNIQUE,
      invited_by uuid REFERENCES members (id) ON DELETE SET NULL,
      invited_by_label text,
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      revoked_at timestamptz,
      member_id uuid REFERENCES members (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // one open invitation per address and team: inviting again renews it
  await sql`
    CREATE UNIQUE INDEX member_invitations_open_idx ON member_invitations (team_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS member_invitations`.execute(db);
  await sql`ALTER TABLE members DROP COLUMN IF EXISTS deactivated_at, DROP COLUMN IF EXISTS last_sign_in_at`.execute(db);
}
