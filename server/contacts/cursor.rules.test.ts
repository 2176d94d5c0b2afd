import { describe, expect, it } from 'vitest';
import { encodeCursor, isTimestampText, parseCursor, parseHistoryCursor } from './cursor.rules.ts';

const id = '0190f3c5-6a3b-7cde-8f01-23456789abcd';

describe('isTimestampText', () => {
  it('accepts what PostgreSQL writes for a timestamptz, in any time zone', () => {
    for (const s of [
      '2024-05-01 12:34:56.123456+00',
      '2024-05-01 12:34:56+02',
      '2024-02-29 00:00:00.5-03:30',
      '1999-12-31 23:59:59+05:45:12',
    ]) {
      expect(isTimestampText(s), s).toBe(true);
    }
  });
  it('refuses impossible dates, other spellings and special values', () => {
    for (const s of [
      '2023-02-29 00:00:00+00',
      '2024-13-01 00:00:00+00',
      '2024-01-01 24:00:00+00',
      '0000-01-01 00:00:00+00',
      '2024-01-01 00:00:00+16',
      '2024-01-01T00:00:00Z',
      '2024-01-01',
      'infinity',
      'now',
      '',
    ]) {
      expect(isTimestampText(s), s).toBe(false);
    }
  });
});

describe('parseCursor', () => {
  it('reads back what it issued, for the sort it was issued for only', () => {
    const c = { s: '-createdAt', k: '2024-05-01 12:34:56.123456+00', id };
    expect(parseCursor(encodeCursor(c), '-createdAt')).toEqual(c);
    expect(parseCursor(encodeCursor(c), 'createdAt')).toBeNull();
    expect(parseCursor(encodeCursor({ s: 'lastName', k: 'smith\u0001john', id }), 'lastName')).not.toBeNull();
  });
  it('refuses junk, wrong types and keys the database would choke on', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const forged: [string, string][] = [
      ['%%%', 'trash'],
      [b64(null), 'trash'],
      [b64([1]), 'trash'],
      [b64({ s: 'trash', k: 5, id }), 'trash'],
      [b64({ s: 'trash', k: 'yesterday', id }), 'trash'],
      [b64({ s: 'trash', k: '2024-05-01 12:00:00+00', id: 'x' }), 'trash'],
      [b64({ s: 'lastName', k: 'a\u0000', id }), 'lastName'],
    ];
    for (const [cursor, sort] of forged) expect(parseCursor(cursor, sort), cursor).toBeNull();
  });
});

describe('parseHistoryCursor', () => {
  it('takes a positive bigint and nothing else', () => {
    expect(parseHistoryCursor('42')).toBe('42');
    expect(parseHistoryCursor('9223372036854775807')).toBe('9223372036854775807');
    for (const s of ['9223372036854775808', '0', '-1', '007', '1e3', '', '9'.repeat(100)]) expect(parseHistoryCursor(s), s).toBeNull();
  });
});
