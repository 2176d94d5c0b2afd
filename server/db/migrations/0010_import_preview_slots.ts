// Reading the head of an uploaded file (preview, and the mapping step of a new import) runs in a thread
// with a heap limit; each team may run only a few at once across all instances. A row is one running
// read, renewed while it runs; the row of a process that died frees itself when `expires_at` passes.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE import_preview_slots (
      holder uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX import_preview_slots_team_idx ON import_preview_slots (team_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS import_preview_slots`.execute(db);
}
