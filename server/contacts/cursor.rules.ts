// Paging cursors of the directory, the trash and a contact's history. A cursor comes back from the client,
// so it is checked here as untrusted input: anything this server would not have issued is refused before
// it reaches SQL (where a bad date or an out-of-range number is a database error, not a 400).
import { isUuid } from '../db/ids.ts';
import { unstorableReason } from '../http/storable-text.ts';

/** The sort it was issued for, the last row's sort key (as PostgreSQL writes it as text) and its id. */
export type Cursor = { s: string; k: string; id: string };

/** Sorts whose key is a timestamptz (`trash` pages by deletion time). */
const TIMESTAMP_SORTS = new Set(['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'trash']);

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** The cursor, when it is one this server issues for `sort`; null otherwise. */
export function parseCursor(cursor: string, sort: string): Cursor | null {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (c === null || typeof c !== 'object') return null;
  const { s, k, id } = c as Partial<Cursor>;
  if (s !== sort || typeof k !== 'string' || typeof id !== 'string' || !isUuid(id)) return null;
  if (TIMESTAMP_SORTS.has(sort) ? !isTimestampText(k) : unstorableReason(k) !== null) return null;
  return { s, k, id };
}

// `timestamptz::text` in the ISO date style: 2024-05-01 12:34:56.123456+00 (offset +05:30 in some zones)
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/** A real instant written the way PostgreSQL writes a timestamptz as text. */
export function isTimestampText(s: string): boolean {
  const m = TIMESTAMP_TEXT.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec, oh, om = 0, os = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const leap = y! % 4 === 0 && (y! % 100 !== 0 || y! % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo! - 1];
  return y! >= 1 && days !== undefined && d! >= 1 && d! <= days && h! <= 23 && mi! <= 59 && sec! <= 59 && oh! <= 15 && om <= 59 && os <= 59;
}

/** The history cursor (an audit row id, a positive bigint), or null when it is not one. */
export function parseHistoryCursor(cursor: string): string | null {
  if (!/^[1-9]\d{0,18}$/.test(cursor)) return null;
  return BigInt(cursor) <= 9_223_372_036_854_775_807n ? cursor : null;
}
