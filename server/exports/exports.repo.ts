// SQL of exports: contacts of a filter in id order, page by page (keyset), and the export jobs.
import { sql, type ExpressionBuilder } from 'kysely';
import type { ExportFilter } from '#shared/import.schema.ts';
import type { Executor } from '../db/client.ts';
import type { ContactRow, Database, ExportRecord } from '../db/schema.ts';

export interface ContactSelection {
  ids?: string[];
  filter?: ExportFilter;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

// TODO(issue 3): use the directory's own filter (server/contacts) once it is on main, so export and
// directory always agree on what a filter means.
function where(teamId: string, sel: ContactSelection) {
  return (eb: ExpressionBuilder<Database, 'contacts'>) => {
    const conds = [eb('teamId', '=', teamId)];
    if (sel.ids) conds.push(eb('id', 'in', sel.ids.length ? sel.ids : ['00000000-0000-0000-0000-000000000000']));
    const f = sel.filter ?? {};
    if (f.status === 'active') conds.push(eb('active', '=', true));
    if (f.status === 'inactive') conds.push(eb('active', '=', false));
    if (f.verified === 'true') conds.push(eb('portalVerifiedAt', 'is not', null));
    if (f.verified === 'false') conds.push(eb('portalVerifiedAt', 'is', null));
    if (f.companyId) conds.push(eb('companyId', '=', f.companyId));
    const q = f.q?.trim();
    if (q) {
      const like = `%${likeEscape(q)}%`;
      const digits = q.replace(/\D/g, '');
      const ors = [
        sql<boolean>`concat_ws(' ', first_name, last_name) ILIKE ${like}`,
        sql<boolean>`company ILIKE ${like}`,
        sql<boolean>`primary_email ILIKE ${like}`,
        sql<boolean>`emails::text ILIKE ${like}`,
        sql<boolean>`phones::text ILIKE ${like}`,
      ];
      if (digits.length >= 3) ors.push(sql<boolean>`array_to_string(phones_e164, ' ') LIKE ${`%${digits}%`}`);
      conds.push(eb.or(ors.map((o) => eb(o, '=', true))));
    }
    return eb.and(conds);
  };
}

export function createExportsRepo(db: Executor) {
  return {
    async count(teamId: string, sel: ContactSelection, tx: Executor = db): Promise<number> {
      const r = await tx
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(where(teamId, sel))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    /** Every matching contact in id (creation) order, `pageSize` at a time: bounded memory. */
    async *pages(teamId: string, sel: ContactSelection, pageSize = 2000, tx: Executor = db): AsyncGenerator<ContactRow[]> {
      let after: string | null = null;
      for (;;) {
        let q = tx.selectFrom('contacts').selectAll().where(where(teamId, sel));
        if (after) q = q.where('id', '>', after);
        const page: ContactRow[] = await q.orderBy('id').limit(pageSize).execute();
        if (!page.length) return;
        yield page;
        if (page.length < pageSize) return;
        after = page.at(-1)!.id;
      }
    },

    insert(row: Parameters<ReturnType<Executor['insertInto']>['values']>[0], tx: Executor = db) {
      return tx
        .insertInto('exports')
        .values(row as never)
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    find(teamId: string, id: string, tx: Executor = db) {
      return tx.selectFrom('exports').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    async claim(owner: string, leaseSeconds: number, tx: Executor = db): Promise<ExportRecord | undefined> {
      const r = await sql<ExportRecord>`
        UPDATE exports SET status = 'running', lease_owner = ${owner},
          lease_expires_at = now() + make_interval(secs => ${leaseSeconds}), attempts = attempts + 1,
          started_at = coalesce(started_at, now()), updated_at = now(), processed = 0
        WHERE id = (
          SELECT id FROM exports
          WHERE status IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at < now())
          ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`.execute(tx);
      return r.rows[0];
    },
    async progress(id: string, owner: string, processed: number, total: number | null, leaseSeconds: number, tx: Executor = db) {
      const r = await tx
        .updateTable('exports')
        .set({ processed, total, leaseExpiresAt: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`, updatedAt: sql<Date>`now()` })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async finish(
      id: string,
      owner: string,
      patch: { status: 'succeeded' | 'failed'; error?: string | null; fileId?: string | null; processed?: number },
      tx: Executor = db,
    ) {
      const r = await tx
        .updateTable('exports')
        .set({
          status: patch.status,
          error: patch.error ?? null,
          ...(patch.fileId !== undefined ? { fileId: patch.fileId } : {}),
          ...(patch.processed !== undefined ? { processed: patch.processed } : {}),
          finishedAt: sql<Date>`now()`,
          updatedAt: sql<Date>`now()`,
          leaseOwner: null,
          leaseExpiresAt: null,
        })
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
export type ExportsRepo = ReturnType<typeof createExportsRepo>;
