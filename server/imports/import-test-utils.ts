// Helpers for the import API tests: multipart bodies, a runner, CSV reading.
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
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
  return createImportRunner({ db: ctx.db, teams: ctx.services.teams, jobs: ctx.services.jobs, config: ctx.services.importConfig });
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

/** A minimal zip writer (deflated entries), with an optional lie about an entry's uncompressed size. */
export function zip(entries: { name: string; data: Buffer | string; declaredSize?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const comp = zlib.deflateRawSync(data);
    const crc = zlib.crc32(data);
    const size = e.declaredSize ?? data.length;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(comp.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, comp);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(comp.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** An XLSX workbook (inline strings) with the given rows, written by exceljs. */
export async function xlsxOf(rows: (string | number | boolean | null)[][]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
