// Password reset by emailed link (OWASP Forgot Password cheat sheet): the same answer and the same work
// for every address asked about — a request row, counted against rate limits per address and per client —
// and a periodic task that resolves rows to members and mails the link. The link's token is random
// (32 bytes), stored as SHA-256, works once, for RESET_TTL_MINUTES; using it ends every session and API
// token of the member and voids their other links.
import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { Db } from '../db/client.ts';
import { uuidv7 } from '../db/ids.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import type { MembersRepo } from '../members/members.repo.ts';
import { renderPasswordResetMail } from '../mail/mail.rules.ts';
import type { MailService } from '../mail/mail.service.ts';
import { trustedMailBase } from '../portal/portal.rules.ts';
import type { AuthService } from './auth.service.ts';
import { actorFromMember } from './auth.service.ts';
import { createAuthRepo } from './auth.repo.ts';
import { requireGoodPassword } from './password.rules.ts';
import { createRateLimiter } from './rate-limit.ts';
import { hashPassword, hashSecret, newSecret } from './secrets.ts';

export const RESET_TTL_MINUTES = 60;
/** Reset requests per 15 minutes: per address asked about, and per client address. */
export const RESET_LIMITS = { perEmail: 3, perIp: 20, windowSeconds: 15 * 60 };

export function createPasswordResetService(deps: {
  db: Db;
  mail: Pick<MailService, 'enqueue'>;
  auth: Pick<AuthService, 'revokeCredentialsOf'>;
  /** the members feature's repo (handed over by createServices) */
  members: MembersRepo;
  publicUrl: string | null;
  now: () => Date;
  /** queues the job that mails the links (so a link goes out at once, not at the next schedule) */
  wake?: (kind: 'auth.password-resets') => Promise<void>;
}) {
  const { db, now } = deps;
  const repo = createAuthRepo(db);
  const { members } = deps;
  const limiter = createRateLimiter(db);
  const audit = createAuditWriter(db);

  return {
    /** POST /api/v1/auth/password-reset: no branch here depends on whether the address belongs to anyone. */
    async request(email: string, ip: string, origin: string | null) {
      const n = normalizeEmail(email);
      if (!n.ok) throw new AppError('VALIDATION', 'Invalid email address', [{ path: 'email', message: n.message }]);
      await limiter.take(
        [
          { key: `reset:email:${n.email}`, max: RESET_LIMITS.perEmail, windowSeconds: RESET_LIMITS.windowSeconds },
          { key: `reset:ip:${ip}`, max: RESET_LIMITS.perIp, windowSeconds: RESET_LIMITS.windowSeconds },
        ],
        'Too many password reset requests. Wait a few minutes and try again.',
      );
      const at = now();
      await repo.insertReset({ id: uuidv7(), email: n.email, ip, origin, expiresAt: new Date(at.getTime() + RESET_TTL_MINUTES * 60_000) });
      // the same for every address: whether it belongs to anybody is decided by that job
      await deps.wake?.('auth.password-resets');
    },

    /** The periodic task: each pending request of an active member gets a link by mail; the others are dropped. */
    async processRequests(opts: { limit?: number } = {}) {
      const out = { issued: 0, dropped: 0 };
      await db.transaction().execute(async (tx) => {
        for (const r of await repo.claimPendingResets(opts.limit ?? 100, tx)) {
          const m = await repo.memberForReset(r.email, tx);
          if (!m || m.deactivatedAt || r.expiresAt <= now()) {
            await repo.markReset(r.id, { status: 'dropped', memberId: m?.id ?? null }, tx);
            out.dropped++;
            continue;
          }
          const token = newSecret('kdr');
          await repo.markReset(r.id, { status: 'issued', memberId: m.id, tokenHash: hashSecret(token) }, tx);
          // the request was not authenticated: its Host is the sender's to choose, so links go only to a trusted address
          const base = trustedMailBase({ publicUrl: deps.publicUrl, memberOrigin: m.memberOrigin, requestOrigin: r.origin });
          const mail = renderPasswordResetMail({
            teamName: m.teamName,
            token,
            url: base && `${base}/reset-password/${encodeURIComponent(token)}`,
            minutes: RESET_TTL_MINUTES,
            supportEmail: m.supportEmail,
          });
          await deps.mail.enqueue(
            { teamId: m.teamId, kind: 'member.password-reset', to: m.email, ...mail, sensitive: true, discardAfter: r.expiresAt },
            tx,
          );
          out.issued++;
        }
      });
      if (Math.random() < 0.05) await repo.purgeOldResets(new Date(now().getTime() - 24 * 3600_000));
      return out;
    },

    /** What the reset page shows; 404 for a link that was used, replaced or expired. */
    async check(token: string) {
      const r = await repo.resetByToken(hashSecret(token), now());
      if (!r) throw new AppError('NOT_FOUND', INVALID_RESET);
      return { email: r.email };
    },

    /** Sets the new password (once); every session and API token of the member ends. Answers the member. */
    async complete(token: string, password: string) {
      const tokenHash = hashSecret(token);
      const found = await repo.resetByToken(tokenHash, now());
      if (!found) throw new AppError('NOT_FOUND', INVALID_RESET);
      requireGoodPassword(password, found.email);
      const passwordHash = await hashPassword(password);
      return db.transaction().execute(async (tx) => {
        const claimed = await repo.claimReset(tokenHash, now(), tx);
        if (!claimed?.memberId) throw new AppError('NOT_FOUND', INVALID_RESET);
        const member = await members.update(found.teamId, claimed.memberId, { passwordHash }, tx);
        if (!member || member.deactivatedAt) throw new AppError('NOT_FOUND', INVALID_RESET);
        await repo.voidResetsOf(member.id, now(), tx);
        await deps.auth.revokeCredentialsOf(member.id, tx);
        await audit.record(
          {
            actor: actorFromMember(member, 'session'),
            entityType: 'member',
            entityId: member.id,
            action: 'password.reset',
            changes: { password: { before: '(hidden)', after: '(changed)' } },
          },
          tx,
        );
        return member;
      });
    },
  };
}
export type PasswordResetService = ReturnType<typeof createPasswordResetService>;

const INVALID_RESET = 'This password reset link is not valid any more: it was used or replaced, or it expired. Ask for a new one.';
