import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { MemberInvitationsTable, MembersTable } from '../db/schema.ts';

export function createMembersRepo(db: Executor) {
  return {
    findByEmail(email: string, tx: Executor = db) {
      return tx.selectFrom('members').selectAll().where('email', '=', email).executeTakeFirst();
    },
    findById(teamId: string, id: string, tx: Executor = db) {
      return tx.selectFrom('members').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    list(teamId: string, tx: Executor = db) {
      return tx.selectFrom('members').selectAll().where('teamId', '=', teamId).orderBy('createdAt').orderBy('id').execute();
    },
    /**
     * Locks the team's owners (in id order, so concurrent callers queue instead of deadlocking) and
     * answers how many there are. A concurrent demotion or removal is waited for and not counted; an
     * owner added meanwhile may be missed, which errs on the side of keeping one.
     */
    async lockOwners(teamId: string, tx: Executor) {
      const rows = await tx
        .selectFrom('members')
        .select('id')
        .where('teamId', '=', teamId)
        .where('role', '=', 'owner')
        // a deactivated owner cannot act as one: only active owners keep the team managed
        .where('deactivatedAt', 'is', null)
        .orderBy('id')
        // NO KEY: sign-ins and tokens that reference these members are not held up
        .forNoKeyUpdate()
        .execute();
      return rows.length;
    },
    insert(row: Insertable<MembersTable>, tx: Executor = db) {
      return tx.insertInto('members').values(row).returningAll().executeTakeFirstOrThrow();
    },
    update(teamId: string, id: string, patch: Updateable<MembersTable>, tx: Executor = db) {
      return tx
        .updateTable('members')
        .set({ ...patch, updatedAt: new Date() })
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },
    delete(teamId: string, id: string, tx: Executor = db) {
      return tx.deleteFrom('members').where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    teamBrand(teamId: string, tx: Executor = db) {
      return tx.selectFrom('teams').select(['name', 'supportEmail']).where('id', '=', teamId).executeTakeFirstOrThrow();
    },
    touchSignIn(id: string, at: Date, tx: Executor = db) {
      return tx.updateTable('members').set({ lastSignInAt: at }).where('id', '=', id).execute();
    },

    // invitations (member_invitations, 0019)
    openInvitations(teamId: string, tx: Executor = db) {
      return tx
        .selectFrom('memberInvitations')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('acceptedAt', 'is', null)
        .where('revokedAt', 'is', null)
        .orderBy('createdAt', 'desc')
        .execute();
    },
    findInvitation(teamId: string, id: string, tx: Executor = db) {
      return tx
        .selectFrom('memberInvitations')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .where('acceptedAt', 'is', null)
        .where('revokedAt', 'is', null)
        .forUpdate()
        .executeTakeFirst();
    },
    findOpenInvitationByEmail(teamId: string, email: string, tx: Executor = db) {
      return tx
        .selectFrom('memberInvitations')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('email', '=', email)
        .where('acceptedAt', 'is', null)
        .where('revokedAt', 'is', null)
        .forUpdate()
        .executeTakeFirst();
    },
    /** A usable invitation by its link token (open, not expired). */
    invitationByToken(tokenHash: string, now: Date, tx: Executor = db) {
      return tx
        .selectFrom('memberInvitations as i')
        .innerJoin('teams as t', 't.id', 'i.teamId')
        .selectAll('i')
        .select('t.name as teamName')
        .where('i.tokenHash', '=', tokenHash)
        .where('i.acceptedAt', 'is', null)
        .where('i.revokedAt', 'is', null)
        .where('i.expiresAt', '>', now)
        .executeTakeFirst();
    },
    /** Takes the invitation in one statement: of parallel accepts of one link exactly one gets the row. */
    claimInvitation(tokenHash: string, now: Date, tx: Executor) {
      return tx
        .updateTable('memberInvitations')
        .set({ acceptedAt: now, updatedAt: now })
        .where('tokenHash', '=', tokenHash)
        .where('acceptedAt', 'is', null)
        .where('revokedAt', 'is', null)
        .where('expiresAt', '>', now)
        .returningAll()
        .executeTakeFirst();
    },
    insertInvitation(row: Insertable<MemberInvitationsTable>, tx: Executor = db) {
      return tx.insertInto('memberInvitations').values(row).returningAll().executeTakeFirstOrThrow();
    },
    updateInvitation(id: string, patch: Updateable<MemberInvitationsTable>, tx: Executor = db) {
      return tx
        .updateTable('memberInvitations')
        .set({ ...patch, updatedAt: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    },
  };
}
export type MembersRepo = ReturnType<typeof createMembersRepo>;
