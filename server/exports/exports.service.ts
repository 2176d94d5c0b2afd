// Export service: the streamed CSV of a selection (the directory's filter, or ids), and export jobs (CSV or
// XLSX, kind `contacts.export` in the jobs table) stored as files with a download link. Needs the member
// permission exportContacts; every export is audited (who, which selection, how many rows).
import { PassThrough } from 'node:stream';
import type { BulkInput, ContactFilter } from '#shared/contact.schema.ts';
import { AppError } from '#shared/errors.ts';
import type { Export } from '#shared/import.schema.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { JobRow } from '../db/schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import type { ImportConfig } from '../config.ts';
import type { ContactsService } from '../contacts/contacts.service.ts';
import type { JobsRepo } from '../jobs/jobs.repo.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { JobContext } from '../jobs/runner.ts';
import type { FilesRepo } from '../imports/files.repo.ts';
import { csvLine } from '../imports/csv-writer.ts';
import { contactToCells, EXPORT_SELECT, exportHeader, xlsxCell, type ExportRow } from './export.rules.ts';
import { CSV_LINE_SQL } from './exports.repo.ts';

export const EXPORT_JOB = 'contacts.export';
export const MAX_EXPORT_IDS = 10_000;
/** An export job checks its member's rights again, and reports its progress, every this many rows. */
const CHECK_EVERY_ROWS = 5000;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export type Selection = { filter: ContactFilter } | { ids: string[] };
interface ExportPayload {
  selection: Selection;
  format: 'csv' | 'xlsx';
  /** only contacts created at or before the request (absent in jobs queued before this bound existed) */
  createdBefore?: string;
  /** The address the request came to: the "export is ready" mail links there (unless KDESK_PUBLIC_URL is set). */
  baseUrl?: string;
}
interface ExportResult {
  fileId: string;
  fileName: string;
  rows: number;
  downloadUrl: string;
}

const stamp = (d: Date) => d.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
const fileNameOf = (job: Pick<JobRow, 'createdAt'>, format: string) => `contacts-${stamp(job.createdAt)}.${format}`;
const describe = (sel: Selection) => ('ids' in sel ? { ids: sel.ids.length } : sel.filter);

export function presentExport(job: JobRow): Export {
  const p = job.payload as ExportPayload;
  const result = job.result as ExportResult | null;
  return {
    id: job.id,
    status: job.status,
    format: p.format,
    filter: describe(p.selection) as Record<string, unknown>,
    total: job.total,
    processed: job.processed,
    error: job.status === 'failed' || job.status === 'cancelled' ? job.error : null,
    fileName: fileNameOf(job, p.format),
    downloadUrl: job.status === 'succeeded' && result?.fileId ? `/api/v1/exports/${job.id}/download` : null,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

function checkIds(ids: string[]): string[] {
  const unique = [...new Set(ids)];
  const bad = unique.filter((id) => !isUuid(id));
  if (bad.length)
    throw new AppError('VALIDATION', 'Invalid ids', [{ path: 'ids', message: `Not contact ids: ${bad.slice(0, 5).join(', ')}` }]);
  if (unique.length > MAX_EXPORT_IDS) {
    throw new AppError('VALIDATION', 'Too many ids', [{ path: 'ids', message: `At most ${MAX_EXPORT_IDS} ids; use a filter for more` }]);
  }
  return unique;
}

/** Tells the member who asked for an export job that its file is ready (a mail with the download link). */
export type ExportReadyNotifier = (
  n: {
    teamId: string;
    memberId: string;
    jobId: string;
    fileName: string;
    rows: number;
    baseUrl: string | undefined;
    expiresInHours: number;
  },
  tx: Executor,
) => Promise<void>;

export function createExportsService(deps: {
  db: Db;
  config: ImportConfig;
  contacts: ContactsService;
  jobs: JobsService;
  /** the jobs and imports features' repos (handed over by createServices): an export is a job whose file is kept like an upload */
  jobsRepo: Pick<JobsRepo, 'find'>;
  files: FilesRepo;
  notifyReady?: ExportReadyNotifier;
}) {
  const { db, config, contacts, jobs } = deps;
  const { files } = deps;
  const audit = createAuditWriter(db);
  const { jobsRepo } = deps;

  async function recordAudit(actor: Actor, id: string, format: string, sel: Selection, count: number, completed: boolean) {
    await audit.record({
      actor,
      entityType: 'export',
      entityId: id,
      action: 'export',
      changes: {
        format: { before: null, after: format },
        selection: { before: null, after: describe(sel) },
        count: { before: null, after: count },
        ...(completed ? {} : { completed: { before: null, after: false } }),
      },
    });
  }

  async function load(actor: Actor, id: string): Promise<JobRow> {
    requirePermission(actor, 'exportContacts');
    const job = isUuid(id) ? await jobsRepo.find(actor.teamId, id) : undefined;
    if (!job || job.kind !== EXPORT_JOB) throw new AppError('NOT_FOUND', 'Export not found');
    return job;
  }

  async function enqueue(actor: Actor, selection: Selection, format: 'csv' | 'xlsx') {
    requirePermission(actor, 'exportContacts');
    const sel: Selection = 'ids' in selection ? { ids: checkIds(selection.ids) } : selection;
    // the file holds what matches now, not the contacts added while the job waits or runs
    const createdBefore = await contacts.now();
    const total = await contacts.countMatching(actor, sel, createdBefore);
    const payload: ExportPayload = { selection: sel, format, createdBefore: createdBefore.toISOString(), baseUrl: actor.origin };
    return jobs.enqueue({ actor, kind: EXPORT_JOB, payload: payload as unknown as Record<string, unknown>, total });
  }

  return {
    /**
     * The CSV of a selection, as bytes to stream: its lines are written by PostgreSQL (exports.repo.ts) and
     * read from one COPY at the pace of the client, so the process holds a chunk, never the export. The
     * permission is checked before the first line; the audit entry is written when the stream ends (how
     * many rows went out, and whether it completed).
     */
    streamCsv(actor: Actor, selection: Selection): { fileName: string; lines: AsyncGenerator<Buffer> } {
      requirePermission(actor, 'exportContacts');
      const sel: Selection = 'ids' in selection ? { ids: checkIds(selection.ids) } : selection;
      const id = uuidv7();
      async function* lines() {
        let count = 0;
        let completed = false;
        try {
          yield Buffer.from('\uFEFF' + csvLine(exportHeader()));
          for await (const chunk of contacts.linesMatching(actor, sel, { line: CSV_LINE_SQL })) {
            count += chunk.rows;
            yield chunk.bytes;
          }
          completed = true;
        } finally {
          await recordAudit(actor, id, 'csv', sel, count, completed).catch(() => {});
        }
      }
      return { fileName: `contacts-${stamp(new Date())}.csv`, lines: lines() };
    },

    async create(actor: Actor, input: { ids?: string[]; filter?: ContactFilter; format?: 'csv' | 'xlsx' }): Promise<Export> {
      const job = await enqueue(
        actor,
        input.ids ? { ids: input.ids } : { filter: input.filter ?? { status: 'all' } },
        input.format ?? 'csv',
      );
      return presentExport((await jobsRepo.find(actor.teamId, job.id))!);
    },

    /** The directory's bulk action "export": a CSV export job; its result holds the download link. */
    async bulkExport(actor: Actor, input: BulkInput): Promise<{ jobId: string }> {
      const job = await enqueue(actor, 'ids' in input ? { ids: input.ids } : { filter: input.filter }, 'csv');
      return { jobId: job.id };
    },

    async get(actor: Actor, id: string): Promise<Export> {
      return presentExport(await load(actor, id));
    },

    async download(actor: Actor, id: string) {
      const job = await load(actor, id);
      const result = job.result as ExportResult | null;
      const file = job.status === 'succeeded' && result?.fileId ? await files.find(actor.teamId, result.fileId) : undefined;
      if (!file) {
        throw new AppError(
          'NOT_FOUND',
          job.status === 'succeeded' ? 'The export file has expired; export again' : `The export is ${job.status}, not ready`,
        );
      }
      const format = (job.payload as ExportPayload).format;
      return {
        fileName: fileNameOf(job, format),
        contentType: format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8',
        size: Number(file.size),
        stream: files.read(file.id),
      };
    },

    /**
     * The job: writes the whole file again on every attempt (a file is complete only at its end), so a
     * job taken over by another worker counts from 0 again and ends with every row exactly once. The
     * member who started it must still be in the team with exportContacts at every page.
     */
    async runExportJob(ctx: JobContext): Promise<ExportResult> {
      const actor = await jobs.actorFor(ctx.job, 'exportContacts');
      // a worker that died after the file was complete and its mail written: that attempt's result stands
      const prior = ctx.job.result as (ExportResult & { mailed?: boolean }) | null;
      if (prior?.mailed && prior.fileId) {
        const { mailed: _mailed, ...result } = prior;
        return result;
      }
      const { selection, format, createdBefore } = ctx.job.payload as ExportPayload;
      const pages = () =>
        contacts.pagesMatching<ExportRow>(actor, selection, {
          select: EXPORT_SELECT,
          ...(createdBefore ? { createdBefore: new Date(createdBefore) } : {}),
        });
      const stillAllowed = () => jobs.actorFor(ctx.job, 'exportContacts');
      const fileName = fileNameOf(ctx.job, format);
      const fileId = uuidv7();
      await files.create({
        id: fileId,
        teamId: actor.teamId,
        purpose: 'export',
        name: fileName,
        createdBy: actor.memberId,
        ttlHours: config.fileTtlHours,
      });
      const out = files.chunkWriter(fileId);
      let processed = 0;
      try {
        if (format === 'csv') {
          await out.write('\uFEFF' + csvLine(exportHeader()));
          const chunks = contacts.linesMatching(actor, selection, {
            line: CSV_LINE_SQL,
            ...(createdBefore ? { createdBefore: new Date(createdBefore) } : {}),
          });
          let checked = 0;
          for await (const chunk of chunks) {
            await out.write(chunk.bytes);
            processed += chunk.rows;
            if (processed - checked >= CHECK_EVERY_ROWS) {
              checked = processed;
              await stillAllowed();
              await ctx.progress(processed);
            }
          }
        } else {
          // loaded on first use: ~30 MB that a server which never writes XLSX need not hold
          const { default: ExcelJS } = await import('exceljs');
          const pass = new PassThrough();
          pass.on('error', () => {}); // ends the consumer below, which reports it
          const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: pass, useSharedStrings: false, useStyles: false });
          let writeFailed: { err: unknown } | null = null;
          const consumed = (async () => {
            for await (const chunk of pass) await out.write(chunk as Buffer);
          })().catch((err: unknown) => {
            writeFailed = { err };
          });
          try {
            const ws = wb.addWorksheet('Contacts');
            ws.addRow(exportHeader()).commit();
            for await (const page of pages()) {
              await stillAllowed();
              for (const c of page) ws.addRow(contactToCells(c).map(xlsxCell)).commit();
              processed += page.length;
              if (writeFailed) throw (writeFailed as { err: unknown }).err;
              await ctx.progress(processed);
            }
            ws.commit();
            await wb.commit();
            await consumed;
            if (writeFailed) throw (writeFailed as { err: unknown }).err;
          } catch (err) {
            // a failed export closes its writer: the consumer ends and nothing it buffered stays in memory
            pass.destroy();
            await consumed;
            throw err;
          }
        }
        await out.close({ format, rows: processed });
      } catch (err) {
        await files.delete(fileId).catch(() => {});
        throw err;
      }
      await ctx.progress(processed, processed);
      await recordAudit(actor, ctx.job.id, format, selection, processed, true);
      const result = { fileId, fileName, rows: processed, downloadUrl: `/api/v1/exports/${ctx.job.id}/download` };
      // the member who asked gets the link by mail, written with the job's result in one transaction (fenced by
      // the lease): a job taken over after this point returns that result and mails nothing again
      if (actor.memberId && deps.notifyReady) {
        const memberId = actor.memberId;
        await db.transaction().execute(async (tx) => {
          await deps.notifyReady!(
            {
              teamId: actor.teamId,
              memberId,
              jobId: ctx.job.id,
              fileName,
              rows: processed,
              baseUrl: (ctx.job.payload as ExportPayload).baseUrl,
              expiresInHours: config.fileTtlHours,
            },
            tx,
          );
          await ctx.checkpoint(tx, { processed, result: { ...result, mailed: true } });
        });
      }
      return result;
    },
  };
}
export type ExportsService = ReturnType<typeof createExportsService>;
