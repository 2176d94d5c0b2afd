// SQL of companies, their domains and the time logged on tickets. Every query is scoped by team.
// Contacts and tickets are only read here (counts, the tickets of a company); the contact writer links
// contacts to companies.
import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { CompanyRow, TimeEntryRow } from '../db/schema.ts';

export interface CompanyListFilter {
  /** case-folded text: a name containing it, or a domain starting with it */
  text?: string;
  sort: 'name' | '-name' | 'createdAt' | '-createdAt';
  limit: number;
  offset: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

export function createCompaniesRepo(db: Executor) {
  return {
    /** The team's companies whose case-folded name is among `keys` (an import's names): name key → ids. */
    async idsByNameKeys(teamId: string, keys: readonly string[], tx: Executor = db): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (!keys.length) return out;
      const rows = await tx
        .selectFrom('companies')
        .select(['id', 'nameKey'])
        .where('teamId', '=', teamId)
        .where('nameKey', 'in', [...keys])
        .orderBy('id')
        .execute();
      for (const r of rows) out.set(r.nameKey, [...(out.get(r.nameKey) ?? []), r.id]);
      return out;
    },
    /** `forShare`: kept as it is (not deleted, domains unchanged) by this and other sharing transactions alike. */
    async find(
      teamId: string,
      id: string,
      o: { forUpdate?: boolean; forShare?: boolean } = {},
      tx: Executor = db,
    ): Promise<CompanyRow | undefined> {
      let q = tx.selectFrom('companies').selectAll().where('teamId', '=', teamId).where('id', '=', id);
      if (o.forUpdate) q = q.forUpdate();
      else if (o.forShare) q = q.forShare();
      return q.executeTakeFirst();
    },

    async page(teamId: string, f: CompanyListFilter, tx: Executor = db): Promise<{ rows: CompanyRow[]; total: number }> {
      let q = tx.selectFrom('companies as c').where('c.teamId', '=', teamId);
      if (f.text) {
        const pattern = `%${likeEscape(f.text)}%`;
        const prefix = `${likeEscape(f.text)}%`;
        q = q.where((eb) =>
          eb.or([
            eb('c.nameKey', 'like', pattern),
            eb.exists(
              eb
                .selectFrom('companyDomains as d')
                .select(sql`1`.as('x'))
                .where('d.teamId', '=', teamId)
                .whereRef('d.companyId', '=', 'c.id')
                .where('d.domain', 'like', prefix),
            ),
          ]),
        );
      }
      const [col, dir] = f.sort.startsWith('-') ? [f.sort.slice(1), 'desc' as const] : [f.sort, 'asc' as const];
      const order = col === 'name' ? 'c.nameKey' : 'c.createdAt';
      const [rows, total] = await Promise.all([
        q.selectAll('c').orderBy(order, dir).orderBy('c.id', dir).limit(f.limit).offset(f.offset).execute(),
        q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(total.n) };
    },

    /** The domains of companies, by company. */
    async domainsOf(teamId: string, companyIds: readonly string[], tx: Executor = db): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>(companyIds.map((id) => [id, []]));
      if (!companyIds.length) return out;
      const rows = await tx
        .selectFrom('companyDomains')
        .select(['companyId', 'domain'])
        .where('teamId', '=', teamId)
        .where('companyId', 'in', companyIds)
        .orderBy('domain')
        .execute();
      for (const r of rows) out.get(r.companyId)?.push(r.domain);
      return out;
    },

    /** Live contacts and tickets per company. */
    async counts(
      teamId: string,
      companyIds: readonly string[],
      tx: Executor = db,
    ): Promise<Map<string, { contacts: number; tickets: number }>> {
      const out = new Map(companyIds.map((id) => [id, { contacts: 0, tickets: 0 }]));
      if (!companyIds.length) return out;
      const [contacts, tickets] = await Promise.all([
        sql<{ companyId: string; n: number }>`
          SELECT company_id, count(*)::int AS n FROM contacts
          WHERE team_id = ${teamId} AND deleted_at IS NULL AND company_id = ANY(${companyIds}::uuid[]) GROUP BY company_id`.execute(tx),
        sql<{ companyId: string; n: number }>`
          SELECT company_id, count(*)::int AS n FROM tickets
          WHERE team_id = ${teamId} AND company_id = ANY(${companyIds}::uuid[]) GROUP BY company_id`.execute(tx),
      ]);
      for (const r of contacts.rows) out.get(r.companyId)!.contacts = r.n;
      for (const r of tickets.rows) out.get(r.companyId)!.tickets = r.n;
      return out;
    },

    /** Which of `domains` another company of the team holds: domain → that company's id and name. */
    async domainOwners(
      teamId: string,
      domains: readonly string[],
      exceptCompanyId: string | null,
      tx: Executor = db,
    ): Promise<Map<string, { id: string; name: string }>> {
      if (!domains.length) return new Map();
      let q = tx
        .selectFrom('companyDomains as d')
        .innerJoin('companies as c', 'c.id', 'd.companyId')
        .select(['d.domain', 'c.id', 'c.name'])
        .where('d.teamId', '=', teamId)
        .where('d.domain', 'in', domains);
      if (exceptCompanyId) q = q.where('d.companyId', '!=', exceptCompanyId);
      const rows = await q.execute();
      return new Map(rows.map((r) => [r.domain, { id: r.id, name: r.name }]));
    },

    async insert(row: { id: string; teamId: string; name: string; nameKey: string; notes: string | null; at: Date }, tx: Executor) {
      await tx
        .insertInto('companies')
        .values({
          id: row.id,
          teamId: row.teamId,
          name: row.name,
          nameKey: row.nameKey,
          notes: row.notes,
          createdAt: row.at,
          updatedAt: row.at,
        })
        .execute();
    },

    async update(
      teamId: string,
      id: string,
      set: { name?: string; nameKey?: string; notes?: string | null; updatedAt: Date },
      tx: Executor,
    ) {
      await tx.updateTable('companies').set(set).where('teamId', '=', teamId).where('id', '=', id).execute();
    },

    /** Replaces a company's domains; answers the ones added. */
    async setDomains(teamId: string, companyId: string, domains: readonly string[], tx: Executor): Promise<string[]> {
      const before = await tx
        .selectFrom('companyDomains')
        .select('domain')
        .where('teamId', '=', teamId)
        .where('companyId', '=', companyId)
        .execute();
      const had = new Set(before.map((r) => r.domain));
      const removed = [...had].filter((d) => !domains.includes(d));
      const added = domains.filter((d) => !had.has(d));
      if (removed.length) {
        await tx
          .deleteFrom('companyDomains')
          .where('teamId', '=', teamId)
          .where('companyId', '=', companyId)
          .where('domain', 'in', removed)
          .execute();
      }
      if (added.length)
        await tx
          .insertInto('companyDomains')
          .values(added.map((domain) => ({ teamId, domain, companyId })))
          .execute();
      return added;
    },

    async remove(teamId: string, id: string, tx: Executor): Promise<boolean> {
      const r = await tx.deleteFrom('companies').where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    // ---- time entries

    async ticket(teamId: string, ticketId: string, tx: Executor = db) {
      return tx
        .selectFrom('tickets')
        .select(['id', 'number', 'subject', 'companyId'])
        .where('teamId', '=', teamId)
        .where('id', '=', ticketId)
        .executeTakeFirst();
    },

    async timeEntries(
      teamId: string,
      ticketId: string,
      limit: number,
      tx: Executor = db,
    ): Promise<{ rows: TimeEntryRow[]; totalMinutes: number }> {
      const [rows, total] = await Promise.all([
        tx
          .selectFrom('timeEntries')
          .selectAll()
          .where('teamId', '=', teamId)
          .where('ticketId', '=', ticketId)
          .orderBy('spentAt', 'desc')
          .orderBy('id', 'desc')
          .limit(limit)
          .execute(),
        tx
          .selectFrom('timeEntries')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('minutes'), sql<string>`0`).as('m'))
          .where('teamId', '=', teamId)
          .where('ticketId', '=', ticketId)
          .executeTakeFirstOrThrow(),
      ]);
      return { rows, totalMinutes: Number(total.m) };
    },

    async timeEntry(teamId: string, ticketId: string, id: string, tx: Executor = db): Promise<TimeEntryRow | undefined> {
      return tx
        .selectFrom('timeEntries')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('ticketId', '=', ticketId)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    async insertTimeEntry(row: Omit<TimeEntryRow, 'createdAt' | 'updatedAt'> & { at: Date }, tx: Executor = db): Promise<TimeEntryRow> {
      const { at, ...rest } = row;
      return tx
        .insertInto('timeEntries')
        .values({ ...rest, createdAt: at, updatedAt: at })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async updateTimeEntry(
      teamId: string,
      id: string,
      set: { minutes?: number; note?: string; spentAt?: Date; updatedAt: Date },
      tx: Executor = db,
    ): Promise<TimeEntryRow | undefined> {
      return tx.updateTable('timeEntries').set(set).where('teamId', '=', teamId).where('id', '=', id).returningAll().executeTakeFirst();
    },

    async deleteTimeEntry(teamId: string, id: string, tx: Executor = db): Promise<void> {
      await tx.deleteFrom('timeEntries').where('teamId', '=', teamId).where('id', '=', id).execute();
    },

    /** Time on the company's tickets in [start, end): per ticket and per month (UTC). */
    async timeReport(teamId: string, companyId: string, start: Date | null, end: Date | null, tx: Executor = db) {
      const range = sql`${start ? sql`AND e.spent_at >= ${start}` : sql``} ${end ? sql`AND e.spent_at < ${end}` : sql``}`;
      const [tickets, months] = await Promise.all([
        sql<{ ticketId: string; number: number; subject: string; minutes: number; entries: number }>`
          SELECT t.id AS ticket_id, t.number, t.subject, sum(e.minutes)::int AS minutes, count(*)::int AS entries
          FROM tickets t JOIN time_entries e ON e.team_id = t.team_id AND e.ticket_id = t.id
          WHERE t.team_id = ${teamId} AND t.company_id = ${companyId} ${range}
          GROUP BY t.id, t.number, t.subject ORDER BY minutes DESC, t.number`.execute(tx),
        sql<{ month: string; minutes: number }>`
          SELECT to_char(date_trunc('month', e.spent_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, sum(e.minutes)::int AS minutes
          FROM tickets t JOIN time_entries e ON e.team_id = t.team_id AND e.ticket_id = t.id
          WHERE t.team_id = ${teamId} AND t.company_id = ${companyId} ${range}
          GROUP BY 1 ORDER BY 1`.execute(tx),
      ]);
      return { tickets: tickets.rows, months: months.rows };
    },

    /** Every time entry on the company's tickets in [start, end), oldest first, a page at a time (CSV). */
    async timeEntriesOfCompany(
      teamId: string,
      companyId: string,
      start: Date | null,
      end: Date | null,
      after: { spentAt: Date; id: string } | null,
      limit: number,
      tx: Executor = db,
    ) {
      const r = await sql<TimeEntryRow & { number: number; subject: string }>`
        SELECT e.*, t.number, t.subject FROM tickets t JOIN time_entries e ON e.team_id = t.team_id AND e.ticket_id = t.id
        WHERE t.team_id = ${teamId} AND t.company_id = ${companyId}
          ${start ? sql`AND e.spent_at >= ${start}` : sql``} ${end ? sql`AND e.spent_at < ${end}` : sql``}
          ${after ? sql`AND (e.spent_at, e.id) > (${after.spentAt}, ${after.id})` : sql``}
        ORDER BY e.spent_at, e.id LIMIT ${limit}`.execute(tx);
      return r.rows;
    },
  };
}
export type CompaniesRepo = ReturnType<typeof createCompaniesRepo>;
