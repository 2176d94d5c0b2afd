// Frozen in time: migrations use Kysely<any> and never import application code.
// Import and export: uploaded/generated files (in PostgreSQL, so any instance can resume an import),
// import runs with their counters and checkpoint, per-row outcomes. (Export jobs are rows of `jobs`.)
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE files (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
      purpose text NOT NULL CHECK (purpose IN ('import', 'export')),
      name text NOT NULL,
      size bigint NOT NULL DEFAULT 0,
      sha256 text,
      meta jsonb NOT NULL DEFAULT '{}'::jsonb,
      complete boolean NOT NULL DEFAULT false,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX files_expires_idx ON files (expires_at)`.execute(db);
  await sql`
    CREATE TABLE file_chunks (
      file_id uuid NOT NULL REFERENCES files(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (file_id, seq)
    )`.execute(db);
  // CSV and XLSX compress poorly with pglz or are compressed already: store as they are
  await sql`ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL`.execute(db);

  await sql`
    CREATE TABLE imports (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
      file_id uuid REFERENCES files(id) ON DELETE SET NULL,
      status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      mode text NOT NULL CHECK (mode IN ('upsert', 'create', 'update')),
      dry_run boolean NOT NULL DEFAULT false,
      file_name text NOT NULL,
      file_size bigint NOT NULL,
      format text NOT NULL,
      encoding text,
      encoding_damaged boolean NOT NULL DEFAULT false,
      delimiter text,
      skip_chars integer NOT NULL DEFAULT 0,
      headers jsonb NOT NULL,
      mapping jsonb NOT NULL,
      unmapped_columns jsonb NOT NULL,
      total integer,
      processed integer NOT NULL DEFAULT 0,
      created integer NOT NULL DEFAULT 0,
      updated integer NOT NULL DEFAULT 0,
      unchanged integer NOT NULL DEFAULT 0,
      failed integer NOT NULL DEFAULT 0,
      -- spreadsheet row number of the last row of the last committed batch: a resumed run goes on after it
      checkpoint_row integer NOT NULL DEFAULT 1,
      cancel_requested boolean NOT NULL DEFAULT false,
      error text,
      idempotency_key text,
      request_hash text,
      actor jsonb NOT NULL,
      created_by uuid,
      lease_owner text,
      lease_expires_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // one import per team at a time; a worker that dies loses its lease and another one takes over
  await sql`CREATE UNIQUE INDEX imports_one_active_per_team ON imports (team_id) WHERE status IN ('queued', 'running')`.execute(db);
  await sql`CREATE UNIQUE INDEX imports_idempotency_key ON imports (team_id, idempotency_key) WHERE idempotency_key IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX imports_team_idx ON imports (team_id, created_at DESC)`.execute(db);
  await sql`CREATE INDEX imports_active_idx ON imports (lease_expires_at) WHERE status IN ('queued', 'running')`.execute(db);

  await sql`
    CREATE TABLE import_rows (
      import_id uuid NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      row_number integer NOT NULL,
      action text NOT NULL CHECK (action IN ('create', 'update', 'unchanged', 'fail')),
      error text,
      contact_id uuid,
      cells jsonb NOT NULL,
      PRIMARY KEY (import_id, row_number)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['import_rows', 'imports', 'file_chunks', 'files']) await db.schema.dropTable(t).ifExists().execute();
}
