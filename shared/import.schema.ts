// Import and export: the CSV template (SPEC §4), the fields a column can be mapped to, and the JSON
// shapes of the import API (documented in server/imports/imports.routes.ts).
import { z } from 'zod';
import type { contactFilter } from './contact.schema.ts';

/** The template's columns, in order. The export writes exactly these, so an export re-imports losslessly. */
export const TEMPLATE_COLUMNS = [
  'id',
  'firstName',
  'lastName',
  'primaryEmail',
  'emails',
  'phones',
  'company',
  'job',
  'division',
  'addressLine1',
  'addressLine2',
  'city',
  'state',
  'postalCode',
  'country',
  'contactIsActive',
  'portalAccess',
  'canPostComments',
  'canCloseTickets',
  'emailNewTickets',
  'emailTicketUpdates',
  'emailNewComments',
  'emailFormAssignments',
  'reportsToContactId',
  'reportsToSyncId',
  'directorySyncId',
  'directoryOrganizationId',
  'notes',
  'createdAt',
  'updatedAt',
  // the name of the company the contact is linked to (an extension after the columns every version wrote)
  'linkedCompany',
] as const;
export type TemplateColumn = (typeof TEMPLATE_COLUMNS)[number];

/** Fields a column can be imported into (besides `emails.<label>` / `phones.<label>`), with a label for the UI. */
export const IMPORT_FIELDS = {
  id: 'Contact id (match)',
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name (split into first and last name)',
  primaryEmail: 'Primary email (match)',
  emails: 'Emails (one, a list or labeled JSON)',
  phones: 'Phones (one, a list or labeled JSON)',
  company: 'Company',
  linkedCompany: 'Linked company (matched by name)',
  jobTitle: 'Job title',
  division: 'Division',
  notes: 'Notes',
  'address.line1': 'Address line 1',
  'address.line2': 'Address line 2',
  'address.city': 'City',
  'address.state': 'State / region',
  'address.postalCode': 'Postal code',
  'address.country': 'Country',
  'permissions.active': 'Active',
  'permissions.portalAccess': 'Portal access',
  'permissions.canPostComments': 'Can post comments',
  'permissions.canCloseTickets': 'Can close tickets',
  'notifications.newTickets': 'Email: new tickets',
  'notifications.ticketUpdates': 'Email: ticket updates',
  'notifications.newComments': 'Email: new comments',
  'notifications.formAssignments': 'Email: form assignments',
  'directory.syncId': 'Directory sync id (read-only)',
  'directory.organizationId': 'Directory organization id (read-only)',
  'directory.reportsToContactId': 'Reports to contact id (read-only)',
  'directory.reportsToSyncId': 'Reports to sync id (read-only)',
} as const;
export type ImportField = keyof typeof IMPORT_FIELDS;

/** Template column → field. `createdAt`/`updatedAt` are written by the server and are not imported. */
export const TEMPLATE_FIELD: Record<TemplateColumn, ImportField | null> = {
  id: 'id',
  firstName: 'firstName',
  lastName: 'lastName',
  primaryEmail: 'primaryEmail',
  emails: 'emails',
  phones: 'phones',
  company: 'company',
  job: 'jobTitle',
  division: 'division',
  addressLine1: 'address.line1',
  addressLine2: 'address.line2',
  city: 'address.city',
  state: 'address.state',
  postalCode: 'address.postalCode',
  country: 'address.country',
  contactIsActive: 'permissions.active',
  portalAccess: 'permissions.portalAccess',
  canPostComments: 'permissions.canPostComments',
  canCloseTickets: 'permissions.canCloseTickets',
  emailNewTickets: 'notifications.newTickets',
  emailTicketUpdates: 'notifications.ticketUpdates',
  emailNewComments: 'notifications.newComments',
  emailFormAssignments: 'notifications.formAssignments',
  reportsToContactId: 'directory.reportsToContactId',
  reportsToSyncId: 'directory.reportsToSyncId',
  directorySyncId: 'directory.syncId',
  directoryOrganizationId: 'directory.organizationId',
  notes: 'notes',
  createdAt: null,
  updatedAt: null,
  linkedCompany: 'linkedCompany',
};

export const importModes = ['upsert', 'create', 'update'] as const;
export type ImportMode = (typeof importModes)[number];
/** Another key that rows with neither id nor primary email can be matched by (otherwise they always create). */
export const importMatchKeys = ['phone', 'directorySyncId'] as const;
export type ImportMatchKey = (typeof importMatchKeys)[number];
export const importStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof importStatuses)[number];
export const rowActions = ['create', 'update', 'unchanged', 'fail'] as const;
export type RowAction = (typeof rowActions)[number];

export const mappingEntrySchema = z.object({
  column: z.string(),
  index: z.number().int(),
  field: z.string().nullable(),
  labelColumn: z.string().optional(),
  source: z.enum(['template', 'synonym', 'manual', 'none']),
  note: z.string().optional(),
});
export type MappingEntry = z.infer<typeof mappingEntrySchema>;

/** What a client sends as `mapping`: column → field, null/"ignore" to skip, or {field, labelColumn}. */
export const mappingInputSchema = z.record(
  z.string(),
  z.union([z.string(), z.null(), z.object({ field: z.string(), labelColumn: z.string().optional() }).strict()]),
);
export type MappingInput = z.infer<typeof mappingInputSchema>;

/** Text encodings of a CSV file: Unicode, and the Windows code pages Excel saves CSV in around the world. */
export const textEncodings = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1252',
  'windows-1251',
  'euc-kr',
  'shift_jis',
  'gb18030',
  'big5',
] as const;
export type TextEncodingName = (typeof textEncodings)[number];

const fileInfo = {
  fileName: z.string(),
  fileSize: z.number().int(),
  format: z.enum(['csv', 'xlsx']),
  encoding: z.enum(textEncodings).nullable(),
  delimiter: z.string().nullable(),
  headers: z.array(z.string()),
  mapping: z.array(mappingEntrySchema),
  unmappedColumns: z.array(z.string()),
};

export const importPreviewSchema = z.object({
  uploadId: z.string(),
  ...fileInfo,
  /**
   * False when the bytes could be read in more than one encoding and nothing decided between them: the
   * import does not start until an encoding is chosen (preview again with `encoding`, or send it with the import).
   */
  encodingConfident: z.boolean(),
  /** Encodings the file can be read in, most likely first (empty for XLSX): the picker's choices. */
  encodingChoices: z.array(z.object({ encoding: z.enum(textEncodings), label: z.string() })),
  sampleRows: z.array(z.array(z.string())),
  /** Sample cells were cut (200 characters each) or rows left out, to keep the answer small. */
  sampleTruncated: z.boolean(),
  fields: z.array(z.object({ field: z.string(), label: z.string() })),
});
export type ImportPreview = z.infer<typeof importPreviewSchema>;

export const importSchema = z.object({
  id: z.string(),
  status: z.enum(importStatuses),
  mode: z.enum(importModes),
  /** How rows with neither an id nor a primary email find their contact; null: they always create one. */
  matchBy: z.enum(importMatchKeys).nullable(),
  /**
   * A `linkedCompany` cell naming no company of the team creates that company (and links the contact to it);
   * false: the row fails with a reason saying so, and nothing is created.
   */
  createCompanies: z.boolean(),
  dryRun: z.boolean(),
  ...fileInfo,
  total: z.number().int().nullable(),
  processed: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  /** Rows with neither an id nor a primary email: without matchBy each creates a contact, again at every import. */
  unkeyed: z.number().int(),
  cancelRequested: z.boolean(),
  error: z.string().nullable(),
  createdBy: z.object({ id: z.string().nullable(), label: z.string() }),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  updatedAt: z.string(),
  links: z.object({ self: z.string(), rows: z.string(), errors: z.string() }),
});
export type Import = z.infer<typeof importSchema>;

export const importRowSchema = z.object({
  row: z.number().int(),
  action: z.enum(rowActions),
  error: z.string().nullable(),
  contactId: z.string().nullable(),
  cells: z.array(z.string()),
});
export type ImportRow = z.infer<typeof importRowSchema>;

/** Which contacts an export takes: the directory's filter (as query parameters or JSON). */
export type ExportFilter = z.input<typeof contactFilter>;

export const exportSchema = z.object({
  id: z.string(),
  status: z.enum(importStatuses),
  format: z.enum(['csv', 'xlsx']),
  filter: z.record(z.string(), z.unknown()),
  total: z.number().int().nullable(),
  processed: z.number().int(),
  error: z.string().nullable(),
  fileName: z.string(),
  downloadUrl: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Export = z.infer<typeof exportSchema>;
