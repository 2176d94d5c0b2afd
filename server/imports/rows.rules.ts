// One data row → what to write: cells decoded by their mapped field, matched to a contact, validated with
// the API's own rules (zod input schema, readOnlyViolations, applyContactInput, diffContacts). Pure.
import { contactInput, type ContactInput } from '#shared/contact.schema.ts';
import { normalizeEmail } from '#shared/email.ts';
import { COMPANY_NAME_MAX } from '#shared/company.schema.ts';
import { limits } from '#shared/limits.ts';
import type { ImportMode, MappingEntry } from '#shared/import.schema.ts';
import {
  applyContactInput,
  cleanText,
  diffContacts,
  emptyContact,
  emptyDirectory,
  readOnlyViolations,
  reportsToChange,
  type ContactFields,
  type DirectoryFields,
} from '../contacts/contacts.rules.ts';
import {
  columnName,
  labelEntries,
  normalizeLabel,
  parseBooleanCell,
  parseLabeledCell,
  shorten,
  unneutralizeCell,
  type LabeledEntry,
} from './cells.rules.ts';

/** A mapped column, ready to read cells. */
export interface ColumnPlan {
  index: number;
  column: string;
  field: string;
  labelIndex?: number;
}

export function compileMapping(entries: MappingEntry[], headers: string[]): ColumnPlan[] {
  return entries
    .filter((e) => e.field !== null)
    .map((e) => {
      const li = e.labelColumn !== undefined ? headers.indexOf(e.labelColumn) : -1;
      return { index: e.index, column: e.column, field: e.field!, ...(li !== -1 ? { labelIndex: li } : {}) };
    });
}

/** Columns past the header's last one that an XLSX row keeps (so the errors file shows a stray value). */
export const XLSX_EXTRA_COLUMNS = 10;

/**
 * An XLSX row's cells (only those the file holds) laid out under a header `width` columns wide. A missing
 * cell is an empty one: spreadsheet programs leave out empty cells, trailing ones included. A value
 * past the header cannot be imported: the row fails naming its column, and columns further than
 * XLSX_EXTRA_COLUMNS past the header are dropped, so a cell in column XFD costs one cell, not 16,384.
 */
export function layOutXlsxRow(sparse: readonly (readonly [number, string])[], width: number): { cells: string[]; error?: string } {
  const cells: string[] = Array.from({ length: width }, () => '');
  const keep = width + XLSX_EXTRA_COLUMNS;
  let stray = -1;
  for (const [col, text] of sparse) {
    if (col >= width && text.trim() !== '' && (stray === -1 || col < stray)) stray = col;
    if (col >= keep) continue;
    while (cells.length < col) cells.push('');
    cells[col] = text;
  }
  if (stray === -1) return { cells };
  return {
    cells,
    error: `Column ${columnName(stray)} holds a value, but the header ends at column ${columnName(width - 1)}: give that column a header (or clear it) and import the row again`,
  };
}

/** What a row's cells weigh in memory, roughly (2 bytes a character, 16 a cell): bounds an import batch. */
export const cellBytes = (cells: readonly string[]) => cells.reduce((n, c) => n + 16 + 2 * c.length, 0);

interface LabeledInput {
  /** The whole map is replaced (an `emails` / `phones` column). */
  whole: LabeledEntry[] | null;
  /** Set label by label on top (`phones.mobile`, Google pairs), keeping the other labels. */
  labeled: LabeledEntry[];
}

/** A decoded row: everything that does not depend on the stored contact. */
export interface RowPatch {
  id: string | null;
  /** The normalised primary email the row names (its match key when there is no id). */
  email: string | null;
  input: ContactInput;
  emails: LabeledInput | null;
  phones: LabeledInput | null;
  /** The name of the team's company to link the contact to (a `linkedCompany` cell, trimmed); null: as it is. */
  companyName: string | null;
  /** input path (`firstName`, `emails.work`) → column header, for messages. */
  columns: Map<string, string>;
  errors: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEXT = new Set(['firstName', 'lastName', 'company', 'jobTitle', 'division', 'notes']);
const LIST_SEP = /\s:::\s|[;,]/;
/** Any half of a pair: a plain scan, so the lookbehind of LONE_SURROGATE runs only on the few cells that have one. */
const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface DecodeOptions {
  /** The file was read as UTF-8 but has bytes that are not: a cell holding U+FFFD came from those. */
  damagedEncoding?: boolean;
  /** The file's encoding, named when a cell holds a byte sequence that is not valid in it. */
  encoding?: string | null;
}

/** Decodes one row's cells through the mapping. Never throws: problems go to `errors`, one per cell. */
export function decodeRow(cells: string[], plan: ColumnPlan[], opts: DecodeOptions = {}): RowPatch {
  const p: RowPatch = { id: null, email: null, input: {}, emails: null, phones: null, companyName: null, columns: new Map(), errors: [] };
  const fail = (column: string, message: string) => p.errors.push(`${column}: ${message}`);
  const labeled = (kind: 'emails' | 'phones') => (p[kind] ??= { whole: null, labeled: [] });
  let fullName: { value: string; column: string } | null = null;

  for (const col of plan) {
    const raw = unneutralizeCell(cells[col.index] ?? '');
    if (raw.trim() === '') continue;
    if (raw.includes('\u0000')) {
      fail(col.column, 'contains a NUL character, which a text field cannot hold');
      continue;
    }
    if (SURROGATE.test(raw) && LONE_SURROGATE.test(raw)) {
      fail(col.column, 'contains half of a UTF-16 surrogate pair, which is not text');
      continue;
    }
    if (opts.damagedEncoding && raw.includes('\uFFFD')) {
      fail(
        col.column,
        !opts.encoding || opts.encoding === 'utf-8'
          ? 'contains bytes that are not valid UTF-8 (save the file as UTF-8 and upload it again)'
          : `contains bytes that are not valid ${opts.encoding} (choose the file's encoding in the preview, or save it as UTF-8 and upload it again)`,
      );
      continue;
    }
    const f = col.field;
    if (f === 'id') {
      const v = raw.trim().toLowerCase();
      if (!UUID.test(v)) fail(col.column, `"${shorten(raw.trim())}" is not a kdesk contact id`);
      else p.id = v;
    } else if (TEXT.has(f)) {
      (p.input as Record<string, unknown>)[f] = raw;
      p.columns.set(f, col.column);
    } else if (f === 'linkedCompany') {
      const name = raw.trim().normalize('NFC');
      if (name.length > COMPANY_NAME_MAX) fail(col.column, `a company name is at most ${COMPANY_NAME_MAX} characters`);
      else {
        p.companyName = name;
        p.columns.set('linkedCompany', col.column);
      }
    } else if (f === 'fullName') {
      fullName = { value: raw.trim(), column: col.column };
    } else if (f === 'primaryEmail') {
      let values = [raw.trim()];
      if (col.labelIndex !== undefined) {
        values = raw.split(/\s:::\s/).map((s) => s.trim());
        const labels = (cells[col.labelIndex] ?? '').split(/\s:::\s/);
        values.slice(1).forEach((v, i) => v && labeled('emails').labeled.push([normalizeLabel(labels[i + 1] ?? ''), v]));
        p.columns.set('emails', col.column);
      } else if (LIST_SEP.test(raw.trim())) {
        fail(col.column, 'holds more than one address; the primary email is one address (put the others in an emails column)');
        continue;
      }
      p.input.primaryEmail = values[0]!;
      p.columns.set('primaryEmail', col.column);
    } else if (f === 'emails' || f === 'phones') {
      const r = parseLabeledCell(raw, f);
      if (!r.ok) {
        fail(col.column, r.message);
        continue;
      }
      if (col.labelIndex !== undefined) {
        const labels = (cells[col.labelIndex] ?? '').split(/\s:::\s/);
        r.value.forEach(([l, v], i) => labeled(f).labeled.push([l ?? normalizeLabel(labels[i] ?? ''), v]));
      } else {
        const target = labeled(f);
        target.whole = [...(target.whole ?? []), ...r.value];
      }
      p.columns.set(f, col.column);
    } else if (f.startsWith('emails.') || f.startsWith('phones.')) {
      const kind = f.startsWith('emails.') ? 'emails' : 'phones';
      const label = f.slice(kind.length + 1);
      const r = parseLabeledCell(raw, kind);
      if (!r.ok) {
        fail(col.column, r.message);
        continue;
      }
      // a list in a labeled column keeps every value: `work`, then `work2`...
      r.value.forEach(([l, v]) => labeled(kind).labeled.push([l ?? label, v]));
      p.columns.set(`${kind}.${label}`, col.column);
    } else if (f.startsWith('address.')) {
      // set on the row's own object (a spread per cell made every address a dictionary-mode copy)
      const address = (p.input.address ??= {}) as Record<string, string>;
      address[f.slice(8)] = raw;
      p.columns.set(f, col.column);
    } else if (f.startsWith('permissions.') || f.startsWith('notifications.')) {
      const r = parseBooleanCell(raw);
      if (!r.ok) {
        fail(col.column, r.message);
        continue;
      }
      const dot = f.indexOf('.');
      const group = f.slice(0, dot) as 'permissions' | 'notifications';
      const flags = (p.input[group] ??= {}) as Record<string, boolean | undefined>;
      flags[f.slice(dot + 1)] = r.value;
      p.columns.set(f, col.column);
    } else if (f.startsWith('directory.')) {
      const directory = (p.input.directory ??= {}) as Record<string, string>;
      directory[f.slice(10)] = raw.trim();
      p.columns.set(f, col.column);
    }
  }

  if (fullName && p.input.firstName === undefined && p.input.lastName === undefined) {
    // "Jane van Doe" → Jane / van Doe: the first word is the given name, the rest the family name
    const [first, ...rest] = fullName.value.split(/\s+/);
    p.input.firstName = first!;
    p.columns.set('firstName', fullName.column);
    if (rest.length) {
      p.input.lastName = rest.join(' ');
      p.columns.set('lastName', fullName.column);
    }
  }
  if (p.input.primaryEmail !== undefined && p.input.primaryEmail !== null) {
    const r = normalizeEmail(p.input.primaryEmail);
    if (r.ok) p.email = r.email;
  }
  return p;
}

/** The stored state the row is applied to. */
export interface CurrentContact {
  id: string;
  fields: ContactFields;
  directory: DirectoryFields;
  companyId: string | null;
  /** As stored: reused when the phones do not change. */
  phonesE164?: string[];
}

/** The team's company a `linkedCompany` cell names: one, none, several (ambiguous), or one this import creates. */
export type CompanyMatch = { kind: 'one'; id: string } | { kind: 'none' } | { kind: 'many'; count: number } | { kind: 'new'; id: string };

export type Target = { kind: 'create' } | { kind: 'update'; current: CurrentContact } | { kind: 'fail'; error: string };

export interface Lookup {
  byId(id: string): CurrentContact | undefined;
  byEmail(email: string): CurrentContact | undefined;
  /** A row with neither id nor primary email, by the import's `matchBy` key (absent: such rows create). */
  byMatchKey?(p: RowPatch): { kind: 'none' } | { kind: 'one'; contact: CurrentContact } | { kind: 'many'; ids: string[]; key: string };
  /** The company a row names, by name within the team (absent: no company is known by name). */
  companyByName?(name: string): CompanyMatch;
}

const nameOf = (c: CurrentContact) => {
  const n = [c.fields.firstName, c.fields.lastName].filter(Boolean).join(' ');
  return n ? `"${n}" (${c.id})` : c.id;
};

/** Which contact the row writes: by id when present, else by primary email; the mode decides what may happen. */
export function matchRow(p: RowPatch, lookup: Lookup, mode: ImportMode): Target {
  if (p.id) {
    const c = lookup.byId(p.id);
    if (!c) return { kind: 'fail', error: `id: no contact with the id ${p.id} in this team` };
    if (mode === 'create')
      return { kind: 'fail', error: `id: the contact ${nameOf(c)} already exists (mode "create" only adds new contacts)` };
    return { kind: 'update', current: c };
  }
  let c = p.email ? lookup.byEmail(p.email) : undefined;
  if (!p.email && lookup.byMatchKey) {
    const m = lookup.byMatchKey(p);
    if (m.kind === 'many') {
      const ids = m.ids.slice(0, 3).join(', ') + (m.ids.length > 3 ? ', ...' : '');
      return {
        kind: 'fail',
        error: `${m.key}: matches ${m.ids.length} contacts (${ids}); add an id or primary email column to say which one`,
      };
    }
    if (m.kind === 'one') {
      if (mode === 'create') {
        return { kind: 'fail', error: `The contact ${nameOf(m.contact)} already exists (mode "create" only adds new contacts)` };
      }
      c = m.contact;
    }
  }
  if (c) {
    if (mode === 'create') {
      return {
        kind: 'fail',
        error: `primaryEmail: ${p.email} already belongs to contact ${nameOf(c)} (mode "create" only adds new contacts)`,
      };
    }
    return { kind: 'update', current: c };
  }
  if (mode === 'update') {
    return {
      kind: 'fail',
      error: p.email
        ? `primaryEmail: no contact has the primary email ${p.email} (mode "update" only changes existing contacts)`
        : 'Neither an id nor a primary email to find the contact by (mode "update" only changes existing contacts)',
    };
  }
  return { kind: 'create' };
}

function mergeLabeled(
  current: Record<string, string>,
  input: LabeledInput,
  fallback: string,
  kind: 'emails' | 'phones',
  columns: Map<string, string>,
): Record<string, string> {
  const listColumn = columns.get(kind);
  const out: Record<string, string> = {};
  if (input.whole) {
    for (const [l, v] of labelEntries(input.whole, fallback)) {
      out[l] = v;
      if (listColumn) columns.set(`${kind}.${l}`, listColumn);
    }
  } else Object.assign(out, current);
  const fromThisRow = new Set(Object.keys(input.whole ? out : {}));
  for (const [label, value] of input.labeled) {
    let l = label?.trim() || fallback;
    // two values for one label in the same row: the second gets `work2`; an existing label is replaced
    for (let i = 2; fromThisRow.has(l); i++) l = `${label?.trim() || fallback}${i}`;
    fromThisRow.add(l);
    out[l] = value;
    if (!columns.has(`${kind}.${l}`) && listColumn) columns.set(`${kind}.${l}`, listColumn);
  }
  return out;
}

export type Planned =
  | { action: 'fail'; error: string; contactId: string | null }
  | { action: 'unchanged'; contactId: string }
  | {
      action: 'create' | 'update';
      contactId: string | null;
      before: ContactFields | null;
      after: ContactFields;
      changes: ReturnType<typeof diffContacts>;
      version?: number;
      /** The reports-to contact to store (the stored one when the row does not change it). */
      reportsToContactId: string | null;
      /** The company the row links the contact to, when it changes (absent: as it is, or by email domain). */
      companyId?: string;
    };

const messageFor = (path: string, message: string, columns: Map<string, string>) => {
  if (path === '') return message;
  const column = columns.get(path) ?? columns.get(path.split('.')[0]!) ?? path;
  return `${column}: ${message}`;
};

/**
 * Validates the row against the contact it targets exactly as the API would validate the same change
 * (input schema → read-only fields → applyContactInput) and says what would happen.
 */
export function planRow(p: RowPatch, target: Target, lookup: Lookup): Planned {
  if (target.kind === 'fail') return { action: 'fail', error: target.error, contactId: null };
  const current = target.kind === 'update' ? target.current : null;
  const contactId = current?.id ?? null;
  if (p.errors.length) return { action: 'fail', error: p.errors.join('; '), contactId };

  // the linked company, by name: a name no company of the team has fails the row (unless the import creates
  // companies), and so does a name several of them share
  let companyId: string | undefined;
  if (p.companyName !== null) {
    const m: CompanyMatch = lookup.companyByName?.(p.companyName) ?? { kind: 'none' };
    const column = p.columns.get('linkedCompany') ?? 'linkedCompany';
    if (m.kind === 'none') {
      const error = `${column}: no company named "${shorten(p.companyName)}" in this team (add it on the Companies page, or import again with "Create missing companies")`;
      return { action: 'fail', error, contactId };
    }
    if (m.kind === 'many') {
      const error = `${column}: ${m.count} companies of this team are named "${shorten(p.companyName)}"; rename them so the name says which one`;
      return { action: 'fail', error, contactId };
    }
    if (m.id !== (current?.companyId ?? null)) companyId = m.id;
  }
  const linked = companyId !== undefined ? { companyId } : {};

  const input: ContactInput = { ...p.input };
  const columns = new Map(p.columns);
  if (p.emails) input.emails = mergeLabeled(current?.fields.emails ?? {}, p.emails, 'email', 'emails', columns);
  if (p.phones) input.phones = mergeLabeled(current?.fields.phones ?? {}, p.phones, 'phone', 'phones', columns);

  if (current) dropUnchanged(input, current, p.email);
  if (current && Object.keys(input).length === 0 && companyId === undefined) return { action: 'unchanged', contactId: current.id };

  const parsed = plainInputOk(input) ? ({ success: true, data: input } as const) : contactInput.safeParse(input);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((i) => messageFor(i.path.map(String).join('.'), i.message, columns));
    return { action: 'fail', error: [...new Set(msgs)].join('; '), contactId };
  }
  const stored = current?.directory ?? emptyDirectory();
  // a read-only column re-imported as exported passes (dropUnchanged); a different value fails the row,
  // saying what the contact holds and what the file says
  const ro = readOnlyViolations(parsed.data.directory, stored, undefined, current?.companyId ?? null, {
    reportsToContactEditable: true,
  }).map((d) => (d.path.startsWith('directory.') ? { ...d, message: readOnlyMessage(d.path, stored, parsed.data.directory) } : d));
  // who the contact reports to is the file's to set while no connection manages the contact (as in the API)
  const reportsTo = reportsToChange(parsed.data.directory, stored, contactId);
  if (reportsTo.detail) {
    ro.push(
      reportsTo.detail.message.startsWith('Read-only')
        ? { ...reportsTo.detail, message: readOnlyMessage(reportsTo.detail.path, stored, parsed.data.directory) }
        : reportsTo.detail,
    );
  } else if (reportsTo.value && !lookup.byId(reportsTo.value)) {
    ro.push({ path: 'directory.reportsToContactId', message: `no contact with the id ${reportsTo.value} in this team` });
  }
  const base = current?.fields ?? emptyContact();
  const applied = applyContactInput(base, parsed.data);
  const details = [...ro, ...(applied.ok ? [] : applied.details)];
  if (details.length || !applied.ok) {
    return { action: 'fail', error: details.map((d) => messageFor(d.path, d.message, columns)).join('; '), contactId };
  }
  const after = applied.value;
  if (after.primaryEmail && after.primaryEmail !== (current?.fields.primaryEmail ?? null)) {
    const owner = lookup.byEmail(after.primaryEmail);
    if (owner && owner.id !== contactId) {
      return {
        action: 'fail',
        error: messageFor('primaryEmail', `${after.primaryEmail} already belongs to contact ${nameOf(owner)}`, columns),
        contactId,
      };
    }
  }
  const changes = diffContacts(current?.fields ?? null, after);
  if (reportsTo.value !== undefined) {
    changes['directory.reportsToContactId'] = { before: stored.reportsToContactId, after: reportsTo.value };
  }
  if (current && Object.keys(changes).length === 0 && companyId === undefined) return { action: 'unchanged', contactId: current.id };
  const reportsToContactId = reportsTo.value !== undefined ? reportsTo.value : stored.reportsToContactId;
  return {
    action: current ? 'update' : 'create',
    contactId,
    before: current?.fields ?? null,
    after,
    changes,
    reportsToContactId,
    ...linked,
  };
}

const NAME_FIELDS = ['firstName', 'lastName', 'company', 'jobTitle', 'division'] as const;
const ADDRESS_MAX: Record<string, number> = {
  line1: limits.textMax,
  line2: limits.textMax,
  city: limits.textMax,
  state: limits.textMax,
  postalCode: 64,
  country: limits.textMax,
};
const FLAGS = {
  notifications: new Set(['newTickets', 'ticketUpdates', 'newComments', 'formAssignments']),
  permissions: new Set(['active', 'portalAccess', 'canPostComments', 'canCloseTickets']),
};
// in the schema's order: the schema gives its keys back in this order, and read-only messages follow it
const DIRECTORY_KEYS = ['syncId', 'organizationId', 'connectionId', 'reportsToContactId', 'reportsToSyncId'];
const directoryOk = (d: unknown) => {
  if (!plainObject(d)) return false;
  let last = -1;
  for (const k in d) {
    const at = DIRECTORY_KEYS.indexOf(k);
    const v = d[k];
    if (at <= last || (v !== null && typeof v !== 'string')) return false;
    last = at;
  }
  return true;
};
const INPUT_KEYS = new Set([
  ...NAME_FIELDS,
  'notes',
  'primaryEmail',
  'emails',
  'phones',
  'address',
  'notifications',
  'permissions',
  'directory',
]);
const PHONE_CHARS = /^[\d\s+\-()./#*,;a-zA-Z]*$/u;
const DIGIT = /\d/;
const textOk = (v: unknown, max: number) => v === null || (typeof v === 'string' && v.length <= max);
const plainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const labeledOk = (m: unknown, value: (v: unknown) => boolean) => {
  if (m === null) return true;
  if (!plainObject(m)) return false;
  let n = 0;
  for (const k in m) {
    // a label zod would trim, or one it refuses, takes the schema's path
    if (k === '__proto__' || k.length === 0 || k.length > limits.labelMax || k.trim() !== k || !value(m[k])) return false;
    n++;
  }
  return n <= limits.labeledEntriesMax;
};
const emailOk = (v: unknown) => typeof v === 'string' && normalizeEmail(v).ok;
const phoneOk = (v: unknown) => typeof v === 'string' && v.length <= limits.phoneMax && DIGIT.test(v) && PHONE_CHARS.test(v);
const groupOk = (g: unknown, ok: (k: string, v: unknown) => boolean) => {
  if (!plainObject(g)) return false;
  for (const k in g) if (!ok(k, g[k])) return false;
  return true;
};

/**
 * True when `contactInput` (the API's schema) accepts the row's input as it is and would give it back
 * unchanged (keys aside, which it puts in its own order: only the directory's order is seen, and it must
 * already be the schema's): plain values within their limits, labels already trimmed, no key the schema
 * strips or refuses.
 * Every row the schema would refuse, or would change, answers false and goes through the schema (its
 * messages). Checked by hand because the schema's parse was the largest cost of an import's row.
 */
export function plainInputOk(input: ContactInput): boolean {
  const i = input as Record<string, unknown>;
  for (const k in i) {
    if (!INPUT_KEYS.has(k)) return false;
    const v = i[k];
    if (v === undefined) return false;
  }
  for (const f of NAME_FIELDS) if (f in i && !textOk(i[f], limits.nameMax)) return false;
  if ('notes' in i && !textOk(i.notes, limits.notesMax)) return false;
  if ('primaryEmail' in i && i.primaryEmail !== null && !emailOk(i.primaryEmail)) return false;
  if ('emails' in i && !labeledOk(i.emails, emailOk)) return false;
  if ('phones' in i && !labeledOk(i.phones, phoneOk)) return false;
  if (
    'address' in i &&
    i.address !== null &&
    !groupOk(i.address, (k, v) => Object.hasOwn(ADDRESS_MAX, k) && v !== undefined && textOk(v, ADDRESS_MAX[k]!))
  )
    return false;
  for (const g of ['notifications', 'permissions'] as const) {
    if (g in i && !groupOk(i[g], (k, v) => FLAGS[g].has(k) && typeof v === 'boolean')) return false;
  }
  if ('directory' in i && i.directory !== null && !directoryOk(i.directory)) return false;
  return true;
}

function readOnlyMessage(path: string, stored: DirectoryFields, input: Partial<DirectoryFields> | null | undefined): string {
  const k = path.slice('directory.'.length) as keyof DirectoryFields;
  const has = stored[k];
  const says = input?.[k] ?? null;
  const quote = (v: string | null) => (v === null ? 'none' : `"${shorten(v)}"`);
  return `read-only (written by Contact Sync): the contact has ${quote(has)}, the file says ${quote(says)}; leave the cell as exported or empty`;
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

/**
 * Leaves out of an update what the row says exactly as it is stored (most cells of a re-imported export):
 * the result is the same, and only what changes goes through validation, normalisation and E.164.
 */
function dropUnchanged(input: ContactInput, current: CurrentContact, email: string | null) {
  const f = current.fields;
  const rec = input as Record<string, unknown>;
  for (const k of ['firstName', 'lastName', 'company', 'jobTitle', 'division', 'notes'] as const) {
    if (typeof input[k] === 'string' && cleanText(input[k]) === f[k]) delete rec[k];
  }
  if (input.primaryEmail !== undefined && email !== null && email === f.primaryEmail) delete rec.primaryEmail;
  if (input.emails && sameMap(input.emails, f.emails)) delete rec.emails;
  if (input.phones && sameMap(input.phones, f.phones)) delete rec.phones;
  if (input.address) {
    const a = { ...input.address } as Record<string, string | null | undefined>;
    for (const [k, v] of Object.entries(a))
      if (typeof v === 'string' && cleanText(v) === f.address[k as keyof ContactFields['address']]) delete a[k];
    if (Object.keys(a).length) input.address = a;
    else delete rec.address;
  }
  for (const g of ['permissions', 'notifications'] as const) {
    const src = input[g] as Record<string, boolean | undefined> | undefined;
    if (!src) continue;
    const cur = f[g] as Record<string, boolean>;
    const rest = Object.fromEntries(Object.entries(src).filter(([k, v]) => v !== cur[k]));
    if (Object.keys(rest).length) rec[g] = rest;
    else delete rec[g];
  }
  if (input.directory) {
    const d = Object.fromEntries(
      Object.entries(input.directory).filter(([k, v]) => (v ?? null) !== current.directory[k as keyof DirectoryFields]),
    );
    if (Object.keys(d).length) input.directory = d;
    else delete rec.directory;
  }
}

// Keys of the duplicate check, kept for the whole import (one or two per row): flat one-byte strings built
// from bytes, so they are small and never a slice of the megabyte of parsed text a cell comes from.
const I = Buffer.from('i');
const E = Buffer.from('e');

/** A contact id as a key: 17 characters instead of 36. */
export const idKey = (id: string) => Buffer.concat([I, Buffer.from(id.replace(/-/g, ''), 'hex')]).toString('latin1');

/** An email as a key: its UTF-8 bytes as one-byte characters. */
const emailKey = (email: string) => Buffer.concat([E, Buffer.from(email, 'utf8')]).toString('latin1');

/** Keys that a later row may not repeat: the id, and the primary email. */
export function rowKeys(p: RowPatch): string[] {
  const keys: string[] = [];
  if (p.id) keys.push(idKey(p.id));
  if (p.email) keys.push(emailKey(p.email));
  return keys;
}

export function duplicateMessage(key: string, firstRow: number): string {
  return key.startsWith('i')
    ? `id: the same id as row ${firstRow} of this file (each contact once per file)`
    : `primaryEmail: the same primary email (${Buffer.from(key.slice(1), 'latin1').toString('utf8')}) as row ${firstRow} of this file (each contact once per file)`;
}
