// The agents' ticket list filtered by assignee and status (the most common view: "my open tickets",
// "unassigned open tickets"): one index walks such a page newest first and counts it index-only, where
// (team_id, assignee_id, id DESC) had to visit every ticket of the assignee to test its status.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX tickets_assignee_status_idx ON tickets (team_id, assignee_id, status, id DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tickets_assignee_status_idx`.execute(db);
}
