import { describe, expect, it } from 'vitest';
import {
  columnLetter,
  columnStates,
  fieldLabel,
  fieldOptions,
  hasIdentityColumn,
  mappingInput,
  sampleValues,
  SKIP,
} from './import-mapping.ts';
import type { ImportPreview } from '../../lib/api.ts';

const fields = [
  { field: 'firstName', label: 'First name' },
  { field: 'lastName', label: 'Last name' },
  { field: 'primaryEmail', label: 'Primary email (match)' },
  { field: 'notes', label: 'Notes' },
  { field: 'phones', label: 'Phones (one, a list or labeled JSON)' },
];

type Entry = ImportPreview['mapping'][number];
const entry = (index: number, column: string, field: string | null, source: Entry['source'], note?: string): Entry => ({
  column,
  index,
  field,
  source,
  ...(note ? { note } : {}),
});

// an Outlook export: four columns mapped by synonym, one unknown
const preview = {
  fields,
  mapping: [
    entry(0, 'First Name', 'firstName', 'synonym'),
    entry(1, 'Last Name', 'lastName', 'synonym'),
    entry(2, 'E-mail Address', 'primaryEmail', 'synonym'),
    entry(3, 'Mobile Phone', 'phones.mobile', 'synonym'),
    entry(4, 'Favourite colour', null, 'none'),
  ],
};

describe('columnStates', () => {
  it('flags the column no field takes, and only that one', () => {
    const s = columnStates(preview, {});
    expect(s.map((c) => c.unmapped)).toEqual([false, false, false, false, true]);
    expect(s.map((c) => c.field)).toEqual(['firstName', 'lastName', 'primaryEmail', 'phones.mobile', null]);
    expect(s.every((c) => c.error === null)).toBe(true);
  });

  it('counts a column skipped on purpose as decided, not unmapped', () => {
    const s = columnStates(preview, { 4: null });
    expect(s[4]).toMatchObject({ field: null, edited: true, unmapped: false, note: 'You chose not to import this column.' });
  });

  it('lets a field chosen by hand displace the automatic column, as the server does', () => {
    const s = columnStates(preview, { 4: 'primaryEmail' });
    expect(s[4]).toMatchObject({ field: 'primaryEmail', edited: true, error: null });
    expect(s[2]).toMatchObject({ field: null, unmapped: true });
    expect(s[2]!.note).toBe('Primary email (match) now comes from column "Favourite colour".');
  });

  it('refuses one field chosen by hand for two columns', () => {
    const s = columnStates(preview, { 3: 'notes', 4: 'notes' });
    expect(s[3]!.error).toBeNull();
    expect(s[4]!.error).toMatch(/"Notes" is already chosen for column "Mobile Phone"/);
  });

  it('does not count label columns and server-written template columns as unmapped', () => {
    const s = columnStates(
      {
        fields,
        mapping: [
          { ...entry(0, 'Phone 1 - Value', 'phones', 'synonym'), labelColumn: 'Phone 1 - Type' },
          entry(1, 'Phone 1 - Type', null, 'synonym', 'Label of column "Phone 1 - Value"'),
          entry(2, 'createdAt', null, 'template', 'Written by the server; not imported'),
        ],
      },
      {},
    );
    expect(s.map((c) => c.unmapped)).toEqual([false, false, false]);
  });
});

describe('mappingInput', () => {
  it('sends only the columns the person changed, null for Don’t import', () => {
    expect(mappingInput(preview, {})).toEqual({});
    expect(mappingInput(preview, { 4: 'notes', 3: null })).toEqual({ 'Favourite colour': 'notes', 'Mobile Phone': null });
  });
});

describe('fieldOptions', () => {
  it("starts with Don't import and offers the file's labeled phones", () => {
    const groups = fieldOptions(preview, {});
    expect(groups[0]).toEqual({ group: 'Skip', items: [{ value: SKIP, label: "Don't import" }] });
    const phones = groups.find((g) => g.group === 'Emails and phones')!.items.map((i) => i.value);
    expect(phones).toContain('phones.mobile');
    expect(phones).toContain('phones');
    // every value appears once (a Select refuses duplicates)
    const values = groups.flatMap((g) => g.items.map((i) => i.value));
    expect(new Set(values).size).toBe(values.length);
  });
});

describe('small helpers', () => {
  it('names columns like a spreadsheet', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('labels fields, labeled phones and emails included', () => {
    expect(fieldLabel('notes', fields)).toBe('Notes');
    expect(fieldLabel('phones.mobile', fields)).toBe('Phone (mobile)');
    expect(fieldLabel('emails.billing', fields)).toBe('Email (billing)');
  });

  it('samples distinct non-empty values', () => {
    expect(sampleValues([['a'], [''], ['a'], [' b '], ['c'], ['d']], 0)).toEqual(['a', 'b', 'c']);
    expect(sampleValues([['x']], 3)).toEqual([]);
  });

  it('needs a name or an email column', () => {
    expect(hasIdentityColumn(columnStates(preview, {}))).toBe(true);
    expect(hasIdentityColumn(columnStates(preview, { 0: null, 1: null, 2: null }))).toBe(false);
  });
});
