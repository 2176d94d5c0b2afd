// Contact Sync (one-way into kdesk): connections to a directory (LDAP / Active Directory now; Google,
// Microsoft and SCIM later on the same tables), their runs, and one row per person and run saying what
// happened to them. Secrets live apart from the settings, each value encrypted (AES-256-GCM, the
// server key), so no query that reads settings can leak one.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE sync_connections (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      source text NOT NULL CHECK (source IN ('ldap','google','microsoft','scim')),
      status text NOT NULL CHECK (status IN ('enabled','draft')),
      -- source settings without their secrets
      settings jsonb NOT NULL DEFAULT '{}',
      -- { "<secret name>": "v1.<iv>.<ciphertext>.<tag>" }, authenticated with the connection id and the name
      secrets jsonb NOT NULL DEFAULT '{}',
      scope jsonb NOT NULL,
      mapping jsonb NOT NULL,
      -- cron-style text (server/jobs/cron.rules.ts) or null: run by hand only
      schedule text,
      -- where the next incremental run starts ({kind, value, invocationId?}); null: the next run is full
      watermark jsonb,
      last_full_run_at timestamptz,
      last_run_id uuid,
      version integer NOT NULL DEFAULT 1,
      created_by uuid REFERENCES members (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX sync_connections_team_name_key ON sync_connections (team_id, lower(name))`.execute(db);

  await sql`
    CREATE TABLE sync_runs (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      connection_id uuid NOT NULL REFERENCES sync_connections (id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued','running','succeeded','failed','cancelled','needs_confirmation')),
      full_run boolean NOT NULL,
      dry_run boolean NOT NULL DEFAULT false,
      -- 'manual' | 'run_all' | 'schedule'
      trigger text NOT NULL DEFAULT 'manual',
      requested_by uuid REFERENCES members (id) ON DELETE SET NULL,
      job_id uuid,
      created integer NOT NULL DEFAULT 0,
      updated integer NOT NULL DEFAULT 0,
      unchanged integer NOT NULL DEFAULT 0,
      deactivated integer NOT NULL DEFAULT 0,
      conflicts integer NOT NULL DEFAULT 0,
      failed integer NOT NULL DEFAULT 0,
      -- people read from the directory so far (progress), and those deactivation would touch
      seen integer NOT NULL DEFAULT 0,
      to_deactivate integer,
      -- the watermark the run started from (incremental) and the one it leaves on success
      watermark_from jsonb,
      watermark_to jsonb,
      -- the job's resumable state (phase, paging cookie position, ...)
      state jsonb NOT NULL DEFAULT '{}',
      error text,
      confirmed_by uuid REFERENCES members (id) ON DELETE SET NULL,
      confirmed_at timestamptz,
      created_at timestamptz NOT NULL,
      started_at timestamptz,
      finished_at timestamptz
    )`.execute(db);
  // a connection's runs, newest first (UUIDv7 ids are time-ordered)
  await sql`CREATE INDEX sync_runs_connection_idx ON sync_runs (connection_id, id DESC)`.execute(db);
  await sql`CREATE INDEX sync_runs_team_idx ON sync_runs (team_id, id DESC)`.execute(db);

  // one row per person in scope and run (and per person deactivated): every person counted exactly once
  await sql`
    CREATE TABLE sync_run_entries (
      run_id uuid NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      seq integer NOT NULL,
      sync_id text NOT NULL,
      dn text,
      outcome text NOT NULL CHECK (outcome IN ('created','updated','unchanged','deactivated','conflict','failed')),
      contact_id uuid,
      name text,
      email text,
      reason text,
      changes jsonb,
      PRIMARY KEY (run_id, seq),
      UNIQUE (run_id, sync_id)
    )`.execute(db);
  await sql`CREATE INDEX sync_run_entries_outcome_idx ON sync_run_entries (run_id, outcome, seq)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS sync_run_entries`.execute(db);
  await sql`DROP TABLE IF EXISTS sync_runs`.execute(db);
  await sql`DROP TABLE IF EXISTS sync_connections`.execute(db);
}
