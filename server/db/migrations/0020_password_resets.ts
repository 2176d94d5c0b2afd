// Password reset by emailed link. A request row is written for every address asked about (known or not),
// and a periodic task resolves it to a member and mails the link, so the answer never depends on the
// address. The link's token is stored as SHA-256, works once and for 1 hour.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE password_resets (
      id uuid PRIMARY KEY,
      email text NOT NULL,
      ip text,
      origin text,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','issued','dropped')),
      member_id uuid REFERENCES members (id) ON DELETE CASCADE,
      token_hash text UNIQUE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX password_resets_pending_idx ON password_resets (created_at) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX password_resets_member_idx ON password_resets (member_id) WHERE member_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS password_resets`.execute(db);
}
