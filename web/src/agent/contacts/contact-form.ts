// The contact editor's state, and how it maps to and from the API's Contact / ContactInput.
import { normalizeEmail } from '#shared/email.ts';
import type { Contact, ContactInput } from '../../lib/api.ts';

export interface LabeledRow {
  /** React key only; never sent. */
  key: string;
  label: string;
  value: string;
}

export const textFields = ['firstName', 'lastName', 'company', 'jobTitle', 'division', 'notes', 'primaryEmail'] as const;
export type TextField = (typeof textFields)[number];
export const addressFields = ['line1', 'line2', 'city', 'state', 'postalCode', 'country'] as const;
export type AddressField = (typeof addressFields)[number];
export const notificationFields = ['newTickets', 'ticketUpdates', 'newComments', 'formAssignments'] as const;
export type NotificationField = (typeof notificationFields)[number];
export const permissionFields = ['active', 'portalAccess', 'canPostComments', 'canCloseTickets'] as const;
export type PermissionField = (typeof permissionFields)[number];

export type ContactFormValues = Record<TextField, string> & {
  emails: LabeledRow[];
  phones: LabeledRow[];
  address: Record<AddressField, string>;
  notifications: Record<NotificationField, boolean>;
  permissions: Record<PermissionField, boolean>;
  /** The contact this one reports to (its id); editable while no Contact Sync connection manages the contact. */
  reportsToContactId: string;
  /** The company (its id) set by hand; empty: none, or the one of the primary email's domain. */
  companyId: string;
};

export const emailLabelSuggestions = ['work', 'personal', 'billing', 'support', 'other'];
export const phoneLabelSuggestions = ['mobile', 'work', 'home', 'office', 'fax', 'other'];

let rowCounter = 0;
export const newRow = (label = '', value = ''): LabeledRow => ({ key: `row-${++rowCounter}`, label, value });

/** The first suggested label not used yet (so "Add email" proposes work, then personal...). */
export function nextLabel(rows: LabeledRow[], suggestions: string[]): string {
  const used = new Set(rows.map((r) => r.label.trim().toLowerCase()));
  return suggestions.find((s) => !used.has(s)) ?? '';
}

export function emptyForm(): ContactFormValues {
  return {
    firstName: '',
    lastName: '',
    company: '',
    jobTitle: '',
    division: '',
    notes: '',
    primaryEmail: '',
    emails: [],
    phones: [],
    address: { line1: '', line2: '', city: '', state: '', postalCode: '', country: '' },
    // the server's defaults for a new contact
    notifications: { newTickets: true, ticketUpdates: true, newComments: true, formAssignments: true },
    permissions: { active: true, portalAccess: true, canPostComments: true, canCloseTickets: true },
    reportsToContactId: '',
    companyId: '',
  };
}

export function formFromContact(c: Contact): ContactFormValues {
  const f = emptyForm();
  for (const k of textFields) f[k] = c[k] ?? '';
  for (const k of addressFields) f.address[k] = c.address[k] ?? '';
  f.emails = Object.entries(c.emails).map(([label, value]) => newRow(label, value));
  f.phones = Object.entries(c.phones).map(([label, value]) => newRow(label, value));
  f.notifications = { ...c.notifications };
  f.permissions = { ...c.permissions };
  f.reportsToContactId = c.directory.reportsToContactId ?? '';
  f.companyId = c.companyId ?? '';
  return f;
}

const clean = (s: string) => (s.trim() === '' ? null : s.trim());
const cleanNotes = (s: string) => (s.trim() === '' ? null : s);

/** Rows with neither label nor value are ignored (an "Add" clicked by mistake). */
function rowsToMap(rows: LabeledRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    if (!r.label.trim() && !r.value.trim()) continue;
    out[r.label.trim()] = r.value.trim();
  }
  return out;
}

/** Everything the form holds, as a create body. */
export function toCreateInput(f: ContactFormValues): ContactInput {
  const input: ContactInput = {};
  for (const k of textFields) {
    const v = k === 'notes' ? cleanNotes(f[k]) : clean(f[k]);
    if (v !== null) input[k] = v;
  }
  const emails = rowsToMap(f.emails);
  const phones = rowsToMap(f.phones);
  if (Object.keys(emails).length) input.emails = emails;
  if (Object.keys(phones).length) input.phones = phones;
  const address: Partial<Record<AddressField, string>> = {};
  for (const k of addressFields) {
    const v = clean(f.address[k]);
    if (v !== null) address[k] = v;
  }
  if (Object.keys(address).length) input.address = address;
  input.notifications = { ...f.notifications };
  input.permissions = { ...f.permissions };
  const reportsTo = clean(f.reportsToContactId);
  if (reportsTo !== null) input.directory = { reportsToContactId: reportsTo };
  // no company chosen: the server links the one of the email's domain, if any
  if (clean(f.companyId) !== null) input.companyId = clean(f.companyId);
  return input;
}

/** Only what changed since `base`, as a PATCH body (empty object = nothing to save). */
export function toPatchInput(f: ContactFormValues, base: ContactFormValues): ContactInput {
  const input: ContactInput = {};
  for (const k of textFields) {
    const norm = k === 'notes' ? cleanNotes : clean;
    if (norm(f[k]) !== norm(base[k])) input[k] = norm(f[k]);
  }
  const emails = rowsToMap(f.emails);
  if (JSON.stringify(emails) !== JSON.stringify(rowsToMap(base.emails))) input.emails = emails;
  const phones = rowsToMap(f.phones);
  if (JSON.stringify(phones) !== JSON.stringify(rowsToMap(base.phones))) input.phones = phones;
  const address: Partial<Record<AddressField, string | null>> = {};
  for (const k of addressFields) if (clean(f.address[k]) !== clean(base.address[k])) address[k] = clean(f.address[k]);
  if (Object.keys(address).length) input.address = address;
  const notifications: Partial<Record<NotificationField, boolean>> = {};
  for (const k of notificationFields) if (f.notifications[k] !== base.notifications[k]) notifications[k] = f.notifications[k];
  if (Object.keys(notifications).length) input.notifications = notifications;
  const permissions: Partial<Record<PermissionField, boolean>> = {};
  for (const k of permissionFields) if (f.permissions[k] !== base.permissions[k]) permissions[k] = f.permissions[k];
  if (Object.keys(permissions).length) input.permissions = permissions;
  if (clean(f.reportsToContactId) !== clean(base.reportsToContactId)) input.directory = { reportsToContactId: clean(f.reportsToContactId) };
  if (clean(f.companyId) !== clean(base.companyId)) input.companyId = clean(f.companyId);
  return input;
}

export const isDirty = (f: ContactFormValues, base: ContactFormValues) => Object.keys(toPatchInput(f, base)).length > 0;

/** Field errors keyed by API path: `primaryEmail`, `emails.<label>`, `address.city`, and '' for the whole record. */
export type FieldErrors = Record<string, string>;

/**
 * Checks the server would also make, done early so people see them next to the field at once.
 * Emails use the same normalizeEmail as the server; the server stays the authority.
 */
export function validateForm(f: ContactFormValues): FieldErrors {
  const errors: FieldErrors = {};
  if (f.primaryEmail.trim()) {
    const r = normalizeEmail(f.primaryEmail);
    if (!r.ok) errors.primaryEmail = r.message;
  }
  const checkRows = (kind: 'emails' | 'phones') => {
    const seen = new Set<string>();
    f[kind].forEach((row, i) => {
      const label = row.label.trim();
      const value = row.value.trim();
      if (!label && !value) return;
      if (!label) errors[`${kind}#${i}.label`] = 'Add a label, such as work';
      else if (seen.has(label)) errors[`${kind}#${i}.label`] = 'This label is already used above';
      seen.add(label);
      if (!value) errors[`${kind}#${i}.value`] = kind === 'emails' ? 'Enter an email address' : 'Enter a phone number';
      else if (kind === 'emails') {
        const r = normalizeEmail(value);
        if (!r.ok) errors[`${kind}#${i}.value`] = r.message;
      } else if (!/\d/.test(value)) errors[`${kind}#${i}.value`] = 'A phone number needs at least one digit';
    });
  };
  checkRows('emails');
  checkRows('phones');
  const hasIdentity =
    f.firstName.trim() || f.lastName.trim() || f.company.trim() || f.primaryEmail.trim() || f.emails.some((r) => r.value.trim());
  if (!hasIdentity) errors[''] = 'A contact needs at least a name, a company or an email address.';
  return errors;
}

/**
 * Server error paths → the form's error keys. Labeled rows are addressed by label on the server
 * (`emails.work`) and by position in the form (`emails#0.value`).
 */
export function mapServerErrors(details: { path: string; message: string }[], f: ContactFormValues): FieldErrors {
  const errors: FieldErrors = {};
  for (const d of details) {
    const m = /^(emails|phones)\.(.+)$/.exec(d.path);
    if (m) {
      const kind = m[1] as 'emails' | 'phones';
      const index = f[kind].findIndex((r) => r.label.trim() === m[2]);
      if (index >= 0) {
        errors[`${kind}#${index}.value`] = d.message;
        continue;
      }
    }
    errors[d.path] = errors[d.path] ? `${errors[d.path]} ${d.message}` : d.message;
  }
  return errors;
}
