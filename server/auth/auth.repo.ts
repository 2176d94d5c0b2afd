import type { Executor } from '../db/client.ts';

export function createAuthRepo(db: Executor) {
  return {
    insertSession(row: { tokenHash: string; memberId: string; expiresAt: Date }, tx: Executor = db) {
      return tx.insertInto('sessions').values(row).execute();
    },
    deleteSession(tokenHash: string, tx: Executor = db) {
      return tx.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
    },
    deleteSessionsOf(memberId: string, tx: Executor = db) {
      return tx.deleteFrom('sessions').where('memberId', '=', memberId).execute();
    },
    memberBySession(tokenHash: string, tx: Executor = db) {
      return tx
        .selectFrom('sessions as s')
        .innerJoin('members as m', 'm.id', 's.memberId')
        .selectAll('m')
        .where('s.tokenHash', '=', tokenHash)
        .where('s.expiresAt', '>', new Date())
        .executeTakeFirst();
    },
    memberByToken(tokenHash: string, tx: Executor = db) {
      return tx
        .selectFrom('apiTokens as t')
        .innerJoin('members as m', 'm.id', 't.memberId')
        .selectAll('m')
        .select(['t.id as tokenId', 't.lastUsedAt as tokenLastUsedAt'])
        .where('t.tokenHash', '=', tokenHash)
        .executeTakeFirst();
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
      return tx.deleteFrom('apiTokens').where('memberId', '=', memberId).where('id', '=', id).executeTakeFirst();
    },
    purgeExpiredSessions(tx: Executor = db) {
      return tx.deleteFrom('sessions').where('expiresAt', '<', new Date()).execute();
    },
  };
}
