// Contact Sync recognises an unchanged person without mapping them: each synced person keeps a fingerprint of
// what the directory said (with the mapping that read it) and the contact and version that reading left. A
// person whose fingerprint matches and whose contact is still at that version is unchanged, by construction.
// The connection's contacts are found by their connection (who left the scope, what it manages).
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE sync_people ADD COLUMN fingerprint text, ADD COLUMN contact_id uuid, ADD COLUMN contact_version integer`.execute(
    db,
  );
  await sql`CREATE INDEX contacts_directory_connection_idx ON contacts (team_id, directory_connection_id)
            WHERE deleted_at IS NULL AND directory_connection_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS contacts_directory_connection_idx`.execute(db);
  await sql`ALTER TABLE sync_people DROP COLUMN IF EXISTS fingerprint, DROP COLUMN IF EXISTS contact_id,
            DROP COLUMN IF EXISTS contact_version`.execute(db);
}
