import type { CompiledQuery, Compilable } from 'kysely';
import type { Executor } from './client.ts';

/**
 * A query built and compiled once, run with new parameters (in the order they appear in the SQL).
 * For the few queries every request runs: Kysely's builder costs more CPU than the query itself there.
 * Result plugins (camelCase) still apply.
 */
export function compiledOnce<Row>(build: () => Compilable<Row>) {
  let compiled: CompiledQuery<Row> | undefined;
  return async (tx: Executor, parameters: readonly unknown[]): Promise<Row[]> => {
    compiled ??= build().compile();
    const r = await tx.executeQuery<Row>({ ...compiled, parameters });
    return r.rows;
  };
}
