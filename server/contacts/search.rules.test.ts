import { describe, expect, it } from 'vitest';
import { foldText, likePattern, matchesSearch, parseSearch, searchDocument, sortKeys, type SearchSource } from './search.rules.ts';

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
