import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLegacyDecoder, guessLegacyEncoding } from './encoding.rules.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/encodings/${name}.csv`, import.meta.url), 'utf8');
const convert = (text: string, iconvName: string) => execFileSync('iconv', ['-f', 'UTF-8', '-t', iconvName], { input: text });

describe('guessLegacyEncoding', () => {
  it('keeps a Western file (accented letters inside Latin words) Windows-1252, whatever the region', () => {
    const western = convert('firstName,lastName,company\nJürgen,Müller,Bäckerei Groß\nJosé,García,Café Niño\n', 'WINDOWS-1252');
    for (const region of [null, 'US', 'KR', 'RU', 'TW']) {
      expect(guessLegacyEncoding(western, region)).toMatchObject({ encoding: 'windows-1252', confident: true });
    }
  });

  it('recognises each code page without a hint (Big5 excepted: it also reads as GB18030)', () => {
    expect(guessLegacyEncoding(convert(fixture('ko'), 'CP949'), null)).toMatchObject({ encoding: 'euc-kr', confident: true });
    expect(guessLegacyEncoding(convert(fixture('ja'), 'SHIFT_JIS'), null)).toMatchObject({ encoding: 'shift_jis', confident: true });
    expect(guessLegacyEncoding(convert(fixture('zh'), 'GB18030'), null)).toMatchObject({ encoding: 'gb18030', confident: true });
    expect(guessLegacyEncoding(convert(fixture('ru'), 'WINDOWS-1251'), null)).toMatchObject({ encoding: 'windows-1251', confident: true });
    expect(guessLegacyEncoding(convert(fixture('tw'), 'BIG5'), null)).toMatchObject({ encoding: 'big5', confident: false });
  });

  it('lets the region settle a close race it leads, and only pre-select when it trails', () => {
    const big5 = convert(fixture('tw'), 'BIG5');
    expect(guessLegacyEncoding(big5, 'TW')).toMatchObject({ encoding: 'big5', confident: true });
    expect(guessLegacyEncoding(big5, 'CN')).toMatchObject({ encoding: 'gb18030', confident: false });
    // a clear statistical win is not overturned by the region
    expect(guessLegacyEncoding(convert(fixture('ko'), 'CP949'), 'RU')).toMatchObject({ encoding: 'euc-kr', confident: true });
  });
});

describe('createLegacyDecoder', () => {
  it('keeps a double-byte character split between two chunks whole', () => {
    const bytes = convert('서연', 'CP949');
    const d = createLegacyDecoder('euc-kr');
    expect(d.write(bytes.subarray(0, 1)) + d.write(bytes.subarray(1, 3)) + d.write(bytes.subarray(3)) + d.end()).toBe('서연');
  });
});
