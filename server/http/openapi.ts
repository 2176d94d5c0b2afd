// The OpenAPI document's operation ids: one stable name per route, so that generated clients keep their
// method names (`listContacts`, not `getApiV1Contacts`) whatever happens to a path's wording.
// A route may carry its own `schema.operationId`; otherwise it must be listed here, keyed by
// "METHOD /fastify/url" as the route file writes it. server/http/openapi.api.test.ts fails for a documented
// route without one, and for names used twice.
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export const OPERATION_IDS: Readonly<Record<string, string>> = {
  // auth
  'POST /api/v1/auth/login': 'login',
  'POST /api/v1/auth/logout': 'logout',
  'POST /api/v1/auth/password': 'changePassword',
  'GET /api/v1/me': 'getMe',
  'PATCH /api/v1/me': 'updateMe',
  'POST /api/v1/auth/password-reset': 'requestPasswordReset',
  'GET /api/v1/auth/password-reset/:token': 'getPasswordReset',
  'POST /api/v1/auth/password-reset/:token': 'completePasswordReset',
  'GET /api/v1/invitations/:token': 'getInvitation',
  'POST /api/v1/invitations/:token/accept': 'acceptInvitation',
  'POST /api/v1/tokens': 'createToken',
  'GET /api/v1/tokens': 'listTokens',
  'DELETE /api/v1/tokens/:id': 'revokeToken',
  // members
  'GET /api/v1/members': 'listMembers',
  'POST /api/v1/members': 'createMember',
  'GET /api/v1/members/:id': 'getMember',
  'PATCH /api/v1/members/:id': 'updateMember',
  'DELETE /api/v1/members/:id': 'removeMember',
  'GET /api/v1/members/:id/tokens': 'listMemberTokens',
  'DELETE /api/v1/members/:id/tokens/:tokenId': 'revokeMemberToken',
  'GET /api/v1/members/invitations': 'listInvitations',
  'POST /api/v1/members/invitations': 'createInvitation',
  'POST /api/v1/members/invitations/:id/resend': 'resendInvitation',
  'DELETE /api/v1/members/invitations/:id': 'revokeInvitation',
  // team
  'GET /api/v1/team': 'getTeam',
  'PATCH /api/v1/team': 'updateTeam',
  // settings
  'GET /api/v1/settings': 'getSettings',
  'PATCH /api/v1/settings': 'updateSettings',
  // contacts
  'GET /api/v1/contacts': 'listContacts',
  'POST /api/v1/contacts': 'createContact',
  'GET /api/v1/contacts/:id': 'getContact',
  'PATCH /api/v1/contacts/:id': 'updateContact',
  'DELETE /api/v1/contacts/:id': 'deleteContact',
  'GET /api/v1/contacts/trash': 'listTrash',
  'POST /api/v1/contacts/:id/restore': 'restoreContact',
  'POST /api/v1/contacts/trash/bulk': 'bulkTrashAction',
  'POST /api/v1/contacts/bulk': 'bulkContactAction',
  'GET /api/v1/contacts/:id/history': 'getContactHistory',
  'GET /api/v1/contacts/duplicates': 'listDuplicates',
  'POST /api/v1/contacts/duplicates/scan': 'scanDuplicates',
  'POST /api/v1/contacts/merge': 'mergeContacts',
  'POST /api/v1/contacts/merge/bulk': 'bulkMergeContacts',
  'GET /api/v1/merges': 'listMerges',
  'POST /api/v1/merges/:mergeId/undo': 'undoMerge',
  'POST /api/v1/contacts/:id/primary-email': 'changePrimaryEmail',
  // tickets
  'GET /api/v1/tickets': 'listTickets',
  'POST /api/v1/tickets': 'createTicket',
  'GET /api/v1/tickets/assignees': 'listTicketAssignees',
  'GET /api/v1/tickets/:id': 'getTicket',
  'PATCH /api/v1/tickets/:id': 'updateTicket',
  'POST /api/v1/tickets/:id/contacts': 'addTicketContact',
  'DELETE /api/v1/tickets/:id/contacts/:contactId': 'removeTicketContact',
  'GET /api/v1/tickets/:id/comments': 'listTicketComments',
  'POST /api/v1/tickets/:id/comments': 'createTicketComment',
  'GET /api/v1/tickets/:id/history': 'getTicketHistory',
  'GET /api/v1/contacts/:id/tickets': 'listContactTickets',
  // companies and time spent
  'GET /api/v1/companies': 'listCompanies',
  'POST /api/v1/companies': 'createCompany',
  'GET /api/v1/companies/:id': 'getCompany',
  'PATCH /api/v1/companies/:id': 'updateCompany',
  'DELETE /api/v1/companies/:id': 'deleteCompany',
  'POST /api/v1/companies/:id/rescan': 'rescanCompany',
  'GET /api/v1/companies/:id/time': 'getCompanyTime',
  'GET /api/v1/companies/:id/time.csv': 'exportCompanyTimeCsv',
  'GET /api/v1/tickets/:id/time': 'listTicketTime',
  'POST /api/v1/tickets/:id/time': 'logTicketTime',
  'PATCH /api/v1/tickets/:id/time/:entryId': 'updateTicketTime',
  'DELETE /api/v1/tickets/:id/time/:entryId': 'deleteTicketTime',
  // forms
  'GET /api/v1/forms': 'listForms',
  'POST /api/v1/forms': 'createForm',
  'GET /api/v1/forms/:id': 'getForm',
  'PATCH /api/v1/forms/:id': 'updateForm',
  'DELETE /api/v1/forms/:id': 'deleteForm',
  'POST /api/v1/forms/:id/assignments': 'assignForm',
  'DELETE /api/v1/forms/:id/assignments/:assignmentId': 'withdrawFormAssignment',
  'GET /api/v1/forms/:id/responses': 'listFormResponses',
  'GET /api/v1/forms/:id/responses.csv': 'exportFormResponsesCsv',
  'GET /api/v1/contacts/:id/forms': 'listContactForms',
  // request templates
  // contact sync
  'GET /api/v1/sync/connections': 'listSyncConnections',
  'POST /api/v1/sync/connections': 'createSyncConnection',
  'GET /api/v1/sync/connections/:id': 'getSyncConnection',
  'PATCH /api/v1/sync/connections/:id': 'updateSyncConnection',
  'DELETE /api/v1/sync/connections/:id': 'deleteSyncConnection',
  'POST /api/v1/sync/connections/test': 'testSyncConnection',
  'POST /api/v1/sync/connections/preview': 'previewSyncConnection',
  'POST /api/v1/sync/connections/:id/run': 'runSyncConnection',
  'POST /api/v1/sync/run-all': 'runAllSyncConnections',
  'GET /api/v1/sync/connections/:id/runs': 'listSyncRuns',
  'GET /api/v1/sync/runs/:id': 'getSyncRun',
  'GET /api/v1/sync/runs/:id/entries': 'listSyncRunEntries',
  'GET /api/v1/sync/runs/:id/log.txt': 'getSyncRunLog',
  'POST /api/v1/sync/runs/:id/confirm': 'confirmSyncRun',
  'POST /api/v1/sync/connections/:id/scim-token': 'rotateScimToken',
  // SCIM 2.0 provisioning (bearer token of a SCIM connection)
  'POST /scim/v2/Users': 'scimCreateUser',
  'GET /scim/v2/Users': 'scimListUsers',
  'GET /scim/v2/Users/:id': 'scimGetUser',
  'PUT /scim/v2/Users/:id': 'scimReplaceUser',
  'PATCH /scim/v2/Users/:id': 'scimPatchUser',
  'DELETE /scim/v2/Users/:id': 'scimDeleteUser',
  'GET /scim/v2/ServiceProviderConfig': 'scimServiceProviderConfig',
  'GET /scim/v2/ResourceTypes': 'scimListResourceTypes',
  'GET /scim/v2/ResourceTypes/:id': 'scimGetResourceType',
  'GET /scim/v2/Schemas': 'scimListSchemas',
  'GET /scim/v2/Schemas/:id': 'scimGetSchema',
  'GET /api/v1/request-templates': 'listRequestTemplates',
  'POST /api/v1/request-templates': 'createRequestTemplate',
  'GET /api/v1/request-templates/:id': 'getRequestTemplate',
  'PATCH /api/v1/request-templates/:id': 'updateRequestTemplate',
  'DELETE /api/v1/request-templates/:id': 'deleteRequestTemplate',
  // audit log
  'GET /api/v1/audit': 'listAuditEntries',
  'GET /api/v1/audit/kinds': 'listAuditKinds',
  'GET /api/v1/audit/export.csv': 'exportAuditCsv',
  'GET /api/v1/audit/:id': 'getAuditEntry',
  // mail
  'GET /api/v1/mailbox/messages': 'listMailboxMessages',
  // portal (contacts' side)
  'GET /portal/api/:teamSlug': 'getPortal',
  'POST /portal/api/:teamSlug/login/start': 'startPortalLogin',
  'POST /portal/api/:teamSlug/login/verify': 'verifyPortalLogin',
  'GET /portal/api/:teamSlug/me': 'getPortalProfile',
  'PATCH /portal/api/:teamSlug/me/notifications': 'updatePortalNotifications',
  'POST /portal/api/:teamSlug/logout': 'portalLogout',
  'GET /portal/api/:teamSlug/tickets': 'listPortalTickets',
  'GET /portal/api/:teamSlug/tickets/:id': 'getPortalTicket',
  'POST /portal/api/:teamSlug/tickets/:id/comments': 'createPortalTicketComment',
  'POST /portal/api/:teamSlug/tickets/:id/close': 'closePortalTicket',
  'GET /portal/api/:teamSlug/templates': 'listPortalTemplates',
  'POST /portal/api/:teamSlug/requests': 'createPortalRequest',
  'GET /portal/api/:teamSlug/forms': 'listPortalForms',
  'GET /portal/api/:teamSlug/forms/:id': 'getPortalForm',
  'PUT /portal/api/:teamSlug/forms/:id/draft': 'savePortalFormDraft',
  'POST /portal/api/:teamSlug/forms/:id/response': 'submitPortalForm',
  // portal (agents' side)
  'GET /api/v1/portal-link': 'getPortalLink',
  'POST /api/v1/contacts/:id/portal-link': 'createContactPortalLink',
  'DELETE /api/v1/contacts/:id/portal-link': 'revokeContactPortalLink',
  'POST /api/v1/contacts/:id/invite': 'inviteContact',
  'GET /api/v1/portal/sso': 'getPortalSso',
  'PUT /api/v1/portal/sso/:provider': 'setPortalSso',
  'DELETE /api/v1/portal/sso/:provider': 'removePortalSso',
  // jobs
  'GET /api/v1/jobs/:id': 'getJob',
  'POST /api/v1/jobs/:id/cancel': 'cancelJob',
  // exports
  'GET /api/v1/contacts/export.csv': 'exportContactsCsv',
  'POST /api/v1/exports': 'createExport',
  'GET /api/v1/exports/:id': 'getExport',
  'GET /api/v1/exports/:id/download': 'downloadExport',
  // imports
  'GET /api/v1/imports/template.csv': 'getImportTemplate',
  'POST /api/v1/imports/preview': 'previewImport',
  'POST /api/v1/imports': 'createImport',
  'GET /api/v1/imports': 'listImports',
  'GET /api/v1/imports/:id': 'getImport',
  'GET /api/v1/imports/:id/rows': 'listImportRows',
  'GET /api/v1/imports/:id/errors.csv': 'getImportErrorsCsv',
  'POST /api/v1/imports/:id/cancel': 'cancelImport',
};

type Transform = NonNullable<FastifyDynamicSwaggerOptions['transform']>;

/**
 * OpenAPI 3.0 reads `enum` before `nullable`: a nullable enum must list null among its values, or validators
 * (and clients generated from the document) refuse the null the server sends. Patched in place, recursively.
 */
function nullableEnums(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableEnums);
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.nullable === true && Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...(o.enum as unknown[]), null];
  for (const v of Object.values(o)) nullableEnums(v);
}

/** The zod → JSON Schema transform, plus each operation's id (its own, or the one listed above). */
export const openapiTransform: Transform = (input) => {
  const out = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]) as ReturnType<Transform>;
  const schema = out.schema as { hide?: boolean; operationId?: string } | undefined;
  if (!schema || schema.hide) return out;
  nullableEnums(schema);
  const methods = [input.route.method].flat().filter((m) => m !== 'HEAD');
  const id = schema.operationId ?? OPERATION_IDS[`${methods[0]} ${input.url}`];
  return id ? { ...out, schema: { ...schema, operationId: id } } : out;
};
