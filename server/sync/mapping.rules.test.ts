import { describe, expect, it } from 'vitest';
import { adDefaultMapping, openldapDefaultMapping } from '#shared/sync.ts';
import { applyMapping, mappedAttributes, syncedFields, validateMapping } from './mapping.rules.ts';
import type { DirectoryEntry } from './source.ts';

const entry = (attributes: Record<string, string[]>, extra: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  syncId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
  dn: 'CN=Smith\\, John,OU=Sales,DC=example,DC=com',
  attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v])),
  disabled: false,
  changeMarker: null,
  ...extra,
});

describe('validateMapping', () => {
  it('accepts the Active Directory and OpenLDAP defaults', () => {
    expect(validateMapping(adDefaultMapping)).toEqual([]);
    expect(validateMapping(openldapDefaultMapping)).toEqual([]);
  });

  it('refuses a mapping without a name or without an email, naming the field', () => {
    expect(validateMapping({ primaryEmail: 'mail' })).toEqual([
      { path: 'mapping.firstName', message: 'Map a name: firstName or lastName to a directory attribute' },
    ]);
    expect(validateMapping({ lastName: 'sn' })).toEqual([
      { path: 'mapping.primaryEmail', message: 'Map an email: primaryEmail to a directory attribute' },
    ]);
    // a constant is not a mapped name
    expect(validateMapping({ firstName: { const: 'Ann' }, primaryEmail: 'mail' }).map((d) => d.path)).toContain('mapping.firstName');
  });

  it('refuses unknown fields, bad attribute names and constants of the wrong type', () => {
    const d = validateMapping({
      lastName: 'sn',
      primaryEmail: 'mail',
      shoeSize: 'x',
      company: 'bad attr!',
      'permissions.portalAccess': { const: 'yes' },
      jobTitle: { const: true },
    });
    expect(d.map((x) => x.path).sort()).toEqual([
      'mapping.company',
      'mapping.jobTitle',
      'mapping.permissions.portalAccess',
      'mapping.shoeSize',
    ]);
  });

  it('accepts labeled emails and phones, constants and required attributes', () => {
    expect(
      validateMapping({
        lastName: { attribute: 'sn', required: true },
        primaryEmail: { attribute: 'mail', required: true },
        'emails.home': 'otherMailbox',
        'phones.desk': 'telephoneNumber',
        'permissions.portalAccess': { const: true },
        company: { const: 'Acme' },
      }),
    ).toEqual([]);
  });
});

describe('applyMapping', () => {
  it('maps an Active Directory user, disabled accounts becoming inactive', () => {
    const p = applyMapping(
      entry(
        {
          givenName: ['John'],
          sn: ['Smith'],
          mail: ['John.Smith@Example.COM'],
          telephoneNumber: ['+1 555 0100'],
          l: ['Berlin'],
          manager: ['CN=Doe\\, Jane,OU=Sales,DC=example,DC=com'],
          title: ['Engineer'],
        },
        { disabled: true },
      ),
      adDefaultMapping,
    );
    expect(p.failure).toBeNull();
    expect(p.warnings).toEqual([]);
    expect(p.fields).toMatchObject({
      firstName: 'John',
      lastName: 'Smith',
      primaryEmail: 'john.smith@example.com',
      jobTitle: 'Engineer',
      phones: { work: '+1 555 0100' },
      address: { city: 'Berlin' },
      permissions: { active: false },
    });
    expect(p.reportsToDn).toBe('CN=Doe\\, Jane,OU=Sales,DC=example,DC=com');
  });

  it('finds attributes whatever their case and applies constants', () => {
    const p = applyMapping(entry({ GIVENNAME: ['Ann'], MAIL: ['ann@example.com'] }), {
      firstName: 'givenName',
      primaryEmail: 'mail',
      company: { const: 'Acme' },
      'permissions.portalAccess': { const: false },
      'notifications.newTickets': 'x-notify',
    });
    expect(p.fields).toMatchObject({ firstName: 'Ann', company: 'Acme', permissions: { portalAccess: false, active: true } });
  });

  it('leaves a field that does not fit empty with a warning and still syncs the person', () => {
    const p = applyMapping(entry({ sn: ['Smith'], mail: ['not an email'], telephoneNumber: ['call me'] }), adDefaultMapping);
    expect(p.failure).toBeNull();
    expect(p.fields.primaryEmail).toBeNull();
    expect(p.fields.phones).toEqual({});
    expect(p.warnings.map((w) => w.path)).toEqual(['primaryEmail', 'phones.work']);
  });

  it('creates a person without an email unless the mapping requires it', () => {
    expect(applyMapping(entry({ sn: ['Smith'] }), adDefaultMapping).failure).toBeNull();
    const required = applyMapping(entry({ sn: ['Smith'] }), { lastName: 'sn', primaryEmail: { attribute: 'mail', required: true } });
    expect(required.failure).toBe('primaryEmail (mail) is empty and the mapping requires it');
  });

  it('fails a person with nothing that identifies them, or without a stable id', () => {
    expect(applyMapping(entry({ telephoneNumber: ['+1 555'] }), adDefaultMapping).failure).toMatch(/no name, company or email/);
    expect(applyMapping(entry({ sn: ['X'] }, { syncId: '', error: 'The entry has no objectGUID' }), adDefaultMapping).failure).toBe(
      'The entry has no objectGUID',
    );
  });

  it('clears a mapped field the directory no longer has, and keeps unmapped fields of the existing contact', () => {
    const base = applyMapping(entry({ sn: ['Smith'], mail: ['a@example.com'], title: ['Boss'] }), adDefaultMapping).fields;
    base.notes = 'kept';
    const next = applyMapping(entry({ sn: ['Smith'], mail: ['a@example.com'] }), adDefaultMapping, base);
    expect(next.fields.jobTitle).toBeNull();
    expect(next.fields.notes).toBe('kept');
  });

  it('refuses text longer than the field allows', () => {
    const p = applyMapping(entry({ sn: ['x'.repeat(201)], mail: ['a@example.com'] }), adDefaultMapping);
    expect(p.fields.lastName).toBeNull();
    expect(p.warnings).toEqual([{ path: 'lastName', message: 'longer than 200 characters: left empty (sn)' }]);
  });
});

describe('mappedAttributes / syncedFields', () => {
  it('lists the attributes to read and the fields a connection owns', () => {
    const m = { lastName: 'sn', primaryEmail: { attribute: 'mail', required: true }, company: { const: 'Acme' }, reportsTo: 'manager' };
    expect(mappedAttributes(m)).toEqual(['sn', 'mail', 'manager']);
    expect(syncedFields(m)).toEqual(['lastName', 'primaryEmail', 'company', 'permissions.active', 'directory.reportsToContactId']);
  });
});
