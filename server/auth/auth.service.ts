import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { MemberRow } from '../db/schema.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import type { MembersRepo } from '../members/members.repo.ts';
import { effectivePermissions } from '../members/members.rules.ts';
import type { Actor } from './actor.ts';
import { createAuthRepo } from './auth.repo.ts';
import { createRateLimiter, type Limit } from './rate-limit.ts';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './secrets.ts';
import { requireGoodPassword } from './password.rules.ts';

const TOKEN_TOUCH_INTERVAL_MS = 60_000;
// Failed sign-ins allowed per 15 minutes: per account (guessing one password) and per client address.
export const LOGIN_LIMITS = { perEmail: 10, perIp: 50, windowSeconds: 15 * 60 };

export function actorFromMember(m: MemberRow, via: Actor['via'], requestId?: string): Actor {
  return {
    type: 'member',
    via,
    teamId: m.teamId,
    memberId: m.id,
    label: m.name ? `${m.name} <${m.email}>` : m.email,
    role: m.role,
    permissions: effectivePermissions(m),
    requestId,
  };
}

export function createAuthService(deps: {
  db: Db;
  sessionTtlHours: number;
  /** the members feature's repo (handed over by createServices): sign-in finds the member, a password change updates it */
  members: Pick<MembersRepo, 'findByEmail' | 'findById' | 'update' | 'touchSignIn'>;
}) {
  const repo = createAuthRepo(deps.db);
  const { members } = deps;
  const limiter = createRateLimiter(deps.db);
  const audit = createAuditWriter(deps.db);
  /** A new password: every session of the member ends (but `keepSession`), every API token and open reset link is revoked. */
  async function revokeCredentialsOf(memberId: string, tx?: Executor, keepSession?: string) {
    await repo.deleteSessionsOf(memberId, tx, { except: keepSession ? hashSecret(keepSession) : undefined });
    await repo.deleteTokensOf(memberId, tx);
    // an open password reset link must not undo the change (or the deactivation) that ended everything else
    await repo.voidResetsOf(memberId, new Date(), tx ?? deps.db);
  }

  /** A new session for a member who just proved who they are (sign-in, accepted invitation, password reset). */
  async function startSession(memberId: string, tx?: Executor) {
    const sessionToken = newSecret('kds');
    const at = new Date();
    const expiresAt = new Date(at.getTime() + deps.sessionTtlHours * 3600_000);
    await repo.insertSession({ tokenHash: hashSecret(sessionToken), memberId, expiresAt }, tx);
    await members.touchSignIn(memberId, at, tx);
    return { sessionToken, expiresAt };
  }

  return {
    async login(email: string, password: string, ip = 'unknown'): Promise<{ sessionToken: string; member: MemberRow; expiresAt: Date }> {
      const normalized = normalizeEmail(email);
      const limits: Limit[] = [
        {
          key: `login:email:${normalized.ok ? normalized.email : email.trim().toLowerCase()}`,
          max: LOGIN_LIMITS.perEmail,
          windowSeconds: LOGIN_LIMITS.windowSeconds,
        },
        { key: `login:ip:${ip}`, max: LOGIN_LIMITS.perIp, windowSeconds: LOGIN_LIMITS.windowSeconds },
      ];
      // counted before the password is checked: a parallel burst gets no more guesses than the limit
      const taken = await limiter.take(limits, 'Too many failed sign-ins. Wait a few minutes and try again.');
      const member = normalized.ok ? await members.findByEmail(normalized.email) : undefined;
      // verifyPassword runs even for unknown emails, so the answer time does not reveal accounts
      const ok = await verifyPassword(password, member?.passwordHash ?? null);
      if (!member || !ok) throw new AppError('UNAUTHENTICATED', 'Email or password is not correct');
      // only failures count: a sign-in forgets the account's failures and gives back the address's try
      await limiter.reset([limits[0]!.key]);
      await limiter.refund(taken.slice(1));
      // told only to someone who knows the password
      if (member.deactivatedAt) throw new AppError('FORBIDDEN', 'This account is deactivated. Ask a team owner or admin to reactivate it.');
      if (Math.random() < 0.01) await repo.purgeExpiredSessions(); // keeps the sessions table small
      return { ...(await startSession(member.id)), member };
    },

    startSession,

    async logout(sessionToken: string) {
      await repo.deleteSession(hashSecret(sessionToken));
    },

    async memberForSession(sessionToken: string) {
      return repo.memberBySession(hashSecret(sessionToken));
    },

    async memberForToken(token: string) {
      const row = await repo.memberByToken(hashSecret(token));
      if (!row) return undefined;
      const { tokenId, tokenLastUsedAt, ...member } = row;
      // at most one write a minute per token, off the request path
      if (!tokenLastUsedAt || Date.now() - tokenLastUsedAt.getTime() > TOKEN_TOUCH_INTERVAL_MS) {
        repo.touchToken(tokenId).catch(() => {});
      }
      return member as MemberRow;
    },

    /** Creates an API token for the acting member; the secret is shown once and stored hashed. */
    async createToken(actor: Actor, name: string) {
      if (!actor.memberId) throw new AppError('FORBIDDEN', 'Only members own API tokens');
      const token = newSecret('kdt');
      const row = await repo.insertToken({ id: uuidv7(), memberId: actor.memberId, name, tokenHash: hashSecret(token) });
      return { token, id: row.id, name: row.name, createdAt: row.createdAt };
    },

    async createTokenForMember(memberId: string, name: string) {
      const token = newSecret('kdt');
      await repo.insertToken({ id: uuidv7(), memberId, name, tokenHash: hashSecret(token) });
      return token;
    },

    listTokens(actor: Actor) {
      return actor.memberId ? repo.listTokens(actor.memberId) : Promise.resolve([]);
    },

    async revokeToken(actor: Actor, id: string) {
      if (!actor.memberId || !isUuid(id)) throw new AppError('NOT_FOUND', 'Token not found');
      if (!(await repo.deleteToken(actor.memberId, id))) throw new AppError('NOT_FOUND', 'Token not found');
    },

    /** A member's tokens, for an owner or admin of the team (the caller checks who may ask). */
    tokensOf(memberId: string) {
      return repo.listTokens(memberId);
    },

    /** Revokes one token of a member; answers what was revoked, or undefined when the member has no such token. */
    revokeTokenOf(memberId: string, tokenId: string, tx?: Executor) {
      return isUuid(tokenId) ? repo.deleteToken(memberId, tokenId, tx) : Promise.resolve(undefined);
    },

    revokeCredentialsOf,

    /**
     * POST /api/v1/auth/password: the signed-in member changes their own password. The current password
     * must be right (a wrong one counts as a failed sign-in of the account, so a stolen session gets no
     * extra guesses); then every other session and every API token of the member ends, in one transaction.
     */
    async changePassword(actor: Actor, input: { currentPassword: string; newPassword: string; sessionToken?: string }) {
      if (!actor.memberId) throw new AppError('FORBIDDEN', 'Only members have a password');
      const member = await members.findById(actor.teamId, actor.memberId);
      if (!member) throw new AppError('UNAUTHENTICATED', 'Sign in again');
      const limits: Limit[] = [
        { key: `login:email:${member.email}`, max: LOGIN_LIMITS.perEmail, windowSeconds: LOGIN_LIMITS.windowSeconds },
      ];
      // counted before the password is checked, like a sign-in; a right one gives its try back
      const taken = await limiter.take(limits, 'Too many wrong passwords. Wait a few minutes and try again.');
      if (!(await verifyPassword(input.currentPassword, member.passwordHash))) {
        throw new AppError('VALIDATION', 'The current password is not correct', [
          { path: 'currentPassword', message: 'The current password is not correct' },
        ]);
      }
      await limiter.refund(taken);
      requireGoodPassword(input.newPassword, member.email, 'newPassword');
      const passwordHash = await hashPassword(input.newPassword);
      await deps.db.transaction().execute(async (tx) => {
        await members.update(actor.teamId, member.id, { passwordHash }, tx);
        await revokeCredentialsOf(member.id, tx, actor.via === 'session' ? input.sessionToken : undefined);
        await audit.record(
          {
            actor,
            entityType: 'member',
            entityId: member.id,
            action: 'update',
            changes: { password: { before: '(hidden)', after: '(changed)' } },
          },
          tx,
        );
      });
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
