// The mapping step's model: the server's automatic mapping plus the person's changes, checked the way the
// server checks them (one column per field, a hand-picked field displaces an automatic one), so the page
// can explain every column before anything is sent.
import type { ImportPreview, MappingInput } from '../../lib/api.ts';

type MappingEntry = ImportPreview['mapping'][number];

/** What the person chose for a column: a field, or null for "Don't import". Absent = keep the automatic mapping. */
export type MappingEdits = Record<number, string | null>;

export interface ColumnState {
  entry: MappingEntry;
  /** The field the column fills, or null when it is not imported. */
  field: string | null;
  edited: boolean;
  /** not imported, and nobody decided so: shown as a warning */
  unmapped: boolean;
  /** why the column is (not) imported, in words */
  note: string | null;
  /** a conflict that blocks the next step */
  error: string | null;
}

/** Fields a second column cannot fill too (a label-from-column pair can share its field). */
const exclusiveKey = (field: string | null, labelColumn: string | undefined) => (field && !labelColumn ? field : null);

export function columnStates(preview: Pick<ImportPreview, 'mapping' | 'fields'>, edits: MappingEdits): ColumnState[] {
  const states: ColumnState[] = preview.mapping.map((entry) => {
    const edited = entry.index in edits;
    const field = edited ? edits[entry.index]! : entry.field;
    return { entry, field, edited, unmapped: false, note: edited ? null : (entry.note ?? null), error: null };
  });

  // a field chosen by hand: the first column keeps it, a second one is an error (as on the server)
  const manual = new Map<string, ColumnState>();
  for (const s of states) {
    if (!s.edited) continue;
    const key = exclusiveKey(s.field, undefined);
    if (!key) continue;
    const first = manual.get(key);
    if (first)
      s.error = `"${fieldLabel(key, preview.fields)}" is already chosen for column "${first.entry.column}". Choose another field, or Don't import.`;
    else manual.set(key, s);
  }
  // ... and no longer comes from the column that had it automatically
  for (const s of states) {
    if (s.edited) continue;
    const key = exclusiveKey(s.field, s.entry.labelColumn);
    const taker = key ? manual.get(key) : undefined;
    if (taker) {
      s.field = null;
      s.note = `${fieldLabel(key!, preview.fields)} now comes from column "${taker.entry.column}".`;
    }
  }
  for (const s of states) {
    if (s.edited && s.field === null) s.note = 'You chose not to import this column.';
    // a column that serves as another column's label is used, not forgotten
    const isLabel = !s.edited && s.field === null && s.entry.source === 'synonym' && s.entry.note?.startsWith('Label of');
    const serverOwned = !s.edited && s.field === null && s.entry.source === 'template';
    s.unmapped = s.field === null && !s.edited && !isLabel && !serverOwned;
  }
  return states;
}

/** The `mapping` to send: only the columns the person changed; the others keep their automatic mapping. */
export function mappingInput(preview: Pick<ImportPreview, 'mapping'>, edits: MappingEdits): MappingInput {
  const out: MappingInput = {};
  for (const e of preview.mapping) if (e.index in edits) out[e.column] = edits[e.index] ?? null;
  return out;
}

const LABEL_WORDS: Record<string, string> = { emails: 'Email', phones: 'Phone' };

/** A field in words: the server's label, or "Phone (mobile)" for a labeled email/phone. */
export function fieldLabel(field: string, fields: { field: string; label: string }[]): string {
  const known = fields.find((f) => f.field === field);
  if (known) return known.label;
  const m = /^(emails|phones)\.(.+)$/.exec(field);
  if (m) return `${LABEL_WORDS[m[1]!]} (${m[2]})`;
  return field;
}

const GROUPS: { group: string; test: (f: string) => boolean }[] = [
  { group: 'Find the contact by', test: (f) => f === 'id' || f === 'primaryEmail' },
  { group: 'Name', test: (f) => ['firstName', 'lastName', 'fullName'].includes(f) },
  { group: 'Emails and phones', test: (f) => /^(emails|phones)(\.|$)/.test(f) },
  { group: 'Work', test: (f) => ['company', 'jobTitle', 'division'].includes(f) },
  { group: 'Address', test: (f) => f.startsWith('address.') },
  { group: 'Portal permissions', test: (f) => f.startsWith('permissions.') },
  { group: 'Email notifications', test: (f) => f.startsWith('notifications.') },
  { group: 'Directory (read-only in KDesk)', test: (f) => f.startsWith('directory.') },
];

// labeled emails and phones people usually have columns for
const COMMON_LABELED = [
  'emails.work',
  'emails.personal',
  'emails.other',
  'phones.mobile',
  'phones.work',
  'phones.home',
  'phones.fax',
  'phones.other',
];

export const SKIP = '__skip__';

/** Options for a column's field select, grouped; labeled emails/phones of the file's mapping are included. */
export function fieldOptions(preview: Pick<ImportPreview, 'mapping' | 'fields'>, edits: MappingEdits) {
  const all = new Set(preview.fields.map((f) => f.field));
  for (const f of COMMON_LABELED) all.add(f);
  for (const e of preview.mapping) if (e.field) all.add(e.field);
  for (const f of Object.values(edits)) if (f) all.add(f);

  const groups = GROUPS.map((g) => ({ group: g.group, items: [] as { value: string; label: string }[] }));
  const other = { group: 'Other', items: [] as { value: string; label: string }[] };
  for (const field of all) {
    const i = GROUPS.findIndex((g) => g.test(field));
    (i >= 0 ? groups[i]! : other).items.push({ value: field, label: fieldLabel(field, preview.fields) });
  }
  for (const g of groups) {
    if (g.group === 'Emails and phones')
      g.items.sort((a, b) => sortLabeled(a.value) - sortLabeled(b.value) || a.label.localeCompare(b.label));
  }
  return [{ group: 'Skip', items: [{ value: SKIP, label: "Don't import" }] }, ...[...groups, other].filter((g) => g.items.length > 0)];
}

const sortLabeled = (f: string) => (f === 'emails' ? 0 : f.startsWith('emails.') ? 1 : f === 'phones' ? 2 : 3);

/** Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** The first few distinct non-empty values of a column in the sample rows. */
export function sampleValues(rows: string[][], index: number, max = 3): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const v = (r[index] ?? '').trim();
    if (v && !out.includes(v)) out.push(v);
    if (out.length >= max) break;
  }
  return out;
}

/** Does some column identify the contact (id or primary email)? Without one, update mode cannot match anything. */
export function hasMatchColumn(states: ColumnState[]) {
  return states.some((s) => s.field === 'id' || s.field === 'primaryEmail');
}

/** Does some column give the contact a name or an email (what a new contact needs at least)? */
export function hasIdentityColumn(states: ColumnState[]) {
  return states.some((s) => s.field && /^(id|firstName|lastName|fullName|primaryEmail|company|emails)(\.|$)/.test(s.field));
}
