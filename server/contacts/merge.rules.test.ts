import { describe, expect, it } from 'vitest';
import { emptyContact, type ContactFields } from './contacts.rules.ts';
import { planMerge } from './merge.rules.ts';

const contact = (id: string, f: Partial<ContactFields>, companyId: string | null = null) => ({
  id,
  fields: { ...emptyContact(), ...f },
  companyId,
});

describe('planMerge', () => {
  it('keeps the survivor’s values, fills its empty fields from the others, and takes chosen fields', () => {
    const s = contact('s', { firstName: 'Ann', jobTitle: null, primaryEmail: 'ann@a.example' });
    const m = contact('m', { firstName: 'Anne', jobTitle: 'CTO', primaryEmail: 'anne@b.example' }, 'co');
    const p = planMerge(s, [m], {}, 'US');
    expect(p).toMatchObject({ ok: true, companyId: 'co', fields: { firstName: 'Ann', jobTitle: 'CTO', primaryEmail: 'ann@a.example' } });
    const chosen = planMerge(s, [m], { firstName: 'm', primaryEmail: 'm' }, 'US');
    expect(chosen).toMatchObject({
      ok: true,
      fields: { firstName: 'Anne', primaryEmail: 'anne@b.example', emails: { other: 'ann@a.example' } },
    });
  });

  it('unions labeled emails (any case) and phones (by E.164), labels made unique', () => {
    const s = contact('s', { primaryEmail: 'a@x.example', emails: { work: 'W@x.example' }, phones: { mobile: '+1 202 555 0100' } });
    const m = contact('m', {
      primaryEmail: 'b@x.example',
      emails: { work: 'w@X.example', home: 'h@x.example', other: 'A@x.example' },
      phones: { mobile: '(202) 555-0100', work: '202 555 0101' },
    });
    const p = planMerge(s, [m], {}, 'US');
    if (!p.ok) throw new Error('expected a plan');
    expect(p.fields.emails).toEqual({ work: 'W@x.example', home: 'h@x.example', other: 'b@x.example' });
    expect(p.fields.phones).toEqual({ mobile: '+1 202 555 0100', work: '202 555 0101' });
  });

  it('refuses unknown fields, foreign ids and more labeled entries than a contact keeps', () => {
    const s = contact('s', {});
    const m = contact('m', {});
    const bad = planMerge(s, [m], { version: 's', firstName: 'zzz' }, 'US');
    expect(bad).toEqual({
      ok: false,
      details: [expect.objectContaining({ path: 'fields.version' }), expect.objectContaining({ path: 'fields.firstName' })],
    });
    const many = (p: string) => Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`l${i}`, `${p}${i}@x.example`]));
    const full = planMerge(contact('s', { emails: many('s') }), [contact('m', { emails: many('m') })], {}, 'US');
    expect(full).toMatchObject({ ok: false, details: [{ path: 'emails' }] });
  });
});
