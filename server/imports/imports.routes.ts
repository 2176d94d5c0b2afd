/*
 * API contract for import and export (SPEC §4 + extensions). The web UI is written against this comment;
 * the zod schemas in shared/import.schema.ts are the typed version of it.
 *
 * Permissions: every /imports route needs the member permission `importContacts` AND the team setting
 * `allowBulkContactImport` (403 FORBIDDEN whose message names what is missing). Exports need `exportContacts`.
 *
 * ── Upload and mapping step ──────────────────────────────────────────────────────────────────────────
 * POST /api/v1/imports/preview            multipart: file (required), mapping (optional JSON, see below), encoding?
 *                                         or JSON { uploadId, encoding?, mapping? }: the same upload read again
 *                                         (another encoding or mapping), nothing uploaded
 *   200 ImportPreview {
 *     uploadId: string,                   // pass to POST /api/v1/imports instead of uploading the file again (kept 24 h)
 *     fileName: string, fileSize: number,
 *     format: 'csv' | 'xlsx',
 *     encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'windows-1251' | 'euc-kr' | 'shift_jis'
 *               | 'gb18030' | 'big5' | null,   // null for xlsx. A file that is not Unicode is read in the Windows
 *               // code page its bytes fit (Excel saves CSV in the machine's code page), the team's
 *               // defaultPhoneRegion deciding between close readings (KR → euc-kr, JP → shift_jis, ...)
 *     encodingConfident: boolean,         // false: the bytes fit several encodings and nothing decided; the
 *                                         // import answers 400 on `encoding` until one is chosen
 *     encodingChoices: { encoding, label }[],   // the picker: the detected one, then the likely ones, then the rest
 *     delimiter: ',' | ';' | '\t' | '|' | null,                               // null for xlsx
 *     headers: string[],                  // as in the file, in order
 *     mapping: MappingEntry[],            // one per header, in header order
 *     unmappedColumns: string[],          // headers with no field (not auto-mapped, not ignored on purpose)
 *     sampleRows: string[][],             // the first 20 data rows, cells as in the file (same order as headers)
 *     sampleTruncated: boolean,           // cells cut to 200 characters, or rows left out past 128 k characters
 *     fields: { field: string, label: string }[]   // every target a column can be mapped to (for a dropdown)
 *   }
 *   MappingEntry { column: string, index: number, field: string | null, labelColumn?: string,
 *                  source: 'template' | 'synonym' | 'manual' | 'none', note?: string }
 *     field: 'id' | 'firstName' | 'lastName' | 'fullName' | 'primaryEmail' | 'emails' | 'emails.<label>' | 'phones'
 *            | 'phones.<label>' | 'company' | 'jobTitle' | 'division' | 'notes' | 'address.line1' ... 'address.country'
 *            | 'permissions.active|portalAccess|canPostComments|canCloseTickets'
 *            | 'notifications.newTickets|ticketUpdates|newComments|formAssignments'
 *            | 'directory.syncId|organizationId|reportsToContactId|reportsToSyncId' | null (column not imported)
 *     labelColumn: for Google Contacts pairs (`E-mail 2 - Value` labeled by `E-mail 2 - Type`)
 *   400 VALIDATION details[{path:'file'|'mapping'|'mapping.<column>', message}] (empty file, header only,
 *       unreadable file, unknown field in mapping, a column name that is not in the file, two columns on one field)
 *   413 PAYLOAD_TOO_LARGE (KDESK_IMPORT_MAX_BYTES, default 200 MB), 415 UNSUPPORTED_MEDIA_TYPE (not CSV/XLSX)
 *   429 RATE_LIMITED (Retry-After) when the team already has KDESK_IMPORT_PREVIEWS_PER_TEAM uploads being read
 *       (previews and new imports alike); 400 on `file` when reading the file's start needs more than
 *       KDESK_IMPORT_PREVIEW_HEAP_MB of memory, or the header has more than 1,000 columns
 *
 * `mapping` (form field or JSON property) = { "<column header>": "<field>" | null | "ignore" }
 *   or, for a label taken from another column, { "<column>": { "field": "phones", "labelColumn": "<column>" } }.
 *   Columns not named keep their automatic mapping. Template column names (`job`, `contactIsActive`,
 *   `emailNewTickets`, `addressLine1`...) are accepted as fields too.
 *
 * ── Run ──────────────────────────────────────────────────────────────────────────────────────────────
 * POST /api/v1/imports   multipart: file | uploadId, mapping?, mode? ('upsert' default | 'create' | 'update'),
 *                        dryRun? ('true'|'false'), encoding? (one of the preview's encodings; overrides detection),
 *                        matchBy? ('phone' | 'directorySyncId': how a row with neither id nor primaryEmail finds its
 *                        contact — a phone's E.164 form or the directory sync id held by exactly one contact of the
 *                        team; without it such a row always creates a contact, so a re-import duplicates it)
 *                        createCompanies? ('true'|'false', default false: a `linkedCompany` cell naming no company of
 *                        the team fails its row with a reason and nothing is created; true: the company is created —
 *                        once per name — and the contact linked to it; needs the modifyContacts permission, else 403)
 *                        — or JSON { uploadId, mapping?, mode?, dryRun?, encoding?, matchBy?, createCompanies? }
 *   `linkedCompany` column: the name of the team's company the contact is linked to, matched exactly but for
 *                        case (never another team's); an empty cell leaves the link as it is. Two companies of the
 *                        team with that name fail the row (ambiguous). The export writes it.
 *   400 on `encoding` when the file's encoding was not recognised for sure and none was chosen
 *   header Idempotency-Key (optional): a retried POST with the same key (same team) answers the same import.
 *   202 Import (below)
 *   409 CONFLICT when another import of the team is queued or running: details { importId, status } of that import
 *       (or when the Idempotency-Key was used for another file/mode/mapping: details { importId })
 *   400/403/413/415/429 as for preview
 *
 * GET  /api/v1/imports?limit=20                 → { items: Import[] }   newest first (extension)
 * GET  /api/v1/imports/:id                      → Import
 *   Import {
 *     id, status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled',
 *     mode: 'upsert' | 'create' | 'update', dryRun: boolean,
 *     fileName, fileSize, format, encoding, delimiter, headers: string[], mapping: MappingEntry[], unmappedColumns: string[],
 *     total: number | null,                     // data rows in the file (null until counted)
 *     processed, created, updated, unchanged, failed: number,   // what was actually written (dry run: would be)
 *     unkeyed: number,                          // rows with neither id nor primaryEmail (dry run included)
 *     matchBy: 'phone' | 'directorySyncId' | null,
 *     createCompanies: boolean,
 *     cancelRequested: boolean,
 *     error: string | null,                     // why the whole import failed (status 'failed')
 *     createdBy: { id: string | null, label: string },
 *     createdAt, startedAt: string | null, finishedAt: string | null, updatedAt: string,
 *     links: { self, rows, errors }             // relative URLs
 *   }
 * GET  /api/v1/imports/:id/rows?limit=100&offset=0&action=create|update|unchanged|fail
 *   → { items: { row: number, action: 'create'|'update'|'unchanged'|'fail', error: string | null,
 *                contactId: string | null, cells: string[] }[] }
 *   Per-row outcome: kept for the first 1,000 rows of every import (dry run or not) and for every failed row.
 *   `row` counts like a spreadsheet: the header is row 1, the first data row is row 2.
 * GET  /api/v1/imports/:id/errors.csv           → text/csv: the failed rows as uploaded (same headers) + `error`
 * POST /api/v1/imports/:id/cancel               → 202 Import (status 'cancelled', or cancelRequested while a batch finishes)
 * GET  /api/v1/imports/template.csv             → text/csv: the header row of SPEC §4
 *
 * ── Export ───────────────────────────────────────────────────────────────────────────────────────────
 * GET  /api/v1/contacts/export.csv?status=active|inactive|all&ids=a,b&q=&verified=&companyId=   (streams at once)
 * POST /api/v1/exports  { ids?: string[], filter?: { q?, status?, verified?, companyId? }, format?: 'csv' | 'xlsx' }
 *   202 Export { id, status, format, filter: the selection ({status,...} or {ids: <count>}), total: number | null,
 *                processed: number, error: string | null, downloadUrl: string | null (when succeeded), fileName,
 *                createdAt, finishedAt }
 *   It is a job of kind `contacts.export` (also GET /api/v1/jobs/:id; result { fileId, fileName, rows, downloadUrl });
 *   POST /api/v1/contacts/bulk { action: 'export', ids | filter } queues the same job (202 { jobId }).
 * GET  /api/v1/exports/:id → Export;   GET /api/v1/exports/:id/download → the file (CSV with BOM, or XLSX)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import {
  importMatchKeys,
  importModes,
  importPreviewSchema,
  importRowSchema,
  importSchema,
  mappingInputSchema,
  rowActions,
  textEncodings,
  type MappingInput,
  type TextEncodingName,
} from '#shared/import.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors, idParams } from '../http/schemas.ts';
import { assertStorable, lowerFirst, unstorableReason } from '../http/storable-text.ts';
import { assertJsonDepth } from '../http/json-depth.ts';
import type { ImportConfig } from '../config.ts';
import type { CreateImportInput, ImportsService } from './imports.service.ts';
import type { StoredUpload } from './source.ts';

const tags = ['imports'];

/** Reads the form fields and streams the `file` part into the file store (never the whole body into memory). */
function uploadError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('PAYLOAD_TOO_LARGE', 'The file is too large (KDESK_IMPORT_MAX_BYTES)');
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data');
  if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return new AppError('VALIDATION', 'Invalid upload', [{ path: 'file', message: 'Too many parts: send one file and a few fields' }]);
  }
  return err;
}

async function readForm(req: FastifyRequest, imports: ImportsService): Promise<{ upload?: StoredUpload; fields: Record<string, string> }> {
  const actor = actorOf(req);
  const fields: Record<string, string> = {};
  let upload: StoredUpload | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || upload) {
          part.file.resume();
          throw new AppError('VALIDATION', 'Invalid upload', [{ path: part.fieldname, message: 'Send one file, in the field "file"' }]);
        }
        const badName = unstorableReason(part.filename);
        if (badName) {
          part.file.resume();
          throw new AppError('VALIDATION', 'Invalid upload', [{ path: 'file', message: `The file name ${lowerFirst(badName)}` }]);
        }
        upload = await imports.upload(actor, part.file, part.filename);
      } else {
        fields[part.fieldname] = String(part.value);
        assertStorable(fields[part.fieldname], part.fieldname);
      }
    }
  } catch (err) {
    if (upload) await imports.discardUpload(upload);
    const e = uploadError(err);
    // the rest of the body is unread: close the connection, or the client's next request on it hangs
    if (e instanceof AppError && !req.raw.complete) throw new AppError(e.code, e.message, e.details, { ...e.headers, connection: 'close' });
    throw e;
  }
  return { upload, fields };
}

function parseMapping(raw: unknown): MappingInput | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value = raw;
  if (typeof raw === 'string') {
    assertJsonDepth(raw, 'mapping', 'mapping');
    try {
      value = JSON.parse(raw);
    } catch {
      throw new AppError('VALIDATION', 'Invalid mapping', [{ path: 'mapping', message: 'Must be JSON: {"<column>": "<field>" | null}' }]);
    }
  }
  // the JSON body was checked before the route ran; a multipart field is JSON text, checked once parsed
  assertStorable(value, 'mapping', 'mapping');
  const r = mappingInputSchema.safeParse(value);
  if (!r.success) {
    throw new AppError(
      'VALIDATION',
      'Invalid mapping',
      r.error.issues.map((i) => ({ path: ['mapping', ...i.path.map(String)].join('.'), message: i.message })),
    );
  }
  return r.data;
}

function parseBool(raw: unknown, path: string): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^(true|1|yes|on)$/i.test(raw)) return true;
  if (typeof raw === 'string' && /^(false|0|no|off)$/i.test(raw)) return false;
  throw new AppError('VALIDATION', 'Invalid input', [{ path, message: 'Must be true or false' }]);
}

function parseMode(raw: unknown): CreateImportInput['mode'] {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (importModes as readonly string[]).includes(raw)) return raw as CreateImportInput['mode'];
  throw new AppError('VALIDATION', 'Invalid input', [{ path: 'mode', message: 'Must be upsert, create or update' }]);
}

function parseMatchBy(raw: unknown): CreateImportInput['matchBy'] {
  if (raw === undefined || raw === '' || raw === null) return undefined;
  if (typeof raw === 'string' && (importMatchKeys as readonly string[]).includes(raw)) return raw as CreateImportInput['matchBy'];
  throw new AppError('VALIDATION', 'Invalid input', [{ path: 'matchBy', message: `Must be one of ${importMatchKeys.join(', ')}` }]);
}

function parseEncoding(raw: unknown): TextEncodingName | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (textEncodings as readonly string[]).includes(raw.trim().toLowerCase())) {
    return raw.trim().toLowerCase() as TextEncodingName;
  }
  throw new AppError('VALIDATION', 'Invalid input', [{ path: 'encoding', message: `Must be one of ${textEncodings.join(', ')}` }]);
}

const jsonBody = z
  .object({
    uploadId: z.string(),
    mapping: z.unknown().optional(),
    mode: z.string().optional(),
    dryRun: z.union([z.boolean(), z.string()]).optional(),
    encoding: z.string().optional(),
    matchBy: z.string().nullable().optional(),
    createCompanies: z.union([z.boolean(), z.string()]).optional(),
  })
  .strict();

const previewJsonBody = z.object({ uploadId: z.string(), mapping: z.unknown().optional(), encoding: z.string().optional() }).strict();

function sendCsv(reply: FastifyReply, name: string, body: AsyncIterable<string> | string) {
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store');
  return reply.send(typeof body === 'string' ? body : Readable.from(body));
}

/** Multipart (file | uploadId) or JSON (uploadId): queues the import. */
async function createImport(req: FastifyRequest, imports: ImportsService) {
  const actor = actorOf(req);
  let input: CreateImportInput;
  if (req.isMultipart()) {
    const { upload, fields } = await readForm(req, imports);
    try {
      input = {
        upload,
        uploadId: fields.uploadId,
        mapping: parseMapping(fields.mapping),
        mode: parseMode(fields.mode),
        dryRun: parseBool(fields.dryRun, 'dryRun'),
        encoding: parseEncoding(fields.encoding),
        matchBy: parseMatchBy(fields.matchBy),
        createCompanies: parseBool(fields.createCompanies, 'createCompanies'),
      };
    } catch (err) {
      if (upload) await imports.discardUpload(upload);
      throw err;
    }
  } else {
    const b = jsonBody.safeParse(req.body ?? {});
    if (!b.success) {
      throw new AppError(
        'VALIDATION',
        'Invalid input',
        b.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      );
    }
    input = {
      uploadId: b.data.uploadId,
      mapping: parseMapping(b.data.mapping),
      mode: parseMode(b.data.mode),
      dryRun: parseBool(b.data.dryRun, 'dryRun'),
      encoding: parseEncoding(b.data.encoding),
      matchBy: parseMatchBy(b.data.matchBy),
      createCompanies: parseBool(b.data.createCompanies, 'createCompanies'),
    };
  }
  const key = req.headers['idempotency-key'];
  return imports.create(actor, { ...input, idempotencyKey: typeof key === 'string' ? key : undefined });
}

/** The team's read slot around an upload; a refusal before the body was read also closes the connection. */
async function inReadSlot<T>(req: FastifyRequest, imports: ImportsService, work: () => Promise<T>): Promise<T> {
  try {
    return await imports.withReadSlot(actorOf(req), work);
  } catch (err) {
    if (err instanceof AppError && !req.raw.complete && !err.headers?.connection) {
      throw new AppError(err.code, err.message, err.details, { ...err.headers, connection: 'close' });
    }
    throw err;
  }
}

export function importsRoutes(app: FastifyInstance, deps: { imports: ImportsService; importConfig: ImportConfig }) {
  const { imports } = deps;
  app.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: { fileSize: deps.importConfig.maxBytes + 1, files: 1, fields: 10, fieldSize: 1024 * 1024, parts: 12 },
    });
    const r = scope.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/imports/template.csv',
      {
        schema: {
          tags,
          summary: 'The CSV template: the header row of every column an import reads',
          response: { 200: z.string(), ...errors(403) },
        },
      },
      async (req, reply) => {
        await imports.requireImportAccess(actorOf(req));
        return sendCsv(reply, 'kdesk-contacts-template.csv', imports.template());
      },
    );

    r.post(
      '/api/v1/imports/preview',
      {
        schema: {
          tags,
          summary:
            'Upload a file and get its columns, the automatic mapping and the first rows (multipart: file, mapping?, encoding?; or JSON { uploadId, encoding?, mapping? } to read an upload again)',
          consumes: ['multipart/form-data', 'application/json'],
          response: { 200: importPreviewSchema, ...errors(400, 403) },
        },
      },
      async (req) => {
        await imports.requireImportAccess(actorOf(req));
        if (!req.isMultipart()) {
          if (!req.headers['content-type']?.startsWith('application/json')) {
            throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in the field "file"');
          }
          const b = previewJsonBody.safeParse(req.body ?? {});
          if (!b.success) {
            throw new AppError(
              'VALIDATION',
              'Invalid input',
              b.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
            );
          }
          const input = { uploadId: b.data.uploadId, mapping: parseMapping(b.data.mapping), encoding: parseEncoding(b.data.encoding) };
          return inReadSlot(req, imports, () => imports.previewAgain(actorOf(req), input));
        }
        return inReadSlot(req, imports, async () => {
          const { upload, fields } = await readForm(req, imports);
          if (!upload) throw new AppError('VALIDATION', 'No file', [{ path: 'file', message: 'Send the file in the field "file"' }]);
          let mapping;
          let encoding;
          try {
            mapping = parseMapping(fields.mapping);
            encoding = parseEncoding(fields.encoding);
          } catch (err) {
            await imports.discardUpload(upload);
            throw err;
          }
          return imports.preview(actorOf(req), upload, mapping, encoding);
        });
      },
    );

    r.post(
      '/api/v1/imports',
      {
        schema: {
          tags,
          summary:
            'Start an import (multipart: file | uploadId, mapping?, mode?, dryRun?, encoding?, matchBy?, createCompanies?; or JSON with uploadId). ' +
            'A linkedCompany column links each contact to the team company of that name (case-insensitive); a name no company has fails ' +
            'the row unless createCompanies is true. Idempotency-Key supported.',
          consumes: ['multipart/form-data', 'application/json'],
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          response: { 202: importSchema, ...errors(400, 403, 409) },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        await imports.requireImportAccess(actor);
        const created = await inReadSlot(req, imports, () => createImport(req, imports));
        return reply.code(202).header('location', created.links.self).send(created);
      },
    );

    r.get(
      '/api/v1/imports',
      {
        schema: {
          tags,
          summary: 'Recent imports of the team, newest first',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
          response: { 200: z.object({ items: z.array(importSchema) }), ...errors(403) },
        },
      },
      async (req) => imports.list(actorOf(req), req.query.limit),
    );

    r.get(
      '/api/v1/imports/:id',
      { schema: { tags, summary: 'An import: status and counts', params: idParams, response: { 200: importSchema, ...errors(403, 404) } } },
      async (req) => imports.get(actorOf(req), req.params.id),
    );

    r.get(
      '/api/v1/imports/:id/rows',
      {
        schema: {
          tags,
          summary: 'Per-row outcome (first 1,000 rows and every failed row); the dry-run preview',
          params: idParams,
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            offset: z.coerce.number().int().min(0).default(0),
            action: z.enum(rowActions).optional(),
          }),
          response: { 200: z.object({ items: z.array(importRowSchema) }), ...errors(403, 404) },
        },
      },
      async (req) => imports.rows(actorOf(req), req.params.id, req.query),
    );

    r.get(
      '/api/v1/imports/:id/errors.csv',
      {
        schema: {
          tags,
          summary: 'The failed rows as uploaded plus an error column',
          params: idParams,
          response: { 200: z.string(), ...errors(403, 404) },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const rec = await imports.get(actor, req.params.id);
        const base = rec.fileName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'import';
        return sendCsv(reply, `${base}-errors.csv`, imports.errorsCsv(actor, req.params.id));
      },
    );

    r.post(
      '/api/v1/imports/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel an import (it stops after the batch in progress)',
          params: idParams,
          response: { 202: importSchema, ...errors(403, 404) },
        },
      },
      async (req, reply) => reply.code(202).send(await imports.cancel(actorOf(req), req.params.id)),
    );
  });
}
