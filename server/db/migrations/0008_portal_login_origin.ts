// Frozen in time: migrations use Kysely<any> and never import application code.
// Where links in mail point when no public URL is configured: the address a portal sign-in request came
// to (trusted only on loopback: anyone can send any Host header), and the address a member of the team last
// signed in at (a member's word for where the app lives).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('portal_login_requests').addColumn('origin', 'text').execute();
  await db.schema.alterTable('teams').addColumn('member_origin', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('teams').dropColumn('member_origin').execute();
  await db.schema.alterTable('portal_login_requests').dropColumn('origin').execute();
}
