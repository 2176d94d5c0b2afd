import { describe, expect, it } from 'vitest';
import { PORTAL_CODE_ALPHABET, PORTAL_CODE_LENGTH } from '#shared/portal.schema.ts';
import { caretAfter, CODE_ALPHABET, CODE_LENGTH, codeFromPaste, formatCode, maskEmail, normalizeCode } from './code.ts';

it('uses the code length and alphabet of the server', () => {
  expect(CODE_LENGTH).toBe(PORTAL_CODE_LENGTH);
  expect(CODE_ALPHABET).toBe(PORTAL_CODE_ALPHABET);
});

describe('normalizeCode', () => {
  it('uppercases and drops spaces, dashes and other marks', () => {
    expect(normalizeCode('abc-defg')).toBe('ABCDEFG');
    expect(normalizeCode(' a b c d e f g ')).toBe('ABCDEFG');
  });
  it('keeps at most seven characters', () => {
    expect(normalizeCode('ABCDEFGHJK')).toBe('ABCDEFG');
  });
});

describe('formatCode', () => {
  it('groups as the mail shows it', () => {
    expect(formatCode('ABCDEFG')).toBe('ABC DEFG');
    expect(formatCode('ABCD')).toBe('ABC D');
    expect(formatCode('AB')).toBe('AB');
  });
});

describe('codeFromPaste', () => {
  it('takes a pasted code with or without spaces and dashes, in any case', () => {
    expect(codeFromPaste('ABC DEFG')).toBe('ABCDEFG');
    expect(codeFromPaste('abc-defg')).toBe('ABCDEFG');
    expect(codeFromPaste('  abcdefg\n')).toBe('ABCDEFG');
    expect(codeFromPaste('A B C D E F G')).toBe('ABCDEFG');
  });
  it('finds the code inside a copied sentence', () => {
    expect(codeFromPaste('Your sign-in code for the Acme support portal: 7KQ M3XP')).toBe('7KQM3XP');
    expect(codeFromPaste('Code: 7KQ-M3XP. It works once.')).toBe('7KQM3XP');
  });
  it('falls back to the characters it can use', () => {
    expect(codeFromPaste('7kq')).toBe('7KQ');
    expect(codeFromPaste('There is no code in this sentence at all')).toBe('');
  });
});

describe('caretAfter', () => {
  it('places the caret after the n-th code character, skipping the group space', () => {
    expect(caretAfter('ABC DEFG', 3)).toBe(3);
    expect(caretAfter('ABC DEFG', 4)).toBe(5);
    expect(caretAfter('ABC DEFG', 7)).toBe(8);
    expect(caretAfter('ABC DEFG', 0)).toBe(0);
  });
});

describe('maskEmail', () => {
  it('shows the first letter and the domain', () => {
    expect(maskEmail('jordan@example.com')).toBe('j•••@example.com');
    expect(maskEmail('not-an-email')).toBe('not-an-email');
  });
});
