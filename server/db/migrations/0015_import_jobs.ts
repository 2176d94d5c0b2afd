// Imports run as `contacts.import` jobs of the job engine (the job has the import's id, one per team).
// The imports queued or running when this runs get their job, so they go on after the upgrade.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    INSERT INTO jobs (id, team_id, kind, payload, singleton_key, status, run_at, created_at)
    SELECT id, team_id, 'contacts.import', jsonb_build_object('importId', id), 'import:' || team_id, 'queued', now(), created_at
    FROM imports WHERE status IN ('queued', 'running')
    ON CONFLICT DO NOTHING`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM jobs WHERE kind = 'contacts.import'`.execute(db);
}
