// The published OpenAPI document is what client generators read: every operation needs a stable, unique
// operationId (from OPERATION_IDS in openapi.ts, or the route's own schema.operationId). Built without a
// database: the document needs no query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createDb, type Db } from '../db/client.ts';
import { OPERATION_IDS } from './openapi.ts';

interface Operation {
  operationId?: string;
  summary?: string;
  responses?: Record<string, unknown>;
}
let app: FastifyInstance;
let db: Db;
let operations: { key: string; op: Operation }[];

beforeAll(async () => {
  db = createDb('postgres://openapi@127.0.0.1:1/none');
  app = await buildApp({
    db,
    config: loadConfig({ KDESK_SECRET_KEY: '00'.repeat(32), LOG_LEVEL: 'silent', KDESK_WEB_DIR: '/nonexistent' }),
  });
  await app.ready();
  const doc = app.swagger() as { paths: Record<string, Record<string, Operation>> };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, op })),
  );
});
afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

describe('the OpenAPI document', () => {
  it('gives every operation an operationId (add new routes to OPERATION_IDS in server/http/openapi.ts)', () => {
    expect(operations.length).toBeGreaterThan(50);
    const missing = operations.filter((o) => !o.op.operationId).map((o) => o.key);
    expect(missing).toEqual([]);
  });

  it('never gives two operations the same operationId', () => {
    const seen = new Map<string, string[]>();
    for (const { key, op } of operations) seen.set(op.operationId!, [...(seen.get(op.operationId!) ?? []), key]);
    expect([...seen].filter(([, keys]) => keys.length > 1)).toEqual([]);
  });

  it('lists no route that does not exist (a renamed route takes its id along)', () => {
    const documented = new Set(operations.map((o) => o.key));
    expect(Object.keys(OPERATION_IDS).filter((k) => !documented.has(k))).toEqual([]);
  });

  it('never stacks patterns (tools merge them into one regex that means something else)', () => {
    const stacked: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (!node || typeof node !== 'object') return;
      const o = node as { allOf?: { pattern?: string }[] };
      if ((o.allOf ?? []).filter((s) => s.pattern).length > 0) stacked.push(at);
      for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
    };
    walk(app.swagger(), '');
    expect(stacked).toEqual([]);
  });

  it('gives every operation a summary and at least one 4xx answer', () => {
    expect(operations.filter((o) => !o.op.summary).map((o) => o.key)).toEqual([]);
    expect(operations.filter((o) => !Object.keys(o.op.responses ?? {}).some((c) => c.startsWith('4'))).map((o) => o.key)).toEqual([]);
  });
});
