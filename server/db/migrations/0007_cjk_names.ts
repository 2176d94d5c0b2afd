// Search version 2 stores CJK names family name first as well ("김효원", "김 효원", "佐藤花子"); every other
// row's search text is what version 1 wrote. So no row is rewritten for the version alone: a row needs
// re-indexing when it is older than version 1, or older than 2 with a CJK character in its names
// (STALE_SEARCH_ROWS, which the periodic job `contacts.reindex-search` selects by). A Latin-named row keeps
// `search_version` 1 for good: its version-2 text is the same.
//
// Cost: building the partial index reads the table once (about 0.3 s per 200,000 contacts); the job then
// rewrites only the CJK-named rows (43,944 of 200,000 bench contacts in 26 s, 1,000 per transaction).
// Marking the Latin rows current with an UPDATE instead cost 31-38 s and 1.7 GB of WAL for 200,000 contacts
// (not HOT: every row got a new entry in every index), so it is not done.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

/**
 * The CJK characters as a PostgreSQL regex bracket expression: the same ranges as CJK_RANGES in
 * server/contacts/search.rules.ts (Hangul, Kana, Han and the compatibility forms folding into them),
 * compared by search-reindex.api.test.ts. `\uXXXX` and `\UXXXXXXXX` are code points in PostgreSQL's regexes.
 */
export const CJK_CLASS = `[${[
  '\\u1100-\\u11ff', // Hangul Jamo
  '\\u2e80-\\u2fdf', // CJK Radicals Supplement, Kangxi Radicals
  '\\u3005-\\u3007', // 々 〆 〇
  '\\u3021-\\u3029', // Hangzhou numerals
  '\\u302e-\\u302f', // Hangul tone marks
  '\\u3038-\\u303b', // Hangzhou numerals, 〻
  '\\u3040-\\u30ff', // Hiragana, Katakana
  '\\u3130-\\u318f', // Hangul Compatibility Jamo
  '\\u3190-\\u319f', // Kanbun
  '\\u31f0-\\u33ff', // Katakana Phonetic Extensions, Enclosed CJK Letters and Months, CJK Compatibility
  '\\u3400-\\u4dbf', // CJK Unified Ideographs Extension A
  '\\u4e00-\\u9fff', // CJK Unified Ideographs
  '\\ua960-\\ua97f', // Hangul Jamo Extended-A
  '\\uac00-\\ud7ff', // Hangul Syllables, Hangul Jamo Extended-B
  '\\uf900-\\ufaff', // CJK Compatibility Ideographs
  '\\uff65-\\uffdc', // half-width Katakana and Hangul
  '\\U00016fe0-\\U00016fff', // Ideographic Symbols and Punctuation
  '\\U0001aff0-\\U0001b16f', // Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana Extension
  '\\U0001f200-\\U0001f2ff', // Enclosed Ideographic Supplement
  '\\U00020000-\\U0003ffff', // CJK Unified Ideographs Extensions B–J, CJK Compatibility Ideographs Supplement
].join('')}]`;

/** The rows whose search columns are older than version 2 (the job's WHERE and the index's predicate). */
export const STALE_SEARCH_ROWS = `search_version < 1 OR (search_version < 2 AND (coalesce(first_name, '') || coalesce(last_name, '')) ~ '${CJK_CLASS}')`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS contacts_search_version_idx`.execute(db);
  await sql`CREATE INDEX contacts_search_stale_idx ON contacts (id) WHERE ${sql.raw(STALE_SEARCH_ROWS)}`.execute(db);
}

// Version 2 text is version 1 text plus the family-name-first forms: an older server searches it as well.
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS contacts_search_stale_idx`.execute(db);
  await sql`CREATE INDEX contacts_search_version_idx ON contacts (search_version) WHERE search_version < 1`.execute(db);
}
