// Directory search: ONE normaliser for stored data and for queries, so case and accents fold the same
// way on both sides (JavaScript and PostgreSQL case-fold differently: `İ`, `ß`). PostgreSQL only runs a
// case-sensitive LIKE over the stored, already folded `search_text`, served by a trigram index.

/** Bump when foldText or searchDocument change: rows with an older `search_version` are re-indexed. */
export const SEARCH_VERSION = 1;

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

export interface SearchSource {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  primaryEmail: string | null;
  emails: Record<string, string>;
  phones: Record<string, string>;
}

/** The searchable fields of a contact, each folded; phones as digits only (as typed and in E.164). */
export function searchFields(c: SearchSource, phonesE164: string[]): string[] {
  const fields: string[] = [];
  const add = (v: string | null | undefined) => {
    const f = v ? foldText(v) : '';
    if (f && !fields.includes(f)) fields.push(f);
  };
  add([c.firstName, c.lastName].filter(Boolean).join(' '));
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
