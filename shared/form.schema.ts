// Forms agents build and assign to contacts, and the responses contacts give in the portal: one schema
// per shape for the routes, the web app and tests. The definition's finer rules (unique keys, options of
// select fields) and the values' rules live in server/forms/forms.rules.ts, with the same field paths.
import { z } from 'zod';
import { contactFilter } from './contact.schema.ts';

export const FORM_NAME_MAX = 200;
export const FORM_DESCRIPTION_MAX = 2_000;
export const FORM_FIELDS_MAX = 50;
export const FORM_FIELD_LABEL_MAX = 200;
export const FORM_FIELD_HELP_MAX = 500;
export const FORM_FIELD_KEY_MAX = 50;
export const FORM_OPTIONS_MAX = 100;
export const FORM_OPTION_MAX = 200;
/** What a text field holds; a long text (textarea) holds more. */
export const FORM_TEXT_MAX = 1_000;
export const FORM_TEXTAREA_MAX = 10_000;
/** Contacts named in one assignment request (the directory selection's own maximum). */
export const FORM_ASSIGN_IDS_MAX = 10_000;
/** Contacts one assignment by filter may reach (each gets a mail). */
export const FORM_ASSIGN_FILTER_MAX = 50_000;

export const formFieldTypes = ['text', 'textarea', 'number', 'date', 'select', 'checkbox'] as const;
export type FormFieldType = (typeof formFieldTypes)[number];
export const formFieldTypeNames: Record<FormFieldType, string> = {
  text: 'Short text',
  textarea: 'Long text',
  number: 'Number',
  date: 'Date',
  select: 'Choice list',
  checkbox: 'Checkbox',
};

export const formField = z
  .object({
    key: z.string().max(FORM_FIELD_KEY_MAX, `A key is at most ${FORM_FIELD_KEY_MAX} characters`),
    label: z.string().max(FORM_FIELD_LABEL_MAX, `A label is at most ${FORM_FIELD_LABEL_MAX} characters`),
    type: z.enum(formFieldTypes, { error: `Use one of ${formFieldTypes.join(', ')}` }),
    required: z.boolean().default(false),
    options: z
      .array(z.string().max(FORM_OPTION_MAX, `An option is at most ${FORM_OPTION_MAX} characters`))
      .max(FORM_OPTIONS_MAX)
      .default([]),
    help: z.string().max(FORM_FIELD_HELP_MAX).nullable().default(null),
  })
  .strict();
export type FormField = z.infer<typeof formField>;
export type FormFieldInput = z.input<typeof formField>;

const name = z.string().max(FORM_NAME_MAX, `A name is at most ${FORM_NAME_MAX} characters`);
const description = z.string().max(FORM_DESCRIPTION_MAX).nullable();
const fields = z.array(formField).max(FORM_FIELDS_MAX, `A form has at most ${FORM_FIELDS_MAX} fields`);

export const formInput = z.object({ name, description: description.default(null), fields }).strict();
export type FormInput = z.infer<typeof formInput>;
export const formPatch = z.object({ name: name.optional(), description: description.optional(), fields: fields.optional() }).strict();
export type FormPatch = z.infer<typeof formPatch>;

export const formSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  fields: z.array(formField),
  /** open assignments (waiting for the contact) and submitted responses */
  openCount: z.number().int(),
  submittedCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Form = z.infer<typeof formSchema>;

export const formListQuery = z
  .object({
    q: z.string().max(200, 'A search is at most 200 characters').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type FormListQuery = z.infer<typeof formListQuery>;
export const formPage = z.object({ items: z.array(formSchema), total: z.number().int() });
export type FormPage = z.infer<typeof formPage>;

/** Why a contact cannot be assigned a form. */
export const assignmentRefusalCodes = ['contact_inactive', 'no_portal_access', 'portal_disabled'] as const;
export type AssignmentRefusalCode = (typeof assignmentRefusalCodes)[number];
export const assignmentRefusalText: Record<AssignmentRefusalCode, string> = {
  contact_inactive: 'The contact is inactive',
  no_portal_access: 'The contact has no portal access',
  portal_disabled: 'The team portal is switched off',
};

export const assignInput = z.union([
  z
    .object({
      contactIds: z
        .array(z.string().max(100))
        .min(1, 'Choose at least one contact')
        .max(FORM_ASSIGN_IDS_MAX, `At most ${FORM_ASSIGN_IDS_MAX} contacts at once`),
    })
    .strict(),
  z.object({ filter: contactFilter }).strict(),
]);
export type AssignInput = z.infer<typeof assignInput>;

export const refusedContact = z.object({ contactId: z.string(), name: z.string(), code: z.enum(assignmentRefusalCodes) });
export type RefusedContact = z.infer<typeof refusedContact>;
/** What an assignment did: newly assigned contacts (mailed per the notification rule), those who already had it open, and the refused. */
export const assignResult = z.object({
  assigned: z.array(z.string()),
  alreadyAssigned: z.array(z.string()),
  refused: z.array(refusedContact),
  /** contacts mailed about the assignment (team rule AND contact preference) */
  notified: z.number().int(),
});
export type AssignResult = z.infer<typeof assignResult>;
/** A large assignment runs as a job: GET /api/v1/jobs/:id for progress; its result is AssignJobResult. */
export const assignQueued = z.object({ jobId: z.string(), total: z.number().int() });
export const assignJobResult = z.object({
  assigned: z.number().int(),
  alreadyAssigned: z.number().int(),
  notified: z.number().int(),
  /** contacts deleted since the request */
  missing: z.number().int(),
  refused: z.array(refusedContact),
});
export type AssignJobResult = z.infer<typeof assignJobResult>;

/** A value of a field: text, number, date (YYYY-MM-DD), chosen option or checkbox; an empty field is left out. */
export const formValue = z.union([z.string(), z.number(), z.boolean()]);
export const formValues = z.record(z.string().max(FORM_FIELD_KEY_MAX), formValue);
export type FormValues = z.infer<typeof formValues>;

export const assignmentStatuses = ['open', 'submitted'] as const;
export const formResponse = z.object({
  /** the assignment's id */
  id: z.string(),
  formId: z.string(),
  formName: z.string(),
  contact: z.object({ id: z.string(), name: z.string(), email: z.string().nullable() }),
  status: z.enum(assignmentStatuses),
  assignedAt: z.string(),
  assignedBy: z.string(),
  /** when the contact last saved a draft (an open assignment); drafts stay the contact's until submitted */
  draftSavedAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  /** the submitted values (null while open) */
  values: formValues.nullable(),
});
export type FormResponse = z.infer<typeof formResponse>;
export const responseListQuery = z
  .object({
    status: z.enum(['open', 'submitted', 'all']).default('all'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type ResponseListQuery = z.infer<typeof responseListQuery>;
export const responsePage = z.object({ items: z.array(formResponse), total: z.number().int() });
export type ResponsePage = z.infer<typeof responsePage>;
export const contactFormList = z.object({ items: z.array(formResponse) });

// --- portal (the signed-in contact)
export const portalFormSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(assignmentStatuses),
  assignedAt: z.string(),
  draftSavedAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
});
export type PortalFormSummary = z.infer<typeof portalFormSummary>;
export const portalFormList = z.object({ items: z.array(portalFormSummary) });
export const portalFormDetail = portalFormSummary.extend({
  fields: z.array(formField),
  /** the draft (open) or the submitted values */
  values: formValues,
});
export type PortalFormDetail = z.infer<typeof portalFormDetail>;
export const portalFormValuesInput = z.object({ values: formValues }).strict();
export const draftSaved = z.object({ draftSavedAt: z.string() });
