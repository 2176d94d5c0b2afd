import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/harness.ts';
import { createDb, inSavepoint, type Db } from './client.ts';

let db: Db;
beforeAll(async () => {
  db = createDb(await createTestDatabase(), { max: 1 });
});
afterAll(() => db?.destroy());

describe('prepared statements', () => {
  it('keep answering after a migration changes a table under a running instance', async () => {
    await sql`CREATE TABLE prep_demo (id int PRIMARY KEY, name text)`.execute(db);
    await sql`INSERT INTO prep_demo VALUES (1, 'a')`.execute(db);
    const read = () => sql<Record<string, unknown>>`SELECT * FROM prep_demo WHERE id = ${1}`.execute(db).then((r) => r.rows[0]);
    expect(await read()).toEqual({ id: 1, name: 'a' });
    expect(await read()).toEqual({ id: 1, name: 'a' }); // now prepared on this connection
    await sql`ALTER TABLE prep_demo ADD COLUMN extra text DEFAULT 'x'`.execute(db);
    expect(await read()).toEqual({ id: 1, name: 'a', extra: 'x' });
  });

  it('are really used: the server lists them for the connection', async () => {
    const r = await db.transaction().execute(async (tx) => {
      await sql`SELECT ${1}::int AS one`.execute(tx);
      return sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE ${'%AS one%'}`.execute(tx);
    });
    expect(r.rows[0]!.n).toBe(1);
  });
});

describe('column names and json contents', () => {
  it('turns snake_case columns into camelCase but leaves the keys inside json values as they are', async () => {
    const r = await sql<Record<string, unknown>>`SELECT 1 AS some_column, '{"home_office":"1","Work_Phone":"2"}'::json AS phones`.execute(
      db,
    );
    expect(r.rows[0]).toEqual({ someColumn: 1, phones: { home_office: '1', Work_Phone: '2' } });
  });
});

describe('inSavepoint', () => {
  it('undoes only what failed inside it; the transaction goes on and commits the rest', async () => {
    await sql`CREATE TABLE savepoint_demo (email text PRIMARY KEY)`.execute(db);
    const failed: string[] = [];
    await db.transaction().execute(async (tx) => {
      for (const email of ['a@x.com', 'b@x.com', 'a@x.com', 'c@x.com']) {
        try {
          await inSavepoint(tx, 'row', () => sql`INSERT INTO savepoint_demo VALUES (${email})`.execute(tx));
        } catch (err) {
          expect((err as { code?: string }).code).toBe('23505');
          failed.push(email);
        }
      }
    });
    expect(failed).toEqual(['a@x.com']);
    const { rows } = await sql<{ email: string }>`SELECT email FROM savepoint_demo ORDER BY email`.execute(db);
    expect(rows.map((r) => r.email)).toEqual(['a@x.com', 'b@x.com', 'c@x.com']);
  });
});
