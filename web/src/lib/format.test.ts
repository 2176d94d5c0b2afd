import { describe, expect, it } from 'vitest';
import { contactName, initials, personName } from './format.ts';

const named = (firstName: string | null, lastName: string | null) => ({
  firstName,
  lastName,
  company: null,
  primaryEmail: null,
  emails: {},
});

describe('contact names', () => {
  it('writes Chinese, Japanese and Korean names family name first, without a space', () => {
    expect(contactName(named('민준', '김'))).toBe('김민준');
    expect(contactName(named('伟', '王'))).toBe('王伟');
    expect(contactName(named('太郎', '山田'))).toBe('山田太郎');
    expect(contactName(named('ゆい', 'さとう'))).toBe('さとうゆい');
  });

  it('keeps given name first for other names, and for a mix of scripts', () => {
    expect(contactName(named('Jane', 'Doe'))).toBe('Jane Doe');
    expect(contactName(named('Zoë', 'Ångström'))).toBe('Zoë Ångström');
    expect(contactName(named('Min-jun', '김'))).toBe('Min-jun 김');
    expect(personName('민준', null)).toBe('민준');
    expect(personName(null, '김')).toBe('김');
  });

  it('takes a CJK name’s family name as its initial, two letters otherwise', () => {
    expect(initials('김민준')).toBe('김');
    expect(initials('Jane Doe')).toBe('JD');
  });
});
