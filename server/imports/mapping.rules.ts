// Column → field mapping: the template's own columns, synonyms for the exports of Freshdesk, Zendesk,
// HubSpot, Google Contacts and Outlook, and a hand-written mapping on top. Pure.
import { IMPORT_FIELDS, TEMPLATE_COLUMNS, TEMPLATE_FIELD, type MappingEntry, type MappingInput } from '#shared/import.schema.ts';
import type { ErrorDetail } from '#shared/errors.ts';

/** Lower case, letters and digits only: `E-mail Address` → `emailaddress`. */
export const headerKey = (h: string) =>
  h
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

// header key → field and rank. A field's synonyms are listed most specific first: when several columns of
// a file could fill one field, the lowest rank wins (`Job Title` over `Title`, `Company Name` over `Account`),
// whatever the column order; equal ranks go to the leftmost column.
const SYNONYMS: Record<string, { field: string; rank: number }> = {};
const syn = (field: string, ...headers: string[]) => {
  headers.forEach((h, rank) => (SYNONYMS[headerKey(h)] = { field, rank }));
};
syn('id', 'kdesk id', 'Contact ID');
syn('firstName', 'First Name', 'Given Name', 'firstname', 'first', 'Forename', 'Vorname', 'Prénom');
syn('lastName', 'Last Name', 'Family Name', 'Surname', 'lastname', 'last', 'Nachname', 'Nom');
syn('fullName', 'Full Name', 'Name', 'Contact Name', 'Display Name', 'Contact');
syn(
  'primaryEmail',
  'Primary Email',
  'Primary E-mail',
  'Email',
  'E-mail',
  'Email Address',
  'E-mail Address',
  'Email 1',
  'Work Email',
  'Mail',
);
syn('emails', 'Other Emails', 'Additional Emails', 'Secondary Emails', 'Alternate Emails', 'Email Addresses');
syn('emails.email2', 'E-mail 2 Address', 'Email 2', 'Secondary Email', 'Second Email', 'Alternate Email');
syn('emails.email3', 'E-mail 3 Address', 'Email 3');
syn('emails.personal', 'Personal Email', 'Home Email');
syn('phones', 'Phones', 'Phone Numbers', 'Other Phones');
syn('phones.phone', 'Phone', 'Phone Number', 'Telephone', 'Tel', 'Primary Phone', 'Contact Phone');
syn('phones.mobile', 'Mobile Phone', 'Mobile', 'Mobile Phone Number', 'Cell', 'Cell Phone', 'Cellphone', 'Handy');
syn('phones.work', 'Work Phone', 'Business Phone', 'Office Phone', 'Company Phone', 'Direct Phone');
syn('phones.work2', 'Business Phone 2');
syn('phones.home', 'Home Phone', 'Home Phone 2');
syn('phones.fax', 'Fax', 'Business Fax', 'Fax Number', 'Work Fax');
syn('phones.other', 'Other Phone');
syn('phones.office', 'Company Main Phone', 'Main Phone');
syn('phones.pager', 'Pager');
syn(
  'company',
  'Company',
  'Company Name',
  'Organization',
  'Organisation',
  'Organization Name',
  'Organization 1 - Name',
  'Account',
  'Account Name',
  'Firm',
  'Firma',
);
syn(
  'jobTitle',
  'Job Title',
  'Organization Title',
  'Organization 1 - Title',
  'Job Position',
  'Position',
  'Role Title',
  'Job',
  'Occupation',
  // last: Outlook's `Title` is an honorific (see TITLE_IS_HONORIFIC); Freshdesk's and Salesforce's is the job title
  'Title',
);
syn('division', 'Division', 'Department', 'Dept', 'Organization Department', 'Organization 1 - Department', 'Team', 'Abteilung');
syn('notes', 'Notes', 'Note', 'Description', 'Comments', 'Comment', 'About', 'Background Info');
syn(
  'address.line1',
  'Address',
  'Street',
  'Street Address',
  'Address Line 1',
  'Address 1',
  'Business Street',
  'Address 1 - Street',
  'Mailing Street',
  'Street 1',
);
syn('address.line2', 'Address Line 2', 'Address 2', 'Business Street 2', 'Address 1 - Extended Address', 'Street 2', 'Suite');
syn('address.city', 'City', 'Town', 'Business City', 'Address 1 - City', 'Mailing City', 'Locality', 'Ort');
syn(
  'address.state',
  'State',
  'Region',
  'Province',
  'State/Region',
  'State/Province',
  'Business State',
  'Address 1 - Region',
  'County',
  'Mailing State',
);
syn(
  'address.postalCode',
  'Postal Code',
  'Zip',
  'Zip Code',
  'Postcode',
  'ZIP/Postal Code',
  'Business Postal Code',
  'Address 1 - Postal Code',
  'PLZ',
  'Mailing Zip',
);
syn(
  'address.country',
  'Country',
  'Country/Region',
  'Business Country',
  'Business Country/Region',
  'Address 1 - Country',
  'Mailing Country',
  'Land',
);
syn('permissions.active', 'Active', 'Is Active', 'Status Active', 'Enabled');
syn('permissions.portalAccess', 'Portal Access', 'Portal');
syn('permissions.canPostComments', 'Can Post Comments');
syn('permissions.canCloseTickets', 'Can Close Tickets');
syn('directory.reportsToContactId', 'Reports To Contact ID');
syn('directory.reportsToSyncId', 'Reports To Sync ID');
syn('directory.syncId', 'Directory Sync ID', 'Sync ID');
syn('directory.organizationId', 'Directory Organization ID');

// Outlook's home address is used only when the file has no business address.
const HOME_ADDRESS: Record<string, string> = {
  [headerKey('Home Street')]: 'address.line1',
  [headerKey('Home Street 2')]: 'address.line2',
  [headerKey('Home City')]: 'address.city',
  [headerKey('Home State')]: 'address.state',
  [headerKey('Home Postal Code')]: 'address.postalCode',
  [headerKey('Home Country')]: 'address.country',
  [headerKey('Home Country/Region')]: 'address.country',
};

const TEMPLATE_BY_KEY = new Map<string, string | null>(TEMPLATE_COLUMNS.map((c) => [headerKey(c), TEMPLATE_FIELD[c]]));
const SERVER_OWNED = new Set(['createdat', 'updatedat']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id column whose sample values are not all kdesk ids (HubSpot's `Contact ID`, Zendesk's `id`) is not ours. */
const looksLikeIds = (sample: string[][], i: number) =>
  sample
    .map((r) => (r[i] ?? '').trim())
    .filter(Boolean)
    .every((v) => UUID.test(v));

/** Outlook's `Title` (Mr., Dr.) sits among the name parts; a file with these columns uses it so. */
const TITLE = headerKey('Title');
const HONORIFIC_CONTEXT = new Set(['Middle Name', 'Suffix', 'Name Suffix', 'Name Prefix', 'Given Yomi'].map(headerKey));

/** Google Contacts: `E-mail 2 - Value` + `E-mail 2 - Type` (older export) or `- Label` (newer). */
const GOOGLE_VALUE = /^(e-?mail|phone) (\d+) - value$/i;

/** Is `field` something a column can be mapped to? Accepts template column names (`job`) as aliases. */
export function resolveField(name: string): { field: string } | { error: string } {
  const t = name.trim();
  if ((TEMPLATE_COLUMNS as readonly string[]).includes(t)) {
    const f = TEMPLATE_FIELD[t as keyof typeof TEMPLATE_FIELD];
    return f ? { field: f } : { error: `${t} is written by the server and cannot be imported` };
  }
  if (t in IMPORT_FIELDS) return { field: t };
  const m = /^(emails|phones)\.(.+)$/.exec(t);
  if (m) {
    const label = m[2]!.trim();
    if (!label || label.length > 40) return { error: `"${t}": a label is 1 to 40 characters` };
    return { field: `${m[1]}.${label}` };
  }
  return { error: `"${t}" is not a field; use one of ${Object.keys(IMPORT_FIELDS).join(', ')}, emails.<label> or phones.<label>` };
}

/** Fields that only one column may fill (everything except label-from-column pairs). */
const exclusiveKey = (e: MappingEntry) => (e.labelColumn ? null : e.field);

/**
 * The automatic mapping of a header row. `sample` (the first data rows) lets an `id` column from another
 * system (numbers, not kdesk ids) stay unmapped instead of failing every row.
 */
export function autoMap(headers: string[], sample: string[][] = []): MappingEntry[] {
  const entries: MappingEntry[] = headers.map((column, index) => ({ column, index, field: null, source: 'none' }));
  const keys = headers.map(headerKey);
  const claimed = new Map<string, string>();
  const claim = (e: MappingEntry, field: string, source: MappingEntry['source'], labelColumn?: string) => {
    if (!labelColumn && claimed.has(field)) {
      e.note = `${field} already comes from column "${claimed.get(field)}"`;
      return;
    }
    e.field = field;
    e.source = source;
    if (labelColumn) e.labelColumn = labelColumn;
    else claimed.set(field, e.column);
  };
  const byKey = new Map<string, number>();
  keys.forEach((k, i) => byKey.has(k) || byKey.set(k, i));

  // 1. the template's own columns
  entries.forEach((e, i) => {
    const k = keys[i]!;
    if (SERVER_OWNED.has(k) && TEMPLATE_BY_KEY.has(k)) {
      e.note = 'Written by the server; not imported';
      e.source = 'template';
      return;
    }
    const f = TEMPLATE_BY_KEY.get(k);
    if (!f) return;
    if (f === 'id') {
      if (!looksLikeIds(sample, i)) {
        e.note = 'The values are not kdesk contact ids (ids from another system?); map it by hand to import it';
        return;
      }
    }
    claim(e, f, 'template');
  });

  // 2. Google Contacts value columns with their type/label column
  entries.forEach((e) => {
    if (e.field || e.note) return;
    const m = GOOGLE_VALUE.exec(e.column.trim());
    if (!m) return;
    const kind = m[1]!.toLowerCase().startsWith('e') ? 'emails' : 'phones';
    const n = m[2]!;
    const prefix = e.column.trim().replace(/ - value$/i, '');
    const labelIdx = [`${prefix} - Type`, `${prefix} - Label`].map((h) => byKey.get(headerKey(h))).find((i) => i !== undefined);
    const labelColumn = labelIdx !== undefined ? headers[labelIdx] : undefined;
    if (labelIdx !== undefined) {
      entries[labelIdx]!.note = `Label of column "${e.column}"`;
      entries[labelIdx]!.source = 'synonym';
    }
    if (kind === 'emails' && n === '1' && !claimed.has('primaryEmail')) {
      // the first address becomes the primary email; more values in the same cell keep their label
      claim(e, 'primaryEmail', 'synonym', labelColumn);
      claimed.set('primaryEmail', e.column);
      return;
    }
    if (labelColumn) claim(e, kind, 'synonym', labelColumn);
    else claim(e, `${kind}.${kind === 'emails' ? 'email' : 'phone'}${n}`, 'synonym');
  });

  // 3. synonyms: per field, the most specific header of the file wins (lowest rank, then leftmost)
  const hasBusinessAddress = keys.some((k) => SYNONYMS[k]?.field.startsWith('address.'));
  const honorificTitle = keys.some((k) => HONORIFIC_CONTEXT.has(k));
  const candidates = new Map<string, { i: number; rank: number }[]>();
  entries.forEach((e, i) => {
    if (e.field || e.note) return;
    const k = keys[i]!;
    if (k === TITLE && honorificTitle) {
      e.note = 'An honorific (Mr., Dr.) in this layout, not the job title';
      return;
    }
    const s = SYNONYMS[k] ?? (!hasBusinessAddress && HOME_ADDRESS[k] ? { field: HOME_ADDRESS[k], rank: 100 } : undefined);
    if (!s) return;
    if (s.field === 'id' && !looksLikeIds(sample, i)) {
      e.note = 'The values are not kdesk contact ids (ids from another system?); map it by hand to import it';
      return;
    }
    const list = candidates.get(s.field) ?? [];
    list.push({ i, rank: s.rank });
    candidates.set(s.field, list);
  });
  for (const [field, list] of candidates) {
    list.sort((a, b) => a.rank - b.rank || a.i - b.i);
    for (const { i } of list) claim(entries[i]!, field, 'synonym');
  }

  // 4. a full name column is not needed when first and last names have columns of their own
  for (const e of entries) {
    if (e.field === 'fullName' && claimed.has('firstName') && claimed.has('lastName')) {
      e.field = null;
      e.source = 'none';
      e.note = 'Full name; first and last name come from their own columns';
    }
  }
  return entries;
}

/**
 * Applies a hand-written mapping on top of the automatic one. Errors name the mapping key:
 * an unknown column, an unknown field, or two columns on one field.
 */
export function applyMappingInput(
  headers: string[],
  auto: MappingEntry[],
  input: MappingInput | undefined,
): { ok: true; entries: MappingEntry[] } | { ok: false; details: ErrorDetail[] } {
  const entries = auto.map((e) => ({ ...e }));
  const details: ErrorDetail[] = [];
  for (const [column, target] of Object.entries(input ?? {})) {
    const idx = headers.indexOf(column);
    const index = idx !== -1 ? idx : headers.findIndex((h) => h.trim() === column.trim());
    if (index === -1) {
      details.push({ path: `mapping.${column}`, message: `The file has no column "${column}"` });
      continue;
    }
    const e = entries[index]!;
    e.source = 'manual';
    e.labelColumn = undefined;
    e.note = undefined;
    if (target === null || (typeof target === 'string' && ['ignore', ''].includes(target.trim().toLowerCase()))) {
      e.field = null;
      e.note = 'Ignored on purpose';
      continue;
    }
    const name = typeof target === 'string' ? target : target.field;
    const r = resolveField(name);
    if ('error' in r) {
      details.push({ path: `mapping.${column}`, message: r.error });
      continue;
    }
    e.field = r.field;
    if (typeof target === 'object' && target.labelColumn !== undefined) {
      if (!['emails', 'phones', 'primaryEmail'].includes(r.field)) {
        details.push({ path: `mapping.${column}`, message: 'labelColumn is for the fields emails, phones and primaryEmail' });
        continue;
      }
      if (!headers.includes(target.labelColumn)) {
        details.push({ path: `mapping.${column}`, message: `The file has no column "${target.labelColumn}" (labelColumn)` });
        continue;
      }
      e.labelColumn = target.labelColumn;
    }
  }
  // a field that a hand-written entry took is no longer filled by an automatic one
  const manual = new Map<string, string>();
  for (const e of entries) {
    if (e.source !== 'manual') continue;
    const key = exclusiveKey(e);
    if (!key) continue;
    if (manual.has(key)) details.push({ path: `mapping.${e.column}`, message: `Column "${manual.get(key)}" is also mapped to ${key}` });
    else manual.set(key, e.column);
  }
  for (const e of entries) {
    const key = exclusiveKey(e);
    if (e.source !== 'manual' && key && manual.has(key)) {
      e.note = `${key} comes from column "${manual.get(key)}" (mapping)`;
      e.field = null;
      e.source = 'none';
    }
  }
  // columns used as labels by a mapped column are consumed, not "unmapped"
  for (const e of entries) {
    if (e.field === null && e.source === 'synonym' && e.note?.startsWith('Label of')) {
      e.source = 'none';
      e.note = undefined;
    }
  }
  for (const e of entries) {
    if (!e.labelColumn || e.field === null) continue;
    const l = entries[headers.indexOf(e.labelColumn)];
    if (l && l.field === null && l.source === 'none') {
      l.source = 'synonym';
      l.note = `Label of column "${e.column}"`;
    }
  }
  return details.length ? { ok: false, details } : { ok: true, entries };
}

/** Columns no field takes that were not skipped on purpose: reported, never dropped silently. */
export function unmappedColumns(entries: MappingEntry[]): string[] {
  return entries.filter((e) => e.field === null && e.source === 'none').map((e) => e.column);
}
