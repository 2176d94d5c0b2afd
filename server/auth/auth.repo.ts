import type { Executor } from '../db/client.ts';
import { claimPending } from '../db/claim-pending.ts';
import { compiledOnce } from '../db/compiled.ts';

export function createAuthRepo(db: Executor) {
  // run on every authenticated request: compiled once (parameters: token hash[, now])
  const bySession = compiledOnce(() =>
    db
      .selectFrom('sessions as s')
      .innerJoin('members as m', 'm.id', 's.memberId')
      .selectAll('m')
      .where('s.tokenHash', '=', '')
      .where('s.expiresAt', '>', new Date(0))
      // a deactivated member's sessions were deleted; this keeps one created in a race from working
      .where('m.deactivatedAt', 'is', null),
  );
  const byToken = compiledOnce(() =>
    db
      .selectFrom('apiTokens as t')
      .innerJoin('members as m', 'm.id', 't.memberId')
      .selectAll('m')
      .select(['t.id as tokenId', 't.lastUsedAt as tokenLastUsedAt'])
      .where('t.tokenHash', '=', '')
      .where('m.deactivatedAt', 'is', null),
  );
  return {
    insertSession(row: { tokenHash: string; memberId: string; expiresAt: Date }, tx: Executor = db) {
      return tx.insertInto('sessions').values(row).execute();
    },
    deleteSession(tokenHash: string, tx: Executor = db) {
      return tx.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
    },
    deleteSessionsOf(memberId: string, tx: Executor = db, o: { except?: string } = {}) {
      let q = tx.deleteFrom('sessions').where('memberId', '=', memberId);
      if (o.except) q = q.where('tokenHash', '!=', o.except);
      return q.execute();
    },
    deleteTokensOf(memberId: string, tx: Executor = db) {
      return tx.deleteFrom('apiTokens').where('memberId', '=', memberId).execute();
    },
    async memberBySession(tokenHash: string, tx: Executor = db) {
      return (await bySession(tx, [tokenHash, new Date()]))[0];
    },
    async memberByToken(tokenHash: string, tx: Executor = db) {
      return (await byToken(tx, [tokenHash]))[0];
    },
    touchToken(id: string, tx: Executor = db) {
      return tx.updateTable('apiTokens').set({ lastUsedAt: new Date() }).where('id', '=', id).execute();
    },
    insertToken(row: { id: string; memberId: string; name: string; tokenHash: string }, tx: Executor = db) {
      return tx.insertInto('apiTokens').values(row).returning(['id', 'name', 'createdAt']).executeTakeFirstOrThrow();
    },
    listTokens(memberId: string, tx: Executor = db) {
      return tx
        .selectFrom('apiTokens')
        .select(['id', 'name', 'createdAt', 'lastUsedAt'])
        .where('memberId', '=', memberId)
        .orderBy('createdAt', 'desc')
        .execute();
    },
    deleteToken(memberId: string, id: string, tx: Executor = db) {
      return tx.deleteFrom('apiTokens').where('memberId', '=', memberId).where('id', '=', id).returning(['id', 'name']).executeTakeFirst();
    },
    // password resets (0020)
    insertReset(row: { id: string; email: string; ip: string | null; origin: string | null; expiresAt: Date }, tx: Executor = db) {
      return tx.insertInto('passwordResets').values(row).execute();
    },
    /** Pending reset requests for this worker (SKIP LOCKED: instances take disjoint rows). */
    claimPendingResets(limit: number, tx: Executor) {
      return claimPending(tx, 'passwordResets', limit);
    },
    markReset(id: string, set: { status: 'issued' | 'dropped'; memberId?: string | null; tokenHash?: string }, tx: Executor = db) {
      return tx.updateTable('passwordResets').set(set).where('id', '=', id).execute();
    },
    /** A usable reset link: issued, unused, not expired, its member active. */
    resetByToken(tokenHash: string, now: Date, tx: Executor = db) {
      return tx
        .selectFrom('passwordResets as r')
        .innerJoin('members as m', 'm.id', 'r.memberId')
        .select(['r.id', 'r.memberId', 'm.email', 'm.teamId'])
        .where('r.tokenHash', '=', tokenHash)
        .where('r.status', '=', 'issued')
        .where('r.usedAt', 'is', null)
        .where('r.expiresAt', '>', now)
        .where('m.deactivatedAt', 'is', null)
        .executeTakeFirst();
    },
    /** Uses the link in one statement: of parallel uses exactly one gets the row. */
    claimReset(tokenHash: string, now: Date, tx: Executor) {
      return tx
        .updateTable('passwordResets')
        .set({ usedAt: now })
        .where('tokenHash', '=', tokenHash)
        .where('status', '=', 'issued')
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .returning(['id', 'memberId'])
        .executeTakeFirst();
    },
    /** A new password voids every other open link of the member. */
    voidResetsOf(memberId: string, now: Date, tx: Executor) {
      return tx.updateTable('passwordResets').set({ usedAt: now }).where('memberId', '=', memberId).where('usedAt', 'is', null).execute();
    },
    purgeOldResets(before: Date, tx: Executor = db) {
      return tx.deleteFrom('passwordResets').where('createdAt', '<', before).execute();
    },
    memberForReset(email: string, tx: Executor) {
      return tx
        .selectFrom('members as m')
        .innerJoin('teams as t', 't.id', 'm.teamId')
        .select(['m.id', 'm.email', 'm.name', 'm.teamId', 'm.deactivatedAt', 't.name as teamName', 't.memberOrigin', 't.supportEmail'])
        .where('m.email', '=', email)
        .executeTakeFirst();
    },
    purgeExpiredSessions(tx: Executor = db) {
      return tx.deleteFrom('sessions').where('expiresAt', '<', new Date()).execute();
    },
  };
}
