// Outgoing mail through a transactional outbox: callers write a row in the same transaction as the
// event (enqueue), which wakes the `mail.deliver` job (deliverDue, also run every 30 s for retries) to send it by SMTP with retries and exponential
// backoff. Without SMTP_URL every message is kept in the built-in mailbox that owners/admins read.
import type { RawBuilder } from 'kysely';
import { createTransport, type Transporter } from 'nodemailer';
import type { MailboxPage } from '#shared/portal.schema.ts';
import { AppError } from '#shared/errors.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { WakeSql } from '../jobs/jobs.repo.ts';
import { createMailRepo, type OutboxRow } from './mail.repo.ts';
import { describeSendError, retryDelaySeconds } from './mail.rules.ts';

export interface MailConfig {
  smtpUrl: string | null;
  mailFrom: string;
  mailMaxAttempts: number;
}

export interface OutgoingMail {
  teamId: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Carries a secret (a sign-in code): the body is blanked once delivered by SMTP. */
  sensitive?: boolean;
  /** Not worth sending after this time. */
  discardAfter?: Date | null;
}

/** How long one sender holds a claimed message before another instance may take it over. */
const CLAIM_SECONDS = 120;
const BLANKED = '(This message contains a one-time sign-in code for its recipient only; its text is not shown here.)';

export function createMailService(deps: {
  db: Db;
  config: MailConfig;
  now: () => Date;
  /** Wakes the `mail.deliver` job in the transaction that wrote a message (the job engine). */
  wake?: (kind: 'mail.deliver', tx: Executor) => Promise<void>;
  /** The same, as parts of the statement that writes the messages (JobsService.wakeStatement). */
  wakeStatement?: (kind: 'mail.deliver') => WakeSql;
}) {
  const { db, config, now } = deps;
  const repo = createMailRepo(db);
  let transport: Transporter | null = null;
  const smtp = () =>
    (transport ??= createTransport({
      url: config.smtpUrl!,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    }));

  function row(m: OutgoingMail, at: Date) {
    return {
      id: uuidv7(),
      teamId: m.teamId,
      kind: m.kind,
      toAddress: m.to,
      subject: m.subject,
      textBody: m.text,
      htmlBody: m.html,
      sensitive: m.sensitive ?? false,
      status: config.smtpUrl ? ('pending' as const) : ('kept' as const),
      nextAttemptAt: at,
      discardAfter: m.discardAfter ?? null,
      createdAt: at,
    };
  }

  async function deliverOne(m: OutboxRow, at: Date): Promise<'sent' | 'retry' | 'failed' | 'discarded'> {
    const blank = m.sensitive ? { textBody: BLANKED, htmlBody: `<p>${BLANKED}</p>` } : {};
    if (m.discardAfter && m.discardAfter <= at) {
      await repo.finish(m.id, { status: 'failed', lastError: 'Expired before it could be delivered', ...blank });
      return 'discarded';
    }
    const attempts = m.attempts + 1;
    try {
      await smtp().sendMail({ from: config.mailFrom, to: m.toAddress, subject: m.subject, text: m.textBody, html: m.htmlBody });
      await repo.finish(m.id, { status: 'sent', attempts, sentAt: now(), lastError: null, ...blank });
      return 'sent';
    } catch (err) {
      const lastError = describeSendError(err);
      if (attempts >= config.mailMaxAttempts) {
        await repo.finish(m.id, { status: 'failed', attempts, lastError, ...blank });
        return 'failed';
      }
      const next = new Date(now().getTime() + retryDelaySeconds(attempts) * 1000);
      await repo.finish(m.id, { attempts, lastError, nextAttemptAt: next });
      return 'retry';
    }
  }

  return {
    smtpConfigured: config.smtpUrl !== null,

    /** Writes one message; pass the caller's transaction so the mail exists exactly when the event does. */
    async enqueue(m: OutgoingMail, tx: Executor = db): Promise<string> {
      const { id } = await repo.insert(row(m, now()), tx);
      if (config.smtpUrl) await deps.wake?.('mail.deliver', tx);
      return id;
    },

    /**
     * `enqueueMany` of one message to several addresses, as SQL to run inside the caller's statement (a CTE):
     * only the addresses whose key `keep` selects are written. The sender is woken by `wakeStatement`'s parts
     * in the same statement, or else by `wakeSender` after it when some were written.
     */
    fanOutStatement(m: Omit<OutgoingMail, 'to'>, to: { address: string; key: string }[], keep: RawBuilder<unknown>) {
      const { id: _, toAddress: __, ...common } = row({ ...m, to: '' }, now());
      return repo.fanOutSql(
        common,
        to.map((t) => ({ id: uuidv7(), toAddress: t.address, key: t.key })),
        keep,
      );
    },

    /** The sender's wake as parts of the statement that writes messages (fanOutStatement); null when mail is
     *  not sent (no SMTP) or the job engine cannot give it (then `wakeSender` after the statement). */
    wakeStatement(): WakeSql | null {
      return config.smtpUrl && deps.wakeStatement ? deps.wakeStatement('mail.deliver') : null;
    },

    /** Wakes the sender after messages were written by a caller's own statement (fanOutStatement). */
    async wakeSender(tx: Executor): Promise<void> {
      if (config.smtpUrl) await deps.wake?.('mail.deliver', tx);
    },

    async enqueueMany(ms: OutgoingMail[], tx: Executor = db): Promise<void> {
      const at = now();
      await repo.insertMany(
        ms.map((m) => row(m, at)),
        tx,
      );
      if (ms.length && config.smtpUrl) await deps.wake?.('mail.deliver', tx);
    },

    /** The periodic task: sends what is due; returns what happened, for logs and tests. */
    async deliverDue(opts: { limit?: number } = {}) {
      const at = now();
      const out = { sent: 0, retry: 0, failed: 0, discarded: 0, kept: 0 };
      if (!config.smtpUrl) {
        out.kept = Number((await repo.keepPending(at)).numUpdatedRows);
        return out;
      }
      const claimed = await repo.claimDue(at, new Date(at.getTime() + CLAIM_SECONDS * 1000), opts.limit ?? 50);
      for (const m of claimed) out[await deliverOne(m, at)]++;
      return out;
    },

    async mailbox(actor: Actor, q: { limit: number; cursor?: string }): Promise<MailboxPage> {
      requireTeamManager(actor);
      if (q.cursor && !isUuid(q.cursor)) {
        throw new AppError('VALIDATION', 'Invalid query', [{ path: 'cursor', message: 'Not a cursor this server issued' }]);
      }
      const rows = await repo.list(actor.teamId, { limit: q.limit + 1, beforeId: q.cursor });
      const items = rows.slice(0, q.limit);
      return {
        items: items.map((r) => ({
          id: r.id,
          to: r.toAddress,
          subject: r.subject,
          // with SMTP a code is for its recipient only: members never read it here, even before it is sent
          text: r.sensitive && r.status !== 'kept' ? BLANKED : r.textBody,
          html: r.sensitive && r.status !== 'kept' ? `<p>${BLANKED}</p>` : r.htmlBody,
          kind: r.kind,
          status: r.status,
          attempts: r.attempts,
          lastError: r.lastError,
          sentAt: r.sentAt?.toISOString() ?? null,
          createdAt: r.createdAt.toISOString(),
        })),
        nextCursor: rows.length > q.limit ? items.at(-1)!.id : null,
        smtpConfigured: config.smtpUrl !== null,
      };
    },

    close() {
      transport?.close();
      transport = null;
    },
  };
}
export type MailService = ReturnType<typeof createMailService>;
