// Helpers for the import API tests: multipart bodies, a runner, CSV reading.
import { randomBytes } from 'node:crypto';
import type { TestContext, TestTeam } from '../../test/harness.ts';
import { createImportRunner } from './import-runner.ts';
import { createCsvParser } from './csv.rules.ts';

export function multipart(parts: { file?: { name: string; content: Buffer | string }; fields?: Record<string, string> }) {
  const boundary = `----kdesk${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(parts.fields ?? {})) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (parts.file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${parts.file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    chunks.push(Buffer.isBuffer(parts.file.content) ? parts.file.content : Buffer.from(parts.file.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function postImport(
  ctx: TestContext,
  token: string,
  file: { name: string; content: Buffer | string } | undefined,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
  url = '/api/v1/imports',
) {
  const body = multipart({ file, fields });
  return ctx.app.inject({
    method: 'POST',
    url,
    payload: body.payload,
    headers: { authorization: `Bearer ${token}`, ...body.headers, ...headers },
  });
}

export function runnerFor(ctx: TestContext) {
  return createImportRunner({ db: ctx.db, teams: ctx.services.teams, config: ctx.services.importConfig });
}

/** Posts a file, runs the import to its end and returns the final import object. */
export async function importFile(
  ctx: TestContext,
  team: TestTeam,
  name: string,
  content: Buffer | string,
  fields: Record<string, string> = {},
) {
  const res = await postImport(ctx, team.ownerToken, { name, content }, fields);
  if (res.statusCode !== 202) throw new Error(`import: ${res.statusCode} ${res.body}`);
  await runnerFor(ctx).drain();
  const get = await ctx.app.inject({
    method: 'GET',
    url: `/api/v1/imports/${res.json().id}`,
    headers: { authorization: `Bearer ${team.ownerToken}` },
  });
  return get.json();
}

export function parseCsv(text: string): string[][] {
  const p = createCsvParser({ delimiter: ',' });
  return [...p.push(text.replace(/^\uFEFF/, '')), ...p.end()].map((r) => r.cells);
}
