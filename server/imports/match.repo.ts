// SQL of the optional match key of an import (see match.rules.ts): the contacts that hold a batch's keys,
// and the count of rows that had neither id nor primary email.
import { sql } from 'kysely';
import type { ImportMatchKey } from '#shared/import.schema.ts';
import type { Executor } from '../db/client.ts';
import type { ContactRow } from '../db/schema.ts';

export function createMatchRepo() {
  return {
    /** Live contacts of the team holding any of `keys` (E.164 phones, or directory sync ids), locked for a real run. */
    async findByKeys(teamId: string, matchBy: ImportMatchKey, keys: string[], lock: boolean, tx: Executor): Promise<ContactRow[]> {
      if (!keys.length) return [];
      const holds = matchBy === 'phone' ? sql`phones_e164 && ${keys}::text[]` : sql`directory_sync_id = ANY(${keys}::text[])`;
      const r = await sql<ContactRow>`
        SELECT * FROM contacts WHERE team_id = ${teamId} AND deleted_at IS NULL AND ${holds}
        ORDER BY id ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx);
      return r.rows;
    },

    /** Adds a batch's rows without id and primary email to the import's count, in the batch's transaction. */
    async addUnkeyed(importId: string, n: number, tx: Executor): Promise<void> {
      if (n > 0)
        await tx
          .updateTable('imports')
          .set({ unkeyed: sql<number>`unkeyed + ${n}` })
          .where('id', '=', importId)
          .execute();
    },
  };
}
