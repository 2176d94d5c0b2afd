// Import service: permission and team-setting checks, upload → preview → import, idempotency, one
// running import per team, cancel, results. The rows themselves are written by imports.job.ts.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '#shared/errors.ts';
import {
  IMPORT_FIELDS,
  TEMPLATE_COLUMNS,
  textEncodings,
  type Import,
  type ImportMode,
  type ImportPreview,
  type ImportRow,
  type MappingEntry,
  type ImportMatchKey,
  type MappingInput,
  type TextEncodingName,
} from '#shared/import.schema.ts';
import type { Db } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import type { ImportConfig } from '../config.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { neutralizeCell, unneutralizeCell } from './cells.rules.ts';
import { createFilesRepo } from './files.repo.ts';
import { createImportsRepo, type ImportRecord } from './imports.repo.ts';
import { applyMappingInput, autoMap, unmappedColumns } from './mapping.rules.ts';
import { detectSource, readOptionsOf, readStoredHead, storeUpload, type SourceInfo, type StoredUpload } from './source.ts';
import { ENCODING_LABELS } from './encoding.rules.ts';
import { createHeadReader } from './head-reader.ts';
import { csvLine } from './csv-writer.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { JobKind } from '../jobs/runner.ts';
import { IMPORT_JOB_KIND, importJobKind } from './import-runner.ts';

const SAMPLE_ROWS = 20;
/** A team's preview slot lasts this long unless renewed (a process that died frees it by then). */
const READ_SLOT_SECONDS = 60;

export function presentImport(r: ImportRecord): Import {
  const base = `/api/v1/imports/${r.id}`;
  const actor = r.actor as { memberId?: string | null; label?: string };
  return {
    id: r.id,
    status: r.status,
    mode: r.mode,
    matchBy: r.matchBy ?? null,
    createCompanies: r.createCompanies ?? false,
    dryRun: r.dryRun,
    fileName: r.fileName,
    fileSize: Number(r.fileSize),
    format: r.format,
    encoding: r.encoding,
    delimiter: r.delimiter,
    headers: r.headers,
    mapping: r.mapping as MappingEntry[],
    unmappedColumns: r.unmappedColumns,
    total: r.total,
    processed: r.processed,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    failed: r.failed,
    unkeyed: r.unkeyed ?? 0,
    cancelRequested: r.cancelRequested,
    error: r.error,
    createdBy: { id: actor.memberId ?? null, label: actor.label ?? 'unknown' },
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    updatedAt: r.updatedAt.toISOString(),
    links: { self: base, rows: `${base}/rows`, errors: `${base}/errors.csv` },
  };
}

export interface CreateImportInput {
  upload?: StoredUpload;
  uploadId?: string;
  /** How rows with neither id nor primary email find their contact (default: they create one). */
  matchBy?: ImportMatchKey;
  /** A linkedCompany cell naming no company of the team creates it (needs the right to change contacts). */
  createCompanies?: boolean;
  /** The file's text encoding, chosen by the user: overrides detection (CSV only). */
  encoding?: TextEncodingName;
  mapping?: MappingInput;
  mode?: ImportMode;
  dryRun?: boolean;
  idempotencyKey?: string;
}

export function createImportsService(deps: {
  db: Db;
  teams: TeamsService;
  config: ImportConfig;
  /** An import runs as a `contacts.import` job (one per team), queued with the import row. */
  jobs: Pick<JobsService, 'queue' | 'actorNow' | 'dropQueued'>;
}) {
  const { db, teams, config } = deps;
  const repo = createImportsRepo(db);
  const files = createFilesRepo(db);
  const readOpts = readOptionsOf(config);
  const readHead = createHeadReader(db, { heapMb: config.previewHeapMb });

  /** Member permission AND team setting (SPEC §1); the message says which one is missing. */
  async function requireImportAccess(actor: Actor) {
    const settings = await teams.getSettings(actor.teamId);
    const missing: string[] = [];
    if (!actor.permissions.importContacts) missing.push('the member permission "Import contacts (bulk)"');
    // the CLI (an operator on the server) is not bound by the team's setting
    if (!settings.allowBulkContactImport && actor.type !== 'system') {
      missing.push('the team setting "Allow bulk contact import" (Team Settings > Communication)');
    }
    if (missing.length) {
      throw new AppError(
        'FORBIDDEN',
        `Bulk import needs ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not enabled. Ask a team owner or admin.`,
      );
    }
    requirePermission(actor, 'importContacts');
  }

  /** Reads the header and first rows of a stored file and maps them. */
  async function analyze(fileId: string, info: SourceInfo, mapping: MappingInput | undefined) {
    const head = await readHead(fileId, info, readOpts, SAMPLE_ROWS);
    const auto = autoMap(
      head.headers,
      head.rows.map((r) => r.cells),
    );
    const applied = applyMappingInput(head.headers, auto, mapping);
    if (!applied.ok) throw new AppError('VALIDATION', 'The mapping does not fit the file', applied.details);
    if (!applied.entries.some((e) => e.field)) {
      throw new AppError('VALIDATION', 'No column can be imported', [
        {
          path: 'mapping',
          message: `None of the columns (${head.headers.join(', ')}) is mapped to a contact field: map them with "mapping"`,
        },
      ]);
    }
    return { ...head, entries: applied.entries };
  }

  /** Detection hints and choices: the team's phone region, and the encoding the user picked. */
  async function sourceOptions(actor: Actor, encoding: TextEncodingName | undefined) {
    const settings = await teams.getSettings(actor.teamId);
    return { regionHint: settings.defaultPhoneRegion, ...(encoding ? { encoding } : {}) };
  }

  function checkEncodingChoice(info: SourceInfo, encoding: TextEncodingName | undefined) {
    if (encoding && info.format === 'xlsx') {
      throw new AppError('VALIDATION', 'Invalid encoding', [
        { path: 'encoding', message: 'An XLSX file has no text encoding to choose; send no encoding' },
      ]);
    }
  }

  async function uploadedFile(
    actor: Actor,
    input: CreateImportInput,
  ): Promise<{ fileId: string; name: string; size: number; sha256: string; info: SourceInfo; utf8?: unknown }> {
    if (input.upload) {
      const info = detectSource(input.upload, await sourceOptions(actor, input.encoding));
      checkEncodingChoice(info, input.encoding);
      const { fileId, name, size, sha256, utf8 } = input.upload;
      return { fileId, name, size, sha256, info, utf8 };
    }
    if (!input.uploadId)
      throw new AppError('VALIDATION', 'Nothing to import', [{ path: 'file', message: 'Send a file, or the uploadId of a preview' }]);
    const f = isUuid(input.uploadId) ? await files.find(actor.teamId, input.uploadId) : undefined;
    if (!f || f.purpose !== 'import') {
      throw new AppError('VALIDATION', 'Unknown upload', [
        { path: 'uploadId', message: 'No such upload in this team (uploads are kept 24 hours)' },
      ]);
    }
    const meta = f.meta as { source?: SourceInfo; utf8?: StoredUpload['utf8'] };
    let info = meta.source;
    if (!info) throw new AppError('VALIDATION', 'Unknown upload', [{ path: 'uploadId', message: 'The upload was not analysed' }]);
    checkEncodingChoice(info, input.encoding);
    if (input.encoding && input.encoding !== info.encoding) {
      const head = await readStoredHead(db, f.id);
      const utf8 = meta.utf8 ?? { multibyte: 0, invalid: 0 };
      info = detectSource({ head, size: Number(f.size), utf8, name: f.name }, await sourceOptions(actor, input.encoding));
    } else if (input.encoding) info = { ...info, encodingConfident: true };
    return { fileId: f.id, name: f.name, size: Number(f.size), sha256: f.sha256 ?? '', info, utf8: meta.utf8 };
  }

  /** The preview of a stored upload read with `info` (the answer of POST /imports/preview). */
  async function previewOf(
    file: { fileId: string; name: string; size: number; info: SourceInfo; utf8?: unknown },
    mapping: MappingInput | undefined,
  ): Promise<ImportPreview> {
    const { info } = file;
    const a = await analyze(file.fileId, info, mapping);
    await files.setMeta(file.fileId, { utf8: file.utf8, source: info });
    const choices =
      info.format === 'csv'
        ? [...new Set([info.encoding!, ...(info.encodingCandidates ?? []), ...textEncodings])].map((encoding) => ({
            encoding,
            label: ENCODING_LABELS[encoding] ?? encoding,
          }))
        : [];
    return {
      uploadId: file.fileId,
      fileName: file.name,
      fileSize: file.size,
      format: info.format,
      encoding: info.encoding,
      encodingConfident: info.encodingConfident ?? true,
      encodingChoices: choices,
      delimiter: info.delimiter,
      headers: a.headers,
      mapping: a.entries,
      unmappedColumns: unmappedColumns(a.entries),
      sampleRows: a.rows.map((r) => a.headers.map((_, i) => unneutralizeCell(r.cells[i] ?? ''))),
      sampleTruncated: a.truncated,
      fields: Object.entries(IMPORT_FIELDS).map(([field, label]) => ({ field, label })),
    };
  }

  return {
    requireImportAccess,

    /**
     * Runs an upload and the reading of its head (preview, or a new import) in one of the team's
     * KDESK_IMPORT_PREVIEWS_PER_TEAM slots, taken before any work; 429 when they are all held.
     */
    async withReadSlot<T>(actor: Actor, work: () => Promise<T>): Promise<T> {
      await requireImportAccess(actor);
      const holder = uuidv7();
      const taken = await db
        .transaction()
        .execute((tx) => repo.takePreviewSlot(actor.teamId, holder, config.previewsPerTeam, READ_SLOT_SECONDS, tx));
      if (!taken) {
        throw new AppError(
          'RATE_LIMITED',
          `This team is already uploading ${config.previewsPerTeam} files for import; try again when one of them is done`,
          { retryAfterSeconds: 5 },
          { 'Retry-After': '5' },
        );
      }
      const renew = setInterval(
        () => void repo.renewPreviewSlot(holder, READ_SLOT_SECONDS).catch(() => {}),
        (READ_SLOT_SECONDS * 1000) / 3,
      );
      try {
        return await work();
      } finally {
        clearInterval(renew);
        await repo.releasePreviewSlot(holder).catch(() => {});
      }
    },

    /** Streams an upload into the file store (413 past KDESK_IMPORT_MAX_BYTES). */
    async upload(actor: Actor, stream: Readable, name: string): Promise<StoredUpload> {
      await requireImportAccess(actor);
      return storeUpload(db, {
        teamId: actor.teamId,
        createdBy: actor.memberId,
        name: name || 'upload.csv',
        stream,
        maxBytes: config.maxBytes,
        ttlHours: config.fileTtlHours,
      });
    },

    /** Forgets an upload whose request failed after it was stored. */
    async discardUpload(upload: StoredUpload) {
      await files.delete(upload.fileId).catch(() => {});
    },

    async preview(
      actor: Actor,
      upload: StoredUpload,
      mapping: MappingInput | undefined,
      encoding?: TextEncodingName,
    ): Promise<ImportPreview> {
      await requireImportAccess(actor);
      try {
        return await previewOf(await uploadedFile(actor, { upload, encoding }), mapping);
      } catch (err) {
        await files.delete(upload.fileId).catch(() => {});
        throw err;
      }
    },

    /** The preview of an upload again, read in another encoding or with another mapping (nothing is uploaded). */
    async previewAgain(
      actor: Actor,
      input: { uploadId: string; mapping?: MappingInput; encoding?: TextEncodingName },
    ): Promise<ImportPreview> {
      await requireImportAccess(actor);
      return previewOf(await uploadedFile(actor, input), input.mapping);
    },

    /** Queues an import (202). A retried request with the same Idempotency-Key answers the same import. */
    async create(actor: Actor, input: CreateImportInput): Promise<Import> {
      await requireImportAccess(actor);
      const mode = input.mode ?? 'upsert';
      const dryRun = input.dryRun ?? false;
      const createCompanies = input.createCompanies ?? false;
      // creating companies is what the Companies page needs: the right to change contacts
      if (createCompanies) requirePermission(actor, 'modifyContacts');
      const key = input.idempotencyKey?.trim() || null;
      if (key && key.length > 200)
        throw new AppError('VALIDATION', 'Invalid Idempotency-Key', [{ path: 'Idempotency-Key', message: 'At most 200 characters' }]);
      const file = await uploadedFile(actor, input);
      const requestHash = createHash('sha256')
        .update(
          JSON.stringify([
            file.sha256,
            mode,
            dryRun,
            input.mapping ?? null,
            input.encoding ?? null,
            input.matchBy ?? null,
            createCompanies,
          ]),
        )
        .digest('hex');
      const replay = async () => {
        const prev = key ? await repo.findByIdempotencyKey(actor.teamId, key) : undefined;
        if (!prev) return null;
        if (prev.requestHash !== requestHash) {
          throw new AppError('CONFLICT', 'This Idempotency-Key was used for a different import request (another file, mode or mapping)', {
            importId: prev.id,
          });
        }
        if (input.upload && prev.fileId !== input.upload.fileId) await files.delete(input.upload.fileId).catch(() => {});
        return presentImport(prev);
      };
      const earlier = await replay();
      if (earlier) return earlier;
      if (file.info.encodingConfident === false) {
        if (input.upload) await files.delete(file.fileId).catch(() => {});
        const choices = (file.info.encodingCandidates ?? []).slice(0, 3).join(', ');
        throw new AppError('VALIDATION', "Choose the file's encoding", [
          {
            path: 'encoding',
            message: `The file is not UTF-8, and its bytes read as more than one encoding (most likely ${choices}). Preview it, check the names, and send the encoding that shows them correctly.`,
          },
        ]);
      }

      let a;
      try {
        a = await analyze(file.fileId, file.info, input.mapping);
      } catch (err) {
        if (input.upload) await files.delete(file.fileId).catch(() => {});
        throw err;
      }
      if (!a.rows.length) {
        if (input.upload) await files.delete(file.fileId).catch(() => {});
        throw new AppError('VALIDATION', 'The file cannot be imported', [
          { path: 'file', message: 'The file has a header row but no contacts' },
        ]);
      }
      const id = uuidv7();
      try {
        const rec = await db.transaction().execute(async (tx) => {
          await files.extend(file.fileId, Math.max(config.fileTtlHours, 24 * 7), tx);
          const rec = await repo.insert(
            {
              id,
              teamId: actor.teamId,
              fileId: file.fileId,
              status: 'queued',
              mode,
              matchBy: input.matchBy ?? null,
              createCompanies,
              dryRun,
              fileName: file.name,
              fileSize: file.size,
              format: file.info.format,
              encoding: file.info.encoding,
              encodingDamaged: file.info.encodingDamaged,
              delimiter: file.info.delimiter,
              skipChars: file.info.skipChars,
              headers: JSON.stringify(a.headers),
              mapping: JSON.stringify(a.entries),
              unmappedColumns: JSON.stringify(unmappedColumns(a.entries)),
              checkpointRow: a.headerRow,
              idempotencyKey: key,
              requestHash,
              actor: JSON.stringify(actor),
              createdBy: actor.memberId,
            },
            tx,
          );
          // the job has the import's id; no member on it, so removing the member fails the import (with
          // the reason, in the import) rather than cancelling a job the import would wait for
          await deps.jobs.queue(
            { id, teamId: actor.teamId, kind: IMPORT_JOB_KIND, payload: { importId: id }, singletonKey: `import:${actor.teamId}` },
            tx,
          );
          return rec;
        });
        return presentImport(rec);
      } catch (err) {
        const constraint = (err as { constraint?: string }).constraint;
        if ((err as { code?: string }).code !== '23505') throw err;
        if (constraint === 'imports_idempotency_key') {
          const again = await replay();
          if (again) return again;
        }
        if (input.upload) await files.delete(file.fileId).catch(() => {});
        const active = await repo.findActive(actor.teamId);
        throw new AppError(
          'CONFLICT',
          `An import is already ${active?.status ?? 'running'} for this team (${active?.fileName ?? 'another file'}); wait for it to finish or cancel it`,
          { importId: active?.id ?? null, status: active?.status ?? null },
        );
      }
    },

    async get(actor: Actor, id: string): Promise<Import> {
      return presentImport(await load(actor, id));
    },

    async list(actor: Actor, limit: number): Promise<{ items: Import[] }> {
      await requireImportAccess(actor);
      return { items: (await repo.list(actor.teamId, limit)).map(presentImport) };
    },

    async rows(actor: Actor, id: string, q: { limit: number; offset: number; action?: string }): Promise<{ items: ImportRow[] }> {
      const rec = await load(actor, id);
      const rows = await repo.listRows(rec.id, q);
      return {
        items: rows.map((r) => ({
          row: r.rowNumber,
          action: r.action,
          error: r.error,
          contactId: r.contactId,
          cells: r.cells.map((c) => unneutralizeCell(c)),
        })),
      };
    },

    /** The failed rows as uploaded plus an `error` column, as CSV lines (UTF-8 with BOM, for Excel). */
    async *errorsCsv(actor: Actor, id: string): AsyncGenerator<string> {
      const rec = await load(actor, id);
      yield '\uFEFF' + csvLine([...rec.headers, 'error'].map(neutralizeCell));
      for await (const r of repo.failedRows(rec.id)) {
        // cells keep their meaning and are safe to open in a spreadsheet
        const cells = rec.headers.map((_, i) => neutralizeCell(unneutralizeCell(r.cells[i] ?? '')));
        const extra = r.cells.slice(rec.headers.length).filter((c) => c.trim() !== '');
        yield csvLine([...cells, neutralizeCell(r.error ?? ''), ...extra.map(neutralizeCell)]);
      }
    },

    async cancel(actor: Actor, id: string): Promise<Import> {
      const rec = await load(actor, id);
      await repo.requestCancel(actor.teamId, rec.id);
      const now = (await repo.find(actor.teamId, rec.id))!;
      // cancelled before a worker had it: its job goes too (a running import stops at its next batch)
      if (now.status === 'cancelled') await deps.jobs.dropQueued(actor.teamId, rec.id);
      return presentImport(now);
    },

    /** The `contacts.import` job kind, for the job engine. */
    jobKind: (): JobKind => importJobKind({ db, teams, jobs: deps.jobs, config }),

    /** Expired uploads and exports, and uploads whose request died (a periodic task). */
    deleteExpiredFiles(): Promise<number> {
      return files.deleteExpired();
    },

    template(): string {
      return '\uFEFF' + csvLine([...TEMPLATE_COLUMNS]);
    },
  };

  async function load(actor: Actor, id: string): Promise<ImportRecord> {
    await requireImportAccess(actor);
    const rec = isUuid(id) ? await repo.find(actor.teamId, id) : undefined;
    if (!rec) throw new AppError('NOT_FOUND', 'Import not found');
    return rec;
  }
}
export type ImportsService = ReturnType<typeof createImportsService>;
