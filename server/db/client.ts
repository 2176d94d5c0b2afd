import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { CamelCasePlugin, CompiledQuery, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Every repo method takes an optional transaction; this is what it accepts. */
export type Executor = Db | Tx;

// int8 (COUNT(*)) as a JS number: counts here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export interface DbOptions {
  max?: number;
  /** Named prepared statements for repeated queries (default on; off for poolers that cannot keep them). */
  prepare?: boolean;
}

const pools = new WeakMap<Db, pg.Pool>();

/** A query text whose only effect is to name, to clientOf, the pg client it runs on (never sent to the server). */
const CLIENT_MARK = '/* kdesk:client */';
const named = new Map<string, pg.ClientBase>();

/** Lets clientOf find the pg client under a Kysely connection (installed on every client of createDb's pool). */
function exposeClient(client: pg.PoolClient) {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, values?: unknown, cb?: unknown) => {
    if (text === CLIENT_MARK && Array.isArray(values)) {
      named.set(String(values[0]), client);
      return Promise.resolve({ command: 'SELECT', rowCount: 0, rows: [], fields: [] });
    }
    return query(text, values, cb);
  };
}

/** The pg client a transaction (or a connection) of createDb's runs on. */
async function clientOf(ex: Executor): Promise<pg.ClientBase> {
  const token = randomUUID();
  await ex.executeQuery(CompiledQuery.raw(CLIENT_MARK, [token]));
  const client = named.get(token);
  named.delete(token);
  if (!client) throw new Error('Not a database made by createDb');
  return client;
}

/**
 * A pg client for what Kysely cannot do (COPY): a transaction's own client (what is done with it is part of
 * the transaction; `release` does nothing; the same for a connection reserved by `db.connection()`), or a client of the pool reserved until `release` — which drops it
 * from the pool when given an error (a connection left in the middle of a COPY must not be reused).
 */
export async function leaseClient(ex: Executor): Promise<{ client: pg.ClientBase; release(err?: Error): void }> {
  const pool = ex.isTransaction ? undefined : pools.get(ex as Db);
  // a transaction, or a connection Kysely reserved (db.connection())
  if (!pool) return { client: await clientOf(ex), release: () => {} };
  const client = await pool.connect();
  return { client, release: (err) => client.release(err ?? false) };
}

/** Runs `fn` with the pg client of `ex` (leaseClient); `fn` must not use `ex` while it uses the client. */
export async function withClient<T>(ex: Executor, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const lease = await leaseClient(ex);
  try {
    const out = await fn(lease.client);
    lease.release();
    return out;
  } catch (err) {
    lease.release(err as Error);
    throw err;
  }
}

export function createDb(connectionString: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client that loses its server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  if (options.prepare ?? true) pool.on('connect', (client) => usePreparedStatements(client));
  // last, so it sees its own queries first: a transaction's pg client can be found (withClient)
  pool.on('connect', (client) => exposeClient(client));
  // maintainNestedObjectKeys: column names are converted, the contents of json columns are not (a phone
  // labeled "home_office" must not come back as "homeOffice")
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  pools.set(db, pool);
  return db;
}

// Measured (pgbench, the two queries of GET /contacts/:id): 5,755 tps with the extended protocol's
// unnamed statements, 21,282 tps prepared — planning dominates these short queries. Kysely sends
// parametrised SQL, so the same text repeats; each connection prepares it once. Bulk statements
// (many parameters) and texts beyond the per-connection budget stay unnamed, so memory is bounded.
const MAX_PREPARED_PER_CONNECTION = 300;
const MAX_PARAMS_TO_PREPARE = 64;
/** Put this comment in a query whose best plan depends on its parameter values (search patterns): it is
 *  planned on every run, never with a generic plan. */
export const ADHOC = '/* adhoc */';

function usePreparedStatements(client: pg.PoolClient) {
  const prepared = new Set<string>();
  const refused = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, values?: unknown, cb?: unknown) => {
    if (
      typeof text !== 'string' ||
      !Array.isArray(values) ||
      values.length === 0 ||
      values.length > MAX_PARAMS_TO_PREPARE ||
      text.includes(ADHOC) ||
      refused.has(text)
    ) {
      return query(text, values, cb);
    }
    const name = `k${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (!prepared.has(name)) {
      if (prepared.size >= MAX_PREPARED_PER_CONNECTION) return query(text, values, cb);
      prepared.add(name);
    }
    const result = query({ name, text, values }, cb) as Promise<unknown> | undefined;
    if (!result || typeof (result as Promise<unknown>).catch !== 'function') return result;
    return (result as Promise<unknown>).catch((err: { code?: string }) => {
      // 0A000 "cached plan must not change result type": the schema changed under a running
      // instance (a migration by a newer one); use this text unprepared on this connection from now on.
      if (err?.code !== '0A000') throw err;
      refused.add(text);
      return query(text, values);
    });
  };
}

/** Answers whether the database answers (the health check). */
export async function ping(db: Executor): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/**
 * Runs `fn` inside a savepoint of `tx`: when it throws, what it wrote is rolled back, the transaction goes on
 * and the error is thrown again (the caller decides whether it ends the transaction).
 */
export async function inSavepoint<T>(tx: Tx, name: string, fn: () => Promise<T>): Promise<T> {
  await sql`SAVEPOINT ${sql.id(name)}`.execute(tx);
  try {
    const result = await fn();
    await sql`RELEASE SAVEPOINT ${sql.id(name)}`.execute(tx);
    return result;
  } catch (err) {
    await sql`ROLLBACK TO SAVEPOINT ${sql.id(name)}`.execute(tx);
    throw err;
  }
}
