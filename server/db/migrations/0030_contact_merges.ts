// Merging duplicate contacts, with undo, and the duplicate finder.
// - contacts.merged_into: a contact merged into another sits in the trash marked with its survivor.
// - contact_merges: one merge: who survived, who was merged, the contacts as they were (row_to_json, kept as
//   `json` so the text of every column round-trips exactly) and when it was undone.
// - contact_merge_refs: every row of a table pointing at contacts that the merge moved to the survivor
//   ('moved', the row as it was) or removed because the survivor already had its twin ('removed'), so
//   undo puts each one back.
// - contact_email_keys(): the primary and labeled emails of a contact, lower-cased, as an array: a GIN index
//   over it finds every contact sharing an address; duplicate_groups holds the groups a full scan found.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE contacts ADD COLUMN merged_into uuid`.execute(db);
  await sql`
    CREATE TABLE contact_merges (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      survivor_id uuid NOT NULL,
      merged_ids uuid[] NOT NULL,
      snapshots json NOT NULL,
      survivor_version integer NOT NULL,
      actor_id uuid,
      actor_label text,
      created_at timestamptz NOT NULL,
      undone_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX contact_merges_survivor_idx ON contact_merges (team_id, survivor_id) WHERE undone_at IS NULL`.execute(db);
  await sql`CREATE INDEX contact_merges_created_idx ON contact_merges (created_at)`.execute(db);
  await sql`
    CREATE TABLE contact_merge_refs (
      merge_id uuid NOT NULL REFERENCES contact_merges (id) ON DELETE CASCADE,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      table_name text NOT NULL,
      column_name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('moved','removed')),
      row_data json NOT NULL,
      PRIMARY KEY (merge_id, seq)
    )`.execute(db);

  await sql`
    CREATE FUNCTION contact_email_keys(primary_email text, emails json) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT e), '{}'::text[]) FROM (
        SELECT lower(primary_email) AS e WHERE primary_email IS NOT NULL
        UNION ALL
        SELECT lower(v) FROM json_each_text(CASE WHEN json_typeof(emails) = 'object' THEN emails ELSE '{}'::json END) AS j(k, v)
      ) x WHERE e IS NOT NULL AND e <> ''
    $$`.execute(db);
  // no team_id in it: a GIN index with team_id intersects every look-up with the team's posting list (as
  // long as the team), while an address is shared by a handful of rows; the team is checked on those rows
  // fastupdate off: with a pending list (up to 4 MB of recent writes, scanned in full by every look-up), one
  // look-up of an address cost 12 ms instead of 0.02 ms in a 100,000-contact directory after a bulk change
  await sql`CREATE INDEX contacts_email_keys_idx ON contacts USING gin (contact_email_keys(primary_email, emails))
            WITH (fastupdate = off) WHERE deleted_at IS NULL`.execute(db);
  // the same for the phones' index (the finder looks each phone up; phone search gains too)
  await sql`ALTER INDEX contacts_phones_e164_idx SET (fastupdate = off)`.execute(db);
  await sql`SELECT gin_clean_pending_list('contacts_phones_e164_idx')`.execute(db);
  // similar names at the same company: the folded last and first names (the first two parts of the sort key
  // sk_last, "last \x01 first \x01 email"), equal
  await sql`CREATE INDEX contacts_company_name_idx ON contacts
            (team_id, company_id, (split_part(sk_last, E'\x01', 1) || E'\x01' || split_part(sk_last, E'\x01', 2)))
            WHERE deleted_at IS NULL AND company_id IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE duplicate_scans (
      team_id uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
      job_id uuid,
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      groups integer
    )`.execute(db);
  await sql`
    CREATE TABLE duplicate_groups (
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      anchor_id uuid NOT NULL,
      reason text NOT NULL CHECK (reason IN ('email','phone','name')),
      key text NOT NULL,
      contact_ids uuid[] NOT NULL,
      PRIMARY KEY (team_id, anchor_id, reason, key)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS duplicate_groups`.execute(db);
  await sql`DROP TABLE IF EXISTS duplicate_scans`.execute(db);
  await sql`DROP INDEX IF EXISTS contacts_company_name_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS contacts_email_keys_idx`.execute(db);
  await sql`ALTER INDEX contacts_phones_e164_idx RESET (fastupdate)`.execute(db);
  await sql`DROP FUNCTION IF EXISTS contact_email_keys(text, json)`.execute(db);
  await sql`DROP TABLE IF EXISTS contact_merge_refs`.execute(db);
  await sql`DROP TABLE IF EXISTS contact_merges`.execute(db);
  await sql`ALTER TABLE contacts DROP COLUMN IF EXISTS merged_into`.execute(db);
}
