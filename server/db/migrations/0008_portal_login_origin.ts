// Frozen in time: migrations use Kysely<any> and never import application code.
// The address a portal sign-in request came to, so the mail its code is sent in links back there when
// no public URL is configured.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('portal_login_requests').addColumn('origin', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('portal_login_requests').dropColumn('origin').execute();
}
