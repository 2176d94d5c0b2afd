// A statement written as text with numbered parameters, for the few statements that run so often that
// building and compiling them through Kysely costs more than the statement itself (measured on a SCIM create:
// about 0.2 ms of the server's CPU a request went to Kysely's nodes, plugin transform and compilation of one
// statement of some fifty fragments). Text only ever comes from the code; values only ever go in parameters.
import { CompiledQuery } from 'kysely';
import type { Executor } from './client.ts';

/** Adds a value to the statement's parameters and answers its placeholder ($1, $2, …). */
export type Param = (value: unknown) => string;

/**
 * Runs the statement `build` writes (placeholders from `p`). The text must not depend on the values (only
 * their placeholders), so that it stays the same statement, prepared once per connection. Rows come back
 * as from any Kysely query (camel-cased column names).
 */
export async function runTextStatement<T>(tx: Executor, build: (p: Param) => string): Promise<T[]> {
  const values: unknown[] = [];
  const text = build((v) => {
    values.push(v);
    return `$${values.length}`;
  });
  const r = await tx.executeQuery<T>(CompiledQuery.raw(text, values));
  return r.rows;
}
