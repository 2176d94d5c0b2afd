// Kysely table types (camelCase; CamelCasePlugin maps them to the snake_case columns).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TeamsTable {
  id: string;
  name: string;
  slug: string;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** The address a member of the team last signed in at (links in mail when KDESK_PUBLIC_URL is unset). */
  memberOrigin: ColumnType<string | null, string | null | undefined, string | null>;
  /** Shown in every mail of the team (Team settings > General, 0021). */
  supportEmail: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type Role = 'owner' | 'admin' | 'agent';

export interface MembersTable {
  id: string;
  teamId: string;
  email: string;
  name: string | null;
  passwordHash: string | null;
  role: Role;
  modifyContacts: Generated<boolean>;
  importContacts: Generated<boolean>;
  exportContacts: Generated<boolean>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** Set while the member is deactivated: no sign-in, no session, no token (0019). */
  deactivatedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  lastSignInAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface TeamSlugRedirectsTable {
  oldSlug: string;
  teamId: string;
  createdAt: Timestamp;
}

export interface PasswordResetsTable {
  id: string;
  email: string;
  ip: string | null;
  origin: string | null;
  status: Generated<'pending' | 'issued' | 'dropped'>;
  memberId: string | null;
  tokenHash: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Timestamp;
}

export interface MemberInvitationsTable {
  id: string;
  teamId: string;
  email: string;
  role: Role;
  modifyContacts: boolean;
  importContacts: boolean;
  exportContacts: boolean;
  tokenHash: string;
  invitedBy: string | null;
  invitedByLabel: string | null;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  memberId: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface SessionsTable {
  tokenHash: string;
  memberId: string;
  createdAt: Timestamp;
  expiresAt: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  memberId: string;
  name: string;
  tokenHash: string;
  createdAt: Timestamp;
  lastUsedAt: Date | null;
}

export interface ContactsTable {
  id: string;
  teamId: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  division: string | null;
  notes: string | null;
  primaryEmail: string | null;
  emails: ColumnType<Record<string, string>, string | undefined, string>;
  phones: ColumnType<Record<string, string>, string | undefined, string>;
  phonesE164: ColumnType<string[], string[] | undefined, string[]>;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  notifyNewTickets: Generated<boolean>;
  notifyTicketUpdates: Generated<boolean>;
  notifyNewComments: Generated<boolean>;
  notifyFormAssignments: Generated<boolean>;
  active: Generated<boolean>;
  portalAccess: Generated<boolean>;
  canPostComments: Generated<boolean>;
  canCloseTickets: Generated<boolean>;
  directorySyncId: string | null;
  directoryOrganizationId: string | null;
  directoryConnectionId: string | null;
  reportsToContactId: string | null;
  reportsToSyncId: string | null;
  companyId: string | null;
  portalVerifiedAt: Date | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  version: Generated<number>;
  // derived by server/contacts/search.rules.ts on every write (see fieldsToColumns)
  searchText: string;
  skLast: string;
  skFirst: string;
  skCompany: string;
  skEmail: string;
  searchVersion: number;
  deletedAt: Date | null;
  /** set while the contact sits in the trash merged into this survivor */
  mergedInto: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AuditLogTable {
  id: Generated<string>;
  teamId: string;
  entityType: string;
  entityId: string;
  action: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  changes: ColumnType<Record<string, unknown>, string | undefined, string>;
  requestId: string | null;
  at: Timestamp;
}

export interface RateLimitsTable {
  key: string;
  hits: number;
  windowStart: Timestamp;
}

export interface MailOutboxTable {
  id: string;
  teamId: string;
  kind: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  sensitive: Generated<boolean>;
  status: Generated<'pending' | 'sent' | 'failed' | 'kept'>;
  attempts: Generated<number>;
  nextAttemptAt: Timestamp;
  lockedUntil: Date | null;
  lastError: string | null;
  discardAfter: Date | null;
  sentAt: Date | null;
  createdAt: Timestamp;
}

export interface PortalLoginRequestsTable {
  id: string;
  teamId: string;
  email: string | null;
  linkTokenHash: string | null;
  ip: string | null;
  /** the address the request came to (scheme://host), for the link in the code mail */
  origin: string | null;
  status: Generated<'pending' | 'issued' | 'dropped'>;
  contactId: string | null;
  codeHash: string | null;
  /** The normalised address the code was mailed to: it must still be the primary email at sign-in. */
  sentTo: Generated<string | null>;
  attempts: Generated<number>;
  expiresAt: Timestamp;
  usedAt: Date | null;
  createdAt: Timestamp;
}

export interface PortalSessionsTable {
  tokenHash: string;
  teamId: string;
  contactId: string;
  method: string;
  createdAt: Timestamp;
  idleExpiresAt: Timestamp;
  expiresAt: Timestamp;
}

export interface PortalLinksTable {
  contactId: string;
  teamId: string;
  tokenHash: string;
  createdAt: Timestamp;
}

export interface PortalSsoConfigsTable {
  teamId: string;
  provider: 'google' | 'microsoft';
  issuer: string;
  clientId: string;
  clientSecretEnc: string;
  /** Google: email domains (punycode, lower case) a sign-in may come from; empty = any */
  allowedDomains: Generated<string[]>;
  /** Microsoft: Entra tenant ids (lower case) a sign-in may come from; empty = any */
  allowedTenants: Generated<string[]>;
  updatedAt: Timestamp;
}

export interface PortalSsoStatesTable {
  state: string;
  teamId: string;
  provider: string;
  nonce: string;
  codeVerifier: string;
  browserHash: string;
  expiresAt: Timestamp;
  usedAt: Date | null;
}

// Import and export (0004_imports)
export interface FilesTable {
  id: string;
  teamId: string;
  purpose: 'import' | 'export';
  name: string;
  size: ColumnType<number, number | undefined, number>;
  sha256: string | null;
  meta: ColumnType<Record<string, unknown>, string | undefined, string>;
  complete: Generated<boolean>;
  createdBy: string | null;
  createdAt: Timestamp;
  expiresAt: Timestamp;
}

export interface FileChunksTable {
  fileId: string;
  seq: number;
  data: Buffer;
}

export interface ImportsTable {
  id: string;
  teamId: string;
  fileId: string | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  mode: 'upsert' | 'create' | 'update';
  /** How rows with neither id nor primary email find their contact (null: they always create one). */
  matchBy: 'phone' | 'directorySyncId' | null;
  /** Rows with neither an id nor a primary email so far. */
  unkeyed: Generated<number>;
  /** A linkedCompany cell naming no company of the team creates it (false: the row fails). */
  createCompanies: Generated<boolean>;
  dryRun: boolean;
  fileName: string;
  fileSize: number;
  format: 'csv' | 'xlsx';
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'windows-1251' | 'euc-kr' | 'shift_jis' | 'gb18030' | 'big5' | null;
  encodingDamaged: Generated<boolean>;
  delimiter: string | null;
  skipChars: Generated<number>;
  headers: ColumnType<string[], string, string>;
  mapping: ColumnType<unknown[], string, string>;
  unmappedColumns: ColumnType<string[], string, string>;
  total: number | null;
  processed: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  failed: Generated<number>;
  checkpointRow: Generated<number>;
  cancelRequested: Generated<boolean>;
  error: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  actor: ColumnType<Record<string, unknown>, string, string>;
  createdBy: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  attempts: Generated<number>;
  createdAt: Timestamp;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Timestamp;
}

export interface ImportRowsTable {
  importId: string;
  rowNumber: number;
  action: 'create' | 'update' | 'unchanged' | 'fail';
  error: string | null;
  contactId: string | null;
  cells: ColumnType<string[], string, string>;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface JobsTable {
  id: string;
  /** Null for the engine's own work (periodic tasks, mail delivery). */
  teamId: string | null;
  kind: string;
  status: Generated<JobStatus>;
  payload: ColumnType<unknown, string | undefined, string>;
  processed: Generated<number>;
  total: number | null;
  result: ColumnType<unknown, string | null | undefined, string | null>;
  error: string | null;
  createdBy: string | null;
  runAt: Timestamp;
  attempts: Generated<number>;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  /** At most one queued and one running job per key (one import per team, one run per sync connection). */
  singletonKey: string | null;
  /** Times a worker lost this job's lease (most likely the job ended its process); reset by a checkpoint. */
  leaseExpiries: Generated<number>;
  cancelRequested: Generated<boolean>;
  createdAt: Timestamp;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface SchedulesTable {
  name: string;
  cron: string;
  kind: string;
  payload: ColumnType<unknown, string | undefined, string>;
  teamId: string | null;
  singletonKey: string | null;
  nextRunAt: Date;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

// Tickets (0016_tickets)
export type TicketStatus = 'open' | 'pending' | 'resolved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export interface TicketCountersTable {
  teamId: string;
  lastNumber: number;
}
export interface TicketsTable {
  id: string;
  teamId: string;
  number: number;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  requesterId: string | null;
  assigneeId: string | null;
  companyId: string | null;
  templateId: string | null;
  customFields: ColumnType<Record<string, unknown>, string | undefined, string>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  closedAt: Date | null;
}
export interface TicketContactsTable {
  ticketId: string;
  contactId: string;
  teamId: string;
  addedAt: Timestamp;
}
export interface TicketCommentsTable {
  id: string;
  teamId: string;
  ticketId: string;
  body: string;
  isPublic: boolean;
  authorType: 'member' | 'contact';
  authorMemberId: string | null;
  authorContactId: string | null;
  authorName: string;
  createdAt: Timestamp;
}
export interface TicketNotificationsTable {
  eventId: string;
  contactId: string;
  teamId: string;
  kind: string;
  createdAt: Timestamp;
}
export interface RequestTemplatesTable {
  id: string;
  teamId: string;
  name: string;
  description: string;
  fields: ColumnType<Record<string, { default: unknown; locked: boolean }>, string, string>;
  availability: ColumnType<{ mode: 'everyone' | 'contacts' | 'domains'; contactIds: string[]; domains: string[] }, string, string>;
  allowChooseAssignee: boolean;
  assigneeIds: string[];
  allowAddContacts: boolean;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

// Contact Sync (0023_sync)
export type SyncRunStatusColumn = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'needs_confirmation';
export interface SyncConnectionsTable {
  id: string;
  teamId: string;
  name: string;
  description: Generated<string>;
  source: 'ldap' | 'google' | 'microsoft' | 'scim';
  status: 'enabled' | 'draft';
  /** Source settings without their secrets. */
  settings: ColumnType<Record<string, unknown>, string, string>;
  /** Secret name → `v1.<iv>.<ciphertext>.<tag>` (server/portal/keyring.ts, context `sync_connection:<id>:<name>`). */
  secrets: ColumnType<Record<string, string>, string, string>;
  scope: ColumnType<
    { mode: 'all' | 'list' | 'pattern'; groups?: string[]; pattern?: { filter?: string; baseDn?: string } },
    string,
    string
  >;
  mapping: ColumnType<Record<string, string | { attribute: string; required?: boolean } | { const: string | boolean }>, string, string>;
  schedule: string | null;
  watermark: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  lastFullRunAt: Date | null;
  lastRunId: string | null;
  version: Generated<number>;
  createdBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}
export interface SyncRunsTable {
  id: string;
  teamId: string;
  connectionId: string;
  status: Generated<SyncRunStatusColumn>;
  fullRun: boolean;
  dryRun: Generated<boolean>;
  trigger: Generated<string>;
  requestedBy: string | null;
  jobId: string | null;
  created: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  deactivated: Generated<number>;
  conflicts: Generated<number>;
  failed: Generated<number>;
  seen: Generated<number>;
  toDeactivate: number | null;
  watermarkFrom: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  watermarkTo: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  state: ColumnType<Record<string, unknown>, string | undefined, string>;
  error: string | null;
  confirmedBy: string | null;
  confirmedAt: Date | null;
  createdAt: Timestamp;
  startedAt: Date | null;
  finishedAt: Date | null;
}
export interface SyncRunEntriesTable {
  runId: string;
  teamId: string;
  seq: number;
  syncId: string;
  dn: string | null;
  outcome: 'created' | 'updated' | 'unchanged' | 'deactivated' | 'conflict' | 'failed';
  contactId: string | null;
  name: string | null;
  email: string | null;
  reason: string | null;
  changes: ColumnType<unknown, string | null, string | null>;
}

export interface Database {
  teams: TeamsTable;
  members: MembersTable;
  memberInvitations: MemberInvitationsTable;
  passwordResets: PasswordResetsTable;
  teamSlugRedirects: TeamSlugRedirectsTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
  contacts: ContactsTable;
  auditLog: AuditLogTable;
  rateLimits: RateLimitsTable;
  mailOutbox: MailOutboxTable;
  portalLoginRequests: PortalLoginRequestsTable;
  portalSessions: PortalSessionsTable;
  portalLinks: PortalLinksTable;
  portalSsoConfigs: PortalSsoConfigsTable;
  portalSsoStates: PortalSsoStatesTable;
  files: FilesTable;
  fileChunks: FileChunksTable;
  imports: ImportsTable;
  importRows: ImportRowsTable;
  jobs: JobsTable;
  schedules: SchedulesTable;
  ticketCounters: TicketCountersTable;
  tickets: TicketsTable;
  ticketContacts: TicketContactsTable;
  ticketComments: TicketCommentsTable;
  ticketNotifications: TicketNotificationsTable;
  requestTemplates: RequestTemplatesTable;
  companies: CompaniesTable;
  companyDomains: CompanyDomainsTable;
  timeEntries: TimeEntriesTable;
  forms: FormsTable;
  formAssignments: FormAssignmentsTable;
  syncConnections: SyncConnectionsTable;
  syncRuns: SyncRunsTable;
  syncRunEntries: SyncRunEntriesTable;
}

export type ContactRow = Selectable<ContactsTable>;
export type NewContactRow = Insertable<ContactsTable>;
export type ContactUpdate = Updateable<ContactsTable>;
/** Any row of the jobs table, as the engine claims it. */
export type EngineJobRow = Selectable<JobsTable>;
/** A team's job, as handlers of team work see it (the engine's own work has no team). */
export type JobRow = Omit<EngineJobRow, 'teamId'> & { teamId: string };
export type MemberRow = Selectable<MembersTable>;
export type TeamRow = Selectable<TeamsTable>;
export type ImportRowRecord = Selectable<ImportsTable>;
export type TicketRow = Selectable<TicketsTable>;
export type TicketCommentRow = Selectable<TicketCommentsTable>;
export type RequestTemplateRow = Selectable<RequestTemplatesTable>;

export interface CompaniesTable {
  id: string;
  teamId: string;
  name: string;
  /** the name case-folded, for sorting and search */
  nameKey: string;
  notes: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface CompanyDomainsTable {
  teamId: string;
  domain: string;
  companyId: string;
}

export interface TimeEntriesTable {
  id: string;
  teamId: string;
  ticketId: string;
  memberId: string | null;
  memberName: string;
  minutes: number;
  note: string;
  spentAt: Timestamp;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}
export type CompanyRow = Selectable<CompaniesTable>;
export type TimeEntryRow = Selectable<TimeEntriesTable>;
export type SyncConnectionRow = Selectable<SyncConnectionsTable>;
export type SyncRunRow = Selectable<SyncRunsTable>;
export type SyncRunEntryRow = Selectable<SyncRunEntriesTable>;

export interface FormsTable {
  id: string;
  teamId: string;
  name: string;
  description: string | null;
  /** the field definitions (FormField[]), validated by server/forms/forms.rules.ts */
  fields: ColumnType<unknown, string, string>;
  createdBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface FormAssignmentsTable {
  id: string;
  teamId: string;
  formId: string;
  contactId: string;
  assignedBy: string | null;
  assignedByName: string;
  assignedAt: Timestamp;
  draft: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  draftSavedAt: Date | null;
  responseValues: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  submittedAt: Date | null;
}
export type FormRow = Selectable<FormsTable>;
export type FormAssignmentRow = Selectable<FormAssignmentsTable>;
