// The connection editor's state and the rules that are not about looks: the mapping's field groups with
// the Active Directory, OpenLDAP, Google Workspace and Microsoft Entra ID defaults, the form <-> API body
// for each source, server error paths, and the search of the connection list.
import type { ConnectionBody, IncrementalMode, LdapSettings, MappingValue, SyncConnection, SyncMapping, SyncSource } from './sync-api.ts';

export type Flavor = 'ad' | 'openldap';

export const sourceLabels: Record<SyncSource, string> = {
  ldap: 'LDAP / Active Directory',
  google: 'Google Workspace',
  microsoft: 'Microsoft Entra ID',
  scim: 'SCIM provisioning',
};

export interface MappingField {
  path: string;
  label: string;
  /** yes/no fields take a constant switch rather than text */
  boolean?: boolean;
  required?: boolean;
  hint?: string;
}

export interface FieldGroup {
  id: string;
  title: string;
  description: string;
  fields: MappingField[];
}

/** The contact fields Contact Sync can fill, by the help page's field groups. */
export const fieldGroups: FieldGroup[] = [
  {
    id: 'identity',
    title: 'Identity and profile',
    description: 'Name, email, company, job title, division and notes.',
    fields: [
      { path: 'firstName', label: 'First name', required: true },
      { path: 'lastName', label: 'Last name', required: true },
      { path: 'primaryEmail', label: 'Primary email', required: true },
      { path: 'company', label: 'Company' },
      { path: 'jobTitle', label: 'Job title' },
      { path: 'division', label: 'Division' },
      { path: 'notes', label: 'Notes' },
      { path: 'directory.organizationId', label: 'Organization ID', hint: 'An employee number that stays with the person' },
    ],
  },
  {
    id: 'communication',
    title: 'Communication',
    description: 'Other email addresses and phone numbers.',
    fields: [
      { path: 'emails.other', label: 'Other email' },
      { path: 'phones.work', label: 'Work phone' },
      { path: 'phones.mobile', label: 'Mobile phone' },
      { path: 'phones.home', label: 'Home phone' },
    ],
  },
  {
    id: 'address',
    title: 'Address',
    description: 'Street address, city, region, postal code and country.',
    fields: [
      { path: 'address.line1', label: 'Street address' },
      { path: 'address.city', label: 'City' },
      { path: 'address.state', label: 'Region or state' },
      { path: 'address.postalCode', label: 'Postal code' },
      { path: 'address.country', label: 'Country' },
    ],
  },
  {
    id: 'access',
    title: 'Access and notifications',
    description: 'Portal access and email notification preferences.',
    fields: [
      { path: 'permissions.portalAccess', label: 'Portal access', boolean: true },
      { path: 'permissions.canPostComments', label: 'Can post comments', boolean: true },
      { path: 'permissions.canCloseTickets', label: 'Can close tickets', boolean: true },
      { path: 'notifications.newTickets', label: 'Email on new tickets', boolean: true },
      { path: 'notifications.ticketUpdates', label: 'Email on ticket updates', boolean: true },
      { path: 'notifications.newComments', label: 'Email on new comments', boolean: true },
    ],
  },
  {
    id: 'reports-to',
    title: 'Reports-to',
    description: 'The manager, as the directory names them; resolved once everyone is read.',
    fields: [{ path: 'reportsTo', label: 'Reports to', hint: 'An attribute holding the manager’s DN' }],
  },
];

export const allFields = fieldGroups.flatMap((g) => g.fields);

const common: SyncMapping = {
  firstName: 'givenName',
  lastName: 'sn',
  primaryEmail: 'mail',
  jobTitle: 'title',
  'phones.work': 'telephoneNumber',
  'phones.mobile': 'mobile',
  'phones.home': 'homePhone',
  'address.city': 'l',
  'address.state': 'st',
  'address.postalCode': 'postalCode',
  reportsTo: 'manager',
  'permissions.portalAccess': { const: true },
};

/** The mapping a new connection starts with, by directory. */
export const defaultMappings: Record<Flavor, SyncMapping> = {
  ad: {
    ...common,
    company: 'company',
    division: 'department',
    notes: 'info',
    'directory.organizationId': 'employeeID',
    'address.line1': 'streetAddress',
    'address.country': 'co',
  },
  openldap: {
    ...common,
    company: 'o',
    division: 'ou',
    notes: 'description',
    'directory.organizationId': 'employeeNumber',
    'address.line1': 'street',
  },
};

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** A SCIM connection's mapping starts with the attributes Microsoft Entra ID and Okta send (as the server's defaults). */
export const scimMapping: SyncMapping = {
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  primaryEmail: 'emails[type eq "work"].value',
  company: `${ENTERPRISE}:organization`,
  jobTitle: 'title',
  division: `${ENTERPRISE}:department`,
  'directory.organizationId': `${ENTERPRISE}:employeeNumber`,
  'phones.work': 'phoneNumbers[type eq "work"].value',
  'phones.mobile': 'phoneNumbers[type eq "mobile"].value',
  'address.line1': 'addresses[type eq "work"].streetAddress',
  'address.city': 'addresses[type eq "work"].locality',
  'address.state': 'addresses[type eq "work"].region',
  'address.postalCode': 'addresses[type eq "work"].postalCode',
  'address.country': 'addresses[type eq "work"].country',
  reportsTo: `${ENTERPRISE}:manager`,
  'permissions.portalAccess': { const: true },
};

export const flavorDefaults: Record<Flavor, { userFilter: string; idAttribute: string; incremental: IncrementalMode }> = {
  ad: { userFilter: '(&(objectCategory=person)(objectClass=user))', idAttribute: 'objectGUID', incremental: 'uSNChanged' },
  openldap: { userFilter: '(objectClass=inetOrgPerson)', idAttribute: 'entryUUID', incremental: 'modifyTimestamp' },
};

/** Google Workspace and Microsoft Entra ID: their properties (the id, organization and disabled state are read anyway). */
export const cloudMappings: Record<'google' | 'microsoft', SyncMapping> = {
  microsoft: {
    firstName: 'givenName',
    lastName: 'surname',
    primaryEmail: 'mail',
    company: 'companyName',
    jobTitle: 'jobTitle',
    division: 'department',
    'phones.work': 'businessPhones',
    'phones.mobile': 'mobilePhone',
    'address.line1': 'streetAddress',
    'address.city': 'city',
    'address.state': 'state',
    'address.postalCode': 'postalCode',
    'address.country': 'country',
    reportsTo: 'manager',
    'permissions.portalAccess': { const: true },
  },
  google: {
    firstName: 'name.givenName',
    lastName: 'name.familyName',
    primaryEmail: 'primaryEmail',
    company: 'organizations.name',
    jobTitle: 'organizations.title',
    division: 'organizations.department',
    'phones.work': 'phones.work',
    'phones.mobile': 'phones.mobile',
    'address.line1': 'addresses.streetAddress',
    'address.city': 'addresses.locality',
    'address.state': 'addresses.region',
    'address.postalCode': 'addresses.postalCode',
    'address.country': 'addresses.country',
    reportsTo: 'relations.manager',
    'permissions.portalAccess': { const: true },
  },
};

/** The write-only secret of each source, and how the editor names it. */
export const secretOf: Record<SyncSource, { name: string; label: string } | null> = {
  ldap: { name: 'bindPassword', label: 'Bind password' },
  microsoft: { name: 'clientSecret', label: 'Client secret' },
  google: { name: 'serviceAccountKey', label: 'Service account key (JSON)' },
  scim: null,
};

/** The largest page each source serves. */
export const maxPageSize: Record<SyncSource, number> = { ldap: 5000, microsoft: 999, google: 500, scim: 1 };
const defaultPageSize: Record<SyncSource, number> = { ldap: 500, microsoft: 999, google: 500, scim: 1 };

/** One mapping row as the editor holds it. */
export type MappingRow =
  { kind: 'none' } | { kind: 'attribute'; attribute: string; required?: boolean } | { kind: 'const'; value: string | boolean };

export interface ConnectionForm {
  source: SyncSource;
  flavor: Flavor;
  name: string;
  description: string;
  enabled: boolean;
  url: string;
  bindDn: string;
  /** typed now; '' keeps the stored one (when `passwordSaved`) */
  bindPassword: string;
  passwordSaved: boolean;
  /** the person chose to replace the saved password */
  replacePassword: boolean;
  baseDn: string;
  userFilter: string;
  idAttribute: string;
  pageSize: number | string;
  incremental: IncrementalMode;
  rejectUnauthorized: boolean;
  ca: string;
  startTls: boolean;
  timeoutSeconds: number | string;
  scopeMode: 'all' | 'list' | 'pattern';
  groups: string[];
  patternFilter: string;
  patternBaseDn: string;
  /** Google: a users.list query and an organizational unit path */
  patternQuery: string;
  patternOrgUnit: string;
  /** Microsoft Entra ID (the secret is `bindPassword`, the write-only field of every source) */
  tenantId: string;
  clientId: string;
  graphBaseUrl: string;
  authorityUrl: string;
  deltaRuns: boolean;
  /** Google Workspace */
  customer: string;
  domain: string;
  adminEmail: string;
  directoryBaseUrl: string;
  tokenUrl: string;
  mapping: Record<string, MappingRow>;
  /** '' : only when someone presses Run; else "@every 1h", "@daily" or a cron line */
  schedule: string;
}

export function rowOf(v: MappingValue | undefined): MappingRow {
  if (v === undefined || v === null || v === '') return { kind: 'none' };
  if (typeof v === 'string') return { kind: 'attribute', attribute: v };
  if ('attribute' in v) return { kind: 'attribute', attribute: v.attribute, ...(v.required ? { required: true } : {}) };
  const c = v.const;
  return { kind: 'const', value: typeof c === 'boolean' ? c : c == null ? '' : String(c) };
}

export function mappingRows(m: SyncMapping): Record<string, MappingRow> {
  const rows: Record<string, MappingRow> = {};
  for (const f of allFields) rows[f.path] = rowOf(m[f.path]);
  // fields this editor has no row for are kept as they are
  for (const [k, v] of Object.entries(m)) if (!(k in rows)) rows[k] = rowOf(v);
  return rows;
}

export function mappingOf(rows: Record<string, MappingRow>): SyncMapping {
  const m: SyncMapping = {};
  for (const [path, r] of Object.entries(rows)) {
    if (r.kind === 'attribute' && r.attribute.trim())
      m[path] = r.required ? { attribute: r.attribute.trim(), required: true } : r.attribute.trim();
    else if (r.kind === 'const') m[path] = { const: r.value };
  }
  return m;
}

/** Which directory a connection looks like: AD ids, filters or incremental mode say Active Directory. */
export function guessFlavor(c: Pick<SyncConnection, 'settings'>): Flavor {
  const s = c.settings as Partial<LdapSettings>;
  if (
    /objectguid/i.test(s.idAttribute ?? '') ||
    s.incremental === 'uSNChanged' ||
    /objectCategory|sAMAccountName/i.test(s.userFilter ?? '')
  )
    return 'ad';
  return 'openldap';
}

export function newForm(flavor: Flavor = 'ad'): ConnectionForm {
  return {
    source: 'ldap',
    flavor,
    name: '',
    description: '',
    enabled: false,
    url: '',
    bindDn: '',
    bindPassword: '',
    passwordSaved: false,
    replacePassword: true,
    baseDn: '',
    ...flavorDefaults[flavor],
    pageSize: 500,
    rejectUnauthorized: true,
    ca: '',
    startTls: false,
    timeoutSeconds: 30,
    scopeMode: 'all',
    groups: [],
    patternFilter: '',
    patternBaseDn: '',
    ...cloudBlank,
    mapping: mappingRows(defaultMappings[flavor]),
    schedule: '',
  };
}

const cloudBlank = {
  patternQuery: '',
  patternOrgUnit: '',
  tenantId: '',
  clientId: '',
  graphBaseUrl: '',
  authorityUrl: '',
  deltaRuns: true,
  customer: 'my_customer',
  domain: '',
  adminEmail: '',
  directoryBaseUrl: '',
  tokenUrl: '',
};

/**
 * Choosing another source (a new connection): its defaults for the page size and the mapping. A mapping row the
 * person left as the old source's default takes the new source's default; a row they changed stays.
 */
export function applySource(f: ConnectionForm, source: SyncSource): ConnectionForm {
  if (source === f.source) return f;
  const mappingFor = (src: SyncSource) =>
    mappingRows(src === 'scim' ? scimMapping : src === 'google' || src === 'microsoft' ? cloudMappings[src] : defaultMappings[f.flavor]);
  const from = mappingFor(f.source);
  const to = mappingFor(source);
  const mapping = { ...f.mapping };
  for (const path of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const cur = mapping[path];
    const untouched = !cur || cur.kind === 'none' || JSON.stringify(cur) === JSON.stringify(from[path]);
    if (untouched) mapping[path] = to[path] ?? { kind: 'none' };
  }
  const pageUntouched = Number(f.pageSize) === defaultPageSize[f.source];
  return {
    ...f,
    source,
    mapping,
    pageSize: pageUntouched ? defaultPageSize[source] : f.pageSize,
    bindPassword: '',
    groups: [],
    patternFilter: '',
    patternBaseDn: '',
    patternQuery: '',
    patternOrgUnit: '',
    // the identity provider calls KDesk: a SCIM connection has no schedule and is on from the start
    ...(source === 'scim' ? { enabled: true, schedule: '' } : {}),
  };
}
export const withSource = applySource;

export function formOf(c: SyncConnection): ConnectionForm {
  const s = c.settings as Partial<LdapSettings>;
  const cs = c.settings as Record<string, unknown>;
  const str = (k: string, fallback = '') => (typeof cs[k] === 'string' ? (cs[k] as string) : fallback);
  const saved = c.secretsSet.includes(secretOf[c.source]?.name ?? 'bindPassword');
  return {
    source: c.source,
    flavor: guessFlavor(c),
    name: c.name,
    description: c.description ?? '',
    enabled: c.status === 'enabled',
    url: s.url ?? '',
    bindDn: s.bindDn ?? '',
    bindPassword: '',
    passwordSaved: saved,
    replacePassword: !saved,
    baseDn: s.baseDn ?? '',
    userFilter: s.userFilter ?? '',
    idAttribute: s.idAttribute ?? '',
    pageSize: s.pageSize ?? 500,
    incremental: s.incremental ?? 'none',
    rejectUnauthorized: s.tls?.rejectUnauthorized ?? true,
    ca: s.tls?.ca ?? '',
    startTls: s.tls?.startTls ?? false,
    timeoutSeconds: s.timeoutSeconds ?? 30,
    scopeMode: c.scope.mode,
    groups: c.scope.groups ?? [],
    patternFilter: c.scope.pattern?.filter ?? '',
    patternBaseDn: c.scope.pattern?.baseDn ?? '',
    patternQuery: c.scope.pattern?.query ?? '',
    patternOrgUnit: c.scope.pattern?.orgUnitPath ?? '',
    tenantId: str('tenantId'),
    clientId: str('clientId'),
    graphBaseUrl: str('graphBaseUrl'),
    authorityUrl: str('authorityUrl'),
    deltaRuns: c.source === 'microsoft' ? cs.incremental !== 'none' : true,
    customer: str('customer', 'my_customer'),
    domain: str('domain'),
    adminEmail: str('adminEmail'),
    directoryBaseUrl: str('directoryBaseUrl'),
    tokenUrl: str('tokenUrl'),
    mapping: mappingRows(c.mapping),
    schedule: c.schedule ?? '',
  };
}

/** Switching between AD and OpenLDAP puts that directory's defaults in place of the other's. */
export function applyFlavor(f: ConnectionForm, flavor: Flavor): ConnectionForm {
  const before = flavorDefaults[f.flavor];
  const after = flavorDefaults[flavor];
  const keepIfChanged = <K extends keyof typeof before>(k: K) => (f[k] === before[k] || !f[k] ? after[k] : f[k]);
  const mapping = { ...f.mapping };
  const oldDefaults = mappingRows(defaultMappings[f.flavor]);
  const newDefaults = mappingRows(defaultMappings[flavor]);
  for (const path of Object.keys(newDefaults)) {
    const cur = mapping[path];
    const untouched = !cur || cur.kind === 'none' || JSON.stringify(cur) === JSON.stringify(oldDefaults[path]);
    if (untouched) mapping[path] = newDefaults[path]!;
  }
  return {
    ...f,
    flavor,
    userFilter: keepIfChanged('userFilter'),
    idAttribute: keepIfChanged('idAttribute'),
    incremental: keepIfChanged('incremental') as IncrementalMode,
    mapping,
  };
}

/** The body for POST (and PATCH: the same fields; the password only when typed). */
export function bodyOf(f: ConnectionForm): ConnectionBody {
  if (f.source === 'scim') {
    // the identity provider pushes people: no settings, scope or schedule
    return {
      name: f.name.trim(),
      description: f.description.trim(),
      source: 'scim',
      status: f.enabled ? 'enabled' : 'draft',
      settings: {},
      scope: { mode: 'all' },
      mapping: mappingOf(f.mapping),
      schedule: null,
    };
  }
  const password = f.passwordSaved && !f.replacePassword ? undefined : f.bindPassword;
  const int = (v: number | string) => (typeof v === 'number' ? v : Number.parseInt(v, 10));
  const pageSize = int(f.pageSize);
  const timeout = int(f.timeoutSeconds);
  const secret = password !== undefined && (password !== '' || !f.passwordSaved) ? password : undefined;
  const orNull = (v: string) => v.trim() || null;
  const common = {
    pageSize: Number.isFinite(pageSize) ? pageSize : 0,
    timeoutSeconds: Number.isFinite(timeout) ? timeout : 0,
  };
  const settings =
    f.source === 'microsoft'
      ? {
          tenantId: f.tenantId.trim(),
          clientId: f.clientId.trim(),
          ...(secret !== undefined ? { clientSecret: secret.trim() } : {}),
          graphBaseUrl: orNull(f.graphBaseUrl),
          authorityUrl: orNull(f.authorityUrl),
          incremental: f.deltaRuns ? 'delta' : 'none',
          ...common,
        }
      : f.source === 'google'
        ? {
            customer: f.customer.trim() || 'my_customer',
            domain: orNull(f.domain),
            adminEmail: f.adminEmail.trim(),
            ...(secret !== undefined ? { serviceAccountKey: secret.trim() } : {}),
            directoryBaseUrl: orNull(f.directoryBaseUrl),
            tokenUrl: orNull(f.tokenUrl),
            ...common,
          }
        : null;
  const pattern =
    f.source === 'google'
      ? {
          ...(f.patternQuery.trim() ? { query: f.patternQuery.trim() } : {}),
          ...(f.patternOrgUnit.trim() ? { orgUnitPath: f.patternOrgUnit.trim() } : {}),
        }
      : {
          ...(f.patternFilter.trim() ? { filter: f.patternFilter.trim() } : {}),
          ...(f.source === 'ldap' && f.patternBaseDn.trim() ? { baseDn: f.patternBaseDn.trim() } : {}),
        };
  return {
    name: f.name.trim(),
    description: f.description.trim(),
    source: f.source,
    status: f.enabled ? 'enabled' : 'draft',
    settings: settings ?? {
      url: f.url.trim(),
      bindDn: f.bindDn.trim(),
      ...(password !== undefined && (password !== '' || !f.passwordSaved) ? { bindPassword: password } : {}),
      baseDn: f.baseDn.trim(),
      userFilter: f.userFilter.trim(),
      idAttribute: f.idAttribute.trim(),
      pageSize: Number.isFinite(pageSize) ? pageSize : 0,
      incremental: f.incremental,
      tls: { rejectUnauthorized: f.rejectUnauthorized, ca: f.ca.trim() || null, startTls: f.startTls },
      timeoutSeconds: Number.isFinite(timeout) ? timeout : 0,
    },
    scope:
      f.scopeMode === 'list'
        ? { mode: 'list', groups: f.groups.map((g) => g.trim()).filter(Boolean) }
        : f.scopeMode === 'pattern'
          ? { mode: 'pattern', pattern }
          : { mode: 'all' },
    mapping: mappingOf(f.mapping),
    schedule: f.schedule.trim() || null,
  };
}

/** "settings.url", "/settings/url", "body.settings.url" and ["settings","url"] all become "settings.url". */
export function normalizePath(path: string | readonly (string | number)[]): string {
  const p = Array.isArray(path) ? path.join('.') : String(path);
  return p
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/^body\./, '')
    .replace(/\[(\w+)\]/g, '.$1');
}

/** The form's error keys from the server's 400 details: the path as sent, and '' for anything about the whole connection. */
export function errorsByPath(details: { path: string; message: string }[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const d of details) {
    let key = normalizePath(d.path);
    // a group's index points at the group list as a whole
    if (/^scope\.groups\.\d+$/.test(key)) key = 'scope.groups';
    if (key === 'scope.pattern') key = 'scope.pattern.filter';
    // every source's write-only secret shows at the one secret field
    if (key === 'settings.clientSecret' || key === 'settings.serviceAccountKey') key = 'settings.bindPassword';
    if (key === 'scope.pattern.orgUnitPath') key = 'scope.pattern.query';
    // "map a name": shown at the first name (either name will do)
    if (key === 'mapping.firstName' && /name/i.test(d.message) && !/first/i.test(d.message)) key = 'mapping.firstName';
    errors[key] = errors[key] ? `${errors[key]} ${d.message}` : d.message;
  }
  return errors;
}

/** Which editor section shows the error at `path` (to open it and scroll to it). */
export function sectionOf(path: string): 'details' | 'connection' | 'advanced' | 'scope' | 'mapping' | 'schedule' {
  if (path.startsWith('mapping')) return 'mapping';
  if (path.startsWith('scope')) return 'scope';
  if (path.startsWith('schedule')) return 'schedule';
  if (/^settings\.(idAttribute|pageSize|incremental|tls|timeoutSeconds|graphBaseUrl|authorityUrl|directoryBaseUrl|tokenUrl)/.test(path))
    return 'advanced';
  if (path.startsWith('settings')) return 'connection';
  return 'details';
}

const statusWords: Record<SyncConnection['status'], string> = { enabled: 'enabled', draft: 'draft' };

/** The connections whose name, source or status contain every word of `q`. */
export function filterConnections<T extends Pick<SyncConnection, 'name' | 'description' | 'source' | 'status'>>(
  items: T[],
  q: string,
): T[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return items;
  return items.filter((c) => {
    const hay = [c.name, c.source, sourceLabels[c.source], statusWords[c.status], c.source === 'ldap' ? 'active directory ad' : '']
      .join(' ')
      .toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** "Lee, Ana 25" from "CN=Lee\\, Ana 25,OU=Staff,…": the first RDN's value, unescaped (RFC 4514). */
export function firstRdnValue(dn: string): string {
  const eq = dn.indexOf('=');
  if (eq < 0) return dn;
  let out = '';
  for (let i = eq + 1; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === ',' || ch === '+') break;
    if (ch === '\\' && i + 1 < dn.length) {
      const hex = /^[0-9a-fA-F]{2}/.exec(dn.slice(i + 1, i + 3));
      if (hex) {
        // a run of \XX escapes is UTF-8 bytes
        const bytes: number[] = [];
        while (dn[i] === '\\' && /^[0-9a-fA-F]{2}$/.test(dn.slice(i + 1, i + 3))) {
          bytes.push(parseInt(dn.slice(i + 1, i + 3), 16));
          i += 3;
        }
        i--;
        out += new TextDecoder().decode(new Uint8Array(bytes));
      } else {
        out += dn[++i];
      }
      continue;
    }
    out += ch;
  }
  return out.trim() || dn;
}

const fieldLabels: Record<string, string> = {
  ...Object.fromEntries(allFields.map((f) => [f.path, f.label])),
  'permissions.active': 'Active',
  'directory.syncId': 'Directory id',
  'directory.connectionId': 'Connection',
  'directory.reportsToContactId': 'Reports to',
};

const shown = (v: unknown) =>
  v === null || v === undefined || v === '' ? 'empty' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);

/** "Job title: Manager → Chief Tester; Mobile phone: empty → +1 303 555 0101" (the first few changes). */
export function changesText(changes: unknown, max = 3): string {
  if (!changes || typeof changes !== 'object') return '';
  const entries = Object.entries(changes as Record<string, { before?: unknown; after?: unknown } | null>);
  const parts = entries.slice(0, max).map(([path, c]) => {
    const label = fieldLabels[path] ?? path;
    return c && typeof c === 'object' && 'after' in c ? `${label}: ${shown(c.before)} → ${shown(c.after)}` : label;
  });
  if (entries.length > max) parts.push(`${entries.length - max} more`);
  return parts.join('; ');
}
