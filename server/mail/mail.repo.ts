import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { MailOutboxTable } from '../db/schema.ts';
import type { Insertable, Selectable } from 'kysely';

export type OutboxRow = Selectable<MailOutboxTable>;
/** A message as enqueue writes it (every column given). */
export interface NewMail {
  id: string;
  teamId: string;
  kind: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  sensitive: boolean;
  status: 'pending' | 'kept';
  nextAttemptAt: Date;
  discardAfter: Date | null;
  createdAt: Date;
}

export function createMailRepo(db: Executor) {
  return {
    insert(row: Insertable<MailOutboxTable>, tx: Executor = db) {
      return tx.insertInto('mailOutbox').values(row).returning('id').executeTakeFirstOrThrow();
    },
    /**
     * One message to several addresses, as a part (a CTE) of the caller's statement: only the addresses whose
     * `key` is among what `keep` selects (one uuid column) are written. Fixed shape whatever their number; the
     * message's text is sent once, not once per address. RETURNING the ids written.
     */
    fanOutSql(m: Omit<NewMail, 'id' | 'toAddress'>, to: { id: string; toAddress: string; key: string }[], keep: RawBuilder<unknown>) {
      return sql`
        INSERT INTO mail_outbox (id, team_id, kind, to_address, subject, text_body, html_body, sensitive, status,
                                 next_attempt_at, discard_after, created_at)
        SELECT r.id, ${m.teamId}::uuid, ${m.kind}::text, r.to_address, ${m.subject}::text, ${m.textBody}::text, ${m.htmlBody}::text,
               ${m.sensitive}::boolean, ${m.status}::text, ${m.nextAttemptAt}::timestamptz, ${m.discardAfter}::timestamptz,
               ${m.createdAt}::timestamptz
        FROM unnest(${to.map((t) => t.id)}::uuid[], ${to.map((t) => t.toAddress)}::text[], ${to.map((t) => t.key)}::uuid[])
          WITH ORDINALITY AS r(id, to_address, key, n)
        WHERE r.key IN (${keep})
        ORDER BY r.n
        RETURNING id`;
    },
    /** Writes many messages in one statement of fixed shape (one array per column), whatever their number. */
    async insertMany(rows: NewMail[], tx: Executor = db): Promise<void> {
      if (!rows.length) return;
      const col = <K extends keyof NewMail>(k: K) => rows.map((r) => r[k]);
      await sql`
        INSERT INTO mail_outbox (id, team_id, kind, to_address, subject, text_body, html_body, sensitive, status,
                                 next_attempt_at, discard_after, created_at)
        SELECT * FROM unnest(${col('id')}::uuid[], ${col('teamId')}::uuid[], ${col('kind')}::text[], ${col('toAddress')}::text[],
                             ${col('subject')}::text[], ${col('textBody')}::text[], ${col('htmlBody')}::text[],
                             ${col('sensitive')}::boolean[], ${col('status')}::text[], ${col('nextAttemptAt')}::timestamptz[],
                             ${col('discardAfter')}::timestamptz[], ${col('createdAt')}::timestamptz[])`.execute(tx);
    },
    /**
     * Takes up to `limit` due messages for this sender until `lockedUntil`. SKIP LOCKED lets several
     * instances claim disjoint rows; a sender that dies loses its claim when the lock time passes.
     */
    async claimDue(now: Date, lockedUntil: Date, limit: number, tx: Executor = db): Promise<OutboxRow[]> {
      const r = await sql<OutboxRow>`
        UPDATE mail_outbox SET locked_until = ${lockedUntil}
        WHERE id IN (
          SELECT id FROM mail_outbox
          WHERE status = 'pending' AND next_attempt_at <= ${now} AND (locked_until IS NULL OR locked_until <= ${now})
          ORDER BY next_attempt_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING *`.execute(tx);
      return r.rows; // the camelCase plugin maps raw results too
    },
    finish(
      id: string,
      set: Partial<Pick<OutboxRow, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt' | 'textBody' | 'htmlBody'>>,
      tx: Executor = db,
    ) {
      return tx
        .updateTable('mailOutbox')
        .set({ ...set, lockedUntil: null })
        .where('id', '=', id)
        .execute();
    },
    /** Mail still waiting when SMTP is not configured goes to the built-in mailbox. */
    keepPending(now: Date, tx: Executor = db) {
      return tx
        .updateTable('mailOutbox')
        .set({ status: 'kept' })
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<=', now)]))
        .executeTakeFirst();
    },
    /** Newest first, keyset-paged on id (UUIDv7). */
    list(teamId: string, opts: { limit: number; beforeId?: string }, tx: Executor = db) {
      let q = tx.selectFrom('mailOutbox').selectAll().where('teamId', '=', teamId);
      if (opts.beforeId) q = q.where('id', '<', opts.beforeId);
      return q.orderBy('id', 'desc').limit(opts.limit).execute();
    },
  };
}
export type MailRepo = ReturnType<typeof createMailRepo>;
