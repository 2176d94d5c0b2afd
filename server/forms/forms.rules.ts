// Pure rules of forms: the definition (keys, labels, options), the values a contact gives (per field,
// with the field's path), the assignment mail and the CSV of responses. No I/O.
import type { ErrorDetail } from '#shared/errors.ts';
import {
  FORM_FIELD_KEY_MAX,
  FORM_FIELDS_MAX,
  FORM_TEXT_MAX,
  FORM_TEXTAREA_MAX,
  type FormField,
  type FormInput,
  type FormValues,
} from '#shared/form.schema.ts';
import { neutralizeCell } from '../imports/cells.rules.ts';
import { escapeHtml, layout, oneLine, safeHref, type RenderedMail } from '../mail/mail.rules.ts';

type Result<T> = { ok: true; value: T } | { ok: false; details: ErrorDetail[] };

const KEY = /^[a-z][a-z0-9_]*$/;

/** A key made from a label: "Order number" → "order_number" (ASCII letters and digits; `field_<n>` when none). */
export function keyFromLabel(label: string, n: number): string {
  const base = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, FORM_FIELD_KEY_MAX - 4);
  if (!base) return `field_${n}`;
  return /^[a-z]/.test(base) ? base : `f_${base}`;
}

/**
 * Checks and normalises a form definition: a name, 1 to FORM_FIELDS_MAX fields with labels, unique keys
 * (made from the label when left empty), options only on select fields, at least one and no repeats.
 */
export function validateDefinition(input: Pick<FormInput, 'name' | 'description' | 'fields'>): Result<FormInput> {
  const details: ErrorDetail[] = [];
  const name = input.name.normalize('NFC').trim();
  if (!name) details.push({ path: 'name', message: 'A form needs a name' });
  const description = input.description?.trim() || null;
  if (!input.fields.length) details.push({ path: 'fields', message: 'A form needs at least one field' });
  if (input.fields.length > FORM_FIELDS_MAX) details.push({ path: 'fields', message: `A form has at most ${FORM_FIELDS_MAX} fields` });

  const given = new Set(input.fields.map((f) => f.key.trim()).filter(Boolean));
  const seen = new Set<string>();
  const fields: FormField[] = input.fields.map((f, i) => {
    const path = `fields.${i}`;
    const label = f.label.normalize('NFC').trim();
    if (!label) details.push({ path: `${path}.label`, message: 'A field needs a label' });
    let key = f.key.trim();
    if (!key) {
      // made from the label, made unique among the others
      const base = keyFromLabel(label, i + 1);
      key = base;
      for (let n = 2; given.has(key) || seen.has(key); n++) key = `${base}_${n}`;
    } else if (!KEY.test(key)) {
      details.push({ path: `${path}.key`, message: 'A key starts with a lower-case letter and has only a-z, 0-9 and _' });
    } else if (seen.has(key)) {
      details.push({ path: `${path}.key`, message: `Another field has the key "${key}"` });
    }
    seen.add(key);
    const options = f.options.map((o) => o.normalize('NFC').trim());
    if (f.type === 'select') {
      if (!options.length) details.push({ path: `${path}.options`, message: 'A choice list needs at least one option' });
      const opts = new Set<string>();
      options.forEach((o, j) => {
        if (!o) details.push({ path: `${path}.options.${j}`, message: 'An option cannot be empty' });
        else if (opts.has(o)) details.push({ path: `${path}.options.${j}`, message: `"${o}" is listed twice` });
        opts.add(o);
      });
    } else if (options.some(Boolean)) {
      details.push({ path: `${path}.options`, message: 'Only choice lists (select) have options' });
    }
    return {
      key,
      label,
      type: f.type,
      required: f.required,
      options: f.type === 'select' ? options : [],
      help: f.help?.trim() || null,
    };
  });
  return details.length ? { ok: false, details } : { ok: true, value: { name, description, fields } };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

/**
 * Checks the values a contact gives against the form's fields. `submit` also enforces required fields
 * (a draft may be incomplete). Answers the values normalised (text trimmed, empty values left out),
 * or one detail per field at `values.<key>`.
 */
export function validateValues(fields: readonly FormField[], values: FormValues, mode: 'draft' | 'submit'): Result<FormValues> {
  const details: ErrorDetail[] = [];
  const out: FormValues = {};
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const key of Object.keys(values)) {
    if (!byKey.has(key)) details.push({ path: `values.${key}`, message: 'This form has no such field' });
  }
  for (const f of fields) {
    const path = `values.${f.key}`;
    const raw = Object.hasOwn(values, f.key) ? values[f.key] : null;
    const fail = (message: string) => details.push({ path, message });
    let v: string | number | boolean | null = null;
    if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) v = null;
    else if (f.type === 'text' || f.type === 'textarea') {
      const max = f.type === 'text' ? FORM_TEXT_MAX : FORM_TEXTAREA_MAX;
      if (typeof raw !== 'string') fail('Enter text');
      else if (raw.trim().length > max) fail(`At most ${max.toLocaleString('en')} characters`);
      else v = f.type === 'text' ? raw.trim() : raw.replace(/\s+$/, '').replace(/^\s*\n/, '');
    } else if (f.type === 'number') {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n) || Math.abs(n) > 1e15) fail('Enter a number');
      else v = n;
    } else if (f.type === 'date') {
      if (typeof raw !== 'string' || !isDate(raw.trim())) fail('Enter a date like 2026-01-31');
      else v = raw.trim();
    } else if (f.type === 'select') {
      if (typeof raw !== 'string' || !f.options.includes(raw.trim())) fail('Choose one of the options');
      else v = raw.trim();
    } else if (f.type === 'checkbox') {
      if (typeof raw !== 'boolean') fail('Tick or untick the box');
      // an unticked box is "no": kept as false, but a required box must be ticked
      else v = raw;
    }
    const empty = v === null || (f.type === 'checkbox' && v === false);
    if (mode === 'submit' && f.required && empty && !details.some((d) => d.path === path)) {
      fail(f.type === 'checkbox' ? 'Tick this box to continue' : 'This field is required');
    }
    if (v !== null) out[f.key] = v;
  }
  return details.length ? { ok: false, details } : { ok: true, value: out };
}

/** How a value reads in a cell or a table: "Yes"/"No" for boxes, the number, the text. */
export function valueText(f: Pick<FormField, 'type'>, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (f.type === 'checkbox') return v === true ? 'Yes' : 'No';
  return String(v);
}

/** The CSV header of a form's responses: who and when, then one column per field (its label). */
export function responsesCsvHeader(fields: readonly FormField[]): string[] {
  return ['contactId', 'contactName', 'contactEmail', 'status', 'assignedAt', 'submittedAt', ...fields.map((f) => f.label)];
}

/** One response as CSV cells; every text cell formula-neutralised like the contacts export. */
export function responseCsvCells(
  fields: readonly FormField[],
  r: {
    contactId: string;
    contactName: string;
    contactEmail: string | null;
    status: string;
    assignedAt: string;
    submittedAt: string | null;
    values: FormValues | null;
  },
): string[] {
  return [
    r.contactId,
    neutralizeCell(r.contactName),
    neutralizeCell(r.contactEmail ?? ''),
    r.status,
    r.assignedAt,
    r.submittedAt ?? '',
    ...fields.map((f) => neutralizeCell(valueText(f, r.values?.[f.key]))),
  ];
}

/** The mail telling a contact a form waits for them in the portal. */
export function renderAssignmentMail(p: {
  teamName: string;
  formName: string;
  description: string | null;
  contactName: string | null;
  url: string | null;
  supportEmail?: string | null;
}): RenderedMail {
  const greeting = p.contactName ? `Hello ${p.contactName},` : 'Hello,';
  const lead = `${p.teamName} asks you to fill in the form "${p.formName}".`;
  const text = [
    greeting,
    '',
    lead,
    ...(p.description ? ['', p.description] : []),
    '',
    p.url ? `Open it in the portal: ${p.url}` : 'Sign in to the portal to fill it in.',
  ].join('\n');
  const html = layout(
    p.teamName,
    [
      `<p style="margin:0 0 12px">${escapeHtml(greeting)}</p>`,
      `<p style="margin:0 0 12px">${escapeHtml(lead)}</p>`,
      ...(p.description ? [`<p style="margin:0 0 12px;color:#57606a;white-space:pre-wrap">${escapeHtml(p.description)}</p>`] : []),
      p.url
        ? `<p style="margin:0"><a href="${safeHref(p.url)}">Fill in the form</a></p>`
        : '<p style="margin:0">Sign in to the portal to fill it in.</p>',
    ].join('\n'),
    undefined,
    p.supportEmail,
  );
  return { subject: oneLine(`[${p.teamName}] Please fill in: ${p.formName}`).slice(0, 300), text, html };
}
