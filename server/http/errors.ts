import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, errorStatus, type ErrorBody, type ErrorCode, type ErrorDetail } from '#shared/errors.ts';

function send(reply: FastifyReply, req: FastifyRequest, code: ErrorCode, message: string, details?: unknown) {
  const body: ErrorBody = { statusCode: errorStatus[code], code, message, requestId: String(req.id) };
  if (details !== undefined) body.details = details;
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

function validationDetails(err: FastifyError): ErrorDetail[] {
  return (err.validation ?? []).flatMap((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const keys = (v.params as { keys?: string[] } | undefined)?.keys;
    // one detail per unknown field, at that field's path
    if (v.keyword === 'unrecognized_keys' && keys?.length) {
      return keys.map((k) => ({ path: path ? `${path}.${k}` : k, message: 'Unknown field' }));
    }
    return [{ path, message: v.message ?? 'Invalid value' }];
  });
}

// Fastify's own errors that are the client's fault, mapped to our codes.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      return send(reply, req, err.code, err.message, err.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext === 'querystring' ? 'query' : err.validationContext;
      return send(reply, req, 'VALIDATION', `Invalid ${where ?? 'input'}`, validationDetails(err));
    }
    if (err.code && fastifyCodes[err.code]) {
      const code = fastifyCodes[err.code]!;
      const message = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'The body is not valid JSON' : err.message;
      return send(reply, req, code, message);
    }
    // PostgreSQL unique violation that no service turned into a friendlier conflict
    if ((err as { code?: string }).code === '23505') {
      return send(reply, req, 'CONFLICT', 'A record with the same unique value already exists');
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const code = (Object.entries(errorStatus).find(([, s]) => s === err.statusCode)?.[0] ?? 'BAD_REQUEST') as ErrorCode;
      return send(reply, req, code, err.message);
    }
    req.log.error({ err }, 'unhandled error');
    return send(reply, req, 'INTERNAL', 'Something went wrong on our side. Quote the request id when you report it.');
  });

  app.setNotFoundHandler((req, reply) => send(reply, req, 'NOT_FOUND', `No route for ${req.method} ${req.url.split('?')[0]}`));
}
