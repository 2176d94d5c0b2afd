// Portal SSO restricted to organisations: the email domains a Google sign-in may come from, and the
// Microsoft Entra tenant ids a Microsoft sign-in may come from. Empty = no restriction.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE portal_sso_configs ADD COLUMN allowed_domains text[] NOT NULL DEFAULT '{}'`.execute(db);
  await sql`ALTER TABLE portal_sso_configs ADD COLUMN allowed_tenants text[] NOT NULL DEFAULT '{}'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE portal_sso_configs DROP COLUMN IF EXISTS allowed_tenants`.execute(db);
  await sql`ALTER TABLE portal_sso_configs DROP COLUMN IF EXISTS allowed_domains`.execute(db);
}
