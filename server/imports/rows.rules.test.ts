import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_COLUMNS } from '#shared/import.schema.ts';
import { contactInput, type ContactInput } from '#shared/contact.schema.ts';
import { emptyContact, emptyDirectory, type ContactFields } from '../contacts/contacts.rules.ts';
import { columnName } from './cells.rules.ts';
import { autoMap } from './mapping.rules.ts';
import {
  cellBytes,
  compileMapping,
  decodeRow,
  duplicateMessage,
  idKey,
  layOutXlsxRow,
  matchRow,
  planRow,
  plainInputOk,
  rowKeys,
  type CurrentContact,
  type Lookup,
} from './rows.rules.ts';

const plan = (headers: string[]) => compileMapping(autoMap(headers), headers);
const decode = (headers: string[], cells: string[], damagedEncoding = false) => decodeRow(cells, plan(headers), { damagedEncoding });

const ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
function contact(id: string, patch: Partial<ContactFields> = {}): CurrentContact {
  return { id, fields: { ...emptyContact(), ...patch }, directory: emptyDirectory(), companyId: null };
}
function lookupOf(...contacts: CurrentContact[]): Lookup {
  return {
    byId: (id) => contacts.find((c) => c.id === id),
    byEmail: (e) => contacts.find((c) => c.fields.primaryEmail === e),
  };
}

describe('decodeRow', () => {
  it('reads text, booleans and address cells of the template, leaving empty cells out', () => {
    const p = decode(
      ['firstName', 'lastName', 'contactIsActive', 'portalAccess', 'city', 'notes'],
      ['Jane', '', 'No', '', 'Paris', "'=1+1"],
    );
    expect(p.errors).toEqual([]);
    expect(p.input).toEqual({ firstName: 'Jane', permissions: { active: false }, address: { city: 'Paris' }, notes: '=1+1' });
  });
  it('splits a full name when there are no first/last name columns', () => {
    expect(decode(['Name'], ['Jane van Doe']).input).toEqual({ firstName: 'Jane', lastName: 'van Doe' });
    expect(decode(['Name'], ['Cher']).input).toEqual({ firstName: 'Cher' });
  });
  it('normalises the primary email as the match key, and refuses a list in it', () => {
    expect(decode(['email'], [' Jane@Example.COM ']).email).toBe('jane@example.com');
    expect(decode(['email'], ['a@x.com; b@x.com']).errors).toEqual([
      'email: holds more than one address; the primary email is one address (put the others in an emails column)',
    ]);
  });
  it('names the column and the value when a boolean, an id or a list cannot be read', () => {
    const p = decode(['id', 'contactIsActive', 'emails', 'phones'], ['12', 'maybe', '{"work":', '{"work":true}']);
    expect(p.errors).toEqual([
      'id: "12" is not a kdesk contact id',
      'contactIsActive: "maybe" is not a yes/no value (use true/false, yes/no, 1/0, y/n or on/off)',
      expect.stringMatching(/^emails: is not valid JSON/),
      'phones: the value for "work" must be text',
    ]);
  });
  it('reads Google pairs: labels from the Type column, several values per cell, the first email as primary', () => {
    const headers = ['E-mail 1 - Type', 'E-mail 1 - Value', 'Phone 1 - Type', 'Phone 1 - Value'];
    const p = decode(headers, ['* Work ::: Home', 'jane@acme.com ::: jane@home.net', 'Mobile', '+1 555 0100']);
    expect(p.email).toBe('jane@acme.com');
    expect(p.emails).toEqual({ whole: null, labeled: [['home', 'jane@home.net']] });
    expect(p.phones).toEqual({ whole: null, labeled: [['mobile', '+1 555 0100']] });
  });
  it('fails a NUL character and half a surrogate pair (PostgreSQL and JSON cannot store them)', () => {
    expect(decode(['firstName'], ['a\u0000b']).errors).toEqual(['firstName: contains a NUL character, which a text field cannot hold']);
    expect(decode(['firstName'], ['a\uD800b']).errors).toEqual(['firstName: contains half of a UTF-16 surrogate pair, which is not text']);
    expect(decode(['firstName'], ['😀']).errors).toEqual([]);
  });
  it('fails a cell that held bytes that were not UTF-8', () => {
    expect(decode(['firstName'], ['Jos\uFFFD'], true).errors).toEqual([
      'firstName: contains bytes that are not valid UTF-8 (save the file as UTF-8 and upload it again)',
    ]);
    expect(decode(['firstName'], ['Jos\uFFFD'], false).errors).toEqual([]);
  });
  it('gives the id and primary email as keys that a later row may not repeat', () => {
    expect(rowKeys(decode(['id', 'primaryEmail'], [ID.toUpperCase(), 'A@x.com']))).toEqual([idKey(ID), 'ea@x.com']);
    const [key] = rowKeys(decode(['primaryEmail'], ['josé@exämple.com']));
    expect(duplicateMessage(key!, 2)).toContain('(josé@xn--exmple-cua.com)');
    expect(idKey(ID)).toHaveLength(17);
    expect(idKey(ID)).not.toBe(idKey(OTHER));
    expect(duplicateMessage('ea@x.com', 3)).toBe(
      'primaryEmail: the same primary email (a@x.com) as row 3 of this file (each contact once per file)',
    );
  });
});

describe('matchRow', () => {
  const jane = contact(ID, { firstName: 'Jane', primaryEmail: 'jane@x.com' });
  const l = lookupOf(jane);
  it('matches by id first, then by primary email', () => {
    expect(matchRow(decode(['id', 'primaryEmail'], [ID, 'other@x.com']), l, 'upsert')).toEqual({ kind: 'update', current: jane });
    expect(matchRow(decode(['primaryEmail'], ['JANE@x.com']), l, 'upsert')).toEqual({ kind: 'update', current: jane });
    expect(matchRow(decode(['primaryEmail'], ['new@x.com']), l, 'upsert')).toEqual({ kind: 'create' });
  });
  it("fails an id that is not a contact of this team (another team's id looks the same)", () => {
    expect(matchRow(decode(['id'], [OTHER]), l, 'upsert')).toEqual({
      kind: 'fail',
      error: `id: no contact with the id ${OTHER} in this team`,
    });
  });
  it('mode create refuses existing contacts, mode update refuses new ones', () => {
    expect(matchRow(decode(['primaryEmail'], ['jane@x.com']), l, 'create')).toMatchObject({
      kind: 'fail',
      error: expect.stringContaining('mode "create"'),
    });
    expect(matchRow(decode(['id'], [ID]), l, 'create')).toMatchObject({ kind: 'fail' });
    expect(matchRow(decode(['primaryEmail'], ['new@x.com']), l, 'update')).toMatchObject({
      kind: 'fail',
      error: expect.stringContaining('mode "update"'),
    });
    expect(matchRow(decode(['firstName'], ['Bob']), l, 'update')).toMatchObject({
      kind: 'fail',
      error: expect.stringContaining('Neither an id'),
    });
    expect(matchRow(decode(['primaryEmail'], ['jane@x.com']), l, 'update')).toMatchObject({ kind: 'update' });
  });
});

describe('planRow', () => {
  const jane = contact(ID, {
    firstName: 'Jane',
    lastName: 'Doe',
    primaryEmail: 'jane@x.com',
    emails: { billing: 'bill@x.com' },
    phones: { work: '+1 555 0100', home: '555 0199' },
  });
  const bob = contact(OTHER, { firstName: 'Bob', primaryEmail: 'bob@x.com' });
  const l = lookupOf(jane, bob);
  const run = (headers: string[], cells: string[], lookup = l, mode: 'upsert' | 'create' | 'update' = 'upsert') => {
    const p = decode(headers, cells);
    return planRow(p, matchRow(p, lookup, mode), lookup);
  };

  it('creates a contact with normalised values', () => {
    const r = run(['firstName', 'primaryEmail', 'phones'], [' Ann ', 'ANN@x.com', '+1 555 0111; 555 0112']);
    expect(r).toMatchObject({
      action: 'create',
      after: { firstName: 'Ann', primaryEmail: 'ann@x.com', phones: { phone: '+1 555 0111', phone2: '555 0112' } },
    });
  });
  it('updates only the non-empty cells; an empty cell leaves the field as it is', () => {
    const r = run(['primaryEmail', 'firstName', 'lastName', 'company'], ['jane@x.com', 'Janet', '', 'Acme']);
    expect(r).toMatchObject({ action: 'update', contactId: ID, after: { firstName: 'Janet', lastName: 'Doe', company: 'Acme' } });
    expect(r.action === 'update' && Object.keys(r.changes)).toEqual(['firstName', 'company']);
  });
  it('is unchanged when the row says what is stored', () => {
    expect(run(['primaryEmail', 'firstName', 'emails'], ['jane@x.com', 'Jane', '{"billing":"bill@x.com"}'])).toEqual({
      action: 'unchanged',
      contactId: ID,
    });
  });
  it('a labeled column sets one label and keeps the others; an emails/phones column replaces the map', () => {
    const a = run(['primaryEmail', 'Mobile Phone'], ['jane@x.com', '555 0123']);
    expect(a.action === 'update' && a.after.phones).toEqual({ work: '+1 555 0100', home: '555 0199', mobile: '555 0123' });
    const b = run(['primaryEmail', 'phones'], ['jane@x.com', '{"mobile":"555 0123"}']);
    expect(b.action === 'update' && b.after.phones).toEqual({ mobile: '555 0123' });
  });
  it('keeps labels named like Object.prototype members as ordinary labels, and refuses __proto__ like the API', () => {
    const a = run(['primaryEmail', 'phones'], ['jane@x.com', '{"constructor":"555 0124","toString":"555 0125"}']);
    expect(a.action === 'update' && Object.entries(a.after.phones)).toEqual([
      ['constructor', '555 0124'],
      ['toString', '555 0125'],
    ]);
    expect(run(['firstName', 'emails'], ['X', '{"__proto__":"p@x.com","work":"w@x.com"}'])).toMatchObject({
      action: 'fail',
      error: 'emails: the label "__proto__" is not allowed',
    });
  });
  it('fails a bad email with the column name and the API message', () => {
    expect(run(['E-mail Address', 'firstName'], ['not-an-email', 'X'])).toEqual({
      action: 'fail',
      contactId: null,
      error: 'E-mail Address: Email address must look like name@example.com',
    });
    expect(run(['firstName', 'emails'], ['X', 'a@x.com; broken@'])).toMatchObject({
      action: 'fail',
      error: expect.stringMatching(/^emails: /),
    });
  });
  it('fails a value longer than the API allows', () => {
    expect(run(['firstName'], ['x'.repeat(201)])).toMatchObject({ action: 'fail', error: 'firstName: Must be at most 200 characters' });
    expect(run(['firstName', 'phones'], ['x', 'call me maybe'])).toMatchObject({
      action: 'fail',
      error: expect.stringContaining('phones'),
    });
  });
  it('fails a primary email that belongs to another contact and names it', () => {
    expect(run(['id', 'primaryEmail'], [ID, 'bob@x.com'])).toEqual({
      action: 'fail',
      contactId: ID,
      error: `primaryEmail: bob@x.com already belongs to contact "Bob" (${OTHER})`,
    });
  });
  it('fails a row that would leave a contact without a name, company or email', () => {
    expect(run(['notes'], ['only notes'])).toMatchObject({
      action: 'fail',
      error: 'A contact needs at least a name, a company or an email address',
    });
  });
  it('refuses to change read-only directory fields like the API, but accepts the stored value echoed back', () => {
    expect(run(['primaryEmail', 'directorySyncId'], ['jane@x.com', 'abc'])).toMatchObject({
      action: 'fail',
      error:
        'directorySyncId: read-only (written by Contact Sync): the contact has none, the file says "abc"; leave the cell as exported or empty',
    });
    const synced = { ...jane, directory: { ...emptyDirectory(), syncId: 'abc' } };
    expect(run(['primaryEmail', 'directorySyncId'], ['jane@x.com', 'abc'], lookupOf(synced))).toEqual({
      action: 'unchanged',
      contactId: ID,
    });
  });
  it('reports every problem of a row at once', () => {
    const r = run(['firstName', 'contactIsActive', 'portalAccess'], ['Ann', 'perhaps', 'sometimes']);
    expect(r.action === 'fail' && r.error.split('; ')).toHaveLength(2);
  });
  it('accepts every template column on a full export row', () => {
    const headers = [...TEMPLATE_COLUMNS];
    const cells = headers.map(
      (h) =>
        ({
          id: ID,
          firstName: 'Jane',
          lastName: 'Doe',
          primaryEmail: 'jane@x.com',
          emails: '{"billing":"bill@x.com"}',
          phones: '{"work":"+1 555 0100","home":"555 0199"}',
          contactIsActive: 'true',
          createdAt: '2020-01-01T00:00:00.000Z',
        })[h as string] ?? '',
    );
    expect(run(headers, cells)).toEqual({ action: 'unchanged', contactId: ID });
  });
});

describe('layOutXlsxRow', () => {
  it('names columns as a spreadsheet does', () => {
    expect([0, 25, 26, 51, 701, 702, 16383].map(columnName)).toEqual(['A', 'Z', 'AA', 'AZ', 'ZZ', 'AAA', 'XFD']);
  });
  it('reads cells a spreadsheet left out, at the end or in the middle, as empty cells', () => {
    expect(
      layOutXlsxRow(
        [
          [1, 'Mia'],
          [3, 'mia@example.com'],
          [6, 'Acme'],
        ],
        30,
      ),
    ).toEqual({ cells: ['', 'Mia', '', 'mia@example.com', '', '', 'Acme', ...Array(23).fill('')] });
  });
  it('fails a row with a value past the header, naming its column, and keeps only a few columns past the header', () => {
    const r = layOutXlsxRow(
      [
        [0, 'jane@example.com'],
        [16383, 'x'],
        [7, 'near'],
      ],
      5,
    );
    expect(r.error).toMatch(/^Column H holds a value, but the header ends at column E/);
    expect(r.cells).toEqual(['jane@example.com', '', '', '', '', '', '', 'near']);
    expect(layOutXlsxRow([[16383, 'x']], 5)).toEqual({
      cells: ['', '', '', '', ''],
      error: expect.stringMatching(/^Column XFD holds a value/),
    });
    // an empty cell past the header is no value
    expect(layOutXlsxRow([[9, ' ']], 2)).toEqual({ cells: ['', '', '', '', '', '', '', '', '', ' '] });
  });
  it('weighs a row by its cells and their text', () => {
    expect(cellBytes(['ab', ''])).toBe(16 + 4 + 16);
  });
});

describe('plainInputOk (the schema check an import row skips)', () => {
  const inputs: [string, unknown][] = [
    ['plain row', { firstName: 'Ada', primaryEmail: 'ada@example.com', address: { city: 'Paris' }, permissions: { active: false } }],
    ['labels and phones', { emails: { work: 'a@example.com' }, phones: { mobile: '+1 (202) 555-0100 ext. 7' } }],
    ['a label zod trims', { emails: { ' work ': 'a@example.com' } }],
    ['an empty label', { phones: { '': '+1 202 555 0100' } }],
    ['a label too long', { phones: { ['x'.repeat(41)]: '+1 202 555 0100' } }],
    ['a phone without digits', { phones: { work: 'call me' } }],
    ['a phone with other characters', { phones: { work: '+1 202 555 0100 !' } }],
    ['a phone too long', { phones: { work: '1'.repeat(65) } }],
    ['too many labels', { phones: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`l${i}`, '555 0100'])) }],
    ['a bad email', { primaryEmail: 'not an email' }],
    ['a bad labeled email', { emails: { home: 'a@@b' } }],
    ['a name too long', { lastName: 'x'.repeat(201) }],
    ['notes at the limit', { notes: 'x'.repeat(20_000) }],
    ['notes over the limit', { notes: 'x'.repeat(20_001) }],
    ['a postal code over its limit', { address: { postalCode: '1'.repeat(65) } }],
    ['an address key the schema strips', { address: { city: 'Roma', planet: 'Earth' } }],
    ['a flag that is not a boolean', { notifications: { newTickets: 'yes' } }],
    ['an unknown flag', { permissions: { admin: true } }],
    ['directory values', { directory: { syncId: null, reportsToContactId: 'x' } }],
    ['directory values out of the schema order', { directory: { reportsToContactId: 'x', syncId: null } }],
    ['an unknown field', { nickname: 'Ada' }],
    ['nulls', { firstName: null, primaryEmail: null, emails: null, address: null }],
  ];
  it.each(inputs)('%s: answers true only when the schema accepts the input and gives it back unchanged', (_, input) => {
    const parsed = contactInput.safeParse(input);
    const same = parsed.success && isDeepStrictEqual(parsed.data, input);
    if (plainInputOk(input as ContactInput)) expect(same).toBe(true);
  });
  it('takes the fast path for the rows of a plain file', () => {
    expect(plainInputOk(inputs[0]![1] as ContactInput)).toBe(true);
    expect(plainInputOk(inputs[1]![1] as ContactInput)).toBe(true);
    expect(plainInputOk(inputs[2]![1] as ContactInput)).toBe(false);
    expect(plainInputOk({ directory: { reportsToContactId: 'x', syncId: null } })).toBe(false);
  });
  it('a row the schema refuses still fails with its message', () => {
    const headers = ['First name', 'Phone'];
    const patch = decodeRow(['Ada', 'call me'], plan(headers));
    const planned = planRow(patch, { kind: 'create' }, { byId: () => undefined, byEmail: () => undefined });
    expect(planned).toMatchObject({ action: 'fail', error: expect.stringContaining('A phone number needs at least one digit') });
  });
});
