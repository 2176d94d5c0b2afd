// Mapping a directory entry to contact fields: the same function serves the preview and the runs.
// Pure. A value that does not fit its field (a malformed email, a phone without digits, a name too
// long) leaves the field empty with a warning, and the person is still synced; a person fails only when
// a field the mapping marks `required` is empty or unusable, or when nothing identifies them.
import { normalizeEmail } from '#shared/email.ts';
import { limits } from '#shared/limits.ts';
import {
  adDefaultMapping,
  isBooleanField,
  openldapDefaultMapping,
  syncMappingSchema,
  type MappingValue,
  type SyncMapping,
} from '#shared/sync.ts';
import type { ErrorDetail } from '#shared/errors.ts';
import { cleanText, emptyContact, hasIdentity, type ContactFields } from '../contacts/contacts.rules.ts';
import type { DirectoryEntry } from './source.ts';

export { adDefaultMapping, openldapDefaultMapping };
export { googleDefaultMapping, microsoftDefaultMapping } from '#shared/sync.ts';

/** The default mapping for a directory whose id attribute is `idAttribute`. */
export const defaultMappingFor = (idAttribute: string): SyncMapping =>
  idAttribute.toLowerCase() === 'objectguid' ? { ...adDefaultMapping } : { ...openldapDefaultMapping };

/** Problems of a mapping with their paths under `prefix` (e.g. `mapping.primaryEmail`); empty when it can be saved. */
export function validateMapping(mapping: unknown, prefix = 'mapping'): ErrorDetail[] {
  const r = syncMappingSchema.safeParse(mapping);
  if (r.success) return [];
  return r.error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
}

const attributeOf = (v: MappingValue): string | null => (typeof v === 'string' ? v : 'attribute' in v ? v.attribute : null);
const isRequired = (v: MappingValue) => typeof v === 'object' && 'attribute' in v && v.required === true;

/** The directory attributes a mapping reads (what a search asks for). */
export function mappedAttributes(mapping: SyncMapping): string[] {
  return [
    ...new Set(
      Object.values(mapping)
        .map(attributeOf)
        .filter((a): a is string => a !== null),
    ),
  ];
}

/** The contact fields a connection writes: read-only in the editor for the contacts it manages. */
export function syncedFields(mapping: SyncMapping): string[] {
  return [
    ...Object.keys(mapping).filter((f) => f !== 'reportsTo'),
    'permissions.active',
    ...(mapping.reportsTo ? ['directory.reportsToContactId'] : []),
  ];
}

const TEXT_LIMITS: Record<string, number> = {
  firstName: limits.nameMax,
  lastName: limits.nameMax,
  company: limits.nameMax,
  jobTitle: limits.nameMax,
  division: limits.nameMax,
  notes: limits.notesMax,
  'address.line1': limits.textMax,
  'address.line2': limits.textMax,
  'address.city': limits.textMax,
  'address.state': limits.textMax,
  'address.postalCode': 64,
  'address.country': limits.textMax,
  'directory.organizationId': limits.textMax,
};
const PHONE = /^[\d\s+\-()./#*,;a-zA-Z]*$/u;

function parseBoolean(v: string): boolean | null {
  const t = v.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(t)) return true;
  if (['false', 'no', '0', 'off'].includes(t)) return false;
  return null;
}

export interface MappedPerson {
  /** The contact as the entry would make it (a new contact's defaults where the mapping says nothing). */
  fields: ContactFields;
  organizationId: string | null;
  /** The manager's DN (resolved to a contact by the run's second pass). */
  reportsToDn: string | null;
  /** Fields left empty because the directory's value does not fit. */
  warnings: ErrorDetail[];
  /** Why this person cannot be synced; null when they can. */
  failure: string | null;
}

/**
 * The contact fields of one entry. `base`: the contact's current fields when it exists (fields the
 * mapping does not name keep their values), a new contact otherwise.
 */
export function applyMapping(entry: DirectoryEntry, mapping: SyncMapping, base: ContactFields = emptyContact()): MappedPerson {
  // a copy of the groups the mapping may write (cheaper than structuredClone for every person of a run)
  const fields: ContactFields = {
    ...base,
    emails: { ...base.emails },
    phones: { ...base.phones },
    address: { ...base.address },
    notifications: { ...base.notifications },
    permissions: { ...base.permissions },
  };
  const warnings: ErrorDetail[] = [];
  const failures: string[] = [];
  let organizationId: string | null = null;
  let reportsToDn: string | null = null;

  for (const [path, spec] of Object.entries(mapping)) {
    const attribute = attributeOf(spec);
    const raw: string | boolean | null =
      attribute !== null ? (entry.attributes[attribute.toLowerCase()]?.[0] ?? null) : (spec as { const: string | boolean }).const;
    const required = isRequired(spec);
    const source = attribute ? ` (${attribute})` : '';
    const problem = (message: string) => {
      if (required) failures.push(`${path}${source}: ${message}`);
      else warnings.push({ path, message: `${message}${source ? `: left empty${source}` : ''}` });
    };

    if (isBooleanField(path)) {
      const b = typeof raw === 'boolean' ? raw : raw === null ? null : parseBoolean(raw);
      if (b === null) {
        if (raw !== null) problem(`"${raw}" is not true or false`);
        else if (required) failures.push(`${path}${source} is empty and the mapping requires it`);
        continue;
      }
      const [group, key] = path.split('.') as ['permissions' | 'notifications', string];
      (fields[group] as Record<string, boolean>)[key] = b;
      continue;
    }

    const text = typeof raw === 'string' ? cleanText(raw) : null;
    if (text === null) {
      if (required) failures.push(`${path}${source} is empty and the mapping requires it`);
      clearField(fields, path);
      if (path === 'reportsTo') reportsToDn = null;
      continue;
    }
    if (path === 'reportsTo') {
      reportsToDn = text;
      continue;
    }
    const max = TEXT_LIMITS[path];
    if (max !== undefined && text.length > max) {
      problem(`longer than ${max} characters`);
      clearField(fields, path);
      continue;
    }
    if (path === 'directory.organizationId') {
      organizationId = text;
      continue;
    }
    if (path === 'primaryEmail' || path.startsWith('emails.')) {
      const r = normalizeEmail(text);
      if (!r.ok) {
        problem(r.message);
        clearField(fields, path);
        continue;
      }
      if (path === 'primaryEmail') fields.primaryEmail = r.email;
      else fields.emails = { ...fields.emails, [path.slice(7)]: r.email };
      continue;
    }
    if (path.startsWith('phones.')) {
      if (text.length > limits.phoneMax || !/\d/.test(text) || !PHONE.test(text)) {
        problem(`"${text.slice(0, 80)}" is not a phone number`);
        clearField(fields, path);
        continue;
      }
      fields.phones = { ...fields.phones, [path.slice(7)]: text };
      continue;
    }
    setText(fields, path, text);
  }

  fields.permissions.active = !entry.disabled;
  if (entry.organizationId) organizationId = entry.organizationId;
  if (entry.error) failures.unshift(entry.error);
  else if (!hasIdentity(fields)) failures.push('The entry has no name, company or email address in the mapped attributes');
  return { fields, organizationId, reportsToDn, warnings, failure: failures.length ? failures.join('; ') : null };
}

function setText(fields: ContactFields, path: string, value: string | null) {
  if (path.startsWith('address.')) fields.address[path.slice(8) as keyof ContactFields['address']] = value;
  else if (path in fields) (fields as unknown as Record<string, string | null>)[path] = value;
}

function clearField(fields: ContactFields, path: string) {
  if (path.startsWith('emails.')) {
    const { [path.slice(7)]: _, ...rest } = fields.emails;
    fields.emails = rest;
  } else if (path.startsWith('phones.')) {
    const { [path.slice(7)]: _, ...rest } = fields.phones;
    fields.phones = rest;
  } else if (path !== 'reportsTo' && path !== 'directory.organizationId') setText(fields, path, null);
}
