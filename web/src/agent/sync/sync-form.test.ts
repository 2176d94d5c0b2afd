import { describe, expect, it } from 'vitest';
import type { SyncConnection } from './sync-api.ts';
import {
  applyFlavor,
  applySource,
  bodyOf,
  changesText,
  errorsByPath,
  filterConnections,
  firstRdnValue,
  formOf,
  newForm,
  sectionOf,
  withSource,
} from './sync-form.ts';

const saved: SyncConnection = {
  id: 'c1',
  name: 'Head office AD',
  description: '',
  source: 'ldap',
  status: 'enabled',
  settings: {
    url: 'ldaps://dc1.example.com',
    bindDn: 'CN=kdesk,OU=Service,DC=example,DC=com',
    baseDn: 'DC=example,DC=com',
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    idAttribute: 'objectGUID',
    pageSize: 500,
    incremental: 'uSNChanged',
    tls: { rejectUnauthorized: true, ca: null, startTls: false },
    timeoutSeconds: 30,
  },
  scope: { mode: 'list', groups: ['CN=Sales\\, EMEA,OU=Groups,DC=example,DC=com'] },
  mapping: {
    firstName: 'givenName',
    lastName: 'sn',
    primaryEmail: { attribute: 'mail', required: true },
    'permissions.portalAccess': { const: false },
    'phones.pager': 'pager',
  },
  schedule: '@every 1h',
  secretsSet: ['bindPassword'],
  lastFullRunAt: null,
  watermark: null,
  lastRun: null,
  version: 1,
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
};

describe('connection editor state', () => {
  it('never sends a saved password back, and sends a replacement only when one was typed', () => {
    const f = formOf(saved);
    expect(f.passwordSaved).toBe(true);
    expect(bodyOf(f).settings).not.toHaveProperty('bindPassword');
    const replaced = { ...f, replacePassword: true, bindPassword: 'n3w secret' };
    expect(bodyOf(replaced).settings.bindPassword).toBe('n3w secret');
    // "Replace" pressed but nothing typed: the stored one stays
    expect(bodyOf({ ...f, replacePassword: true, bindPassword: '' }).settings).not.toHaveProperty('bindPassword');
    // a new connection sends what was typed, even empty (the server says it is needed)
    expect(bodyOf(newForm()).settings.bindPassword).toBe('');
  });

  it('round-trips a saved connection: scope with an escaped comma, required and constant fields, fields without a row, schedule', () => {
    const body = bodyOf(formOf(saved));
    expect(body.scope).toEqual(saved.scope);
    expect(body.mapping).toEqual(saved.mapping);
    expect(body.schedule).toBe('@every 1h');
    expect(body.status).toBe('enabled');
    expect(formOf({ ...saved, status: 'draft', schedule: null }).enabled).toBe(false);
    expect(bodyOf(formOf({ ...saved, schedule: null })).schedule).toBeNull();
  });

  it('switching to OpenLDAP replaces the AD defaults but keeps what the person changed', () => {
    const f = newForm('ad');
    f.mapping.company = { kind: 'attribute', attribute: 'extensionAttribute1' };
    const o = applyFlavor(f, 'openldap');
    expect(o.idAttribute).toBe('entryUUID');
    expect(o.incremental).toBe('modifyTimestamp');
    expect(o.userFilter).toBe('(objectClass=inetOrgPerson)');
    expect(o.mapping.notes).toEqual({ kind: 'attribute', attribute: 'description' });
    expect(o.mapping.company).toEqual({ kind: 'attribute', attribute: 'extensionAttribute1' });
    const custom = applyFlavor({ ...f, idAttribute: 'employeeID' }, 'openldap');
    expect(custom.idAttribute).toBe('employeeID');
  });

  it('puts the server’s error paths at their fields and sections', () => {
    const e = errorsByPath([
      { path: 'settings.url', message: 'Use an ldap:// or ldaps:// URL' },
      { path: '/settings/tls/ca', message: 'Not a PEM certificate' },
      { path: 'scope.groups.2', message: 'Not a DN' },
      { path: 'mapping', message: 'Map a name and an email' },
    ]);
    expect(e).toEqual({
      'settings.url': 'Use an ldap:// or ldaps:// URL',
      'settings.tls.ca': 'Not a PEM certificate',
      'scope.groups': 'Not a DN',
      mapping: 'Map a name and an email',
    });
    expect(sectionOf('settings.tls.ca')).toBe('advanced');
    expect(sectionOf('settings.url')).toBe('connection');
    expect(sectionOf('mapping.primaryEmail')).toBe('mapping');
  });

  it('searches connections by name, source and status', () => {
    const list = [
      { name: 'Head office', description: '', source: 'ldap' as const, status: 'enabled' as const },
      { name: 'Berlin lab', description: '', source: 'ldap' as const, status: 'draft' as const },
    ];
    expect(filterConnections(list, 'berlin').map((c) => c.name)).toEqual(['Berlin lab']);
    expect(filterConnections(list, 'draft').map((c) => c.name)).toEqual(['Berlin lab']);
    expect(filterConnections(list, 'active directory enabled').map((c) => c.name)).toEqual(['Head office']);
    expect(filterConnections(list, 'google')).toEqual([]);
    expect(filterConnections(list, '  ')).toHaveLength(2);
  });

  it('names a manager by the first RDN of their DN, escapes undone', () => {
    expect(firstRdnValue('CN=Lee\\, Ana 25,OU=Staff,DC=kdesk,DC=test')).toBe('Lee, Ana 25');
    expect(firstRdnValue('cn=Lee\\2C Ana 25,OU=Staff,dc=kdesk,dc=test')).toBe('Lee, Ana 25');
    expect(firstRdnValue('CN=G\\C3\\A9rard Dubois,OU=Staff')).toBe('Gérard Dubois');
    expect(firstRdnValue('uid=jdoe+cn=John,ou=People')).toBe('jdoe');
    expect(firstRdnValue('not a dn')).toBe('not a dn');
  });

  it('says what a run changed on a person, in field names', () => {
    expect(
      changesText({ jobTitle: { before: 'Manager', after: 'Chief Tester' }, 'phones.mobile': { before: null, after: '+1 303' } }),
    ).toBe('Job title: Manager → Chief Tester; Mobile phone: empty → +1 303');
    expect(changesText({ a: {}, b: {}, c: {}, 'permissions.active': { before: true, after: false } }, 3)).toBe('a; b; c; 1 more');
    expect(changesText({ 'permissions.active': { before: true, after: false } })).toBe('Active: yes → no');
    expect(changesText(null)).toBe('');
  });
});

describe('cloud sources', () => {
  it('a Microsoft connection sends its settings, the secret only when typed, and a Graph filter', () => {
    let f = applySource(newForm(), 'microsoft');
    expect(f.mapping.lastName).toEqual({ kind: 'attribute', attribute: 'surname' });
    expect(f.pageSize).toBe(999);
    f = {
      ...f,
      name: 'Entra',
      tenantId: ' contoso.onmicrosoft.com ',
      clientId: 'app',
      bindPassword: 's3cret',
      scopeMode: 'pattern',
      patternFilter: "department eq 'Sales'",
    };
    const b = bodyOf(f);
    expect(b.settings).toMatchObject({
      tenantId: 'contoso.onmicrosoft.com',
      clientId: 'app',
      clientSecret: 's3cret',
      incremental: 'delta',
      graphBaseUrl: null,
    });
    expect(b.scope).toEqual({ mode: 'pattern', pattern: { filter: "department eq 'Sales'" } });
    const saved = formOf({
      ...({} as SyncConnection),
      id: 'x',
      name: 'Entra',
      description: '',
      source: 'microsoft',
      status: 'draft',
      settings: b.settings as Record<string, unknown>,
      secretsSet: ['clientSecret'],
      scope: b.scope,
      mapping: b.mapping,
      schedule: null,
    } as SyncConnection);
    expect(saved).toMatchObject({ passwordSaved: true, replacePassword: false, tenantId: 'contoso.onmicrosoft.com', deltaRuns: true });
    expect(bodyOf(saved).settings).not.toHaveProperty('clientSecret');
  });

  it('a Google connection sends its key, query and organizational unit; key errors show at the secret field', () => {
    const f = {
      ...applySource(newForm(), 'google'),
      adminEmail: 'admin@example.com',
      bindPassword: '{"type":"service_account"}',
      scopeMode: 'pattern' as const,
      patternQuery: 'isSuspended=false',
      patternOrgUnit: '/Sales',
    };
    const b = bodyOf(f);
    expect(b.settings).toMatchObject({
      customer: 'my_customer',
      adminEmail: 'admin@example.com',
      serviceAccountKey: '{"type":"service_account"}',
      domain: null,
    });
    expect(b.scope).toEqual({ mode: 'pattern', pattern: { query: 'isSuspended=false', orgUnitPath: '/Sales' } });
    expect(b.mapping.primaryEmail).toBe('primaryEmail');
    expect(errorsByPath([{ path: 'settings.serviceAccountKey', message: 'not JSON' }])).toEqual({ 'settings.bindPassword': 'not JSON' });
    expect(sectionOf('settings.graphBaseUrl')).toBe('advanced');
  });
});

describe('a SCIM connection in the editor', () => {
  it('starts with the SCIM attributes Entra sends, enabled, and sends no directory settings, scope or schedule', () => {
    const f = withSource({ ...newForm('ad'), name: ' Entra ' }, 'scim');
    expect(f.mapping.firstName).toEqual({ kind: 'attribute', attribute: 'name.givenName' });
    expect(f.mapping.primaryEmail).toEqual({ kind: 'attribute', attribute: 'emails[type eq "work"].value' });
    expect(bodyOf(f)).toMatchObject({
      name: 'Entra',
      source: 'scim',
      status: 'enabled',
      settings: {},
      scope: { mode: 'all' },
      schedule: null,
    });
  });
  it('keeps a mapping row the person changed when the source changes back', () => {
    const scim = withSource(newForm('ad'), 'scim');
    const edited = { ...scim, mapping: { ...scim.mapping, jobTitle: { kind: 'attribute' as const, attribute: 'userType' } } };
    const back = withSource(edited, 'ldap');
    expect(back.mapping.firstName).toEqual({ kind: 'attribute', attribute: 'givenName' });
    expect(back.mapping.jobTitle).toEqual({ kind: 'attribute', attribute: 'userType' });
  });
});
