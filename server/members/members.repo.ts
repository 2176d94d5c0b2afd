import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { MembersTable } from '../db/schema.ts';

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
  };
}
export type MembersRepo = ReturnType<typeof createMembersRepo>;
