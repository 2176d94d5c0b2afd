// contact_email_keys() as an expression PostgreSQL inlines. The function was one query (array_agg over a
// UNION with json_each_text), which PostgreSQL cannot inline: every evaluation ran it through the SQL
// function executor, ~10 µs — for each row written into contacts_email_keys_idx (every create, every change
// of a contact, a company re-scan's every linked contact: a linked row gets a new version in each index) and
// for each row the duplicate finder reads. Now a CASE that PostgreSQL inlines (into the index expression and
// into the queries alike, so they still match): a contact without labeled emails (`{}`, most of them) gets
// its lower-cased primary email without a query; the others go through the old query, renamed
// contact_email_keys_labeled(). The results are the same for every input (same set, same order), so the
// index's entries stay valid; touching the index's options makes every session rebuild its cached copy of
// the index expression.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

const OLD_BODY = `
      SELECT coalesce(array_agg(DISTINCT e), '{}'::text[]) FROM (
        SELECT lower(primary_email) AS e WHERE primary_email IS NOT NULL
        UNION ALL
        SELECT lower(v) FROM json_each_text(CASE WHEN json_typeof(emails) = 'object' THEN emails ELSE '{}'::json END) AS j(k, v)
      ) x WHERE e IS NOT NULL AND e <> ''
    `;

/**
 * The helper, named with its schema: PostgreSQL parses an inlined body with the search_path of the moment,
 * and maintenance (ANALYZE of the expression index, a restore, REINDEX) may run with only pg_catalog on it.
 */
async function helperName(db: Kysely<any>): Promise<string> {
  const r = await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db);
  return `"${r.rows[0]!.s.replace(/"/g, '""')}".contact_email_keys_labeled`;
}

export async function up(db: Kysely<any>): Promise<void> {
  const helper = await helperName(db);
  await sql`
    CREATE OR REPLACE FUNCTION ${sql.raw(helper)}(primary_email text, emails json) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$${sql.raw(OLD_BODY)}$$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION contact_email_keys(primary_email text, emails json) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE
        WHEN emails::text <> '{}' THEN ${sql.raw(helper)}(primary_email, emails)
        WHEN primary_email IS NULL OR primary_email = '' THEN '{}'::text[]
        ELSE ARRAY[lower(primary_email)]
      END
    $$`.execute(db);
  await sql`ALTER INDEX contacts_email_keys_idx SET (fastupdate = off)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION contact_email_keys(primary_email text, emails json) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$${sql.raw(OLD_BODY)}$$`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ${sql.raw(await helperName(db))}(text, json)`.execute(db);
  await sql`ALTER INDEX contacts_email_keys_idx SET (fastupdate = off)`.execute(db);
}
