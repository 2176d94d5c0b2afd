// The checker the API tests run under (openapi-conformance.ts) must catch both kinds of mismatch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { openapiTransform } from '../server/http/openapi.ts';
import { checkAgainstOpenApi } from './openapi-conformance.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(fastifySwagger, { openapi: { info: { title: 't', version: '1' } }, transform: openapiTransform });
  const r = app.withTypeProvider<ZodTypeProvider>();
  const answer = z.object({ n: z.number(), kind: z.enum(['a', 'b']).nullable() });
  // attachValidation: the handler runs even when the server's own schema refuses (a server laxer than its document)
  r.post('/things', { attachValidation: true, schema: { body: z.object({ n: z.number() }), response: { 200: answer } } }, async (req) => ({
    n: 1,
    kind: req.validationError ? ('a' as const) : null,
  }));
  r.get('/wrong', { schema: { response: { 200: answer } } }, async () => ({ n: 'one' }) as unknown as z.infer<typeof answer>);
  checkAgainstOpenApi(app);
  await app.ready();
});
afterAll(() => app?.close());

describe('the OpenAPI conformance check of the API tests', () => {
  it('lets through what the document describes (a null in a nullable enum too)', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { n: 2 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ n: 1, kind: null });
  });

  it('fails a request the server accepted but the published schema refuses', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { n: 'two' } });
    expect(res.statusCode).toBe(500);
    expect(res.json().message).toContain('request accepted by the server fails the published body: /n must be number');
  });

  it('fails an answer that its published schema refuses', async () => {
    const res = await app.inject({ method: 'GET', url: '/wrong' });
    expect(res.statusCode).toBe(500);
    expect(res.json().message).toContain('answer 200 fails its published schema');
    expect(res.json().message).toContain('/n must be number');
  });
});
