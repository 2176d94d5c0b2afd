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
    countOwners(teamId: string, tx: Executor = db) {
      return tx
        .selectFrom('members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('teamId', '=', teamId)
        .where('role', '=', 'owner')
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
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
