// Every request an API test sends and every JSON answer it gets is checked against the OpenAPI document the
// server publishes (/api/openapi.json), with a validator of its own (Ajv), not the server's zod schemas:
// - a request the server accepted (status below 400) must pass the published parameters and body schema
//   (a client generated from the document must be able to send what the server takes);
// - a JSON answer must pass the published schema of its status.
// A mismatch turns the answer into a 500 whose message says what differs, so the test that met it fails.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Checks {
  query?: ValidateFunction;
  params?: ValidateFunction;
  body?: ValidateFunction;
  responses: Map<string, ValidateFunction>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const PROBLEMS = Symbol('openapi problems');
type Checked = FastifyRequest & { [PROBLEMS]?: string[] };

function objectOf(params: Parameter[]): Schema {
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
}

const describeErrors = (v: ValidateFunction) =>
  (v.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('; ');

export function checkAgainstOpenApi(app: FastifyInstance): void {
  // bodies as sent; query and path values arrive as text, so types are read the way a server reads them
  const strict = addFormats(new Ajv({ strict: false, allErrors: true, validateFormats: true }));
  const coercing = addFormats(new Ajv({ strict: false, allErrors: true, coerceTypes: 'array' }));
  let byRoute: Map<string, Checks> | null = null;

  function checksFor(req: FastifyRequest): Checks | undefined {
    if (!byRoute) {
      byRoute = new Map();
      const doc = app.swagger() as { paths: Record<string, Record<string, Operation>> };
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const params = op.parameters ?? [];
          const query = params.filter((p) => p.in === 'query');
          const inPath = params.filter((p) => p.in === 'path');
          const body = op.requestBody?.content?.['application/json']?.schema;
          const responses = new Map<string, ValidateFunction>();
          for (const [status, r] of Object.entries(op.responses ?? {})) {
            const schema = r.content?.['application/json']?.schema;
            if (schema) responses.set(status, strict.compile(schema));
          }
          byRoute.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, {
            query: query.length ? coercing.compile(objectOf(query)) : undefined,
            params: inPath.length ? coercing.compile(objectOf(inPath)) : undefined,
            body: body ? strict.compile(body) : undefined,
            responses,
          });
        }
      }
    }
    return byRoute.get(`${req.method} ${req.routeOptions.url}`);
  }

  // before the server's own validation: what the client sent, as it sent it
  app.addHook('preValidation', async (req: Checked) => {
    const checks = checksFor(req);
    if (!checks) return;
    const problems: string[] = [];
    const check = (what: string, v: ValidateFunction | undefined, value: unknown) => {
      if (v && !v(structuredClone(value ?? {}))) problems.push(`${what}: ${describeErrors(v)}`);
    };
    check('query', checks.query, req.query);
    check('path', checks.params, req.params);
    if (checks.body && req.body !== undefined && String(req.headers['content-type'] ?? '').includes('application/json')) {
      check('body', checks.body, req.body);
    }
    req[PROBLEMS] = problems;
  });

  app.addHook('onSend', async (req: Checked, reply: FastifyReply, payload: unknown) => {
    const checks = checksFor(req);
    if (!checks) return payload;
    const problems =
      reply.statusCode < 400 ? (req[PROBLEMS] ?? []).map((p) => `request accepted by the server fails the published ${p}`) : [];
    const v = checks.responses.get(String(reply.statusCode));
    if (v && typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').includes('json')) {
      if (!v(JSON.parse(payload))) problems.push(`answer ${reply.statusCode} fails its published schema: ${describeErrors(v)}`);
    }
    if (!problems.length) return payload;
    const message = `OpenAPI mismatch on ${req.method} ${req.routeOptions.url}: ${problems.join(' | ')}`;
    console.error(message);
    reply.code(500).type('application/json; charset=utf-8');
    return JSON.stringify({ statusCode: 500, code: 'OPENAPI_MISMATCH', message, requestId: String(req.id) });
  });
}
