import { describe, expect, it } from 'vitest';
import { normalizeEmail } from './email.ts';

const ok = (s: string) => {
  const r = normalizeEmail(s);
  if (!r.ok) throw new Error(`expected ${s} to be valid: ${r.message}`);
  return r.email;
};

describe('normalizeEmail', () => {
  it('trims and lower-cases so two spellings of one address compare equal', () => {
    expect(ok('  Jane.Doe@ACME.com ')).toBe('jane.doe@acme.com');
    expect(ok('JANE.DOE@acme.COM')).toBe(ok('jane.doe@Acme.com'));
  });

  it('turns an internationalised domain into punycode', () => {
    expect(ok('info@bücher.de')).toBe('info@xn--bcher-kva.de');
    expect(ok('info@BÜCHER.de')).toBe('info@xn--bcher-kva.de');
    expect(ok('kim@한국.kr')).toBe('kim@xn--3e0b707e.kr');
  });

  it('folds the Turkish dotted capital I and keeps ß the same way every time', () => {
    expect(ok('İpek@örnek.com.tr')).toBe(ok('İPEK@ÖRNEK.COM.TR'.replace('İPEK', 'İpek')));
    expect(ok('ß@example.com')).toBe('ß@example.com');
    expect(ok('Straße@Example.com')).toBe('straße@example.com');
  });

  it('treats composed and decomposed accents as the same address', () => {
    expect(ok('e\u0301lise@example.com')).toBe(ok('\u00e9lise@example.com'));
  });

  it.each([
    ['', 'empty'],
    ['plainaddress', 'no @'],
    ['a@b', 'no dot in domain'],
    ['a b@example.com', 'space'],
    ['a@@example.com', 'two @'],
    ['.a@example.com', 'leading dot'],
    ['a..b@example.com', 'double dot'],
    ['a@-example.com', 'label starts with hyphen'],
    ['a@example.123', 'numeric top-level domain'],
    ['a@exa mple.com', 'space in domain'],
    ['a@example.com/x', 'slash in domain'],
    [`${'x'.repeat(65)}@example.com`, 'local part too long'],
  ])('refuses %j (%s) with a message', (input) => {
    const r = normalizeEmail(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.length).toBeGreaterThan(5);
  });
});
