// Contact Sync runs: the directory's view of each synced person that a run needs besides the contact —
// the DN (comparable form) and the manager it names — so reports-to is resolved in a second pass, also
// by incremental runs that read only the people who changed. Written only when a value changes, so an
// unchanged run writes nothing here either.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE sync_people (
      connection_id uuid NOT NULL REFERENCES sync_connections (id) ON DELETE CASCADE,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      sync_id text NOT NULL,
      -- the DN in one comparable spelling (lower-case, escapes one way)
      dn_key text NOT NULL,
      -- the manager: a DN in the same spelling, or a sync id (manager_is_dn false); null: none
      manager_key text,
      manager_is_dn boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (connection_id, sync_id)
    )`.execute(db);
  await sql`CREATE INDEX sync_people_dn_idx ON sync_people (connection_id, dn_key)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS sync_people`.execute(db);
}
