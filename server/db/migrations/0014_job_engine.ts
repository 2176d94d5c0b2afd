// One job engine: jobs without a team (periodic tasks, mail delivery), a singleton key (at most one
// queued and one running job per key), a count of lease expiries kept apart from attempts (a job that
// ends its worker every time fails with a reason), and schedules stored in the database (cron-style,
// one enqueue per due time across instances) instead of periodic_runs.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE jobs ALTER COLUMN team_id DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE jobs ADD COLUMN singleton_key text, ADD COLUMN lease_expiries integer NOT NULL DEFAULT 0`.execute(db);
  await sql`CREATE UNIQUE INDEX jobs_singleton_queued_idx ON jobs (singleton_key) WHERE status = 'queued'`.execute(db);
  await sql`CREATE UNIQUE INDEX jobs_singleton_running_idx ON jobs (singleton_key) WHERE status = 'running'`.execute(db);
  await sql`CREATE INDEX jobs_kind_due_idx ON jobs (kind, run_at) WHERE status IN ('queued','running')`.execute(db);
  await sql`
    CREATE TABLE schedules (
      name text PRIMARY KEY,
      cron text NOT NULL,
      kind text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
      singleton_key text,
      next_run_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX schedules_due_idx ON schedules (next_run_at)`.execute(db);
  await sql`CREATE INDEX schedules_team_idx ON schedules (team_id) WHERE team_id IS NOT NULL`.execute(db);
  await sql`DROP TABLE IF EXISTS periodic_runs`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS periodic_runs (name text PRIMARY KEY, last_run_at timestamptz NOT NULL)`.execute(db);
  await sql`DROP TABLE IF EXISTS schedules`.execute(db);
  await sql`DROP INDEX IF EXISTS jobs_kind_due_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS jobs_singleton_running_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS jobs_singleton_queued_idx`.execute(db);
  await sql`DELETE FROM jobs WHERE team_id IS NULL`.execute(db);
  await sql`ALTER TABLE jobs DROP COLUMN lease_expiries, DROP COLUMN singleton_key, ALTER COLUMN team_id SET NOT NULL`.execute(db);
}
