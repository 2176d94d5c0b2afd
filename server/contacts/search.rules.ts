// Directory search: ONE normaliser for stored data and for queries, so case and accents fold the same
// way on both sides (JavaScript and PostgreSQL case-fold differently: `İ`, `ß`). PostgreSQL only runs a
// case-sensitive LIKE over the stored, already folded `search_text`, served by a trigram index.

/**
 * Bump when foldText or searchDocument change: rows whose stored text would differ are re-indexed by the
 * periodic job `contacts.reindex-search`, which selects them by the predicate of the newest migration that
 * defines it (STALE_SEARCH_ROWS in 0007) through a partial index on exactly those rows. A bump needs a
 * migration that replaces that index and predicate, naming only the rows the change affects when it can.
 * 1: the first normaliser. 2: CJK names also stored family name first (`김효원`, `김 효원`); Latin-named rows
 * keep version 1, whose text is the same.
 */
export const SEARCH_VERSION = 2;

// Field separator inside search_text. A query can never contain it (foldText drops control characters),
// so a match never spans two fields.
const SEP = ' \u0001 ';
// ranges of combining marks (escaped, so no character actually combines here)
// eslint-disable-next-line no-misleading-character-class
const COMBINING_DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/gu;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Folds case, width and Latin-style accents: "Émile" → "emile", "İstanbul" → "istanbul", "Straße" →
 * "strasse", "ＡＢＣ" → "abc". Scripts whose marks carry meaning keep them: Japanese dakuten (が stays が)
 * and Korean syllables (decomposed by NFKD, recomposed by the final NFC) are unchanged.
 */
export function foldText(s: string): string {
  // printable ASCII has no marks, no width or special case forms: the same result, without the Unicode
  // normalisations (the costliest part of a bulk import's row)
  if (PRINTABLE_ASCII.test(s)) return s.toLowerCase().replace(/ +/g, ' ').trim();
  const stripped = s.normalize('NFKD').replace(COMBINING_DIACRITICS, '');
  // upper then lower folds ß→ss and ı→i; a second pass removes marks the case mapping introduced
  return stripped
    .toUpperCase()
    .toLowerCase()
    .replace(/ß/g, 'ss') // from capital ẞ, which lower-cases to ß
    .replace(/ς/g, 'σ') // toLowerCase writes a word-final sigma
    .normalize('NFKD')
    .replace(COMBINING_DIACRITICS, '')
    .replace(CONTROL, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .normalize('NFC');
}

export const digitsOf = (s: string) => s.replace(/\D/g, '');

/**
 * The characters of the scripts whose names are written family name first and without a space (Korean,
 * Japanese, Chinese), as inclusive code point ranges: Hangul, Kana and Han, with the compatibility forms
 * that foldText turns into them (half-width Katakana and Hangul, Kangxi radicals, circled and squared
 * forms), so the raw name tells what its folded form holds.
 *
 * Migration 0007 (`0007_cjk_names.ts`) holds the same ranges as a PostgreSQL regex, written out because a
 * migration is frozen in time: change one, change the other (search-reindex.api.test.ts compares them, and
 * what each regex matches, code point by code point).
 */
export const CJK_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x11ff], // Hangul Jamo
  [0x2e80, 0x2fdf], // CJK Radicals Supplement, Kangxi Radicals
  [0x3005, 0x3007], // 々 〆 〇
  [0x3021, 0x3029], // Hangzhou numerals
  [0x302e, 0x302f], // Hangul tone marks
  [0x3038, 0x303b], // Hangzhou numerals, 〻
  [0x3040, 0x30ff], // Hiragana, Katakana
  [0x3130, 0x318f], // Hangul Compatibility Jamo
  [0x3190, 0x319f], // Kanbun
  [0x31f0, 0x33ff], // Katakana Phonetic Extensions, Enclosed CJK Letters and Months, CJK Compatibility
  [0x3400, 0x4dbf], // CJK Unified Ideographs Extension A
  [0x4e00, 0x9fff], // CJK Unified Ideographs
  [0xa960, 0xa97f], // Hangul Jamo Extended-A
  [0xac00, 0xd7ff], // Hangul Syllables, Hangul Jamo Extended-B
  [0xf900, 0xfaff], // CJK Compatibility Ideographs
  [0xff65, 0xffdc], // half-width Katakana and Hangul
  [0x16fe0, 0x16fff], // Ideographic Symbols and Punctuation
  [0x1aff0, 0x1b16f], // Kana Extended-B, Kana Supplement, Kana Extended-A, Small Kana Extension
  [0x1f200, 0x1f2ff], // Enclosed Ideographic Supplement
  [0x20000, 0x3ffff], // CJK Unified Ideographs Extensions B–J, CJK Compatibility Ideographs Supplement
];
const CJK = new RegExp(`[${CJK_RANGES.map(([lo, hi]) => `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`).join('')}]`, 'u');

/** Does a name hold a character of CJK_RANGES? (Its raw text, as the migration's SQL sees it.) */
export const hasCjk = (s: string | null | undefined): boolean => !!s && CJK.test(s);

export interface SearchSource {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  primaryEmail: string | null;
  emails: Record<string, string>;
  phones: Record<string, string>;
}

/**
 * The searchable fields of a contact, each folded; phones as digits only (as typed and in E.164).
 * A CJK name is also stored family name first, with and without a space ("효원 김", "김효원", "김 효원"),
 * as Korean, Japanese and Chinese users write and search it. A Latin name is not: "Smith John" finds
 * nobody, and most documents stay as short as they were.
 */
export function searchFields(c: SearchSource, phonesE164: string[]): string[] {
  const fields: string[] = [];
  const add = (v: string | null | undefined) => {
    const f = v ? foldText(v) : '';
    if (f && !fields.includes(f)) fields.push(f);
  };
  add([c.firstName, c.lastName].filter(Boolean).join(' '));
  const { firstName: first, lastName: last } = c;
  if ((hasCjk(first) || hasCjk(last)) && first && last && foldText(first) && foldText(last)) {
    add(last + first);
    add(`${last} ${first}`);
  }
  add(c.company);
  add(c.primaryEmail);
  for (const e of Object.values(c.emails)) add(e);
  for (const p of Object.values(c.phones)) add(digitsOf(p));
  for (const p of phonesE164) add(digitsOf(p));
  return fields;
}

/** What is stored in contacts.search_text: every field preceded by a space, so word starts are " x". */
export function searchDocument(c: SearchSource, phonesE164: string[]): string {
  const fields = searchFields(c, phonesE164);
  return fields.length ? SEP + fields.join(SEP) : '';
}

export type SearchNeedle = { mode: 'substring' | 'prefix'; needle: string };

const PHONE_LIKE = /^[+\d\s().\-/]+$/;

/**
 * Turns what a user typed into what is looked for. Three characters or more match anywhere in a field;
 * one or two characters match the start of a word ("jo" finds "John" and "Mary Jones", not "Major").
 * Something that looks like a phone number ("+1 (555) 123-4567") is reduced to its digits.
 */
export function parseSearch(q: string | undefined | null): SearchNeedle | null {
  if (!q) return null;
  let needle = foldText(q);
  if (PHONE_LIKE.test(needle) && digitsOf(needle).length >= 3) needle = digitsOf(needle);
  if (!needle) return null;
  return { mode: [...needle].length >= 3 ? 'substring' : 'prefix', needle };
}

/** The LIKE pattern for search_text (case-sensitive: both sides are folded already). */
export function likePattern(s: SearchNeedle): string {
  const escaped = s.needle.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  return s.mode === 'substring' ? `%${escaped}%` : `% ${escaped}%`;
}

/** The reference definition (used by tests as a brute-force oracle): does a contact match? */
export function matchesSearch(c: SearchSource, phonesE164: string[], s: SearchNeedle): boolean {
  return searchFields(c, phonesE164).some((f) => (s.mode === 'substring' ? f.includes(s.needle) : ` ${f}`.includes(` ${s.needle}`)));
}

// Sort keys: folded, so "émile" sorts with "Emile"; names fall back to the other name and the email so a
// contact without a last name still sorts somewhere sensible. Empty company/email sort after the rest.
const LAST = '\u{10ffff}';
export function sortKeys(c: SearchSource) {
  const f = (v: string | null) => (v ? foldText(v) : '');
  const email = c.primaryEmail ?? '';
  return {
    skLast: [f(c.lastName), f(c.firstName), email].join('\u0001'),
    skFirst: [f(c.firstName), f(c.lastName), email].join('\u0001'),
    skCompany: f(c.company) || LAST,
    skEmail: email || LAST,
  };
}
