// SCIM 2.0 (RFC 7643/7644) wire shapes of /scim/v2, for the OpenAPI document and clients. The server reads
// bodies leniently (identity providers differ: Entra sends "True"/"False" strings, any `op` case, the
// enterprise manager as a string) and answers in these shapes; errors use SCIM's own error message.
import { z } from 'zod';

const multiValued = z.array(
  z.looseObject({
    value: z.string().optional(),
    type: z.string().optional(),
    primary: z.boolean().optional(),
    display: z.string().optional(),
  }),
);

export const scimUser = z.looseObject({
  schemas: z.array(z.string()).optional(),
  id: z.string().optional(),
  externalId: z.string().optional(),
  userName: z.string().describe('Unique per connection (any case); required'),
  name: z.looseObject({ formatted: z.string().optional(), givenName: z.string().optional(), familyName: z.string().optional() }).optional(),
  displayName: z.string().optional(),
  title: z.string().optional(),
  preferredLanguage: z.string().optional(),
  locale: z.string().optional(),
  timezone: z.string().optional(),
  active: z.union([z.boolean(), z.string()]).optional().describe('false: the contact is deactivated ("False" accepted)'),
  emails: multiValued.optional(),
  phoneNumbers: multiValued.optional(),
  addresses: z
    .array(z.looseObject({ type: z.string().optional(), streetAddress: z.string().optional(), locality: z.string().optional() }))
    .optional(),
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': z
    .looseObject({
      department: z.string().optional(),
      organization: z.string().optional(),
      employeeNumber: z.string().optional(),
      manager: z.unknown().optional(),
    })
    .optional(),
  meta: z.looseObject({ resourceType: z.string(), created: z.string(), lastModified: z.string(), location: z.string() }).optional(),
});
export type ScimUser = z.infer<typeof scimUser>;

export const scimPatchOp = z.looseObject({
  schemas: z.array(z.string()).optional(),
  Operations: z
    .array(
      z.looseObject({
        op: z.string().describe('add, replace or remove, any case'),
        path: z.string().optional().describe('e.g. name.givenName, emails[type eq "work"].value, urn:...:enterprise:2.0:User:manager'),
        value: z.unknown().optional(),
      }),
    )
    .describe('At most 100'),
});

export const scimListResponse = z.object({
  schemas: z.array(z.string()),
  totalResults: z.number().int(),
  startIndex: z.number().int(),
  itemsPerPage: z.number().int(),
  Resources: z.array(scimUser),
});

export const scimUsersQuery = z.object({
  filter: z
    .string()
    .max(1000)
    .optional()
    .describe('userName eq "…", externalId eq "…", emails[type eq "work"].value eq "…", joined by and'),
  startIndex: z.string().optional().describe('1-based'),
  count: z.string().optional().describe('At most 1000; 0 answers totalResults only'),
});

export const scimErrorSchema = z.object({
  schemas: z.array(z.string()),
  status: z.string(),
  scimType: z.string().optional(),
  detail: z.string(),
});

/** ServiceProviderConfig, Schemas and ResourceTypes documents. */
export const scimDocument = z.looseObject({ schemas: z.array(z.string()) });

/** POST /api/v1/sync/connections/:id/scim-token */
export const scimTokenAnswer = z.object({
  /** The new bearer token: shown once, stored hashed; the one before stops working. */
  scimToken: z.string(),
});
