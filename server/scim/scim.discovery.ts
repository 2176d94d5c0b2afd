// The discovery documents of /scim/v2 (RFC 7644 §4, RFC 7643 §5-7): what this service provider supports
// (PATCH, filter with maxResults; no bulk, sort, etag or password change), the User resource type with the
// enterprise extension, and the attributes of both schemas. Static: built once per base URL.
import { SCIM_ENTERPRISE, SCIM_LIST, SCIM_MAX_RESULTS, SCIM_USER } from './scim.rules.ts';

const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SPC],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/api/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'The SCIM token of the Contact Sync connection (shown once when the connection is created or the token rotated)',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

const userResourceType = (baseUrl: string) => ({
  schemas: [RESOURCE_TYPE],
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'A person: provisioned as a kdesk contact of the connection',
  schema: SCIM_USER,
  schemaExtensions: [{ schema: SCIM_ENTERPRISE, required: false }],
  meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
});

export function resourceTypes(baseUrl: string) {
  const items = [userResourceType(baseUrl)];
  return { schemas: [SCIM_LIST], totalResults: items.length, startIndex: 1, itemsPerPage: items.length, Resources: items };
}
export const resourceType = (baseUrl: string, id: string) => (id === 'User' ? userResourceType(baseUrl) : null);

type Attr = Record<string, unknown>;
const str = (name: string, o: Partial<Attr> = {}): Attr => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...o,
});
const bool = (name: string): Attr => ({
  name,
  type: 'boolean',
  multiValued: false,
  required: false,
  mutability: 'readWrite',
  returned: 'default',
});
const multi = (name: string, subs: Attr[]): Attr => ({
  name,
  type: 'complex',
  multiValued: true,
  required: false,
  mutability: 'readWrite',
  returned: 'default',
  subAttributes: subs,
});
const typed = [str('value'), str('display'), str('type'), bool('primary')];

const userSchema = (baseUrl: string) => ({
  schemas: [SCHEMA],
  id: SCIM_USER,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', { required: true, uniqueness: 'server' }),
    {
      name: 'name',
      type: 'complex',
      multiValued: false,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => str(n)),
    },
    str('displayName'),
    str('nickName'),
    str('profileUrl'),
    str('title'),
    str('userType'),
    str('preferredLanguage'),
    str('locale'),
    str('timezone'),
    bool('active'),
    str('externalId', { caseExact: true }),
    multi('emails', typed),
    multi('phoneNumbers', typed),
    multi('addresses', [
      ...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map((n) => str(n)),
      bool('primary'),
    ]),
  ],
  meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${SCIM_USER}` },
});

const enterpriseSchema = (baseUrl: string) => ({
  schemas: [SCHEMA],
  id: SCIM_ENTERPRISE,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((n) => str(n)),
    {
      name: 'manager',
      type: 'complex',
      multiValued: false,
      required: false,
      mutability: 'readWrite',
      returned: 'default',
      subAttributes: [
        str('value'),
        str('$ref', { type: 'reference', referenceTypes: ['User'] }),
        str('displayName', { mutability: 'readOnly' }),
      ],
    },
  ],
  meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${SCIM_ENTERPRISE}` },
});

export function schemas(baseUrl: string) {
  const items = [userSchema(baseUrl), enterpriseSchema(baseUrl)];
  return { schemas: [SCIM_LIST], totalResults: items.length, startIndex: 1, itemsPerPage: items.length, Resources: items };
}
export const schemaById = (baseUrl: string, id: string) =>
  schemas(baseUrl).Resources.find((s) => s.id.toLowerCase() === id.toLowerCase()) ?? null;
