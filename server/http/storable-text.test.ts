import { describe, expect, it } from 'vitest';
import { findUnstorable, unstorableReason } from './storable-text.ts';

describe('unstorableReason', () => {
  it('accepts ordinary text, whole surrogate pairs and other control characters', () => {
    for (const s of ['', 'Zoë', '김민준', 'a\ud83d\ude00b', 'tab\there', '\u0001\u001f', '\ufffd']) expect(unstorableReason(s)).toBeNull();
  });
  it('names NUL and each kind of lone surrogate', () => {
    expect(unstorableReason('a\u0000')).toMatch(/NUL character \(U\+0000\)/);
    expect(unstorableReason('\ud83d')).toMatch(/\(U\+D83D\)/);
    expect(unstorableReason('x\ude00')).toMatch(/\(U\+DE00\)/);
    expect(unstorableReason('\ude00\ud83d')).toMatch(/\(U\+DE00\)/); // a reversed pair is two halves
  });
});

describe('findUnstorable', () => {
  it('answers the dotted path of the first bad string, in arrays and nested objects', () => {
    expect(findUnstorable({ a: 'ok', b: { c: ['ok', 'x\u0000'] }, d: '\ud800' })).toEqual({ path: 'b.c.1', message: expect.any(String) });
    expect(findUnstorable(['\u0000'], 'ids')).toEqual({ path: 'ids.0', message: expect.any(String) });
    expect(findUnstorable('\u0000', 'file')?.path).toBe('file');
  });
  it('reports a bad key at the object holding it', () => {
    expect(findUnstorable({ phones: { 'm\u0000': '1' } })).toEqual({
      path: 'phones',
      message: expect.stringMatching(/^The key "m\\u0000" contains/),
    });
  });
  it('leaves numbers, booleans, nulls and binary data alone', () => {
    expect(findUnstorable({ n: 1, b: true, z: null, u: undefined, buf: Buffer.from([0, 0xed, 0xa0, 0x80]) })).toBeNull();
  });
});
