// Legacy (non-Unicode) encodings of CSV files saved by Excel outside the Latin-1 world: which one a file
// is in, and a streaming decoder for it. Pure: callers pass bytes.
//
// A file that is not valid UTF-8 and has no BOM was saved in the Windows "ANSI" code page of the machine
// that wrote it: Windows-1252 in Western Europe and the Americas, CP949 (EUC-KR) in Korea, CP932
// (Shift_JIS) in Japan, GB18030 (GBK) in China, CP950 (Big5) in Taiwan and Hong Kong, Windows-1251 in
// Russia and its neighbours. Bytes alone cannot always tell them apart (Cyrillic Windows-1251 text is also
// valid EUC-KR), so three signals decide: chardet's statistical models (strong for the CJK encodings), a
// script check of our own (Cyrillic words, Western words with a few accented letters), and the team's
// default phone region as a hint. When they do not agree, the import asks instead of guessing.
import chardet from 'chardet';
import iconv from 'iconv-lite';

export const legacyEncodings = ['windows-1252', 'windows-1251', 'euc-kr', 'shift_jis', 'gb18030', 'big5'] as const;
export type LegacyEncoding = (typeof legacyEncodings)[number];

/** How people know each encoding, for the picker. */
export const ENCODING_LABELS: Record<string, string> = {
  'utf-8': 'UTF-8 (Unicode)',
  'utf-16le': 'UTF-16 LE (Unicode)',
  'utf-16be': 'UTF-16 BE (Unicode)',
  'windows-1252': 'Windows-1252 (Western European)',
  'windows-1251': 'Windows-1251 (Cyrillic)',
  'euc-kr': 'EUC-KR / CP949 (Korean)',
  shift_jis: 'Shift_JIS / CP932 (Japanese)',
  gb18030: 'GB18030 / GBK (Simplified Chinese)',
  big5: 'Big5 / CP950 (Traditional Chinese)',
};

/** The code page Excel writes under each name: the Windows supersets, which hold every character the base set has. */
const ICONV_NAME: Record<LegacyEncoding, string> = {
  'windows-1252': 'windows-1252',
  'windows-1251': 'windows-1251',
  'euc-kr': 'cp949',
  shift_jis: 'cp932',
  gb18030: 'gb18030',
  big5: 'cp950',
};

/** The ANSI code page of Windows in a region (ISO 3166 code): the hint for a file a team member saved in Excel. */
const REGION_ENCODING: Record<string, LegacyEncoding> = {
  KR: 'euc-kr',
  JP: 'shift_jis',
  CN: 'gb18030',
  SG: 'gb18030',
  TW: 'big5',
  HK: 'big5',
  MO: 'big5',
  RU: 'windows-1251',
  BY: 'windows-1251',
  UA: 'windows-1251',
  BG: 'windows-1251',
  KZ: 'windows-1251',
  KG: 'windows-1251',
  RS: 'windows-1251',
  MK: 'windows-1251',
};

export const regionEncoding = (region: string | null | undefined): LegacyEncoding | null =>
  (region && REGION_ENCODING[region.toUpperCase()]) || null;

const CHARDET_NAME: Record<string, LegacyEncoding> = {
  'ISO-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
  'windows-1251': 'windows-1251',
  'EUC-KR': 'euc-kr',
  Shift_JIS: 'shift_jis',
  GB18030: 'gb18030',
  Big5: 'big5',
};

const CJK: readonly LegacyEncoding[] = ['euc-kr', 'shift_jis', 'gb18030', 'big5'];

export function decodeLegacy(encoding: LegacyEncoding, bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), ICONV_NAME[encoding]);
}

/** A decoder that keeps a character split between two chunks whole. */
export function createLegacyDecoder(encoding: LegacyEncoding): { write(b: Uint8Array): string; end(): string } {
  const d = iconv.getDecoder(ICONV_NAME[encoding]);
  return {
    write: (b) => d.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
    end: () => d.end() ?? '',
  };
}

export interface EncodingGuess {
  encoding: LegacyEncoding;
  /** False when the signals disagree: the import needs the user to choose (the guess is only pre-selected). */
  confident: boolean;
  /** Encodings the bytes can be read in, most likely first: what the picker offers first. */
  candidates: LegacyEncoding[];
}

const ASCII_LETTER = /[A-Za-z]/;
const CYRILLIC = /[\u0400-\u04ff]/;

/**
 * Share of the non-ASCII characters, read as `encoding`, that sit in words the way the language writes
 * them: Cyrillic words are all Cyrillic; Western words are mostly ASCII letters with an accented one.
 * Symbols outside words (€, «», –, ’) count for neither.
 */
function wordScore(text: string, kind: 'cyrillic' | 'western'): number {
  let high = 0;
  let good = 0;
  for (const word of text.split(/[^\p{L}]+/u)) {
    let wordHigh = 0;
    let ascii = 0;
    let cyr = 0;
    for (const ch of word) {
      if (ch.charCodeAt(0) < 0x80) {
        if (ASCII_LETTER.test(ch)) ascii++;
      } else {
        wordHigh++;
        if (CYRILLIC.test(ch)) cyr++;
      }
    }
    high += wordHigh;
    if (kind === 'cyrillic' && ascii === 0) good += cyr;
    if (kind === 'western' && ascii > 0 && wordHigh <= ascii) good += wordHigh;
  }
  return high === 0 ? 0 : good / high;
}

/** Does the text hold characters that no real file has: U+FFFD (an invalid sequence) or C1 controls? */
const hasInvalid = (text: string) => /[\uFFFD\u0080-\u009f]/.test(text);

/**
 * The legacy encoding of a file's first bytes (a file already known not to be UTF-8 or UTF-16).
 * `region` is the team's default phone region (the hint).
 */
export function guessLegacyEncoding(head: Uint8Array, region: string | null | undefined): EncodingGuess {
  const conf = new Map<LegacyEncoding, number>();
  for (const r of chardet.analyse(head)) {
    const e = CHARDET_NAME[r.name];
    if (e && (conf.get(e) ?? 0) < r.confidence) conf.set(e, r.confidence);
  }
  // up to the last line break: a character cut at the end of the head is not an invalid one (0x0A is never
  // part of a double-byte character in these encodings)
  const lastBreak = head.lastIndexOf(0x0a);
  const body = lastBreak > 0 ? head.subarray(0, lastBreak + 1) : head;
  const scores = new Map<LegacyEncoding, number>();
  for (const e of legacyEncodings) {
    const text = decodeLegacy(e, body);
    if (e !== 'windows-1252' && hasInvalid(text)) continue;
    const c = conf.get(e) ?? 0;
    if (CJK.includes(e)) {
      if (c >= 20) scores.set(e, c);
    } else if (e === 'windows-1251') {
      if (wordScore(text, 'cyrillic') >= 0.9) scores.set(e, 60 + c);
    } else if (wordScore(text, 'western') >= 0.7) scores.set(e, 60 + c);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const candidates = [...ranked.map(([e]) => e), ...legacyEncodings.filter((e) => !scores.has(e))];
  const [top, second] = ranked;
  const hint = regionEncoding(region);
  // the team's region settles a close race it leads; when it trails, it is pre-selected but the user decides
  if (hint && scores.has(hint) && scores.get(hint)! > top![1] - 20) {
    return { encoding: hint, confident: hint === top![0], candidates: [hint, ...candidates.filter((e) => e !== hint)] };
  }
  if (!top) return { encoding: 'windows-1252', confident: false, candidates };
  const confident = top[1] >= 50 && (!second || top[1] - second[1] >= 20);
  return { encoding: top[0], confident, candidates };
}
