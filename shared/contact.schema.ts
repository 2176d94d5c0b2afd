import { z } from 'zod';
import { normalizeEmail } from './email.ts';
import { limits } from './limits.ts';

const text = (max: number = limits.textMax) => z.string().max(max, `Must be at most ${max} characters`).nullable();

export const emailString = z.string().superRefine((value, ctx) => {
  const r = normalizeEmail(value);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
});

// The digit check is a refinement, not a second pattern: OpenAPI tools merge two patterns into one
// regex that reads "\d" as "starts with a digit" (Prism refused "+1 555 123 4567"); the document keeps
// only the anchored pattern of allowed characters.
export const phoneString = z
  .string()
  .max(limits.phoneMax, `Must be at most ${limits.phoneMax} characters`)
  .refine((v) => /\d/.test(v), 'A phone number needs at least one digit')
  .regex(/^[\d\s+\-()./#*,;a-zA-Z]*$/u, 'A phone number may contain digits, spaces, + - ( ) . / and an extension');

const label = z.string().trim().min(1, 'A label cannot be empty').max(limits.labelMax, `A label is at most ${limits.labelMax} characters`);

const labeled = (value: z.ZodType<string>) =>
  z.record(label, value).refine((m) => Object.keys(m).length <= limits.labeledEntriesMax, `At most ${limits.labeledEntriesMax} entries`);

export const addressSchema = z.object({
  line1: text(),
  line2: text(),
  city: text(),
  state: text(),
  postalCode: text(64),
  country: text(),
});

export const notificationsSchema = z.object({
  newTickets: z.boolean(),
  ticketUpdates: z.boolean(),
  newComments: z.boolean(),
  formAssignments: z.boolean(),
});

export const contactPermissionsSchema = z.object({
  active: z.boolean(),
  portalAccess: z.boolean(),
  canPostComments: z.boolean(),
  canCloseTickets: z.boolean(),
});

export const directorySchema = z.object({
  syncId: z.string().nullable(),
  organizationId: z.string().nullable(),
  connectionId: z.string().nullable(),
  reportsToContactId: z.string().nullable(),
  reportsToSyncId: z.string().nullable(),
});

/** Fields a client may write. Server-owned fields (id, version, timestamps...) are accepted and ignored
 *  so that a record read with GET can be sent back as it is; unknown fields are refused. */
export const contactInput = z
  .object({
    firstName: text(limits.nameMax).optional(),
    lastName: text(limits.nameMax).optional(),
    company: text(limits.nameMax).optional(),
    jobTitle: text(limits.nameMax).optional(),
    division: text(limits.nameMax).optional(),
    notes: text(limits.notesMax).optional(),
    primaryEmail: emailString.nullable().optional(),
    emails: labeled(emailString).nullable().optional(),
    phones: labeled(phoneString).nullable().optional(),
    address: addressSchema.partial().nullable().optional(),
    notifications: notificationsSchema.partial().optional(),
    permissions: contactPermissionsSchema.partial().optional(),
    // read-only: written by Contact Sync; a value different from the stored one is refused
    directory: directorySchema.partial().nullable().optional(),
    companyId: z.string().nullable().optional(),
    id: z.unknown().optional(),
    version: z.unknown().optional(),
    createdAt: z.unknown().optional(),
    updatedAt: z.unknown().optional(),
    portalVerifiedAt: z.unknown().optional(),
    sync: z.unknown().optional(),
  })
  .strict();
export type ContactInput = z.infer<typeof contactInput>;

/** The Contact Sync connection managing a contact and the fields it writes (read-only in the editor). */
export const contactSyncSchema = z.object({
  connectionId: z.string(),
  connectionName: z.string(),
  /** Contact field paths the connection writes, e.g. `firstName`, `phones.work`, `permissions.active`. */
  fields: z.array(z.string()),
});
export type ContactSync = z.infer<typeof contactSyncSchema>;

export const contactSchema = z.object({
  id: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  company: z.string().nullable(),
  jobTitle: z.string().nullable(),
  division: z.string().nullable(),
  notes: z.string().nullable(),
  primaryEmail: z.string().nullable(),
  emails: z.record(z.string(), z.string()),
  phones: z.record(z.string(), z.string()),
  address: addressSchema,
  notifications: notificationsSchema,
  permissions: contactPermissionsSchema,
  directory: directorySchema,
  companyId: z.string().nullable(),
  portalVerifiedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
  /**
   * One contact's answer (GET, PATCH): the connection that syncs it and its synced fields, or null when no
   * connection manages it. Lists leave it out.
   */
  sync: contactSyncSchema.nullable().optional(),
});
export type Contact = z.infer<typeof contactSchema>;

export const contactSorts = ['lastName', 'firstName', 'company', 'primaryEmail', 'createdAt', 'updatedAt'] as const;
const sortParam = z.enum([...contactSorts, ...contactSorts.map((s) => `-${s}` as const)]);

const boolParam = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v === '' ? undefined : v),
  z.boolean({ error: 'Use true or false' }).optional(),
);

/** Which contacts: the directory's filters, shared by the list, bulk actions and export. */
export const contactFilter = z
  .object({
    q: z.string().max(200, 'A search is at most 200 characters').optional(),
    status: z.enum(['active', 'inactive', 'all']).default('all'),
    verified: boolParam,
    companyId: z.uuid('Not a company id').optional(),
  })
  .strict();
export type ContactFilter = z.infer<typeof contactFilter>;

export const contactListQuery = contactFilter.extend({
  sort: sortParam.default('-createdAt'),
  limit: z.coerce.number().int().min(1).max(limits.pageSizeMax).default(limits.pageSizeDefault),
  cursor: z.string().max(1000).optional(),
});
export type ContactListQuery = z.infer<typeof contactListQuery>;

export const trashQuery = z.object({
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(limits.pageSizeMax).default(limits.pageSizeDefault),
  cursor: z.string().max(1000).optional(),
});

export const bulkActions = ['delete', 'activate', 'deactivate', 'invite', 'export'] as const;
export const bulkInput = z.union([
  z.object({ action: z.enum(bulkActions), ids: z.array(z.string()).min(1, 'Select at least one contact').max(10_000) }).strict(),
  z.object({ action: z.enum(bulkActions), filter: contactFilter }).strict(),
]);
export type BulkInput = z.infer<typeof bulkInput>;
export const bulkResult = z.union([z.object({ affected: z.number().int() }), z.object({ jobId: z.string() })]);

/** Bulk actions on the trash: restore or erase selected rows, or every row matching a search (`{}`: the whole trash). */
export const trashBulkActions = ['restore', 'purge'] as const;
export const trashFilter = z.object({ q: z.string().max(200, 'A search is at most 200 characters').optional() }).strict();
export const trashBulkInput = z
  .object({
    action: z.enum(trashBulkActions),
    ids: z.array(z.string()).min(1, 'Select at least one contact').max(10_000, 'At most 10,000 ids; use a filter for more').optional(),
    filter: trashFilter.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.ids && v.filter) ctx.addIssue({ code: 'custom', path: ['filter'], message: 'Send either ids or a filter, not both' });
    if (!v.ids && !v.filter) ctx.addIssue({ code: 'custom', path: ['ids'], message: 'Send ids, or a filter ({} for the whole trash)' });
  });
export type TrashBulkInput = z.infer<typeof trashBulkInput>;
/** A row a bulk restore left in the trash, and why. */
export const trashBulkSkipped = z.object({
  id: z.string(),
  name: z.string().nullable(),
  reason: z.string(),
  /** the live contact that holds the primary email now */
  conflictContactId: z.string().nullable(),
});
export const trashBulkSummary = z.object({
  /** rows restored or erased */
  affected: z.number().int(),
  restored: z.number().int(),
  purged: z.number().int(),
  /** ids that are not in this team's trash (another team's, a live contact, already erased) */
  notFound: z.number().int(),
  /** the first 100 skipped rows; skippedCount counts them all */
  skipped: z.array(trashBulkSkipped),
  skippedCount: z.number().int(),
});
export type TrashBulkSummary = z.infer<typeof trashBulkSummary>;
export const trashBulkResult = z.union([trashBulkSummary, z.object({ jobId: z.string() })]);

export const contactPage = z.object({
  items: z.array(contactSchema),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
  totalIsEstimate: z.boolean(),
});
export type ContactPage = z.infer<typeof contactPage>;

export const trashedContact = contactSchema.extend({
  deletedAt: z.string(),
  /** set when the contact went to the trash by a merge: the contact it was merged into */
  mergedInto: z.string().nullable(),
});
export const trashPage = contactPage.extend({ items: z.array(trashedContact) });
export type TrashPage = z.infer<typeof trashPage>;

export const historyEntry = z.object({
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), label: z.string().nullable() }),
  action: z.string(),
  changes: z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() })),
});
export const historyPage = z.object({ items: z.array(historyEntry), nextCursor: z.string().nullable() });
export type HistoryEntry = z.infer<typeof historyEntry>;
