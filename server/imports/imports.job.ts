// Runs one import: reads the stored file, plans each row with the rules, and commits batches. Each
// batch is one transaction holding the contact writes, their audit entries, the per-row outcomes and
// the import's counters + checkpoint, fenced by the lease: a crash loses at most the batch in flight,
// and the worker that takes over goes on from the checkpoint with exact counts.
import type { MappingEntry } from '#shared/import.schema.ts';
import { inSavepoint, type Db, type Executor } from '../db/client.ts';
import { uuidv7 } from '../db/ids.ts';
import type { ContactRow } from '../db/schema.ts';
import type { Actor } from '../auth/actor.ts';
import { JobRevoked, type JobsService } from '../jobs/jobs.service.ts';
import type { ImportConfig } from '../config.ts';
import { rowToDirectory, rowToFields } from '../contacts/contacts.presenter.ts';
import { emptyDirectory, type ContactFields } from '../contacts/contacts.rules.ts';
import { createContactWriter, type ContactChange, type ContactCreate } from '../contacts/contacts.writer.ts';
import { createCompanyNames } from '../companies/companies.service.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { createImportsRepo, type Counters, type ImportRecord, type RowOutcome } from './imports.repo.ts';
import {
  cellBytes,
  compileMapping,
  decodeRow,
  duplicateMessage,
  idKey,
  matchRow,
  planRow,
  rowKeys,
  type ColumnPlan,
  type CompanyMatch,
  type CurrentContact,
  type Lookup,
  type Planned,
  type RowPatch,
} from './rows.rules.ts';
import { readOptionsOf, readRecords, storedFile, type SourceInfo } from './source.ts';
import { isUnkeyed, matchByKeys, matchKeysOf } from './match.rules.ts';
import { KeyRegistry } from './key-registry.ts';
import { createMatchRepo } from './match.repo.ts';

/** Per-row outcomes are kept for this many data rows of every import (the preview), and for every failed row. */
export const PREVIEW_ROWS = 1000;

export class LeaseLostError extends Error {
  constructor() {
    super('Another worker took over this import');
  }
}

interface Item {
  row: number;
  cells: string[];
  patch: RowPatch | null;
  error: string | null;
}

const current = (r: ContactRow): CurrentContact => ({
  id: r.id,
  fields: rowToFields(r),
  directory: rowToDirectory(r),
  companyId: r.companyId,
  phonesE164: r.phonesE164,
});

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export interface RunDeps {
  db: Db;
  teams: TeamsService;
  /** Re-checks, before the import starts and in each batch, that its member still may import. */
  jobs: Pick<JobsService, 'actorNow'>;
  config: ImportConfig;
}

export interface RunHooks {
  signal?: AbortSignal;
  /** After each committed batch (the CLI draws its progress bar with it). */
  onProgress?: (p: { processed: number; total: number | null }) => void;
  /** The job engine's checkpoint, in each batch's transaction: fenced by the job's lease, extends it. */
  checkpoint?: (tx: Executor, state: { processed: number }) => Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A row's reports-to contact id, when it is one (anything else fails the row in planRow). */
const reportsToIdOf = (p: RowPatch): string[] => {
  const v = p.input.directory?.reportsToContactId?.trim().toLowerCase();
  return v && UUID.test(v) ? [v] : [];
};

export function sourceInfoOf(rec: ImportRecord): SourceInfo {
  return {
    format: rec.format,
    encoding: rec.encoding,
    encodingDamaged: rec.encodingDamaged,
    delimiter: rec.delimiter,
    skipChars: rec.skipChars,
  };
}

/** Runs (or resumes) an import this worker holds the lease of. Resolves when it ended or the lease was lost. */
export async function runImport(deps: RunDeps, rec: ImportRecord, owner: string, hooks: RunHooks = {}): Promise<void> {
  const { db, config } = deps;
  const repo = createImportsRepo(db);
  const writer = createContactWriter(db);
  const matchRepo = createMatchRepo();
  const companyNames = createCompanyNames(db);
  const actor = rec.actor as unknown as Actor;
  const auditActor: Actor = { ...actor, label: `${actor.label} (import)` };
  const headers = rec.headers;
  const plan: ColumnPlan[] = compileMapping(rec.mapping as MappingEntry[], headers);
  const info = sourceInfoOf(rec);
  const readOpts = readOptionsOf(config);
  const { defaultPhoneRegion } = await deps.teams.getSettings(rec.teamId);

  if (!rec.fileId) {
    await repo.finish(rec.id, owner, 'failed', 'The uploaded file is no longer stored (it expired); upload it again');
    return;
  }
  const fileId = rec.fileId;

  // the lease is renewed by every checkpoint, and by this heartbeat while a batch or the count pass takes long
  const lost = new AbortController();
  let cancelRequested = rec.cancelRequested;
  const heartbeat = setInterval(
    () => {
      repo
        .renew(rec.id, owner, config.leaseSeconds)
        .then((r) => {
          if (!r) lost.abort();
          else if (r.cancelRequested) cancelRequested = true;
        })
        .catch(() => {});
    },
    Math.max(500, (config.leaseSeconds * 1000) / 3),
  );
  const stopped = () => hooks.signal?.aborted || lost.signal.aborted;
  // the batch whose transaction runs while the next one is read and decoded
  let inflight: Promise<void> | null = null;

  try {
    // a member removed, or whose permission was taken away, while the import waited
    await deps.jobs.actorNow(rec.teamId, actor, 'importContacts');
    let total = rec.total;
    if (total === null) {
      total = 0;
      let header = true;
      for await (const _ of readRecords(storedFile(db, fileId), info, readOpts)) {
        if (header) header = false;
        else total++;
        if (stopped()) throw new LeaseLostError();
      }
      await repo.setTotal(rec.id, owner, total);
    }

    let processed = rec.processed;
    // contacts this run created, at the last ANALYZE, and the rows the planner's statistics counted then
    let created = 0;
    let analyzedAt = 0;
    let knownRows = await repo.plannedContacts();
    // keys of the file (ids, primary emails) and of the contacts rows matched → the first row that had them
    const seen = new KeyRegistry();
    // dry runs write nothing, so emails moved by earlier batches are remembered here
    const moved = new Map<string, CurrentContact | null>();
    let previewLeft = Math.max(0, PREVIEW_ROWS - (rec.processed ?? 0));
    let batch: Item[] = [];
    let batchBytes = 0;

    const decode = (row: number, cells: string[], csvError: string | undefined): Item => {
      if (csvError) return { row, cells, patch: null, error: csvError };
      const extra = cells.slice(headers.length).some((c) => c.trim() !== '');
      if (cells.length < headers.length || extra) {
        return {
          row,
          cells,
          patch: null,
          error: `The row has ${cells.length} cells but the header has ${headers.length} columns (a missing delimiter, or a line break inside an unquoted cell?)`,
        };
      }
      const patch = decodeRow(cells, plan, { damagedEncoding: info.encodingDamaged, encoding: info.encoding });
      return { row, cells, patch, error: null };
    };
    /**
     * Registers the row's keys (ids, primary emails) in file order; a key an earlier row had fails the row.
     * Done when its batch is planned, not when it is read: the next batch is read while this one commits,
     * and the keys of contacts this batch matches (touch) must be known before the next batch's keys are.
     * Idempotent for a row (a batch retried row by row claims its keys again).
     */
    const claimKeys = (item: Item) => {
      if (!item.patch) return;
      for (const key of rowKeys(item.patch)) {
        const first = seen.get(key);
        if (first === undefined) seen.set(key, item.row);
        else if (first !== item.row) item.error ??= duplicateMessage(key, first);
      }
    };

    /** Commits the batch read so far, after the one before it committed; answers false when the import must stop. */
    const flush = async (): Promise<boolean> => {
      if (inflight) {
        const previous = inflight;
        inflight = null;
        await previous;
      }
      if (!batch.length) return true;
      if (cancelRequested) return false;
      if (stopped()) throw new LeaseLostError();
      const items = batch;
      batch = [];
      batchBytes = 0;
      inflight = commitBatch(items, false)
        .catch(async (err) => {
          // an email taken meanwhile by someone else (or moved in a chain inside the batch): row by row
          if (!isUniqueViolation(err)) throw err;
          return commitBatch(items, true);
        })
        .then(async (r) => {
          created += r.created;
          // the planner must know the rows this import added once they are many next to what it knew (a first
          // import into an empty table): its look-ups by key were planned for a table of that old size
          if (created - analyzedAt >= Math.max(config.analyzeAfterRows, knownRows)) {
            knownRows = await repo.analyzeContacts();
            analyzedAt = created;
          }
          processed += items.length;
          previewLeft = Math.max(0, previewLeft - items.length);
          if (r.cancelRequested) cancelRequested = true;
          hooks.onProgress?.({ processed, total });
        });
      // awaited by the next flush (or at the end); a failure must not go unhandled meanwhile
      inflight.catch(() => {});
      return true;
    };

    /**
     * Rows with neither id nor primary email, matched by the import's `matchBy` key (match.rules.ts): the
     * contacts holding the batch's keys are loaded (and locked) once; a contact an earlier row changed is
     * seen as changed.
     */
    const matchKeyLookup = async (items: Item[], byId: Map<string, CurrentContact>, tx: Executor): Promise<Pick<Lookup, 'byMatchKey'>> => {
      const matchBy = rec.matchBy;
      if (!matchBy) return {};
      const keysOf = new Map<RowPatch, string[]>();
      for (const i of items) if (!i.error && isUnkeyed(i.patch)) keysOf.set(i.patch!, matchKeysOf(i.patch!, matchBy, defaultPhoneRegion));
      const rows = await matchRepo.findByKeys(rec.teamId, matchBy, [...new Set([...keysOf.values()].flat())], !rec.dryRun, tx);
      const holders = new Map<string, string[]>();
      for (const r of rows) {
        if (!byId.has(r.id)) byId.set(r.id, current(r));
        for (const k of matchBy === 'phone' ? r.phonesE164 : [r.directorySyncId ?? '']) holders.set(k, [...(holders.get(k) ?? []), r.id]);
      }
      return {
        byMatchKey: (p) => {
          const m = matchByKeys(keysOf.get(p) ?? [], holders, (id) => byId.get(id));
          return m.kind === 'many' ? { ...m, key: matchBy } : m;
        },
      };
    };

    /**
     * The companies the batch's `linkedCompany` cells name, looked up once by case-folded name within the team.
     * A name none has is, when the import creates companies, given a new company (one per name): `created`
     * holds those, inserted before the contacts that link to them are written.
     */
    const companyLookup = async (patches: RowPatch[], tx: Executor) => {
      const { nameKey } = companyNames;
      const keys = [...new Set(patches.flatMap((p) => (p.companyName ? [nameKey(p.companyName)] : [])))];
      const found = await companyNames.idsByNameKeys(rec.teamId, keys, tx);
      const created = new Map<string, { id: string; name: string }>();
      const companyByName = (name: string): CompanyMatch => {
        const k = nameKey(name);
        const ids = found.get(k);
        if (ids?.length === 1) return { kind: 'one', id: ids[0]! };
        if (ids && ids.length > 1) return { kind: 'many', count: ids.length };
        if (!rec.createCompanies) return { kind: 'none' };
        let c = created.get(k);
        if (!c) created.set(k, (c = { id: uuidv7(), name }));
        return { kind: 'new', id: c.id };
      };
      return { companyByName, created };
    };

    const commitBatch = (items: Item[], careful: boolean) =>
      db.transaction().execute(async (tx) => {
        for (const item of items) claimKeys(item);
        // FOR SHARE on the member: a removal or a change of permissions waits for this batch, and no batch
        // commits after it
        await deps.jobs.actorNow(rec.teamId, actor, 'importContacts', tx);
        const patches = items.filter((i) => i.patch && !i.error).map((i) => i.patch!);
        // the contacts rows name as their reports-to contact are looked up with them (they must be of this team)
        const reportsTo = patches.flatMap((p) => reportsToIdOf(p));
        const ids = [...new Set([...patches.flatMap((p) => (p.id ? [p.id] : [])), ...reportsTo])];
        const emails = [...new Set(patches.flatMap((p) => (p.email ? [p.email] : [])))];
        const found = await repo.lockContacts(rec.teamId, ids, emails, !rec.dryRun, tx);
        const byId = new Map(found.map((r) => [r.id, current(r)]));
        const stored = new Map(found.map((r) => [r.id, r]));
        const byEmail = new Map<string, CurrentContact>();
        for (const c of byId.values()) if (c.fields.primaryEmail) byEmail.set(c.fields.primaryEmail, c);
        const overlay = rec.dryRun ? moved : new Map<string, CurrentContact | null>();
        const companies = await companyLookup(patches, tx);
        const lookup: Lookup = {
          companyByName: companies.companyByName,
          byId: (id) => byId.get(id),
          byEmail: (e) => (overlay.has(e) ? (overlay.get(e) ?? undefined) : byEmail.get(e)),
          ...(await matchKeyLookup(items, byId, tx)),
        };

        const counters: Counters = { processed: items.length, created: 0, updated: 0, unchanged: 0, failed: 0 };
        const outcomes: RowOutcome[] = [];
        const writes: {
          item: Item;
          planned: Extract<Planned, { action: 'create' | 'update' }>;
          id: string;
          change: ContactChange | null;
        }[] = [];
        const position = new Map(items.map((it, i) => [it, i]));
        const outcome = (item: Item, action: RowOutcome['action'], error: string | null, contactId: string | null) => {
          counters[action === 'fail' ? 'failed' : action === 'create' ? 'created' : action === 'update' ? 'updated' : 'unchanged']++;
          if (action === 'fail' || position.get(item)! < previewLeft)
            outcomes.push({ rowNumber: item.row, action, error, contactId, cells: item.cells });
        };
        // a contact changed by an earlier row (matched by another key) is not changed twice
        const touch = (id: string, row: number) => {
          const k = idKey(id);
          if (!seen.has(k)) seen.set(k, row);
        };

        // ids of new contacts in file order (UUIDv7 is time-ordered, but not within one millisecond)
        const newIds = Array.from({ length: items.length }, () => uuidv7()).sort();
        let nextNew = 0;
        for (const item of items) {
          if (item.error || !item.patch) {
            outcome(item, 'fail', item.error ?? 'The row cannot be read', null);
            continue;
          }
          const target = matchRow(item.patch, lookup, rec.mode);
          if (target.kind === 'update') {
            const first = seen.get(idKey(target.current.id));
            if (first !== undefined && first !== item.row) {
              outcome(
                item,
                'fail',
                `This row changes the same contact (${target.current.id}) as row ${first} of this file`,
                target.current.id,
              );
              continue;
            }
          }
          const planned = planRow(item.patch, target, lookup);
          if (planned.action === 'fail') outcome(item, 'fail', planned.error, planned.contactId);
          else if (planned.action === 'unchanged') {
            touch(planned.contactId, item.row);
            outcome(item, 'unchanged', null, planned.contactId);
          } else {
            const id = planned.contactId ?? newIds[nextNew++]!;
            // a new contact cannot be reached by a later row's id; its email key is taken already
            if (planned.action === 'update') touch(id, item.row);
            // the writer computes E.164 only for phones that change (libphonenumber is the costliest step of a row)
            const change: ContactChange | null =
              target.kind === 'update'
                ? {
                    id,
                    before: target.current.fields,
                    after: planned.after,
                    changes: planned.changes,
                    stored: target.current.phonesE164 ? stored.get(id) : undefined,
                    reportsToContactId: planned.reportsToContactId,
                    ...(planned.companyId !== undefined ? { companyId: planned.companyId } : {}),
                  }
                : null;
            writes.push({ item, planned, id, change });
            // later rows of the file see this row's effect on who owns which email
            const next: CurrentContact = {
              id,
              fields: planned.after,
              directory: target.kind === 'update' ? target.current.directory : emptyDirectory(),
              companyId: planned.companyId ?? (target.kind === 'update' ? target.current.companyId : null),
            };
            const before: ContactFields | null = planned.before;
            if (before?.primaryEmail && before.primaryEmail !== planned.after.primaryEmail) overlay.set(before.primaryEmail, null);
            if (planned.after.primaryEmail) overlay.set(planned.after.primaryEmail, next);
            byId.set(id, next);
          }
        }

        let done = writes;
        // the companies this import creates, before the first contact linked to them is written (each once)
        const createCompanies = async (ws: typeof writes) => {
          for (const c of companies.created.values()) {
            if (ws.some((w) => w.planned.companyId === c.id)) await companyNames.create(tx, auditActor, c);
          }
        };
        if (!rec.dryRun) {
          // the contact writer: updates first (they may free emails that creates take), then creates
          const write = async (ws: typeof writes) => {
            const changes = ws.flatMap((w) => (w.change ? [w.change] : []));
            const news: ContactCreate[] = ws.flatMap((w) =>
              w.change
                ? []
                : [
                    {
                      id: w.id,
                      fields: w.planned.after,
                      reportsToContactId: w.planned.reportsToContactId,
                      ...(w.planned.companyId !== undefined ? { companyId: w.planned.companyId } : {}),
                    },
                  ],
            );
            const updated = await writer.update(tx, auditActor, changes, { region: defaultPhoneRegion });
            const created = await writer.create(tx, auditActor, news, { region: defaultPhoneRegion });
            return updated.length + created.length === changes.length + news.length;
          };
          await createCompanies(writes);
          if (!careful) {
            if (!(await write(writes))) throw new Error('A bulk write touched an unexpected number of rows');
          } else {
            done = [];
            for (const w of [...writes].sort((a, b) => a.item.row - b.item.row)) {
              try {
                await inSavepoint(tx, 'import_row', () => write([w]));
                done.push(w);
              } catch (err) {
                if (!isUniqueViolation(err)) throw err;
                outcome(
                  w.item,
                  'fail',
                  `primaryEmail: ${w.planned.after.primaryEmail} already belongs to another contact`,
                  w.planned.contactId,
                );
              }
            }
          }
        }
        for (const w of done) outcome(w.item, w.planned.action, null, w.id);
        outcomes.sort((a, b) => a.rowNumber - b.rowNumber);
        await repo.insertRowOutcomes(rec.id, outcomes, tx);
        await matchRepo.addUnkeyed(rec.id, items.filter((i) => !i.error && isUnkeyed(i.patch)).length, tx);
        const cp = await repo.checkpoint(rec.id, owner, counters, items.at(-1)!.row, config.leaseSeconds, tx);
        if (!cp) throw new LeaseLostError();
        await hooks.checkpoint?.(tx, { processed: cp.processed });
        return { ...cp, created: rec.dryRun ? 0 : counters.created };
      });

    let header = true;
    for await (const r of readRecords(storedFile(db, fileId), info, readOpts)) {
      if (header) {
        header = false;
        continue;
      }
      if (r.row <= rec.checkpointRow) {
        // done before: only its keys matter (a later row may not repeat them)
        claimKeys(decode(r.row, r.cells, r.error));
        continue;
      }
      batch.push(decode(r.row, r.cells, r.error));
      // wide or long rows make a smaller batch: its memory is bounded, not only its row count
      batchBytes += cellBytes(r.cells);
      if (batch.length >= config.batchRows || batchBytes >= config.batchMaxBytes) {
        if (!(await flush())) break;
      }
    }
    // the last rows, then the end of their transaction
    if (await flush()) await flush();
    await repo.finish(rec.id, owner, cancelRequested ? 'cancelled' : 'succeeded', null);
  } catch (err) {
    // a batch still committing ends first (its outcome is in the checkpoint, or it rolls back)
    await (inflight as Promise<void> | null)?.catch(() => {});
    if (err instanceof LeaseLostError || stopped()) return; // another worker goes on (or this process is stopping)
    const code = (err as { code?: string }).code;
    const message =
      code === 'VALIDATION'
        ? (err as { details?: { message: string }[] }).details?.[0]?.message
        : err instanceof JobRevoked
          ? err.message
          : null;
    await repo.finish(rec.id, owner, 'failed', message ?? `The import stopped: ${(err as Error).message}`).catch(() => {});
    if (!message) throw err;
  } finally {
    clearInterval(heartbeat);
  }
}
