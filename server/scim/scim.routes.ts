// HTTP of SCIM 2.0 provisioning, outside /api/v1 (identity providers call it with the connection's bearer
// token; no session, no API token). Bodies are JSON, sent as application/scim+json or application/json;
// answers are application/scim+json; every error is SCIM's error message
// `{schemas:[…:Error], status:"4xx", scimType?, detail}`.
//   POST   /scim/v2/Users                 201 User (409 uniqueness: the userName, or the email of another contact)
//   GET    /scim/v2/Users?filter=&startIndex=&count=   200 ListResponse
//   GET    /scim/v2/Users/:id             200 User
//   PUT    /scim/v2/Users/:id             200 User
//   PATCH  /scim/v2/Users/:id             200 User (PatchOp, both Entra shapes)
//   DELETE /scim/v2/Users/:id             204 (the contact is deactivated, never deleted)
//   GET    /scim/v2/ServiceProviderConfig | /Schemas[/:id] | /ResourceTypes[/:id]
// And for owners and admins: POST /api/v1/sync/connections/:id/scim-token → 200 { scimToken } (rotates it).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, errorStatus } from '#shared/errors.ts';
import {
  scimDocument,
  scimErrorSchema,
  scimListResponse,
  scimPatchOp,
  scimTokenAnswer,
  scimUser,
  scimUsersQuery,
} from '#shared/scim.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import { resourceType, resourceTypes, schemaById, schemas, serviceProviderConfig } from './scim.discovery.ts';
import { ScimError, scimErrorBody, type ScimType } from './scim.rules.ts';
import { presentList, presentUser, type ScimCaller, type ScimService } from './scim.service.ts';

export const SCIM_PREFIX = '/scim/v2';
const SCIM_TYPE = 'application/scim+json; charset=utf-8';
const tags = ['scim'];
/**
 * The validation of a SCIM route: its body is documented by a schema that takes anything (a union ending in
 * z.unknown(), which can neither refuse a body nor change it), so the body goes on as sent — the service's
 * normalizeUser / parsePatch judge it, in SCIM's words — without a zod parse per request; the other parts
 * (path parameters) are validated by zod as on every route.
 */
const bodyAsSent = (route: { schema: unknown; method: string; url: string; httpPart?: string }) =>
  route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
const scimErrors = (...codes: number[]) => Object.fromEntries([400, 401, 403, ...codes].map((c) => [c, scimErrorSchema]));

function sendError(reply: FastifyReply, status: number, scimType: ScimType | null, detail: string) {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="kdesk SCIM"');
  return reply
    .code(status)
    .type(SCIM_TYPE)
    .send(scimErrorBody(status, scimType, detail));
}

export function scimRoutes(app: FastifyInstance, deps: { scim: ScimService; publicUrl?: string | null }) {
  const { scim } = deps;
  const baseOf = (req: FastifyRequest) =>
    `${deps.publicUrl ? deps.publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`}${SCIM_PREFIX}`;

  // owners and admins rotate a SCIM connection's token (the API's own error format)
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/sync/connections/:id/scim-token',
    {
      schema: {
        tags: ['sync'],
        summary: 'Rotate the SCIM token of a SCIM connection (shown once; the one before stops working)',
        params: idParams,
        response: { 200: scimTokenAnswer, ...errors(400, 403, 404) },
      },
    },
    async (req) => ({ scimToken: await scim.rotateToken(actorOf(req), req.params.id) }),
  );

  app.register(
    async (s) => {
      s.addContentTypeParser(['application/scim+json'], { parseAs: 'string' }, (_req, body, done) => {
        try {
          done(null, body === '' ? undefined : JSON.parse(body as string));
        } catch {
          done(
            Object.assign(new Error('The body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }),
            undefined,
          );
        }
      });
      s.setErrorHandler((err: FastifyError, req, reply) => {
        if (err instanceof ScimError) return sendError(reply, err.status, err.scimType, err.message);
        if (err instanceof AppError)
          return sendError(reply, errorStatus[err.code], err.code === 'VALIDATION' ? 'invalidValue' : null, err.message);
        if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
          return sendError(reply, 400, 'invalidSyntax', 'The body is not valid JSON');
        }
        if (err.validation) return sendError(reply, 400, 'invalidSyntax', `Invalid ${err.validationContext ?? 'input'}: ${err.message}`);
        if ((err as { code?: string }).code === '23505')
          return sendError(reply, 409, 'uniqueness', 'A user with the same unique value exists already');
        if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendError(reply, err.statusCode, null, err.message);
        req.log.error({ err }, 'unhandled SCIM error');
        return sendError(reply, 500, null, `Something went wrong on our side (request ${String(req.id)})`);
      });
      s.setNotFoundHandler((req, reply) => sendError(reply, 404, null, `No SCIM endpoint ${req.method} ${req.url.split('?')[0]}`));

      // every SCIM request: the connection of the bearer token
      s.decorateRequest('scimCaller', null);
      s.addHook('preHandler', async (req) => {
        (req as FastifyRequest & { scimCaller: ScimCaller }).scimCaller = await scim.authenticate(
          req.headers.authorization,
          String(req.id),
        );
      });
      const callerOf = (req: FastifyRequest) => (req as FastifyRequest & { scimCaller: ScimCaller }).scimCaller;
      const send = (reply: FastifyReply, code: number, body: unknown) => reply.code(code).type(SCIM_TYPE).send(body);
      const r = s.withTypeProvider<ZodTypeProvider>();
      const idParam = z.object({ id: z.string().max(200) });

      r.post(
        '/Users',
        {
          validatorCompiler: bodyAsSent,
          schema: {
            tags,
            summary: 'SCIM: provision a user (a contact of the connection)',
            body: z.union([scimUser, z.record(z.string(), z.unknown()), z.unknown()]),
            response: { 201: scimUser, ...scimErrors(409) },
          },
        },
        async (req, reply) => {
          const row = await scim.create(callerOf(req), req.body);
          const user = presentUser(row, baseOf(req));
          return send(reply.header('location', (user.meta as { location: string }).location), 201, user);
        },
      );
      r.get(
        '/Users',
        {
          schema: {
            tags,
            summary: 'SCIM: list or find users (filter, startIndex, count)',
            querystring: scimUsersQuery,
            response: { 200: scimListResponse, ...scimErrors() },
          },
        },
        async (req, reply) => send(reply, 200, presentList(await scim.list(callerOf(req), req.query), baseOf(req))),
      );
      r.get(
        '/Users/:id',
        { schema: { tags, summary: 'SCIM: a user', params: idParam, response: { 200: scimUser, ...scimErrors(404) } } },
        async (req, reply) => send(reply, 200, presentUser(await scim.get(callerOf(req), req.params.id), baseOf(req))),
      );
      r.put(
        '/Users/:id',
        {
          validatorCompiler: bodyAsSent,
          schema: {
            tags,
            summary: 'SCIM: replace a user',
            params: idParam,
            body: z.union([scimUser, z.record(z.string(), z.unknown()), z.unknown()]),
            response: { 200: scimUser, ...scimErrors(404, 409) },
          },
        },
        async (req, reply) => send(reply, 200, presentUser(await scim.replace(callerOf(req), req.params.id, req.body), baseOf(req))),
      );
      r.patch(
        '/Users/:id',
        {
          validatorCompiler: bodyAsSent,
          schema: {
            tags,
            summary: 'SCIM: change a user (PatchOp)',
            params: idParam,
            body: z.union([scimPatchOp, z.record(z.string(), z.unknown()), z.unknown()]),
            response: { 200: scimUser, ...scimErrors(404, 409) },
          },
        },
        async (req, reply) => send(reply, 200, presentUser(await scim.patch(callerOf(req), req.params.id, req.body), baseOf(req))),
      );
      r.delete(
        '/Users/:id',
        {
          schema: {
            tags,
            summary: 'SCIM: deprovision a user (the contact is deactivated, never deleted)',
            params: idParam,
            response: { 204: z.null(), ...scimErrors(404) },
          },
        },
        async (req, reply) => {
          await scim.remove(callerOf(req), req.params.id);
          return reply.code(204).send(null);
        },
      );
      r.get(
        '/ServiceProviderConfig',
        { schema: { tags, summary: 'SCIM: what this service provider supports', response: { 200: scimDocument, ...scimErrors() } } },
        async (req, reply) => send(reply, 200, serviceProviderConfig(baseOf(req))),
      );
      r.get(
        '/ResourceTypes',
        { schema: { tags, summary: 'SCIM: resource types', response: { 200: scimDocument, ...scimErrors() } } },
        async (req, reply) => send(reply, 200, resourceTypes(baseOf(req))),
      );
      r.get(
        '/ResourceTypes/:id',
        { schema: { tags, summary: 'SCIM: a resource type', params: idParam, response: { 200: scimDocument, ...scimErrors(404) } } },
        async (req, reply) => {
          const doc = resourceType(baseOf(req), req.params.id);
          if (!doc) throw new ScimError(404, null, `No resource type ${req.params.id}`);
          return send(reply, 200, doc);
        },
      );
      r.get(
        '/Schemas',
        { schema: { tags, summary: 'SCIM: schemas (User, enterprise User)', response: { 200: scimDocument, ...scimErrors() } } },
        async (req, reply) => send(reply, 200, schemas(baseOf(req))),
      );
      r.get(
        '/Schemas/:id',
        { schema: { tags, summary: 'SCIM: a schema', params: idParam, response: { 200: scimDocument, ...scimErrors(404) } } },
        async (req, reply) => {
          const doc = schemaById(baseOf(req), req.params.id);
          if (!doc) throw new ScimError(404, null, `No schema ${req.params.id}`);
          return send(reply, 200, doc);
        },
      );
    },
    { prefix: SCIM_PREFIX },
  );
}
