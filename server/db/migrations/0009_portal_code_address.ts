// A sign-in code is bound to the address it was mailed to: once an agent changes the contact's primary
// email, a code sent to the old address no longer signs in. Codes issued before this column existed have
// no address and are refused (they live 10 minutes).
// Frozen in time: Kysely<any>, no application imports.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('portal_login_requests').addColumn('sent_to', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('portal_login_requests').dropColumn('sent_to').execute();
}
