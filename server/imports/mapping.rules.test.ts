import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_COLUMNS } from '#shared/import.schema.ts';
import { parseCsv } from './import-test-utils.ts';
import { applyMappingInput, autoMap, headerKey, resolveField, unmappedColumns } from './mapping.rules.ts';
import { compileMapping, decodeRow } from './rows.rules.ts';

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

  it('gives a field to the most specific column whatever the order, and reports the others', () => {
    const m2 = autoMap(['Title', 'Account', 'Company Name', 'Job Title']);
    expect(m2.map((e) => e.field)).toEqual([null, null, 'company', 'jobTitle']);
    expect(m2[0]!.note).toBe('jobTitle already comes from column "Job Title"');
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

/** A real export (header as the product writes it, one contact): what each contact field receives. */
function importOf(name: string) {
  const [headers, row] = parseCsv(readFileSync(new URL(`./fixtures/exports/${name}`, import.meta.url), 'utf8')) as [string[], string[]];
  const mapping = autoMap(headers, [row]);
  const patch = decodeRow(row, compileMapping(mapping, headers));
  const byField = Object.fromEntries(mapping.filter((e) => e.field).map((e) => [e.field, e.column]));
  return { mapping, patch, byField, note: (column: string) => mapping.find((e) => e.column === column)?.note };
}

describe('autoMap on real export header sets (the most specific header wins)', () => {
  it('Outlook desktop: Title is the honorific, Job Title the job; E-mail Address is primary, 2 and 3 are labeled', () => {
    const { patch, byField, note } = importOf('outlook-desktop.csv');
    expect(patch.errors).toEqual([]);
    expect(patch.input).toMatchObject({
      firstName: 'Ana',
      lastName: 'Silva',
      jobTitle: 'Chief Scientist',
      company: 'Contoso Ltd',
      division: 'Research',
      primaryEmail: 'ana.silva@contoso.com',
      notes: 'Met at the 2025 summit',
      address: { line1: '1 Main St', line2: 'Floor 2', city: 'Seattle', state: 'WA', postalCode: '98052', country: 'United States' },
    });
    expect(patch.emails?.labeled).toEqual([
      ['email2', 'ana@home.example'],
      ['email3', 'asilva@lab.example'],
    ]);
    expect(patch.phones?.labeled).toEqual(
      expect.arrayContaining([
        ['work', '+1 206 555 0100'],
        ['mobile', '+1 206 555 0199'],
        ['fax', '+1 206 555 0101'],
      ]),
    );
    expect(byField).toMatchObject({ jobTitle: 'Job Title', company: 'Company', primaryEmail: 'E-mail Address' });
    expect(note('Title')).toMatch(/honorific/);
    // Outlook's Account is a billing field, never the company
    expect(note('Account')).toBe('company already comes from column "Company"');
  });

  it('Outlook.com: Title before Job Title in the file still leaves jobTitle to Job Title', () => {
    const { patch, byField, note } = importOf('outlook-com.csv');
    expect(patch.errors).toEqual([]);
    expect(patch.input).toMatchObject({ firstName: 'Ben', lastName: 'Okafor', jobTitle: 'Account Manager', company: 'Fabrikam' });
    expect(patch.input.primaryEmail).toBe('ben.okafor@fabrikam.com');
    expect(patch.emails?.labeled).toEqual([['email2', 'ben@home.example']]);
    expect(byField.jobTitle).toBe('Job Title');
    expect(note('Title')).toMatch(/honorific/);
  });

  it('Google Contacts (legacy Google CSV): Organization 1 - Title beats Occupation; E-mail 1 is primary, its other values labeled', () => {
    const { patch, byField } = importOf('google-legacy.csv');
    expect(patch.errors).toEqual([]);
    expect(patch.input).toMatchObject({
      firstName: 'Wei',
      lastName: 'Chen',
      company: 'Acme Asia',
      jobTitle: 'Support Lead',
      division: 'Operations',
      primaryEmail: 'wei.chen@example.com',
      notes: 'VIP customer',
    });
    expect(patch.emails?.labeled).toEqual([['home', 'wei@home.example']]);
    expect(byField).toMatchObject({ jobTitle: 'Organization 1 - Title', 'address.line1': 'Address 1 - Street' });
    expect(byField.fullName).toBeUndefined();
  });

  it('Google Contacts (2024 format with "- Label" columns)', () => {
    const { patch, byField } = importOf('google-2024.csv');
    expect(patch.errors).toEqual([]);
    expect(patch.input).toMatchObject({
      firstName: 'Dana',
      lastName: 'Kim',
      company: 'Globex',
      jobTitle: 'Head of Support',
      division: 'Customer Care',
      primaryEmail: 'dana.kim@globex.example',
      address: { line1: '1 Market St', line2: 'Suite 300', city: 'San Francisco', state: 'CA', postalCode: '94105' },
    });
    expect(patch.emails?.labeled).toEqual([['home', 'dana@home.example']]);
    expect(byField.jobTitle).toBe('Organization Title');
  });

  it('Freshdesk: its Title is the job title (no honorific columns); its numeric Contact ID is not a kdesk id', () => {
    const { patch, byField, note } = importOf('freshdesk.csv');
    expect(patch.errors).toEqual([]);
    expect(patch.id).toBeNull();
    expect(patch.input).toMatchObject({ firstName: 'Elif', lastName: 'Yilmaz', jobTitle: 'Procurement Lead', company: 'Initech' });
    expect(patch.input.primaryEmail).toBe('elif.yilmaz@initech.example');
    expect(byField).toMatchObject({ jobTitle: 'Title', fullName: 'Full Name', emails: 'Other Emails' });
    expect(note('Contact ID')).toMatch(/not kdesk contact ids/);
  });

  it('Zendesk: organization is the company; the numeric id stays unmapped', () => {
    const { patch, byField, note } = importOf('zendesk.csv');
    expect(patch.errors).toEqual([]);
    expect(patch.input).toMatchObject({ firstName: 'Farah', lastName: 'Haddad', company: 'Umbrella Corp', notes: 'Key account contact' });
    expect(byField).toMatchObject({ primaryEmail: 'email', 'phones.phone': 'phone' });
    expect(note('id')).toMatch(/not kdesk contact ids/);
  });

  it('HubSpot: Company Name and Job Title, Record ID unmapped', () => {
    const { patch, mapping } = importOf('hubspot.csv');
    expect(patch.errors).toEqual([]);
    expect(patch.input).toMatchObject({
      firstName: 'Gus',
      lastName: 'Meyer',
      company: 'Hooli',
      jobTitle: 'Office Manager',
      primaryEmail: 'gus.meyer@hooli.example',
      address: { line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'Germany' },
    });
    expect(patch.phones?.labeled).toEqual([
      ['phone', '+49 30 555 0100'],
      ['mobile', '+49 151 555 0100'],
    ]);
    expect(unmappedColumns(mapping)).toContain('Record ID');
  });

  it('a HubSpot "Contact ID" of numbers is not taken as the kdesk id (every row would fail)', () => {
    expect(autoMap(['Contact ID', 'Email'], [['51234567', 'a@x.com']])[0]).toMatchObject({
      field: null,
      note: expect.stringMatching(/not kdesk/),
    });
  });

  it('a lone Title column (Salesforce, Freshdesk) is the job title', () => {
    expect(fields(['First Name', 'Last Name', 'Title'])).toMatchObject({ Title: 'jobTitle' });
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
