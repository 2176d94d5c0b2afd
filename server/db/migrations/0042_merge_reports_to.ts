// A merge moves what points at a merged contact without a foreign key too: the contacts that report to it
// and its ticket notifications. Both are found by the merged contact's id, so each gets an index on it
// (partial for contacts: only rows that report to someone, so a change of any other contact does not touch it).
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS contacts_reports_to_idx ON contacts (reports_to_contact_id) WHERE reports_to_contact_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX IF NOT EXISTS ticket_notifications_contact_idx ON ticket_notifications (contact_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS ticket_notifications_contact_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS contacts_reports_to_idx`.execute(db);
}
