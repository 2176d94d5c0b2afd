// Search version 2 stores CJK names family name first as well ("김효원", "김 효원", "佐藤花子"); every other
// row's search text is what version 1 wrote. So instead of letting the periodic re-index rewrite every
// contact, this marks the rows without a CJK character in their names as current, and the job rewrites
// only the CJK-named ones. The job's partial index follows the new version (`< 2`), or its query would read
// the whole table every ten minutes.
//
// Cost: the UPDATE still writes a new version of every Latin-named row, with an entry in every index (the
// sort indexes carry search_text, the GIN index its trigrams): pages filled by imports leave no room for a
// HOT update, whether or not an index holds search_version. 200,000 bench:seed contacts (156,056 Latin):
// 31-38 s in this transaction, 1.7 GB of WAL, heap 116 → 208 MB and indexes 252 → 476 MB until vacuumed;
// then the job re-indexed the 43,944 CJK rows in 26 s, where it takes 131 s for all 200,000 without this.
// The UPDATE runs before the index is swapped: DROP INDEX locks out readers until the commit.
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

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    UPDATE contacts SET search_version = 2
    WHERE search_version = 1 AND NOT (coalesce(first_name, '') || coalesce(last_name, '') ~ ${CJK_CLASS})`.execute(db);
  await sql`DROP INDEX IF EXISTS contacts_search_version_idx`.execute(db);
  await sql`CREATE INDEX contacts_search_version_idx ON contacts (search_version) WHERE search_version < 2`.execute(db);
}

// Version 2 text is version 1 text plus the family-name-first forms: an older server searches it as well,
// so the rows keep it (and their version, which such a server does not re-index).
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS contacts_search_version_idx`.execute(db);
  await sql`CREATE INDEX contacts_search_version_idx ON contacts (search_version) WHERE search_version < 1`.execute(db);
}
