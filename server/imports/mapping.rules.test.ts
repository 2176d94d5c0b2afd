import { describe, expect, it } from 'vitest';
import { TEMPLATE_COLUMNS } from '#shared/import.schema.ts';
import { applyMappingInput, autoMap, headerKey, resolveField, unmappedColumns } from './mapping.rules.ts';

const fields = (headers: string[], sample: string[][] = []) =>
  Object.fromEntries(autoMap(headers, sample).map((e) => [e.column, e.labelColumn ? `${e.field} (label: ${e.labelColumn})` : e.field]));

describe('autoMap', () => {
  it('maps every template column, and leaves createdAt/updatedAt out on purpose (not reported)', () => {
    const m = autoMap([...TEMPLATE_COLUMNS]);
    expect(m.filter((e) => e.field).length).toBe(TEMPLATE_COLUMNS.length - 2);
    expect(m.find((e) => e.column === 'job')!.field).toBe('jobTitle');
    expect(m.find((e) => e.column === 'contactIsActive')!.field).toBe('permissions.active');
    expect(m.find((e) => e.column === 'emailFormAssignments')!.field).toBe('notifications.formAssignments');
    expect(unmappedColumns(m)).toEqual([]);
  });

  it('maps an Outlook export', () => {
    const headers = [
      'First Name',
      'Middle Name',
      'Last Name',
      'Company',
      'Department',
      'Job Title',
      'Business Street',
      'Business City',
      'Business State',
      'Business Postal Code',
      'Business Country/Region',
      'Home Street',
      'Business Fax',
      'Business Phone',
      'Business Phone 2',
      'Home Phone',
      'Mobile Phone',
      'E-mail Address',
      'E-mail Type',
      'E-mail 2 Address',
      'E-mail 3 Address',
      'Notes',
    ];
    expect(fields(headers)).toMatchObject({
      'First Name': 'firstName',
      'Middle Name': null,
      'Last Name': 'lastName',
      Company: 'company',
      Department: 'division',
      'Job Title': 'jobTitle',
      'Business Street': 'address.line1',
      'Business City': 'address.city',
      'Business State': 'address.state',
      'Business Postal Code': 'address.postalCode',
      'Business Country/Region': 'address.country',
      'Home Street': null,
      'Business Fax': 'phones.fax',
      'Business Phone': 'phones.work',
      'Business Phone 2': 'phones.work2',
      'Home Phone': 'phones.home',
      'Mobile Phone': 'phones.mobile',
      'E-mail Address': 'primaryEmail',
      'E-mail 2 Address': 'emails.email2',
      'E-mail 3 Address': 'emails.email3',
      Notes: 'notes',
    });
    expect(unmappedColumns(autoMap(headers))).toEqual(['Middle Name', 'Home Street', 'E-mail Type']);
  });

  it('uses Outlook home address columns when there is no business address', () => {
    expect(fields(['First Name', 'Home Street', 'Home City', 'Home Postal Code'])).toMatchObject({
      'Home Street': 'address.line1',
      'Home City': 'address.city',
      'Home Postal Code': 'address.postalCode',
    });
  });

  it('maps a Google Contacts export (old format): value columns labeled by their Type column', () => {
    const headers = [
      'Name',
      'Given Name',
      'Additional Name',
      'Family Name',
      'E-mail 1 - Type',
      'E-mail 1 - Value',
      'E-mail 2 - Type',
      'E-mail 2 - Value',
      'Phone 1 - Type',
      'Phone 1 - Value',
      'Phone 2 - Type',
      'Phone 2 - Value',
      'Organization 1 - Name',
      'Organization 1 - Title',
      'Organization 1 - Department',
      'Address 1 - Street',
      'Address 1 - City',
      'Address 1 - Region',
      'Address 1 - Postal Code',
      'Address 1 - Country',
      'Address 1 - Extended Address',
      'Notes',
    ];
    const m = autoMap(headers);
    expect(fields(headers)).toMatchObject({
      Name: null,
      'Given Name': 'firstName',
      'Family Name': 'lastName',
      'E-mail 1 - Value': 'primaryEmail (label: E-mail 1 - Type)',
      'E-mail 2 - Value': 'emails (label: E-mail 2 - Type)',
      'Phone 1 - Value': 'phones (label: Phone 1 - Type)',
      'Phone 2 - Value': 'phones (label: Phone 2 - Type)',
      'Organization 1 - Name': 'company',
      'Organization 1 - Title': 'jobTitle',
      'Organization 1 - Department': 'division',
      'Address 1 - Street': 'address.line1',
      'Address 1 - City': 'address.city',
      'Address 1 - Region': 'address.state',
      'Address 1 - Postal Code': 'address.postalCode',
      'Address 1 - Country': 'address.country',
      'Address 1 - Extended Address': 'address.line2',
      Notes: 'notes',
    });
    expect(m.find((e) => e.column === 'Phone 2 - Type')!.note).toBe('Label of column "Phone 2 - Value"');
    // the full name is reported: first and last come from their own columns
    expect(unmappedColumns(m)).toEqual(['Name', 'Additional Name']);
  });

  it('maps a Google Contacts export (new format: "- Label" columns, Organization Name)', () => {
    expect(
      fields([
        'First Name',
        'Last Name',
        'Organization Name',
        'Organization Title',
        'E-mail 1 - Label',
        'E-mail 1 - Value',
        'Phone 1 - Label',
        'Phone 1 - Value',
      ]),
    ).toMatchObject({
      'Organization Name': 'company',
      'Organization Title': 'jobTitle',
      'E-mail 1 - Value': 'primaryEmail (label: E-mail 1 - Label)',
      'Phone 1 - Value': 'phones (label: Phone 1 - Label)',
    });
  });

  it('maps HubSpot, Freshdesk and Zendesk exports', () => {
    expect(
      fields([
        'Record ID',
        'First Name',
        'Last Name',
        'Email',
        'Phone Number',
        'Mobile Phone Number',
        'Company Name',
        'Job Title',
        'Street Address',
        'City',
        'State/Region',
        'Postal Code',
        'Country/Region',
      ]),
    ).toMatchObject({
      'Record ID': null,
      Email: 'primaryEmail',
      'Phone Number': 'phones.phone',
      'Mobile Phone Number': 'phones.mobile',
      'Company Name': 'company',
      'Street Address': 'address.line1',
      'State/Region': 'address.state',
      'Country/Region': 'address.country',
    });
    expect(
      fields(['Name', 'Email', 'Job Title', 'Company', 'Work Phone', 'Mobile Phone', 'Twitter ID', 'Address', 'Description']),
    ).toMatchObject({
      Name: 'fullName',
      Email: 'primaryEmail',
      'Work Phone': 'phones.work',
      'Mobile Phone': 'phones.mobile',
      Address: 'address.line1',
      Description: 'notes',
      'Twitter ID': null,
    });
    expect(fields(['name', 'email', 'phone', 'organization', 'notes', 'role'])).toMatchObject({
      name: 'fullName',
      email: 'primaryEmail',
      phone: 'phones.phone',
      organization: 'company',
      notes: 'notes',
      role: null,
    });
  });

  it('maps id only when the sample holds kdesk ids (a Zendesk "id" of numbers stays unmapped, with a reason)', () => {
    expect(fields(['id', 'email'], [['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'a@x.com']]).id).toBe('id');
    const m = autoMap(['id', 'email'], [['12345', 'a@x.com']]);
    expect(m[0]).toMatchObject({ field: null, note: expect.stringContaining('not kdesk contact ids') });
    expect(unmappedColumns(m)).toEqual(['id']);
  });

  it('gives a field to the first column only and reports the others', () => {
    const m = autoMap(['Email', 'E-mail Address', 'Mail']);
    expect(m.map((e) => e.field)).toEqual(['primaryEmail', null, null]);
    expect(m[1]!.note).toBe('primaryEmail already comes from column "Email"');
    expect(unmappedColumns(m)).toEqual(['E-mail Address', 'Mail']);
  });

  it('normalises header spelling', () => {
    expect(headerKey('E-mail Address')).toBe(headerKey('email address'));
    expect(headerKey(' Prénom ')).toBe('prenom');
  });
});

describe('applyMappingInput', () => {
  const headers = ['Email', 'Surname', 'Cell', 'Badge', 'Kind', 'Extra'];
  const auto = autoMap(headers);
  it('maps columns by hand, to fields, template names and labeled targets', () => {
    const r = applyMappingInput(headers, auto, { Badge: 'emails.badge', Kind: 'job', Extra: 'phones.desk' });
    expect(r.ok && r.entries.map((e) => [e.column, e.field, e.source])).toEqual([
      ['Email', 'primaryEmail', 'synonym'],
      ['Surname', 'lastName', 'synonym'],
      ['Cell', 'phones.mobile', 'synonym'],
      ['Badge', 'emails.badge', 'manual'],
      ['Kind', 'jobTitle', 'manual'],
      ['Extra', 'phones.desk', 'manual'],
    ]);
  });
  it('skips a column on purpose with null or "ignore" (then it is not reported as unmapped)', () => {
    const r = applyMappingInput(headers, auto, { Cell: null, Badge: 'ignore', Kind: 'IGNORE', Extra: null });
    expect(r.ok && r.entries.find((e) => e.column === 'Cell')!.field).toBeNull();
    expect(r.ok && unmappedColumns(r.entries)).toEqual([]);
  });
  it('moves a field from an automatic column to the column named by hand', () => {
    const r = applyMappingInput(headers, auto, { Badge: 'primaryEmail' });
    expect(r.ok && r.entries.find((e) => e.column === 'Email')).toMatchObject({ field: null, note: expect.stringContaining('Badge') });
    expect(r.ok && unmappedColumns(r.entries)).toContain('Email');
  });
  it('takes a label from another column', () => {
    const r = applyMappingInput(headers, auto, { Extra: { field: 'phones', labelColumn: 'Kind' } });
    expect(r.ok && r.entries.find((e) => e.column === 'Extra')).toMatchObject({ field: 'phones', labelColumn: 'Kind' });
    expect(r.ok && r.entries.find((e) => e.column === 'Kind')).toMatchObject({ field: null, note: 'Label of column "Extra"' });
  });
  it('refuses unknown columns, unknown fields, server-owned fields and two columns on one field, naming the key', () => {
    const r = applyMappingInput(headers, auto, {
      Nope: 'firstName',
      Badge: 'shoeSize',
      Kind: 'createdAt',
      Extra: 'lastName',
      Cell: 'lastName',
    });
    expect(r.ok).toBe(false);
    const details = !r.ok ? r.details : [];
    expect(details).toEqual(
      expect.arrayContaining([
        { path: 'mapping.Nope', message: 'The file has no column "Nope"' },
        { path: 'mapping.Badge', message: expect.stringContaining('"shoeSize" is not a field') },
        { path: 'mapping.Kind', message: 'createdAt is written by the server and cannot be imported' },
        { path: 'mapping.Extra', message: 'Column "Cell" is also mapped to lastName' },
      ]),
    );
  });
  it('resolves fields', () => {
    expect(resolveField('contactIsActive')).toEqual({ field: 'permissions.active' });
    expect(resolveField('emails.work')).toEqual({ field: 'emails.work' });
    expect(resolveField('emails.')).toHaveProperty('error');
  });
});
