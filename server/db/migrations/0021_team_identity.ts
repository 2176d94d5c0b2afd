// Team identity (Team settings > General): the support email shown in mails, and the old portal addresses
// of a team that changed its slug, which redirect to the new one. Also the index of the team-wide audit log
// (newest first, paged by id).
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE teams ADD COLUMN support_email text`.execute(db);
  await sql`
    CREATE TABLE team_slug_redirects (
      old_slug text PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX team_slug_redirects_team_idx ON team_slug_redirects (team_id)`.execute(db);
  await sql`CREATE INDEX audit_log_team_idx ON audit_log (team_id, id DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS audit_log_team_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS team_slug_redirects`.execute(db);
  await sql`ALTER TABLE teams DROP COLUMN IF EXISTS support_email`.execute(db);
}
