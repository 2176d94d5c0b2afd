// Export service: the streamed CSV of a filter or of ids, and export jobs (CSV or XLSX) stored as files
// with a download link. Needs the member permission exportContacts; every export is audited.
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { AppError } from '#shared/errors.ts';
import type { Export, ExportFilter } from '#shared/import.schema.ts';
import type { Db } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ExportRecord } from '../db/schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import { createAuditRepo } from '../audit/audit.repo.ts';
import type { ImportConfig } from '../config.ts';
import { createFilesRepo } from '../imports/files.repo.ts';
import { csvLine } from '../imports/csv-writer.ts';
import { contactToCells, exportHeader } from './export.rules.ts';
import { createExportsRepo, type ContactSelection } from './exports.repo.ts';

export const MAX_EXPORT_IDS = 10_000;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function presentExport(r: ExportRecord, fileName: string): Export {
  return {
    id: r.id,
    status: r.status,
    format: r.format,
    filter: r.filter,
    total: r.total,
    processed: r.processed,
    error: r.error,
    fileName,
    downloadUrl: r.status === 'succeeded' && r.fileId ? `/api/v1/exports/${r.id}/download` : null,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

const stamp = (d: Date) => d.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
const fileNameOf = (r: Pick<ExportRecord, 'createdAt' | 'format'>) => `contacts-${stamp(r.createdAt)}.${r.format}`;

function checkSelection(sel: ContactSelection): ContactSelection {
  if (sel.ids) {
    const bad = sel.ids.filter((id) => !isUuid(id));
    if (bad.length)
      throw new AppError('VALIDATION', 'Invalid ids', [{ path: 'ids', message: `Not contact ids: ${bad.slice(0, 5).join(', ')}` }]);
    if (sel.ids.length > MAX_EXPORT_IDS) {
      throw new AppError('VALIDATION', 'Too many ids', [{ path: 'ids', message: `At most ${MAX_EXPORT_IDS} ids; use a filter for more` }]);
    }
  }
  if (sel.filter?.companyId && !isUuid(sel.filter.companyId)) {
    throw new AppError('VALIDATION', 'Invalid filter', [{ path: 'companyId', message: 'Not a company id' }]);
  }
  return sel;
}

export function createExportsService(deps: { db: Db; config: ImportConfig }) {
  const { db, config } = deps;
  const repo = createExportsRepo(db);
  const files = createFilesRepo(db);
  const audit = createAuditRepo(db);

  const describe = (sel: ContactSelection) => (sel.ids ? { ids: sel.ids.length } : (sel.filter ?? {}));

  async function recordAudit(actor: Actor, id: string, format: string, sel: ContactSelection, count: number, completed: boolean) {
    await audit.record({
      actor,
      entityType: 'export',
      entityId: id,
      action: 'export',
      changes: {
        format: { before: null, after: format },
        filter: { before: null, after: describe(sel) },
        count: { before: null, after: count },
        ...(completed ? {} : { completed: { before: null, after: false } }),
      },
    });
  }

  async function load(actor: Actor, id: string) {
    requirePermission(actor, 'exportContacts');
    const r = isUuid(id) ? await repo.find(actor.teamId, id) : undefined;
    if (!r) throw new AppError('NOT_FOUND', 'Export not found');
    return r;
  }

  return {
    /**
     * The CSV of a selection, as lines to stream. The permission is checked before the first line; the
     * audit entry is written when the stream ends (with how many rows went out, and whether it completed).
     */
    streamCsv(actor: Actor, selection: ContactSelection): { fileName: string; lines: AsyncGenerator<string> } {
      requirePermission(actor, 'exportContacts');
      const sel = checkSelection(selection);
      const id = uuidv7();
      async function* lines() {
        let count = 0;
        let completed = false;
        try {
          yield '\uFEFF' + csvLine(exportHeader());
          for await (const page of repo.pages(actor.teamId, sel)) {
            let chunk = '';
            for (const c of page) chunk += csvLine(contactToCells(c));
            count += page.length;
            yield chunk;
          }
          completed = true;
        } finally {
          await recordAudit(actor, id, 'csv', sel, count, completed).catch(() => {});
        }
      }
      return { fileName: `contacts-${stamp(new Date())}.csv`, lines: lines() };
    },

    async create(actor: Actor, input: { ids?: string[]; filter?: ExportFilter; format?: 'csv' | 'xlsx' }): Promise<Export> {
      requirePermission(actor, 'exportContacts');
      const sel = checkSelection(input.ids ? { ids: input.ids } : { filter: input.filter ?? {} });
      const rec = await repo.insert({
        id: uuidv7(),
        teamId: actor.teamId,
        status: 'queued',
        format: input.format ?? 'csv',
        filter: JSON.stringify(sel),
        actor: JSON.stringify(actor),
        createdBy: actor.memberId,
      });
      return presentExport(rec, fileNameOf(rec));
    },

    async get(actor: Actor, id: string): Promise<Export> {
      const r = await load(actor, id);
      return presentExport(r, fileNameOf(r));
    },

    async download(actor: Actor, id: string) {
      const r = await load(actor, id);
      const file = r.fileId && r.status === 'succeeded' ? await files.find(actor.teamId, r.fileId) : undefined;
      if (!file) {
        throw new AppError(
          'NOT_FOUND',
          r.status === 'succeeded' ? 'The export file has expired; export again' : `The export is ${r.status}, not ready`,
        );
      }
      return {
        fileName: fileNameOf(r),
        contentType: r.format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8',
        size: Number(file.size),
        stream: files.read(file.id),
      };
    },

    /** Runs one queued export (or one whose worker died) to its end. True when there was one. */
    async runNext(owner: string, signal?: AbortSignal): Promise<boolean> {
      const r = await repo.claim(owner, config.leaseSeconds);
      if (!r) return false;
      const actor = r.actor as unknown as Actor;
      const sel = r.filter as ContactSelection;
      try {
        const total = await repo.count(r.teamId, sel);
        await repo.progress(r.id, owner, 0, total, config.leaseSeconds);
        const fileId = uuidv7();
        await files.create({
          id: fileId,
          teamId: r.teamId,
          purpose: 'export',
          name: fileNameOf(r),
          createdBy: r.createdBy,
          ttlHours: config.fileTtlHours,
        });
        const out = files.chunkWriter(fileId);
        let processed = 0;
        const progress = async () => {
          if (!(await repo.progress(r.id, owner, processed, total, config.leaseSeconds))) throw new Error('lease lost');
          if (signal?.aborted) throw new Error('stopping');
        };
        if (r.format === 'csv') {
          await out.write('\uFEFF' + csvLine(exportHeader()));
          for await (const page of repo.pages(r.teamId, sel)) {
            let chunk = '';
            for (const c of page) chunk += csvLine(contactToCells(c));
            await out.write(chunk);
            processed += page.length;
            await progress();
          }
        } else {
          const pass = new PassThrough();
          const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: pass, useSharedStrings: false, useStyles: false });
          const consumed = (async () => {
            for await (const chunk of pass) await out.write(chunk as Buffer);
          })();
          const ws = wb.addWorksheet('Contacts');
          ws.addRow(exportHeader()).commit();
          for await (const page of repo.pages(r.teamId, sel)) {
            for (const c of page) ws.addRow(contactToCells(c)).commit();
            processed += page.length;
            await progress();
          }
          ws.commit();
          await wb.commit();
          await consumed;
        }
        await out.close({ format: r.format, rows: processed });
        if (await repo.finish(r.id, owner, { status: 'succeeded', fileId, processed })) {
          await recordAudit(actor, r.id, r.format, sel, processed, true);
        }
      } catch (err) {
        if (signal?.aborted || (err as Error).message === 'lease lost') return true; // another worker starts it again
        await repo.finish(r.id, owner, { status: 'failed', error: `The export stopped: ${(err as Error).message}` });
      }
      return true;
    },
  };
}
export type ExportsService = ReturnType<typeof createExportsService>;
