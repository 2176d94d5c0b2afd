// Rows with neither an id nor a primary email always create contacts, so importing such a file twice
// duplicates them. An import may match them by another key the contact record holds (`match_by`: a phone's
// E.164 form, or the directory sync id), and counts how many rows had neither (`unkeyed`), dry run included.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE imports
      ADD COLUMN match_by text CHECK (match_by IN ('phone', 'directorySyncId')),
      ADD COLUMN unkeyed integer NOT NULL DEFAULT 0`.execute(db);
  // the directory sync id as a match key (phones_e164 already has its GIN index)
  await sql`CREATE INDEX contacts_directory_sync_id_idx ON contacts (team_id, directory_sync_id)
            WHERE directory_sync_id IS NOT NULL AND deleted_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS contacts_directory_sync_id_idx`.execute(db);
  await sql`ALTER TABLE imports DROP COLUMN IF EXISTS match_by, DROP COLUMN IF EXISTS unkeyed`.execute(db);
}
