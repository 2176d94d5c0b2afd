// Pure rules of merging contacts: which value of each field the survivor keeps, and the union of labeled
// emails and phones (the primary emails that lose their place become labeled emails). No I/O.
import { limits } from '#shared/limits.ts';
import type { ErrorDetail } from '#shared/errors.ts';
import { toE164, type ContactFields } from './contacts.rules.ts';

/** The fields whose value is taken from one chosen contact of a merge. */
export const MERGE_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'division',
  'notes',
  'primaryEmail',
  'address',
  'notifications',
  'permissions',
  'companyId',
] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];

/** Fewest and most contacts in one merge (survivor included). */
export const MERGE_MIN = 2;
export const MERGE_MAX = 10;

export interface MergeSource {
  id: string;
  fields: ContactFields;
  companyId: string | null;
}

/** The label an address that stops being a primary email gets among the labeled emails. */
export const FORMER_PRIMARY_LABEL = 'other';

const valueOf = (s: MergeSource, f: MergeField): unknown => (f === 'companyId' ? s.companyId : s.fields[f]);
const isEmpty = (v: unknown) => v === null || v === undefined || v === '';

/** A label not used yet in `taken`: the label itself, or "label 2", "label 3"... within the label length. */
function freeLabel(label: string, taken: Set<string>): string {
  if (!taken.has(label)) return label;
  for (let n = 2; ; n++) {
    const suffix = ` ${n}`;
    const candidate = label.slice(0, limits.labelMax - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Labeled entries unioned in order, the same value (by `key`) kept once, labels made unique. */
function union(entries: [string, string][], key: (v: string) => string, exclude: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  const labels = new Set<string>();
  const seen = new Set(exclude);
  for (const [label, value] of entries) {
    const k = key(value);
    if (seen.has(k)) continue;
    seen.add(k);
    const l = freeLabel(label, labels);
    labels.add(l);
    out[l] = value;
  }
  return out;
}

/**
 * The survivor of a merge: each field from the contact `choice` names (absent: the survivor's value, or the
 * first merged contact's when the survivor has none); labeled emails and phones of all contacts unioned (the
 * survivor's first), and every primary email but the one kept added as a labeled email.
 */
export function planMerge(
  survivor: MergeSource,
  merged: readonly MergeSource[],
  choice: Partial<Record<string, string>>,
  region: string,
): { ok: true; fields: ContactFields; companyId: string | null } | { ok: false; details: ErrorDetail[] } {
  const all = [survivor, ...merged];
  const byId = new Map(all.map((s) => [s.id, s]));
  const details: ErrorDetail[] = [];
  for (const [k, id] of Object.entries(choice)) {
    if (!(MERGE_FIELDS as readonly string[]).includes(k)) {
      details.push({ path: `fields.${k}`, message: `Not a field chosen in a merge; one of ${MERGE_FIELDS.join(', ')}` });
    } else if (!id || !byId.has(id)) {
      details.push({ path: `fields.${k}`, message: 'Must be the id of one of the contacts being merged' });
    }
  }
  if (details.length) return { ok: false, details };

  const pick = (f: MergeField): MergeSource => {
    const chosen = choice[f];
    if (chosen) return byId.get(chosen)!;
    if (!isEmpty(valueOf(survivor, f))) return survivor;
    return merged.find((m) => !isEmpty(valueOf(m, f))) ?? survivor;
  };
  const fields: ContactFields = { ...survivor.fields };
  for (const f of MERGE_FIELDS) {
    if (f === 'companyId') continue;
    (fields as unknown as Record<string, unknown>)[f] = structuredClone(pick(f).fields[f]);
  }
  const companyId = pick('companyId').companyId;

  const primary = fields.primaryEmail;
  const emailEntries: [string, string][] = [];
  for (const s of all) {
    emailEntries.push(...Object.entries(s.fields.emails));
    if (s.fields.primaryEmail) emailEntries.push([FORMER_PRIMARY_LABEL, s.fields.primaryEmail]);
  }
  // the survivor's own labels first, then former primaries and the others' labels in the order given
  const ordered = [
    ...Object.entries(survivor.fields.emails),
    ...emailEntries.filter(([, v]) => !Object.values(survivor.fields.emails).includes(v)),
  ];
  fields.emails = union(ordered, (v) => v.toLowerCase(), new Set(primary ? [primary.toLowerCase()] : []));
  const phoneKey = (v: string) => toE164(v, region) ?? v.trim();
  fields.phones = union(
    all.flatMap((s) => Object.entries(s.fields.phones)),
    phoneKey,
    new Set(),
  );
  if (Object.keys(fields.emails).length > limits.labeledEntriesMax) {
    details.push({
      path: 'emails',
      message: `Together these contacts have ${Object.keys(fields.emails).length} other emails; a contact keeps at most ${limits.labeledEntriesMax}. Remove some first.`,
    });
  }
  if (Object.keys(fields.phones).length > limits.labeledEntriesMax) {
    details.push({
      path: 'phones',
      message: `Together these contacts have ${Object.keys(fields.phones).length} phones; a contact keeps at most ${limits.labeledEntriesMax}. Remove some first.`,
    });
  }
  if (details.length) return { ok: false, details };
  return { ok: true, fields, companyId };
}
