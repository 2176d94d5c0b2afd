import { describe, expect, it } from 'vitest';
import { contactColumns, fieldsToColumns, searchColumns } from './contacts.presenter.ts';
import {
  applyContactInput,
  diffContacts,
  emptyContact,
  emptyDirectory,
  parseIfMatch,
  phonesE164,
  readOnlyViolations,
  toE164,
} from './contacts.rules.ts';

describe('toE164', () => {
  it('reads the same US number typed in every common format', () => {
    for (const p of ['+1 (555) 123-4567', '555-123-4567', '(555) 123 4567', '5551234567', '+15551234567', '+1-555-123-4567']) {
      expect(toE164(p, 'US')).toBe('+15551234567');
    }
  });
  it('uses the team default region for numbers without a country code', () => {
    expect(toE164('030 1234567', 'DE')).toBe('+49301234567');
    expect(toE164('010-1234-5678', 'KR')).toBe('+821012345678');
  });
  it('gives null for what is not a phone number', () => {
    expect(toE164('12', 'US')).toBeNull();
    expect(toE164('call me', 'US')).toBeNull();
  });
  it('deduplicates numbers that are the same phone', () => {
    expect(phonesE164({ mobile: '555-123-4567', work: '+1 (555) 123-4567', home: '(555) 000 1111' }, 'US')).toEqual([
      '+15551234567',
      '+15550001111',
    ]);
  });
});

describe('applyContactInput', () => {
  it('saves a contact with only a name', () => {
    const r = applyContactInput(emptyContact(), { firstName: '  Jane ' });
    expect(r.ok && r.value.firstName).toBe('Jane');
  });

  it('refuses a record with neither name, company nor email', () => {
    const r = applyContactInput(emptyContact(), { notes: 'hello', firstName: '   ' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details[0]!.message).toMatch(/name, a company or an email/);
  });

  it('normalises the primary and the labeled emails and names the bad one by its label', () => {
    const r = applyContactInput(emptyContact(), { primaryEmail: ' Jane@ACME.com', emails: { work: 'J@Acme.com', personal: 'broken@' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details).toEqual([{ path: 'emails.personal', message: expect.any(String) }]);
    const good = applyContactInput(emptyContact(), { primaryEmail: ' Jane@ACME.com', emails: { work: 'J@Acme.com' } });
    expect(good.ok && good.value).toMatchObject({ primaryEmail: 'jane@acme.com', emails: { work: 'j@acme.com' } });
  });

  it('replaces labeled maps whole and merges nested objects key by key', () => {
    const start = applyContactInput(emptyContact(), {
      firstName: 'A',
      phones: { mobile: '1', work: '2' },
      address: { city: 'Paris', country: 'France' },
    });
    if (!start.ok) throw new Error('setup');
    const r = applyContactInput(start.value, { phones: { home: '3' }, address: { city: 'Lyon' }, notifications: { newComments: false } });
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.phones).toEqual({ home: '3' });
    expect(r.value.address).toMatchObject({ city: 'Lyon', country: 'France' });
    expect(r.value.notifications).toEqual({ newTickets: true, ticketUpdates: true, newComments: false, formAssignments: true });
  });

  it('clears a field sent as null or blank and leaves absent fields alone', () => {
    const start = applyContactInput(emptyContact(), { firstName: 'A', company: 'Acme', jobTitle: 'CTO' });
    if (!start.ok) throw new Error('setup');
    const r = applyContactInput(start.value, { company: null, jobTitle: '  ' });
    expect(r.ok && [r.value.firstName, r.value.company, r.value.jobTitle]).toEqual(['A', null, null]);
  });

  it('refuses the same label twice after trimming', () => {
    const r = applyContactInput(emptyContact(), { firstName: 'A', phones: { work: '1', ' work ': '2' } });
    expect(r.ok).toBe(false);
  });

  it('keeps phone and email labels named like Object.prototype members as ordinary labels', () => {
    const labels = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'];
    // built as JSON.parse does (own properties), so `__proto__` is a label and not the prototype
    const phones = JSON.parse(JSON.stringify(Object.fromEntries(labels.map((l, i) => [l, `+1 555 010 000${i}`]))));
    const emails = JSON.parse(JSON.stringify(Object.fromEntries(labels.map((l) => [l, `${l.replaceAll('_', '')}@example.com`]))));
    const r = applyContactInput(emptyContact(), { firstName: 'A', phones, emails });
    expect(r).toMatchObject({ ok: true });
    if (!r.ok) return;
    expect(Object.keys(r.value.phones)).toEqual(labels);
    expect(Object.keys(r.value.emails)).toEqual(labels);
    expect(r.value.phones.constructor).toBe('+1 555 010 0000');
    expect(JSON.parse(JSON.stringify(r.value.emails)).__proto__).toBe('proto@example.com');
  });
});

describe('readOnlyViolations', () => {
  it('accepts directory fields echoed back unchanged and refuses changed ones', () => {
    const current = { ...emptyDirectory(), syncId: 'abc' };
    expect(readOnlyViolations({ syncId: 'abc', organizationId: null }, current, undefined, null)).toEqual([]);
    expect(readOnlyViolations({ syncId: 'other' }, current, undefined, null)).toEqual([
      { path: 'directory.syncId', message: expect.stringMatching(/Read-only/) },
    ]);
    expect(readOnlyViolations(undefined, current, 'x', null)).toEqual([{ path: 'companyId', message: expect.any(String) }]);
  });
});

describe('diffContacts', () => {
  it('lists changed fields with before and after, nested ones by path', () => {
    const a = emptyContact();
    const b = { ...emptyContact(), firstName: 'Jane', address: { ...a.address, city: 'Oslo' }, emails: { work: 'j@x.com' } };
    expect(diffContacts(a, b)).toEqual({
      firstName: { before: null, after: 'Jane' },
      'address.city': { before: null, after: 'Oslo' },
      emails: { before: {}, after: { work: 'j@x.com' } },
    });
    expect(diffContacts(b, b)).toEqual({});
  });
  it('on create lists only what was filled in', () => {
    const c = { ...emptyContact(), lastName: 'Kim' };
    const d = diffContacts(null, c);
    expect(d.lastName).toEqual({ before: null, after: 'Kim' });
    expect(d.firstName).toBeUndefined();
    expect(d['permissions.active']).toEqual({ before: null, after: true });
    expect(d.emails).toBeUndefined();
  });
  it('on delete lists what was there, in field order, as a create lists it', () => {
    const c = { ...emptyContact(), firstName: 'Ana', phones: { work: '+1 555 201 0000' }, notes: 'VIP' };
    c.permissions.canPostComments = false;
    const created = diffContacts(null, c);
    const deleted = diffContacts(c, null);
    expect(Object.keys(deleted)).toEqual(Object.keys(created));
    expect(Object.keys(created).slice(0, 3)).toEqual(['firstName', 'notes', 'phones']);
    expect(deleted['permissions.canPostComments']).toEqual({ before: false, after: null });
    expect(created.phones).toEqual({ before: null, after: { work: '+1 555 201 0000' } });
  });
});

describe('parseIfMatch', () => {
  it('reads strong, weak and bare versions', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"4"')).toBe(4);
    expect(parseIfMatch('5')).toBe(5);
    expect(parseIfMatch('*')).toBeNull();
    expect(parseIfMatch(undefined)).toBeNull();
    expect(parseIfMatch('"abc"')).toBeNaN();
  });
});

describe('fieldsToColumns', () => {
  it('writes every column of contactColumns and searchColumns, with their values', () => {
    const f = emptyContact();
    f.firstName = 'Chloé';
    f.lastName = 'Müller';
    f.primaryEmail = 'chloe@example.com';
    f.phones = { mobile: '+1 202 555 0100' };
    const e164 = ['+12025550100'];
    expect(fieldsToColumns(f, e164)).toStrictEqual({ ...searchColumns(f, e164), ...contactColumns(f, e164) });
  });
});
