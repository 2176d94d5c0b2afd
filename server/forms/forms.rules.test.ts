import { describe, expect, it } from 'vitest';
import { defaultTeamSettings as defaultSettings } from '#shared/settings.schema.ts';
import type { FormFieldInput } from '#shared/form.schema.ts';
import { formField } from '#shared/form.schema.ts';
import { assignmentRefusal, mayBeAssigned } from './forms.policy.ts';
import { keyFromLabel, renderAssignmentMail, responseCsvCells, validateDefinition, validateValues } from './forms.rules.ts';
import { emptyContact } from '../contacts/contacts.rules.ts';

const defaultContactFields = emptyContact();

const field = (f: Partial<FormFieldInput> & Pick<FormFieldInput, 'type'>) => formField.parse({ key: '', label: 'Label', ...f });

describe('assignment eligibility (truth table)', () => {
  const rows: { portal: boolean; active: boolean; access: boolean; code: string | null }[] = [];
  for (const portal of [true, false])
    for (const active of [true, false])
      for (const access of [true, false])
        rows.push({
          portal,
          active,
          access,
          code: !portal ? 'portal_disabled' : !active ? 'contact_inactive' : !access ? 'no_portal_access' : null,
        });

  it.each(rows)('portal $portal, active $active, portal access $access → $code', ({ portal, active, access, code }) => {
    const team = { ...defaultSettings, portalEnabled: portal };
    const contact = { ...defaultContactFields, permissions: { ...defaultContactFields.permissions, active, portalAccess: access } };
    expect(assignmentRefusal(team, contact)).toBe(code);
    // the same answer as the contact policy every feature uses
    expect(mayBeAssigned(team, contact)).toBe(code === null);
  });
});

describe('validateDefinition', () => {
  it('makes keys from labels, unique, and keeps options only on choice lists', () => {
    const r = validateDefinition({
      name: '  Onboarding ',
      description: ' ',
      fields: [
        field({ type: 'text', label: 'Order number' }),
        field({ type: 'text', label: 'Order number' }),
        field({ type: 'select', label: 'Size', options: [' S ', 'M'] }),
        field({ type: 'checkbox', label: '1. Agree' }),
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name).toBe('Onboarding');
    expect(r.value.description).toBeNull();
    expect(r.value.fields.map((f) => f.key)).toEqual(['order_number', 'order_number_2', 'size', 'f_1_agree']);
    expect(r.value.fields[2]!.options).toEqual(['S', 'M']);
  });

  it('names every problem by its path', () => {
    const r = validateDefinition({
      name: ' ',
      description: null,
      fields: [
        field({ type: 'text', key: 'a', label: ' ' }),
        field({ type: 'number', key: 'a' }),
        field({ type: 'select', key: 'Bad Key' }),
        field({ type: 'select', key: 'c', options: ['x', 'x', ''] }),
        field({ type: 'date', key: 'd', options: ['nope'] }),
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.details.map((d) => d.path)).toEqual([
      'name',
      'fields.0.label',
      'fields.1.key',
      'fields.2.key',
      'fields.2.options',
      'fields.3.options.1',
      'fields.3.options.2',
      'fields.4.options',
    ]);
    expect(validateDefinition({ name: 'x', description: null, fields: [] })).toMatchObject({ ok: false, details: [{ path: 'fields' }] });
  });

  it('keyFromLabel folds accents and falls back to a numbered key', () => {
    expect(keyFromLabel('Café crème', 1)).toBe('cafe_creme');
    expect(keyFromLabel('電話', 3)).toBe('field_3');
  });
});

describe('validateValues', () => {
  const fields = validateDefinition({
    name: 'F',
    description: null,
    fields: [
      field({ type: 'text', key: 'name', required: true }),
      field({ type: 'textarea', key: 'about' }),
      field({ type: 'number', key: 'seats', required: true }),
      field({ type: 'date', key: 'start' }),
      field({ type: 'select', key: 'plan', options: ['Basic', 'Pro'] }),
      field({ type: 'checkbox', key: 'terms', required: true }),
    ],
  });
  if (!fields.ok) throw new Error('bad fixture');
  const fs = fields.value.fields;

  it('accepts good values, trimmed, leaving empty ones out', () => {
    const r = validateValues(fs, { name: ' Ada ', about: '', seats: 3, start: '2026-02-28', plan: 'Pro', terms: true }, 'submit');
    expect(r).toEqual({ ok: true, value: { name: 'Ada', seats: 3, start: '2026-02-28', plan: 'Pro', terms: true } });
  });

  it('answers one detail per bad field at values.<key>', () => {
    const r = validateValues(
      fs,
      { name: 5, seats: 'many', start: '2026-02-30', plan: 'Gold', terms: 'yes', extra: 'x' } as never,
      'submit',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.fromEntries(r.details.map((d) => [d.path, d.message]))).toEqual({
      'values.extra': 'This form has no such field',
      'values.name': 'Enter text',
      'values.seats': 'Enter a number',
      'values.start': 'Enter a date like 2026-01-31',
      'values.plan': 'Choose one of the options',
      'values.terms': 'Tick or untick the box',
    });
  });

  it('enforces required fields on submit, not in a draft; a required box must be ticked', () => {
    const draft = validateValues(fs, { name: 'Ada' }, 'draft');
    expect(draft.ok).toBe(true);
    const r = validateValues(fs, { name: '  ', terms: false }, 'submit');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.details).toEqual([
      { path: 'values.name', message: 'This field is required' },
      { path: 'values.seats', message: 'This field is required' },
      { path: 'values.terms', message: 'Tick this box to continue' },
    ]);
  });
});

describe('responses CSV cells', () => {
  it('neutralises formulas in every text cell, as the contacts export does', () => {
    const fs = [field({ type: 'text', key: 'a' }), field({ type: 'checkbox', key: 'b' })].map((f, i) => ({ ...f, key: `k${i}` }));
    const cells = responseCsvCells(fs, {
      contactId: 'id',
      contactName: '=HYPERLINK("x")',
      contactEmail: null,
      status: 'submitted',
      assignedAt: 't',
      submittedAt: null,
      values: { k0: '+1+2', k1: true },
    });
    expect(cells).toEqual(['id', `'=HYPERLINK("x")`, '', 'submitted', 't', '', "'+1+2", 'Yes']);
  });
});

describe('renderAssignmentMail', () => {
  it('escapes the form name in HTML and links to the form', () => {
    const m = renderAssignmentMail({
      teamName: 'Acme',
      formName: '<b>W-9</b>',
      description: null,
      contactName: 'Ada',
      url: 'https://x.test/portal/a/forms/1',
    });
    expect(m.subject).toBe('[Acme] Please fill in: <b>W-9</b>');
    expect(m.html).toContain('&lt;b&gt;W-9&lt;/b&gt;');
    expect(m.text).toContain('https://x.test/portal/a/forms/1');
  });
});
