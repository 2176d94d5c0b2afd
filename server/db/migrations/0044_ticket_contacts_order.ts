// A ticket's contacts in the order they were added (the `contactIds` of every listed ticket, the contacts a
// mail goes to): one index holds them in that order with their ids, so a list of 50 tickets reads them
// index-only instead of fetching each link row from the table and sorting.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX ticket_contacts_order_idx ON ticket_contacts (ticket_id, added_at, contact_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS ticket_contacts_order_idx`.execute(db);
}
