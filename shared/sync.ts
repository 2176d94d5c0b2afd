// Contact Sync: the shapes of connections, their settings per source, scope, mapping, runs and their
// counts — the contract the server, the web app and the CLI share. One-way into kdesk: a connection
// reads people from a directory and writes them as contacts keyed by the directory's stable id.
import { z } from 'zod';
import { addressSchema, contactPermissionsSchema, notificationsSchema } from './contact.schema.ts';

export const syncSources = ['ldap', 'google', 'microsoft', 'scim'] as const;
export type SyncSource = (typeof syncSources)[number];
/** Sources this version can read (LDAP, Google and Microsoft through runs; SCIM provisioned by the identity provider). */
export const availableSyncSources: readonly SyncSource[] = ['ldap', 'google', 'microsoft', 'scim'];
export const syncSourceNames: Record<SyncSource, string> = {
  ldap: 'LDAP / Active Directory',
  google: 'Google Workspace',
  microsoft: 'Microsoft Entra ID',
  scim: 'SCIM 2.0',
};

export const connectionStatuses = ['enabled', 'draft'] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

export const syncRunStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'needs_confirmation'] as const;
export type SyncRunStatus = (typeof syncRunStatuses)[number];

export const syncOutcomes = ['created', 'updated', 'unchanged', 'deactivated', 'conflict', 'failed'] as const;
export type SyncOutcome = (typeof syncOutcomes)[number];

/** Preview shows this many people. */
export const SYNC_PREVIEW_SIZE = 20;
/** A run that would deactivate more than this share of the connection's contacts waits for confirmation. */
export const DEFAULT_DEACTIVATION_THRESHOLD = 0.2;

// ---------------------------------------------------------------- settings per source

const dnString = z.string().trim().max(1000, 'At most 1000 characters');
const secretString = z.string().max(10_000, 'At most 10,000 characters');

export const ldapSettingsInput = z
  .object({
    /** ldap://host[:port] or ldaps://host[:port] (TLS from the first byte) */
    url: z
      .string()
      .trim()
      .max(500)
      .regex(/^ldaps?:\/\/[^\s/?#]+\/?$/i, 'Use ldap://host:port or ldaps://host:port'),
    /** Empty: an anonymous bind. */
    bindDn: dnString.default(''),
    /** Write-only: never returned; left out on update keeps the stored one. */
    bindPassword: secretString.optional(),
    baseDn: dnString.min(1, 'The base DN is required, e.g. dc=example,dc=com'),
    /** Which entries are people (RFC 4515 filter). */
    userFilter: z.string().trim().min(1, 'A user filter is required').max(4000).default('(objectClass=person)'),
    /** The stable id: objectGUID (AD, binary → GUID text), entryUUID (OpenLDAP) or another unique attribute. */
    idAttribute: z
      .string()
      .trim()
      .max(100)
      .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'An attribute name (letters, digits and -)')
      .default('objectGUID'),
    /** Entries per page of the paged search (RFC 2696); Active Directory serves at most 1,000 (MaxPageSize). */
    pageSize: z.number().int().min(1).max(5000).default(1000),
    incremental: z.enum(['none', 'modifyTimestamp', 'uSNChanged']).default('none'),
    tls: z
      .object({
        rejectUnauthorized: z.boolean().default(true),
        /** PEM certificate(s) of the CA that signed the directory's certificate; null: the system CAs. */
        ca: z.string().max(100_000).nullable().default(null),
        /** Upgrade an ldap:// connection with StartTLS before binding. */
        startTls: z.boolean().default(false),
      })
      .strict()
      .default({ rejectUnauthorized: true, ca: null, startTls: false }),
    /** Longest wait for the directory per operation. */
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();
export type LdapSettingsInput = z.input<typeof ldapSettingsInput>;
export type LdapSettings = z.output<typeof ldapSettingsInput>;
export const ldapSettingsSchema = ldapSettingsInput.omit({ bindPassword: true });

const httpUrl = z
  .string()
  .trim()
  .max(500)
  .url('Give a URL, e.g. https://graph.microsoft.com')
  .regex(/^https?:\/\//i, 'Use an https:// URL');

export const googleSettingsInput = z
  .object({
    /** The Workspace customer id (C0123abc) or my_customer: the account of the admin the key acts for. */
    customer: z.string().trim().min(1, 'Give the customer id or my_customer').max(200).default('my_customer'),
    /** Only the users of this domain (a Workspace with several domains); null: every domain of the customer. */
    domain: z
      .string()
      .trim()
      .toLowerCase()
      .max(253)
      .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'A domain name, e.g. example.com')
      .nullable()
      .default(null),
    /** The admin the service account acts for (domain-wide delegation subject). */
    adminEmail: z.string().trim().min(1, 'Give the email of a Workspace admin').max(320).email('An email address'),
    /** Write-only: the service account's JSON key file (never returned). */
    serviceAccountKey: secretString.optional(),
    directoryBaseUrl: httpUrl.nullable().default(null),
    tokenUrl: httpUrl.nullable().default(null),
    /** Users per page of users.list (Google serves at most 500). */
    pageSize: z.number().int().min(1).max(500).default(500),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();
export type GoogleSettings = z.output<typeof googleSettingsInput>;
export const googleSettingsSchema = googleSettingsInput.omit({ serviceAccountKey: true });

export const microsoftSettingsInput = z
  .object({
    /** The directory (tenant) id, or one of its domains (contoso.onmicrosoft.com). */
    tenantId: z
      .string()
      .trim()
      .min(1, 'Give the directory (tenant) id')
      .max(200)
      .regex(/^[A-Za-z0-9.-]+$/, 'A tenant id (a GUID) or a domain name'),
    /** The application (client) id of the app registration with the User.Read.All / GroupMember.Read.All permissions. */
    clientId: z.string().trim().min(1, 'Give the application (client) id').max(200),
    /** Write-only: a client secret of the app registration (never returned). */
    clientSecret: secretString.optional(),
    graphBaseUrl: httpUrl.nullable().default(null),
    authorityUrl: httpUrl.nullable().default(null),
    /** Users per page of /users (Graph serves at most 999). */
    pageSize: z.number().int().min(1).max(999).default(999),
    /** delta: scheduled runs read only what changed (Graph /users/delta); none: every run reads everyone. */
    incremental: z.enum(['none', 'delta']).default('delta'),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict();
export type MicrosoftSettings = z.output<typeof microsoftSettingsInput>;
export const microsoftSettingsSchema = microsoftSettingsInput.omit({ clientSecret: true });

export const scimSettingsInput = z.object({}).strict();

/** The write-only settings of each source. */
export const secretSettings: Record<SyncSource, readonly string[]> = {
  ldap: ['bindPassword'],
  google: ['serviceAccountKey'],
  microsoft: ['clientSecret'],
  scim: [],
};

export const settingsInputBySource = {
  ldap: ldapSettingsInput,
  google: googleSettingsInput,
  microsoft: microsoftSettingsInput,
  scim: scimSettingsInput,
} as const;

// ---------------------------------------------------------------- scope

export const syncScopeSchema = z
  .object({
    mode: z.enum(['all', 'list', 'pattern']),
    /** list: LDAP group DNs (Google: group emails; Microsoft: group object ids); members of nested groups count. */
    groups: z.array(dnString.min(1, 'A group cannot be empty')).max(200, 'At most 200 groups').optional(),
    /**
     * pattern: LDAP: a filter ANDed with the user filter and/or a base DN under the connection's base DN;
     * Microsoft: `filter` is a Graph $filter; Google: a users.list `query` and/or an `orgUnitPath`.
     */
    pattern: z
      .object({
        filter: z.string().trim().max(4000).optional(),
        baseDn: dnString.optional(),
        query: z.string().trim().max(2000).optional(),
        orgUnitPath: z.string().trim().max(1000).regex(/^\//, 'An organizational unit path starts with /, e.g. /Sales').optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mode === 'list' && !s.groups?.length) {
      ctx.addIssue({ code: 'custom', path: ['groups'], message: 'Choose at least one group' });
    }
    if (s.mode === 'pattern' && !s.pattern?.filter && !s.pattern?.baseDn && !s.pattern?.query && !s.pattern?.orgUnitPath) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'Give a filter, a base DN or both' });
    }
  });
export type SyncScope = z.infer<typeof syncScopeSchema>;

// ---------------------------------------------------------------- mapping

/** The contact fields a mapping can fill, by the field groups of the Contact Sync page. */
export const mappingFieldGroups = {
  identity: ['firstName', 'lastName', 'company', 'jobTitle', 'division', 'notes', 'directory.organizationId'],
  communication: ['primaryEmail', 'emails.*', 'phones.*'],
  address: ['address.line1', 'address.line2', 'address.city', 'address.state', 'address.postalCode', 'address.country'],
  access: [
    'permissions.portalAccess',
    'permissions.canPostComments',
    'permissions.canCloseTickets',
    'notifications.newTickets',
    'notifications.ticketUpdates',
    'notifications.newComments',
    'notifications.formAssignments',
  ],
  reportsTo: ['reportsTo'],
} as const;
export type MappingFieldGroup = keyof typeof mappingFieldGroups;
export const mappingGroupNames: Record<MappingFieldGroup, string> = {
  identity: 'Identity and profile',
  communication: 'Communication',
  address: 'Address',
  access: 'Access and notifications',
  reportsTo: 'Reports to',
};

const BOOLEAN_FIELD = /^(permissions|notifications)\./;
const LABEL = /^(emails|phones)\.(.+)$/;
const FIXED_FIELDS = new Set<string>(Object.values(mappingFieldGroups).flat());

/** Is `path` a contact field a mapping may fill? (`emails.<label>` / `phones.<label>` with any label) */
export function isMappableField(path: string): boolean {
  if (FIXED_FIELDS.has(path)) return true;
  const m = LABEL.exec(path);
  return Boolean(m && m[2]!.trim() === m[2] && m[2]!.length >= 1 && m[2]!.length <= 40);
}
export const isBooleanField = (path: string) => BOOLEAN_FIELD.test(path);

/** A SCIM attribute path as identity providers name them: `title`, `name.givenName`, `emails[type eq "work"].value`,
 *  `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`. */
export const SCIM_ATTRIBUTE_PATH =
  /^(?:urn:[A-Za-z0-9:._-]+:)?[A-Za-z][A-Za-z0-9]*(?:\[type eq "[A-Za-z0-9 _-]{1,40}"\])?(?:\.[A-Za-z][A-Za-z0-9]*)?$/;
const attributeName = z
  .string()
  .trim()
  .min(1, 'Name a directory attribute')
  .max(200)
  // LDAP names (with ;options) or OIDs; Graph / Google properties, custom schemas as dotted paths
  // (customSchemas.Employment.costCenter) and extension_<app>_<name>; SCIM attribute paths
  .refine(
    (v) =>
      /^(?:[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z][A-Za-z0-9_-]*)*(?:;[A-Za-z0-9-]+)*|\d+(?:\.\d+)+)$/.test(v) || SCIM_ATTRIBUTE_PATH.test(v),
    'Not a directory attribute name',
  );

export const mappingValueSchema = z.union([
  attributeName,
  z.object({ attribute: attributeName, required: z.boolean().optional() }).strict(),
  z.object({ const: z.union([z.string().max(500), z.boolean()]) }).strict(),
]);
export type MappingValue = z.infer<typeof mappingValueSchema>;

export const syncMappingSchema = z.record(z.string().max(60), mappingValueSchema).superRefine((m, ctx) => {
  const keys = Object.keys(m);
  if (keys.length > 60) ctx.addIssue({ code: 'custom', path: [], message: 'At most 60 mapped fields' });
  for (const [field, v] of Object.entries(m)) {
    if (!isMappableField(field)) {
      ctx.addIssue({ code: 'custom', path: [field], message: 'Not a contact field a connection can fill' });
      continue;
    }
    if (typeof v === 'object' && 'const' in v) {
      if (isBooleanField(field) && typeof v.const !== 'boolean') {
        ctx.addIssue({ code: 'custom', path: [field], message: 'This field takes true or false' });
      }
      if (!isBooleanField(field) && typeof v.const === 'boolean') {
        ctx.addIssue({ code: 'custom', path: [field], message: 'This field takes text' });
      }
      if (field === 'reportsTo' || field === 'primaryEmail') {
        ctx.addIssue({ code: 'custom', path: [field], message: 'Map this field to a directory attribute, not a fixed value' });
      }
    }
  }
  const mapsAttribute = (f: string) => m[f] !== undefined && !(typeof m[f] === 'object' && 'const' in m[f]);
  if (!mapsAttribute('firstName') && !mapsAttribute('lastName')) {
    ctx.addIssue({ code: 'custom', path: ['firstName'], message: 'Map a name: firstName or lastName to a directory attribute' });
  }
  if (!mapsAttribute('primaryEmail')) {
    ctx.addIssue({ code: 'custom', path: ['primaryEmail'], message: 'Map an email: primaryEmail to a directory attribute' });
  }
});
export type SyncMapping = z.infer<typeof syncMappingSchema>;

/** Active Directory defaults (objectGUID as the id, userAccountControl for disabled accounts). */
export const adDefaultMapping: SyncMapping = {
  firstName: 'givenName',
  lastName: 'sn',
  company: 'company',
  jobTitle: 'title',
  division: 'department',
  primaryEmail: 'mail',
  'phones.work': 'telephoneNumber',
  'phones.mobile': 'mobile',
  'address.line1': 'streetAddress',
  'address.city': 'l',
  'address.state': 'st',
  'address.postalCode': 'postalCode',
  'address.country': 'co',
  reportsTo: 'manager',
};
/** OpenLDAP (inetOrgPerson) defaults (entryUUID as the id). */
export const openldapDefaultMapping: SyncMapping = {
  firstName: 'givenName',
  lastName: 'sn',
  company: 'o',
  jobTitle: 'title',
  division: 'ou',
  primaryEmail: 'mail',
  'phones.work': 'telephoneNumber',
  'phones.mobile': 'mobile',
  'address.line1': 'street',
  'address.city': 'l',
  'address.state': 'st',
  'address.postalCode': 'postalCode',
  reportsTo: 'manager',
};
/** Microsoft Entra ID (Graph user properties; the id, tenant and accountEnabled are read whatever the mapping). */
export const microsoftDefaultMapping: SyncMapping = {
  firstName: 'givenName',
  lastName: 'surname',
  company: 'companyName',
  jobTitle: 'jobTitle',
  division: 'department',
  primaryEmail: 'mail',
  'phones.work': 'businessPhones',
  'phones.mobile': 'mobilePhone',
  'address.line1': 'streetAddress',
  'address.city': 'city',
  'address.state': 'state',
  'address.postalCode': 'postalCode',
  'address.country': 'country',
  reportsTo: 'manager',
};
/**
 * Google Workspace (Directory API user fields as dotted paths; the primary organization and address; custom
 * schemas as customSchemas.<schema>.<field>; the id, customer and suspended are read whatever the mapping).
 */
export const googleDefaultMapping: SyncMapping = {
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  company: 'organizations.name',
  jobTitle: 'organizations.title',
  division: 'organizations.department',
  primaryEmail: 'primaryEmail',
  'phones.work': 'phones.work',
  'phones.mobile': 'phones.mobile',
  'address.line1': 'addresses.streetAddress',
  'address.city': 'addresses.locality',
  'address.state': 'addresses.region',
  'address.postalCode': 'addresses.postalCode',
  'address.country': 'addresses.country',
  reportsTo: 'relations.manager',
};
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** SCIM 2.0 defaults: the attributes Microsoft Entra ID and Okta send (core User + enterprise extension). */
export const scimDefaultMapping: SyncMapping = {
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  company: `${ENTERPRISE}:organization`,
  jobTitle: 'title',
  division: `${ENTERPRISE}:department`,
  primaryEmail: 'emails[type eq "work"].value',
  'phones.work': 'phoneNumbers[type eq "work"].value',
  'phones.mobile': 'phoneNumbers[type eq "mobile"].value',
  'address.line1': 'addresses[type eq "work"].streetAddress',
  'address.city': 'addresses[type eq "work"].locality',
  'address.state': 'addresses[type eq "work"].region',
  'address.postalCode': 'addresses[type eq "work"].postalCode',
  'address.country': 'addresses[type eq "work"].country',
  reportsTo: `${ENTERPRISE}:manager`,
};
export const defaultMappings = {
  ad: adDefaultMapping,
  openldap: openldapDefaultMapping,
  microsoft: microsoftDefaultMapping,
  google: googleDefaultMapping,
  scim: scimDefaultMapping,
} as const;

// ---------------------------------------------------------------- connections

const connectionFields = {
  name: z.string().trim().min(1, 'A name is required').max(200, 'At most 200 characters'),
  description: z.string().trim().max(2000, 'At most 2000 characters').default(''),
  status: z.enum(connectionStatuses).default('draft'),
  scope: syncScopeSchema.default({ mode: 'all' }),
  mapping: syncMappingSchema,
  /** Cron-style ("@every 1h", "@daily", "0 6 * * 1-5"; UTC) or null: runs only when asked. */
  schedule: z.string().trim().max(100).nullable().default(null),
};

/** POST /sync/connections (and test/preview of unsaved settings): the settings follow the source. */
export const connectionInput = z.discriminatedUnion('source', [
  z.object({ ...connectionFields, source: z.literal('ldap'), settings: ldapSettingsInput }).strict(),
  z.object({ ...connectionFields, source: z.literal('google'), settings: googleSettingsInput }).strict(),
  z.object({ ...connectionFields, source: z.literal('microsoft'), settings: microsoftSettingsInput }).strict(),
  z.object({ ...connectionFields, source: z.literal('scim'), settings: scimSettingsInput.default({}) }).strict(),
]);
export type ConnectionInput = z.infer<typeof connectionInput>;

/** PATCH: any of the fields; `settings` replaces the stored settings whole, except that a secret left out is kept. */
export const connectionPatch = z
  .object({
    name: connectionFields.name.optional(),
    description: z.string().trim().max(2000, 'At most 2000 characters').optional(),
    status: z.enum(connectionStatuses).optional(),
    scope: syncScopeSchema.optional(),
    mapping: syncMappingSchema.optional(),
    schedule: z.string().trim().max(100).nullable().optional(),
    /** Checked against the connection's source (the source itself cannot change). */
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ConnectionPatch = z.infer<typeof connectionPatch>;

/**
 * Test connection / preview: a connection body as the editor holds it (name, mapping... may still be missing;
 * without a mapping the defaults of the directory kind are used); with `id`, a secret the body leaves out is the
 * stored one.
 */
const draftFields = {
  id: z.string().optional(),
  name: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  status: z.enum(connectionStatuses).optional(),
  schedule: z.string().max(100).nullable().optional(),
  scope: syncScopeSchema.default({ mode: 'all' }),
  mapping: syncMappingSchema.optional(),
};
export const connectionDraftInput = z.discriminatedUnion('source', [
  z.object({ ...draftFields, source: z.literal('ldap'), settings: ldapSettingsInput }).strict(),
  z.object({ ...draftFields, source: z.literal('google'), settings: googleSettingsInput }).strict(),
  z.object({ ...draftFields, source: z.literal('microsoft'), settings: microsoftSettingsInput }).strict(),
  z.object({ ...draftFields, source: z.literal('scim'), settings: scimSettingsInput.default({}) }).strict(),
]);
export type ConnectionDraftInput = z.infer<typeof connectionDraftInput>;

export const syncCountsSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  deactivated: z.number().int(),
  conflicts: z.number().int(),
  failed: z.number().int(),
});
export type SyncCounts = z.infer<typeof syncCountsSchema>;

export const syncRunSchema = z.object({
  id: z.string(),
  connectionId: z.string(),
  status: z.enum(syncRunStatuses),
  full: z.boolean(),
  dryRun: z.boolean(),
  trigger: z.string(),
  counts: syncCountsSchema,
  /** People read from the directory so far. */
  seen: z.number().int(),
  /** needs_confirmation: how many contacts the run would deactivate. */
  toDeactivate: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type SyncRun = z.infer<typeof syncRunSchema>;

export const syncRunEntrySchema = z.object({
  seq: z.number().int(),
  syncId: z.string(),
  dn: z.string().nullable(),
  outcome: z.enum(syncOutcomes),
  contactId: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  reason: z.string().nullable(),
  changes: z.unknown().nullable(),
});
export type SyncRunEntry = z.infer<typeof syncRunEntrySchema>;

export const connectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  source: z.enum(syncSources),
  status: z.enum(connectionStatuses),
  /** Without the write-only secrets; `secretsSet` names the ones stored. */
  settings: z.record(z.string(), z.unknown()),
  secretsSet: z.array(z.string()),
  scope: syncScopeSchema,
  mapping: z.record(z.string(), mappingValueSchema),
  schedule: z.string().nullable(),
  /** Incremental runs start from here; null: the next run reads everything. */
  watermark: z.record(z.string(), z.unknown()).nullable(),
  lastFullRunAt: z.string().nullable(),
  lastRun: syncRunSchema.nullable(),
  /** SCIM connections: the bearer token, only in the answer that created or rotated it (stored hashed). */
  scimToken: z.string().optional(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Connection = z.infer<typeof connectionSchema>;

export const connectionList = z.object({ items: z.array(connectionSchema) });
export type ConnectionList = z.infer<typeof connectionList>;

export const connectionListQuery = z.object({
  /** Matches the name, the source (or its display name) or the status. */
  q: z.string().max(200).optional(),
});

// ---------------------------------------------------------------- test connection and preview

export const syncProblemCodes = [
  'unreachable',
  'timeout',
  'tls',
  'bind',
  'base_dn',
  'filter',
  'no_users',
  'group',
  'permission',
  'id_attribute',
  'unavailable_source',
  'other',
] as const;
export type SyncProblemCode = (typeof syncProblemCodes)[number];

export const syncTestStepSchema = z.object({
  step: z.enum(['connect', 'bind', 'baseDn', 'filter', 'scope', 'users']),
  ok: z.boolean(),
  message: z.string(),
});

export const syncTestResult = z.object({
  ok: z.boolean(),
  /** What is wrong, in plain words (null when all is well). */
  problem: z
    .object({
      code: z.enum(syncProblemCodes),
      message: z.string(),
      /** The setting to look at, e.g. settings.bindPassword. */
      field: z.string().nullable(),
    })
    .nullable(),
  steps: z.array(syncTestStepSchema),
  /** What kind of directory answered, when it says. */
  directory: z.enum(['active-directory', 'openldap', 'other']).nullable(),
  /** People found in scope, counted up to `countLimit` (more: `countIsLowerBound`). */
  usersFound: z.number().int(),
  countIsLowerBound: z.boolean(),
});
export type SyncTestResult = z.infer<typeof syncTestResult>;

export const previewContactSchema = z.object({
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
});

export const syncPreviewItem = z.object({
  syncId: z.string(),
  dn: z.string(),
  disabled: z.boolean(),
  contact: previewContactSchema,
  organizationId: z.string().nullable(),
  /** The manager's DN as the directory names it (resolved to a contact by a run). */
  reportsTo: z.string().nullable(),
  /** Fields left empty because the directory's value does not fit (the person is still synced). */
  warnings: z.array(z.object({ path: z.string(), message: z.string() })),
  /** Why this person would fail (a required field missing, no name and no email...); null: would sync. */
  failure: z.string().nullable(),
});
export type SyncPreviewItem = z.infer<typeof syncPreviewItem>;

export const syncPreviewResult = z.object({
  items: z.array(syncPreviewItem),
  /** More people are in scope than the preview shows. */
  more: z.boolean(),
  /** Set when the directory could not be read; `items` is then empty. */
  problem: syncTestResult.shape.problem,
});
export type SyncPreviewResult = z.infer<typeof syncPreviewResult>;
