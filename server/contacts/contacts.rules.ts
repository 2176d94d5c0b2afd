// Pure rules for contact records: normalisation, merge, diff. No I/O.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { ContactInput } from '#shared/contact.schema.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { ErrorDetail } from '#shared/errors.ts';

/** The writable state of a contact, in API shape. */
export interface ContactFields {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  division: string | null;
  notes: string | null;
  primaryEmail: string | null;
  emails: Record<string, string>;
  phones: Record<string, string>;
  address: {
    line1: string | null;
    line2: string | null;
    city: string | null;
    state: string | null;
    postalCode: string | null;
    country: string | null;
  };
  notifications: { newTickets: boolean; ticketUpdates: boolean; newComments: boolean; formAssignments: boolean };
  permissions: { active: boolean; portalAccess: boolean; canPostComments: boolean; canCloseTickets: boolean };
}

export interface DirectoryFields {
  syncId: string | null;
  organizationId: string | null;
  connectionId: string | null;
  reportsToContactId: string | null;
  reportsToSyncId: string | null;
}

export const emptyContact = (): ContactFields => ({
  firstName: null,
  lastName: null,
  company: null,
  jobTitle: null,
  division: null,
  notes: null,
  primaryEmail: null,
  emails: {},
  phones: {},
  address: { line1: null, line2: null, city: null, state: null, postalCode: null, country: null },
  notifications: { newTickets: true, ticketUpdates: true, newComments: true, formAssignments: true },
  permissions: { active: true, portalAccess: true, canPostComments: true, canCloseTickets: true },
});

export const emptyDirectory = (): DirectoryFields => ({
  syncId: null,
  organizationId: null,
  connectionId: null,
  reportsToContactId: null,
  reportsToSyncId: null,
});

/** Trims; an empty or blank string means "no value". Line breaks inside notes are kept. */
export function cleanText(v: string | null | undefined): string | null {
  if (v == null) return null;
  const t = v.normalize('NFC').trim();
  return t === '' ? null : t;
}

/** E.164 form of a phone typed in any format, or null when it cannot be read as a phone number. */
export function toE164(phone: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(phone, { defaultCountry: defaultRegion as CountryCode, extract: false });
  return parsed && parsed.isPossible() ? parsed.number : null;
}

export function phonesE164(phones: Record<string, string>, defaultRegion: string): string[] {
  const out = new Set<string>();
  for (const p of Object.values(phones)) {
    const e = toE164(p, defaultRegion);
    if (e) out.add(e);
  }
  return [...out];
}

/**
 * A copy of a contact's fields that shares nothing with it (what structuredClone gives, at a fraction of its
 * cost: an import applies a row onto a copy for every row). Labels are copied as own properties.
 */
export function cloneFields(c: ContactFields): ContactFields {
  return {
    firstName: c.firstName,
    lastName: c.lastName,
    company: c.company,
    jobTitle: c.jobTitle,
    division: c.division,
    notes: c.notes,
    primaryEmail: c.primaryEmail,
    emails: { ...c.emails },
    phones: { ...c.phones },
    address: { ...c.address },
    notifications: { ...c.notifications },
    permissions: { ...c.permissions },
  };
}

const TEXT_FIELDS = ['firstName', 'lastName', 'company', 'jobTitle', 'division', 'notes'] as const;

/**
 * Applies a validated input onto a current record (an empty one when creating): text is trimmed,
 * emails are normalised, labeled maps are replaced whole, nested objects are merged key by key.
 * Returns the new state or the list of problems, each with its field path.
 */
export function applyContactInput(
  current: ContactFields,
  input: ContactInput,
): { ok: true; value: ContactFields } | { ok: false; details: ErrorDetail[] } {
  const details: ErrorDetail[] = [];
  const next = cloneFields(current);

  for (const f of TEXT_FIELDS) if (input[f] !== undefined) next[f] = cleanText(input[f]);

  if (input.primaryEmail !== undefined) {
    const raw = cleanText(input.primaryEmail);
    if (raw === null) next.primaryEmail = null;
    else {
      const r = normalizeEmail(raw);
      if (r.ok) next.primaryEmail = r.email;
      else details.push({ path: 'primaryEmail', message: r.message });
    }
  }

  // labels are compared in Maps and become own properties (Object.fromEntries): a label such as
  // `constructor` or `__proto__` is an ordinary label, not a lookup on Object.prototype
  if (input.emails !== undefined) {
    const emails = new Map<string, string>();
    for (const [rawLabel, value] of Object.entries(input.emails ?? {})) {
      const label = rawLabel.trim();
      const r = normalizeEmail(value);
      if (!r.ok) details.push({ path: `emails.${label}`, message: r.message });
      else if (emails.has(label)) details.push({ path: `emails.${label}`, message: 'The same label is used twice' });
      else emails.set(label, r.email);
    }
    next.emails = Object.fromEntries(emails);
  }

  if (input.phones !== undefined) {
    const phones = new Map<string, string>();
    for (const [rawLabel, value] of Object.entries(input.phones ?? {})) {
      const label = rawLabel.trim();
      const phone = cleanText(value);
      if (phone === null) continue;
      if (phones.has(label)) details.push({ path: `phones.${label}`, message: 'The same label is used twice' });
      else phones.set(label, phone);
    }
    next.phones = Object.fromEntries(phones);
  }

  if (input.address !== undefined) {
    if (input.address === null) next.address = emptyContact().address;
    else for (const [k, v] of Object.entries(input.address)) next.address[k as keyof ContactFields['address']] = cleanText(v);
  }
  if (input.notifications) Object.assign(next.notifications, input.notifications);
  if (input.permissions) Object.assign(next.permissions, input.permissions);

  if (!hasIdentity(next)) {
    details.push({ path: '', message: 'A contact needs at least a name, a company or an email address' });
  }
  return details.length ? { ok: false, details } : { ok: true, value: next };
}

export function hasIdentity(c: ContactFields): boolean {
  return Boolean(c.firstName || c.lastName || c.company || c.primaryEmail || Object.keys(c.emails).length);
}

/**
 * The reports-to contact a client sets on a contact no connection manages (`undefined`: not changed), or
 * the problem with it. Whether the id names a contact of the team is checked by the caller (I/O).
 */
export function reportsToChange(
  input: Partial<DirectoryFields> | null | undefined,
  current: DirectoryFields,
  selfId: string | null,
): { value?: string | null; detail?: ErrorDetail } {
  const raw = input?.reportsToContactId;
  if (raw === undefined) return {};
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() || null : null;
  if (v === current.reportsToContactId) return {};
  const path = 'directory.reportsToContactId';
  if (current.connectionId !== null) return { detail: { path, message: 'Read-only: written by Contact Sync' } };
  if (v !== null && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) {
    return { detail: { path, message: 'Must be the id of a contact' } };
  }
  if (v !== null && v === selfId) return { detail: { path, message: 'A contact cannot report to itself' } };
  return { value: v };
}

/**
 * Directory fields are written by Contact Sync only: a client may echo them back, not change them.
 * `reportsToContactEditable`: the reports-to contact of a contact no connection manages is the client's to
 * set (see reportsToChange), so it is not a violation here.
 */
export function readOnlyViolations(
  input: Partial<DirectoryFields> | null | undefined,
  current: DirectoryFields,
  companyIdInput: string | null | undefined,
  currentCompanyId: string | null,
  opts: { reportsToContactEditable?: boolean } = {},
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const [k, v] of Object.entries(input ?? {})) {
    if (k === 'reportsToContactId' && opts.reportsToContactEditable) continue;
    if (v !== undefined && (v ?? null) !== current[k as keyof DirectoryFields]) {
      details.push({ path: `directory.${k}`, message: 'Read-only: written by Contact Sync' });
    }
  }
  if (companyIdInput !== undefined && (companyIdInput ?? null) !== currentCompanyId) {
    details.push({ path: 'companyId', message: 'Read-only: set from the company that matches the email domain' });
  }
  return details;
}

/** Field-level differences (`address.city`, `emails`...) for the audit log. */
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Equal as diffContacts has always compared them: JSON text (key order included), without stringifying every text. */
const sameValue = (x: unknown, y: unknown) =>
  x === y || (typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && JSON.stringify(x) === JSON.stringify(y));

/**
 * diffContacts of two contacts of the same shape (the groups objects on both sides), with the same result
 * and key order as the general path, in a fraction of its time (Contact Sync compares every person of a
 * re-run); undefined when the shapes differ, for the general path.
 */
function diffSameShape(before: ContactFields, after: ContactFields): Record<string, { before: unknown; after: unknown }> | undefined {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  const add = (key: string, x: unknown, y: unknown) => {
    const u = x ?? null;
    const w = y ?? null;
    if (!sameValue(u, w)) changes[key] = { before: u, after: w };
  };
  const group = (k: string) => k !== 'emails' && k !== 'phones';
  for (const k in a) {
    const x = a[k];
    const y = b[k];
    if (group(k) && (isPlainObject(x) || isPlainObject(y))) {
      if (!isPlainObject(x) || !isPlainObject(y)) return undefined;
      for (const k2 in x) add(`${k}.${k2}`, x[k2], y[k2]);
      for (const k2 in y) if (!(k2 in x)) add(`${k}.${k2}`, undefined, y[k2]);
    } else add(k, x, y);
  }
  for (const k in b) {
    if (k in a) continue;
    const y = b[k];
    if (group(k) && isPlainObject(y)) for (const k2 in y) add(`${k}.${k2}`, undefined, y[k2]);
    else add(k, undefined, y);
  }
  return changes;
}

const flatKeys = new Map<string, Map<string, string>>();
/** `address.city`: the key of a grouped field, made once per name. */
function flatKey(group: string, key: string): string {
  let m = flatKeys.get(group);
  if (!m) flatKeys.set(group, (m = new Map()));
  let k = m.get(key);
  if (k === undefined) {
    k = `${group}.${key}`;
    if (m.size < 64) m.set(key, k);
  }
  return k;
}

export function diffContacts(
  before: ContactFields | null,
  after: ContactFields | null,
): Record<string, { before: unknown; after: unknown }> {
  const flat = (c: ContactFields | null): Record<string, unknown> => {
    if (!c) return {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) {
      if (k === 'emails' || k === 'phones') out[k] = v;
      else if (v !== null && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = v2;
      else out[k] = v;
    }
    return out;
  };
  const isEmpty = (v: unknown) => v === null || (typeof v === 'object' && Object.keys(v as object).length === 0);
  if (before === null || after === null) {
    // create or delete (an import's every new row): the filled-in values, without comparing each one
    // (walked in place, in the order flat() gives: no flattened copy of every new contact)
    const out: Record<string, { before: unknown; after: unknown }> = {};
    const put = (key: string, value: unknown) => {
      const v = value ?? null;
      if (!isEmpty(v)) out[key] = before === null ? { before: null, after: v } : { before: v, after: null };
    };
    const c = (before ?? after) as unknown as Record<string, unknown> | null;
    if (!c) return out;
    for (const k of Object.keys(c)) {
      const v = c[k];
      if (k === 'emails' || k === 'phones') put(k, v);
      else if (v !== null && typeof v === 'object') {
        const g = v as Record<string, unknown>;
        for (const k2 of Object.keys(g)) put(flatKey(k, k2), g[k2]);
      } else put(k, v);
    }
    return out;
  }
  const fast = diffSameShape(before, after);
  if (fast) return fast;
  const a = flat(before);
  const b = flat(after);
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key] ?? null;
    const y = b[key] ?? null;
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      changes[key] = { before: x, after: y };
    }
  }
  return changes;
}

/** Parses `If-Match`: `"3"`, `W/"3"`, `3` or `*`. Returns null for `*`/absent, NaN when unreadable. */
export function parseIfMatch(header: string | undefined): number | null {
  if (header === undefined) return null;
  const h = header.trim();
  if (h === '*') return null;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(h);
  return m ? Number(m[1]) : Number.NaN;
}

export const etagFor = (version: number) => `"${version}"`;
