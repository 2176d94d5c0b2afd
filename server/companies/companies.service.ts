// Companies (name, domains, notes) and the time agents log on tickets. The service owns the transactions;
// contacts are linked and unlinked by the contact writer's company step (createCompanyLinker), so every
// change of a contact keeps its version and history. A re-scan that links more than RESCAN_INLINE_MAX
// contacts runs as an engine job (`companies.rescan`) with progress.
import { AppError, type ErrorDetail } from '#shared/errors.ts';
import type {
  Company,
  CompanyDetail,
  CompanyInput,
  CompanyListQuery,
  CompanyPage,
  CompanyPatch,
  TimeEntry,
  TimeEntryInput,
  TimeEntryList,
  TimeEntryPatch,
  TimeReport,
  TimeReportQuery,
} from '#shared/company.schema.ts';
import { TIME_ENTRIES_MAX } from '#shared/company.schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { CompanyRow, TimeEntryRow } from '../db/schema.ts';
import { createAuditWriter, createCompanyLinker, type Changes } from '../contacts/contacts.writer.ts';
import { neutralizeCell } from '../imports/cells.rules.ts';
import { csvLine } from '../imports/csv-writer.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { JobContext } from '../jobs/runner.ts';
import { createCompaniesRepo } from './companies.repo.ts';
import { dayRange, nameKey, normalizeDomains } from './companies.rules.ts';

/** A re-scan linking up to this many contacts is done in the request (200 {linked}); more: a job (202 {jobId}). */
export const RESCAN_INLINE_MAX = 2_000;
/** Contacts linked per statement (and per transaction of the job). */
export const RESCAN_BATCH = 5_000;
/**
 * Batches of a re-scan job run side by side: linking a contact writes a new version of its row into every
 * index of `contacts` (the company is an indexed column, so PostgreSQL cannot update in place), which is
 * CPU-bound work in the database that a second connection does on a second core (bench/README.md).
 */
export const RESCAN_CONCURRENCY = 2;
export const RESCAN_JOB_KIND = 'companies.rescan';

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/**
 * Companies by name, for an import's `linkedCompany` column: the team's companies of the names a batch holds
 * (case-folded, `nameKey`), and the creation of those an import is asked to create, in the batch's
 * transaction, each with its audit entry. The import checked its member's right to create them.
 */
export function createCompanyNames(db: Executor) {
  const repo = createCompaniesRepo(db);
  const audit = createAuditWriter(db);
  return {
    nameKey,
    /** name key → ids of the team's companies with that name (usually one). */
    idsByNameKeys: (teamId: string, keys: readonly string[], tx: Executor) => repo.idsByNameKeys(teamId, keys, tx),
    async create(tx: Executor, actor: Actor, c: { id: string; name: string }) {
      const name = c.name.trim().normalize('NFC');
      await repo.insert({ id: c.id, teamId: actor.teamId, name, nameKey: nameKey(name), notes: null, at: new Date() }, tx);
      await audit.record(
        { actor, entityType: 'company', entityId: c.id, action: 'create', changes: { name: { before: null, after: name } } },
        tx,
      );
    },
  };
}

export function createCompaniesService(deps: { db: Db; jobs: Pick<JobsService, 'enqueue' | 'batch'>; now?: () => Date }) {
  const { db, jobs } = deps;
  const now = deps.now ?? (() => new Date());
  const repo = createCompaniesRepo(db);
  const linker = createCompanyLinker();
  const audit = createAuditWriter(db);

  async function present(teamId: string, rows: CompanyRow[], tx: Executor = db): Promise<Company[]> {
    const ids = rows.map((r) => r.id);
    const [domains, counts] = await Promise.all([repo.domainsOf(teamId, ids, tx), repo.counts(teamId, ids, tx)]);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      domains: domains.get(r.id) ?? [],
      notes: r.notes,
      contactCount: counts.get(r.id)?.contacts ?? 0,
      ticketCount: counts.get(r.id)?.tickets ?? 0,
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
    }));
  }

  async function load(teamId: string, id: string, o: { forUpdate?: boolean } = {}, tx: Executor = db): Promise<CompanyRow> {
    const row = isUuid(id) ? await repo.find(teamId, id, o, tx) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'Company not found');
    return row;
  }

  /** Normalised domains, refusing bad and personal ones (400) and those of another company (409). */
  async function checkDomains(teamId: string, domains: string[], companyId: string | null, tx: Executor): Promise<string[]> {
    const n = normalizeDomains(domains);
    if (!n.ok) throw new AppError('VALIDATION', 'Invalid company', n.details);
    const owners = await repo.domainOwners(teamId, n.value, companyId, tx);
    if (owners.size) {
      const details: ErrorDetail[] = n.value
        .map((d, i) => [d, i] as const)
        .filter(([d]) => owners.has(d))
        .map(([d, i]) => ({ path: `domains.${i}`, message: `${d} belongs to the company "${owners.get(d)!.name}"` }));
      throw new AppError('CONFLICT', `A domain belongs to one company: ${[...owners.keys()].join(', ')} already has one`, details);
    }
    return n.value;
  }

  /** The unique key on (team, domain) caught a concurrent claim of the same domain. */
  const isDomainTaken = (err: unknown) =>
    (err as { code?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'company_domains_pkey';

  const service = {
    async list(actor: Actor, q: CompanyListQuery): Promise<CompanyPage> {
      const text = q.q?.trim() ? nameKey(q.q.trim()) : undefined;
      const { rows, total } = await repo.page(actor.teamId, { text, sort: q.sort, limit: q.limit, offset: q.offset });
      return { items: await present(actor.teamId, rows), total };
    },

    async get(actor: Actor, id: string): Promise<CompanyDetail> {
      const [c] = await present(actor.teamId, [await load(actor.teamId, id)]);
      // what a re-scan would link now (the web app offers it), counted on the index of unlinked contacts
      const linkable = c!.domains.length ? await linker.countLinkable(actor.teamId, c!.domains, 10_000_000, db) : 0;
      return { ...c!, linkable };
    },

    async create(actor: Actor, input: CompanyInput): Promise<CompanyDetail> {
      requirePermission(actor, 'modifyContacts');
      const id = uuidv7();
      try {
        await db.transaction().execute(async (tx) => {
          const domains = await checkDomains(actor.teamId, input.domains, null, tx);
          const name = input.name.normalize('NFC');
          await repo.insert({ id, teamId: actor.teamId, name, nameKey: nameKey(name), notes: input.notes?.trim() || null, at: now() }, tx);
          await repo.setDomains(actor.teamId, id, domains, tx);
          await audit.record(
            {
              actor,
              entityType: 'company',
              entityId: id,
              action: 'create',
              changes: { name: { before: null, after: name }, domains: { before: null, after: domains } },
            },
            tx,
          );
        });
      } catch (err) {
        if (isDomainTaken(err)) throw new AppError('CONFLICT', 'A domain belongs to one company: another company took it just now');
        throw err;
      }
      return service.get(actor, id);
    },

    /** Changes name, notes and domains; answers the company and the domains added (a re-scan may link their contacts). */
    async update(actor: Actor, id: string, patch: CompanyPatch): Promise<CompanyDetail & { addedDomains: string[] }> {
      requirePermission(actor, 'modifyContacts');
      let added: string[] = [];
      try {
        await db.transaction().execute(async (tx) => {
          const current = await load(actor.teamId, id, { forUpdate: true }, tx);
          const changes: Changes = {};
          const set: { name?: string; nameKey?: string; notes?: string | null; updatedAt: Date } = { updatedAt: now() };
          if (patch.name !== undefined && patch.name.normalize('NFC') !== current.name) {
            set.name = patch.name.normalize('NFC');
            set.nameKey = nameKey(set.name);
            changes.name = { before: current.name, after: set.name };
          }
          if (patch.notes !== undefined && (patch.notes?.trim() || null) !== current.notes) {
            set.notes = patch.notes?.trim() || null;
            changes.notes = { before: current.notes, after: set.notes };
          }
          if (patch.domains !== undefined) {
            const before = (await repo.domainsOf(actor.teamId, [id], tx)).get(id) ?? [];
            const domains = await checkDomains(actor.teamId, patch.domains, id, tx);
            added = await repo.setDomains(actor.teamId, id, domains, tx);
            if (before.length !== domains.length || added.length) changes.domains = { before, after: domains };
          }
          if (!Object.keys(changes).length) return;
          await repo.update(actor.teamId, id, set, tx);
          await audit.record({ actor, entityType: 'company', entityId: id, action: 'update', changes }, tx);
        });
      } catch (err) {
        if (isDomainTaken(err)) throw new AppError('CONFLICT', 'A domain belongs to one company: another company took it just now');
        throw err;
      }
      return { ...(await service.get(actor, id)), addedDomains: added };
    },

    /** Deletes a company: its contacts are unlinked (through the contact writer), its tickets keep no company. */
    async remove(actor: Actor, id: string): Promise<void> {
      requirePermission(actor, 'modifyContacts');
      await db.transaction().execute(async (tx) => {
        const current = await load(actor.teamId, id, { forUpdate: true }, tx);
        await linker.unlinkAll(tx, actor, id);
        await repo.remove(actor.teamId, id, tx);
        await audit.record(
          { actor, entityType: 'company', entityId: id, action: 'delete', changes: { name: { before: current.name, after: null } } },
          tx,
        );
      });
    },

    /**
     * Links the team's contacts without a company whose primary email is at one of the company's domains.
     * Up to RESCAN_INLINE_MAX at once ({linked}); more as a job with progress ({jobId}).
     */
    async rescan(actor: Actor, id: string): Promise<{ linked: number } | { jobId: string; total: number }> {
      requirePermission(actor, 'modifyContacts');
      await load(actor.teamId, id);
      const domains = (await repo.domainsOf(actor.teamId, [id])).get(id) ?? [];
      const count = await linker.countLinkable(actor.teamId, domains, RESCAN_INLINE_MAX + 1, db);
      if (count > RESCAN_INLINE_MAX) {
        // counted exactly for the progress bar (the index holds only unlinked contacts at those domains)
        const total = await linker.countLinkable(actor.teamId, domains, 10_000_000, db);
        const job = await jobs.enqueue({ actor, kind: RESCAN_JOB_KIND, payload: { companyId: id }, total });
        return { jobId: job.id, total };
      }
      const linked = await db.transaction().execute((tx) => linker.linkBatch(tx, actor, id, domains, RESCAN_INLINE_MAX + 1));
      return { linked };
    },

    /**
     * The `companies.rescan` job: a batch per transaction (one UPDATE), the member's rights re-checked each time.
     * RESCAN_CONCURRENCY batches run side by side on their own connections (each takes contacts the others do
     * not hold), then one last pass waits for any contact another transaction held meanwhile, so every
     * contact at the domains is linked and counted once.
     */
    async runRescanJob(ctx: JobContext): Promise<{ linked: number }> {
      const { companyId } = ctx.job.payload as { companyId: string };
      // a job taken over resumes with the count its last committed batch saved
      let linked = ctx.job.processed ?? 0;
      let stop = false;
      const batch = (skipLocked: boolean) =>
        jobs.batch(ctx.job, 'modifyContacts', async (actor, tx) => {
          // shared: batches run side by side, and the company cannot go or change its domains meanwhile
          const company = await repo.find(ctx.job.teamId, companyId, { forShare: true }, tx);
          // the company was deleted meanwhile: nothing more to link
          if (!company) {
            stop = true;
            return { processed: linked, result: 0 };
          }
          const domains = (await repo.domainsOf(ctx.job.teamId, [companyId], tx)).get(companyId) ?? [];
          const done = await linker.linkBatch(tx, actor, companyId, domains, RESCAN_BATCH, { skipLocked });
          // counted before the commit: a batch that fails fails the job, whose retry counts again from the database
          linked += done;
          return { processed: linked, result: done };
        });
      const worker = async (skipLocked: boolean) => {
        while (!stop) {
          const n = await batch(skipLocked);
          await ctx.progress(linked, Math.max(linked, ctx.job.total ?? 0));
          if (n < RESCAN_BATCH) return;
        }
      };
      const side = await Promise.allSettled(
        Array.from({ length: RESCAN_CONCURRENCY }, () =>
          worker(true).catch((err: unknown) => {
            stop = true;
            throw err;
          }),
        ),
      );
      const failed = side.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      await worker(false);
      return { linked };
    },

    // ---- time spent

    async timeEntries(actor: Actor, ticketId: string): Promise<TimeEntryList> {
      await requireTicket(actor.teamId, ticketId);
      const { rows, totalMinutes } = await repo.timeEntries(actor.teamId, ticketId, TIME_ENTRIES_MAX);
      return { items: rows.map((r) => presentEntry(actor, r)), totalMinutes };
    },

    async logTime(actor: Actor, ticketId: string, input: TimeEntryInput): Promise<TimeEntry> {
      if (!actor.memberId) throw new AppError('FORBIDDEN', 'Only members log time');
      await requireTicket(actor.teamId, ticketId);
      const at = now();
      const row = await repo.insertTimeEntry({
        id: uuidv7(),
        teamId: actor.teamId,
        ticketId,
        memberId: actor.memberId,
        memberName: actor.label,
        minutes: input.minutes,
        note: input.note.trim(),
        spentAt: input.spentAt ? new Date(input.spentAt) : at,
        at,
      });
      return presentEntry(actor, row);
    },

    async updateTime(actor: Actor, ticketId: string, id: string, patch: TimeEntryPatch): Promise<TimeEntry> {
      const entry = await ownEntry(actor, ticketId, id);
      const row = await repo.updateTimeEntry(actor.teamId, entry.id, {
        ...(patch.minutes !== undefined ? { minutes: patch.minutes } : {}),
        ...(patch.note !== undefined ? { note: patch.note.trim() } : {}),
        ...(patch.spentAt !== undefined ? { spentAt: new Date(patch.spentAt) } : {}),
        updatedAt: now(),
      });
      return presentEntry(actor, row!);
    },

    async deleteTime(actor: Actor, ticketId: string, id: string): Promise<void> {
      const entry = await ownEntry(actor, ticketId, id);
      await repo.deleteTimeEntry(actor.teamId, entry.id);
    },

    async timeReport(actor: Actor, id: string, q: TimeReportQuery): Promise<TimeReport> {
      await load(actor.teamId, id);
      const range = checkedRange(q);
      const r = await repo.timeReport(actor.teamId, id, range.start, range.end);
      return {
        companyId: id,
        from: q.from ?? null,
        to: q.to ?? null,
        totalMinutes: r.tickets.reduce((s, t) => s + t.minutes, 0),
        tickets: r.tickets,
        months: r.months,
      };
    },

    /** The company's time entries as CSV lines (header first), read a page at a time; cells formula-neutralised. */
    async timeCsv(actor: Actor, id: string, q: TimeReportQuery): Promise<{ name: string; lines: AsyncIterable<string> }> {
      const company = await load(actor.teamId, id);
      const range = checkedRange(q);
      const teamId = actor.teamId;
      async function* lines() {
        yield '\uFEFF' + csvLine(['ticket', 'subject', 'spentAt', 'minutes', 'member', 'note']);
        let after: { spentAt: Date; id: string } | null = null;
        for (;;) {
          const rows = await repo.timeEntriesOfCompany(teamId, id, range.start, range.end, after, 1000);
          for (const r of rows) {
            yield csvLine([
              String(r.number),
              neutralizeCell(r.subject),
              iso(r.spentAt),
              String(r.minutes),
              neutralizeCell(r.memberName),
              neutralizeCell(r.note),
            ]);
          }
          if (rows.length < 1000) return;
          const last = rows.at(-1)!;
          after = { spentAt: new Date(last.spentAt), id: last.id };
        }
      }
      return { name: company.name, lines: lines() };
    },
  };

  function checkedRange(q: TimeReportQuery) {
    if (q.from && q.to && q.from > q.to)
      throw new AppError('VALIDATION', 'Invalid range', [{ path: 'to', message: 'The end is before the start' }]);
    return dayRange(q.from, q.to);
  }

  async function requireTicket(teamId: string, ticketId: string) {
    const t = isUuid(ticketId) ? await repo.ticket(teamId, ticketId) : undefined;
    if (!t) throw new AppError('NOT_FOUND', 'Ticket not found');
    return t;
  }

  async function ownEntry(actor: Actor, ticketId: string, id: string): Promise<TimeEntryRow> {
    await requireTicket(actor.teamId, ticketId);
    const e = isUuid(id) ? await repo.timeEntry(actor.teamId, ticketId, id) : undefined;
    if (!e) throw new AppError('NOT_FOUND', 'Time entry not found');
    if (!actor.memberId || e.memberId !== actor.memberId)
      throw new AppError('FORBIDDEN', 'Only the member who logged this time can change or delete it');
    return e;
  }

  function presentEntry(actor: Actor, r: TimeEntryRow): TimeEntry {
    return {
      id: r.id,
      ticketId: r.ticketId,
      minutes: r.minutes,
      note: r.note,
      spentAt: iso(r.spentAt),
      member: { id: r.memberId, name: r.memberName },
      mine: !!actor.memberId && r.memberId === actor.memberId,
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
    };
  }

  return service;
}
export type CompaniesService = ReturnType<typeof createCompaniesService>;
