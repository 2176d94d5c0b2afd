import { describe, expect, it } from 'vitest';
import {
  CJK_RANGES,
  foldText,
  hasCjk,
  likePattern,
  matchesSearch,
  parseSearch,
  searchDocument,
  searchFields,
  sortKeys,
  type SearchSource,
} from './search.rules.ts';

const contact = (over: Partial<SearchSource>): SearchSource => ({
  firstName: null,
  lastName: null,
  company: null,
  primaryEmail: null,
  emails: {},
  phones: {},
  ...over,
});

describe('foldText', () => {
  it.each([
    ['İstanbul', 'istanbul'],
    ['ISTANBUL', 'istanbul'],
    ['ıstanbul', 'istanbul'],
    ['Straße', 'strasse'],
    ['STRASSE', 'strasse'],
    ['Émile Zola', 'emile zola'],
    ['Ångström', 'angstrom'],
    ['Ñandú', 'nandu'],
    ['ＡＢＣ１２３', 'abc123'],
    ['ﬁnance', 'finance'],
    ['ΟΔΥΣΣΕΥΣ', 'οδυσσευσ'],
    ['Οδυσσεύς', 'οδυσσευσ'],
    ['  many   spaces\there ', 'many spaces here'],
  ])('folds %s to %s', (input, expected) => {
    expect(foldText(input)).toBe(expected);
  });

  it('keeps Korean syllables and Japanese voiced marks as they are', () => {
    expect(foldText('김민준')).toBe('김민준');
    expect(foldText('がっこう')).toBe('がっこう');
    expect(foldText('ｶﾞｯｺｳ')).toBe('ガッコウ');
    expect(foldText('田中')).toBe('田中');
  });

  it('gives decomposed and precomposed input the same result', () => {
    expect(foldText('e\u0301mile')).toBe(foldText('\u00e9mile'));
    expect(foldText('\u1100\u1161')).toBe('가');
  });

  it('drops control characters, so a query can never contain the field separator', () => {
    expect(foldText('a\u0001b')).toBe('a b');
  });
});

describe('parseSearch', () => {
  it('reduces phone-like input to digits, whatever the formatting', () => {
    for (const q of ['5551234567', '555-123-4567', '+1 (555) 123-4567', '(555) 123 4567', '555.123.4567']) {
      const s = parseSearch(q)!;
      expect(s.mode).toBe('substring');
      expect(['5551234567', '15551234567']).toContain(s.needle);
    }
  });
  it('uses word-prefix matching below three characters', () => {
    expect(parseSearch('Jo')).toEqual({ mode: 'prefix', needle: 'jo' });
    expect(parseSearch('민준')).toEqual({ mode: 'prefix', needle: '민준' });
    expect(parseSearch('joh')).toEqual({ mode: 'substring', needle: 'joh' });
  });
  it('ignores empty and blank input', () => {
    expect(parseSearch('')).toBeNull();
    expect(parseSearch('   ')).toBeNull();
    expect(parseSearch(undefined)).toBeNull();
  });
  it('escapes LIKE wildcards', () => {
    expect(likePattern(parseSearch('100%_x')!)).toBe('%100\\%\\_x%');
    expect(likePattern(parseSearch('a\\')!)).toBe('% a\\\\%');
  });
});

describe('matchesSearch and searchDocument', () => {
  const c = contact({
    firstName: 'Émile',
    lastName: 'Straße',
    company: 'İnci Ltd',
    primaryEmail: 'emile@acme.com',
    emails: { billing: 'invoices@acme.com' },
    phones: { work: '+1 (555) 123-4567' },
  });
  const e164 = ['+15551234567'];
  const finds = (q: string) => matchesSearch(c, e164, parseSearch(q)!);

  it('finds accents, ß and dotted capitals either way', () => {
    expect(finds('emile')).toBe(true);
    expect(finds('ÉMILE')).toBe(true);
    expect(finds('strasse')).toBe(true);
    expect(finds('STRAẞE')).toBe(true);
    expect(finds('inci')).toBe(true);
  });
  it('finds phones whatever the formatting', () => {
    expect(finds('5551234567')).toBe(true);
    expect(finds('555-123-4567')).toBe(true);
    expect(finds('+1 (555) 123-4567')).toBe(true);
    expect(finds('123-45')).toBe(true);
  });
  it('matches the full name, emails and company, but never across two fields', () => {
    expect(finds('emile stra')).toBe(true);
    expect(finds('invoices@')).toBe(true);
    expect(finds('acme.com')).toBe(true);
    expect(finds('ltd emile')).toBe(false);
  });
  it('matches one or two characters at word starts only', () => {
    expect(finds('st')).toBe(true);
    expect(finds('in')).toBe(true);
    expect(finds('mi')).toBe(false);
  });
  it('stores every field so the SQL pattern finds exactly what matchesSearch finds', () => {
    const doc = searchDocument(c, e164);
    const like = (q: string) => {
      const p = likePattern(parseSearch(q)!);
      const re = new RegExp(
        `^${p
          .replace(/\\([\\%_])/g, '\u0002$1')
          .split('')
          .map((ch, i, a) =>
            ch === '%' && a[i - 1] !== '\u0002' ? '.*' : ch === '\u0002' ? '' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('')}$`,
        's',
      );
      return re.test(doc);
    };
    for (const q of ['emile', 'stra', 'st', 'mi', 'ltd emile', '5551234567', 'acme', 'in', 'x']) expect(like(q)).toBe(finds(q));
  });
});

describe('family name first (Korean, Japanese, Chinese)', () => {
  const finds = (c: SearchSource, q: string) => matchesSearch(c, [], parseSearch(q)!);
  const name = (firstName: string, lastName: string) => contact({ firstName, lastName });

  it.each([
    ['효원', '김', ['김효원', '김 효원', '효원 김', '효원', '김', '김효', '효원 김']],
    ['花子', '佐藤', ['佐藤花子', '佐藤 花子', '花子 佐藤', '藤花子', '佐藤花']],
    ['太郎', '山田', ['山田太郎', '山田 太郎', '田太郎', '山田']],
    ['小明', '王', ['王小明', '王 小明', '小明 王']],
    ['ﾊﾅｺ', 'ｻﾄｳ', ['サトウハナコ', 'サトウ ハナコ', 'ｻﾄｳﾊﾅｺ', 'ハナコ サトウ']],
    ['はなこ', 'さとう', ['さとうはなこ', 'さとう はなこ']],
    ['𠮷子', '𠮷野', ['𠮷野𠮷子', '𠮷野 𠮷子']],
  ])('finds first name %s, last name %s written either way: %j', (first, last, queries) => {
    for (const q of queries) expect(finds(name(first, last), q), q).toBe(true);
  });

  it('still matches one or two characters at word starts only', () => {
    expect(finds(name('太郎', '山田'), '田太')).toBe(false);
    expect(finds(name('太郎', '山田'), '太郎')).toBe(true);
  });

  it('stores the family-name-first forms once each, folded, after the name', () => {
    expect(searchFields(name('효원', '김'), [])).toEqual(['효원 김', '김효원', '김 효원']);
    expect(searchFields(name('ﾊﾅｺ', 'ｻﾄｳ'), [])).toEqual(['ハナコ サトウ', 'サトウハナコ', 'サトウ ハナコ']);
    // both names the same: "김 김" is there already
    expect(searchFields(name('김', '김'), [])).toEqual(['김 김', '김김']);
  });

  it('needs both names', () => {
    expect(searchFields(contact({ lastName: '김' }), [])).toEqual(['김']);
    expect(searchFields(contact({ firstName: '효원' }), [])).toEqual(['효원']);
    expect(searchFields(name('효원', ' '), [])).toEqual(['효원']);
  });

  it('does not reverse a Latin name', () => {
    const john = name('John', 'Smith');
    expect(finds(john, 'john smith')).toBe(true);
    expect(finds(john, 'smith john')).toBe(false);
    expect(finds(john, 'smithjohn')).toBe(false);
    expect(finds(name('Émile', 'Zola'), 'zola emile')).toBe(false);
    expect(finds(name('Ольга', 'Иванова'), 'иванова ольга')).toBe(false);
    expect(searchFields(john, [])).toEqual(['john smith']);
    // an ideographic space (typed with a Japanese input method) does not make a name CJK
    expect(searchFields(name('John\u3000Paul', 'Smith'), [])).toEqual(['john paul smith']);
  });

  it('reverses a mixed name, which is written either way', () => {
    const c = name('효원', 'Kim');
    for (const q of ['효원 kim', 'Kim 효원', 'KIM효원', 'kim']) expect(finds(c, q), q).toBe(true);
    expect(searchFields(name('Hanako', '佐藤'), [])).toEqual(['hanako 佐藤', '佐藤hanako', '佐藤 hanako']);
  });

  it('never matches across the name and another field', () => {
    const c = contact({ firstName: '효원', lastName: '김', company: '삼성' });
    expect(finds(c, '효원삼성')).toBe(false);
    expect(finds(c, '삼성김')).toBe(false);
  });
});

describe('CJK_RANGES', () => {
  const inRanges = (cp: number) => CJK_RANGES.some(([lo, hi]) => lo <= cp && cp <= hi);

  it('are sorted and do not overlap, and hasCjk tests exactly them', () => {
    for (let i = 1; i < CJK_RANGES.length; i++) expect(CJK_RANGES[i]![0]).toBeGreaterThan(CJK_RANGES[i - 1]![1]);
    for (const [lo, hi] of CJK_RANGES) {
      for (const cp of [lo - 1, lo, hi, hi + 1]) expect(hasCjk(`a${String.fromCodePoint(cp)}b`), cp.toString(16)).toBe(inRanges(cp));
    }
  });

  it('hold every Hangul, Kana and Han character, and every character whose folded form holds one', () => {
    const scripts = /[\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;
    const missing: string[] = [];
    // nothing beyond plane 3 folds into these scripts (planes 4-13 are unassigned, 14-16 tags and private use)
    for (let cp = 0; cp < 0x40000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (!inRanges(cp) && (scripts.test(ch) || scripts.test(foldText(ch)))) missing.push(cp.toString(16));
    }
    expect(missing).toEqual([]);
  });

  it('leave out Latin, Cyrillic, Greek, and CJK punctuation and spaces', () => {
    for (const s of ['John Smith', 'Émile', 'Straße', 'Ольга', 'Νίκος', 'İnci', '\u3000', '「」、。', '〜', '！？', '１２３', 'ＡＢＣ']) {
      expect(hasCjk(s), s).toBe(false);
    }
  });
});

describe('sortKeys', () => {
  it('sorts folded names, and empty companies and emails last', () => {
    const a = sortKeys(contact({ lastName: 'Émond', firstName: 'Zoé' }));
    const b = sortKeys(contact({ lastName: 'Eames' }));
    const none = sortKeys(contact({ firstName: 'x' }));
    const withCompany = sortKeys(contact({ company: 'Zeta' }));
    expect(b.skLast < a.skLast).toBe(true);
    expect(withCompany.skCompany < none.skCompany).toBe(true);
    expect(sortKeys(contact({ primaryEmail: 'z@z.z' })).skEmail < none.skEmail).toBe(true);
  });
});

describe('foldText ASCII fast path', () => {
  it('gives what the full Unicode path gives, for every printable ASCII character and mix', () => {
    const fold = foldText;
    const slow = (s: string) => fold(`${s}\u00e9`).replace(/e$/, '').trim(); // a non-ASCII tail forces the full path
    const samples = [' ', '  Jane   DOE  ', 'A-Z a-z 0-9 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'ONE  two'];
    for (let c = 0x20; c <= 0x7e; c++) samples.push(`x${String.fromCharCode(c)}Y ${String.fromCharCode(c)}`);
    for (const s of samples) expect(fold(s)).toBe(slow(s));
  });
});
