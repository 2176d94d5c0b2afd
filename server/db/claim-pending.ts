// Pending request rows a background worker takes inside its transaction (password resets, portal sign-in
// requests): oldest first, locked until the transaction ends; SKIP LOCKED lets instances take disjoint rows.
import type { Selectable } from 'kysely';
import type { Executor } from './client.ts';
import type { Database } from './schema.ts';

/** Tables of requests queued with a `status` ('pending' until a worker handles them) and `createdAt`. */
export type PendingRequestTable = 'passwordResets' | 'portalLoginRequests';

export async function claimPending<T extends PendingRequestTable>(
  tx: Executor,
  table: T,
  limit: number,
): Promise<Selectable<Database[T]>[]> {
  // one query text for both tables; Kysely cannot type a column reference across a union of tables
  const rows = await (tx as Executor)
    .selectFrom(table as PendingRequestTable)
    .selectAll()
    .where('status', '=', 'pending')
    .orderBy('createdAt')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows as Selectable<Database[T]>[];
}
