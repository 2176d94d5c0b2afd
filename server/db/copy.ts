// COPY through the pg client under a Kysely connection or transaction: the rows of a query streamed out as
// raw bytes (exports), rows streamed in (bulk writes). Kysely has no COPY, and COPY takes no parameters:
// a compiled query's parameters are inlined as literals, exactly the text the driver would have sent.
import type pg from 'pg';
import type { CompiledQuery } from 'kysely';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { leaseClient, type Executor } from './client.ts';

/** A parameter as the text the driver sends for it (as pg's prepareValue does; a date as its UTC instant). */
function parameterText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) {
    const item = (x: unknown) => {
      const t = parameterText(x);
      return t === null ? 'NULL' : `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    };
    return `{${v.map(item).join(',')}}`;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) throw new Error('A bytea parameter cannot be inlined');
  return JSON.stringify(v);
}

/**
 * The SQL of a compiled query with its parameters written in as literals (for COPY, which takes none): each
 * value as the text the driver sends for it, quoted, so PostgreSQL reads it as it would read the parameter
 * (an untyped value, typed by where it stands). `$n` inside quoted text, identifiers or comments is left alone.
 */
export function inlineParameters(q: Pick<CompiledQuery, 'sql' | 'parameters'>): string {
  const text = q.sql;
  const literal = (n: number) => {
    if (n < 1 || n > q.parameters.length) throw new Error(`No parameter $${n}`);
    const v = parameterText(q.parameters[n - 1]);
    if (v === null) return 'NULL';
    if (v.includes('\u0000')) throw new Error('A parameter holds a NUL character');
    // an escape string means the same whatever standard_conforming_strings says (a server may turn it off)
    return ` E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    let end: number;
    if (c === "'") {
      // '…' ('' inside), E'…' (\' inside as well)
      const escapes = i > 0 && /[eE]/.test(text[i - 1]!) && !/[\w$]/.test(text[i - 2] ?? ' ');
      end = i + 1;
      for (;;) {
        if (end >= text.length) throw new Error('Unterminated string in a query');
        if (escapes && text[end] === '\\') end += 2;
        else if (text[end] === "'" && text[end + 1] === "'") end += 2;
        else if (text[end] === "'") break;
        else end++;
      }
      end++;
    } else if (c === '"') {
      end = text.indexOf('"', i + 1) + 1;
      if (!end) throw new Error('Unterminated identifier in a query');
    } else if (c === '-' && next === '-') {
      end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
    } else if (c === '/' && next === '*') {
      end = text.indexOf('*/', i + 2) + 2;
      if (end < 2) throw new Error('Unterminated comment in a query');
    } else if (c === '$' && /\d/.test(next ?? '') && !/[\w$]/.test(text[i - 1] ?? ' ')) {
      const m = /^\$(\d+)/.exec(text.slice(i, i + 12))!;
      out += literal(Number(m[1]));
      i += m[0].length;
      continue;
    } else if (c === '$') {
      // a dollar-quoted string ($$…$$, $tag$…$tag$) is never produced here
      if (/^\$[A-Za-z_]*\$/.test(text.slice(i, i + 64)) && !/[\w$]/.test(text[i - 1] ?? ' '))
        throw new Error('Dollar-quoted text in a query to inline');
      end = i + 1;
    } else end = i + 1;
    out += text.slice(i, end);
    i = end;
  }
  return out;
}

/** PGCOPY\n\377\r\n\0: the signature of COPY's binary format. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * The rows of a one-column `COPY … TO STDOUT (FORMAT binary)`, as the column's raw bytes one after the other:
 * a text column arrives exactly as its UTF-8 bytes, with nothing escaped (the text format would escape
 * backslashes and line breaks, the CSV format would quote). Pushed a chunk at a time, with the number of
 * rows each chunk completed.
 */
export class BinaryColumnReader {
  private started = false;
  private ended = false;
  private left = 0; // bytes of the current value still to come
  private pending: Buffer | null = null; // a tuple header cut by the end of a chunk
  rows = 0;

  /** The value bytes in `chunk` (slices of it, in order) and how many rows ended in it. */
  push(input: Buffer): { parts: Buffer[]; rows: number } {
    const chunk = this.pending ? Buffer.concat([this.pending, input]) : input;
    this.pending = null;
    const parts: Buffer[] = [];
    const rowsBefore = this.rows;
    let pos = 0;
    if (!this.started) {
      if (chunk.length < 19) {
        this.pending = chunk;
        return { parts, rows: 0 };
      }
      if (!chunk.subarray(0, 11).equals(SIGNATURE)) throw new Error('Not a binary COPY stream');
      const extension = chunk.readUInt32BE(15);
      if (chunk.length < 19 + extension) {
        this.pending = chunk;
        return { parts, rows: 0 };
      }
      pos = 19 + extension;
      this.started = true;
    }
    while (pos < chunk.length) {
      if (this.ended) throw new Error('Data after the end of a binary COPY stream');
      if (this.left > 0) {
        const take = Math.min(this.left, chunk.length - pos);
        parts.push(chunk.subarray(pos, pos + take));
        pos += take;
        this.left -= take;
        if (this.left === 0) this.rows++;
        continue;
      }
      if (chunk.length - pos < 2) break;
      const fields = chunk.readInt16BE(pos);
      if (fields === -1) {
        this.ended = true;
        pos += 2;
        continue;
      }
      if (fields !== 1) throw new Error(`A binary COPY row of ${fields} columns, not 1`);
      if (chunk.length - pos < 6) break;
      const length = chunk.readInt32BE(pos + 2);
      pos += 6;
      if (length <= 0)
        this.rows++; // empty, or NULL (nothing)
      else this.left = length;
    }
    if (pos < chunk.length) this.pending = Buffer.from(chunk.subarray(pos));
    return { parts, rows: this.rows - rowsBefore };
  }

  /** Throws unless the stream ended where a binary COPY ends. */
  finish() {
    if (!this.ended || this.pending || this.left) throw new Error('The binary COPY stream ended early');
  }
}

/**
 * Streams the one text column of every row of `query` (its SQL, parameters inlined) as bytes, in chunks of
 * about `chunkBytes`, each with the number of rows it completes. Backpressure: the next chunk is read from
 * the server only when the caller asks for it, so a slow consumer holds a chunk, not the result. A caller
 * that stops early (or a failure) drops the connection, which ends the query on the server.
 */
export async function* copyOutColumn(
  ex: Executor,
  query: string,
  o: { chunkBytes?: number } = {},
): AsyncGenerator<{ bytes: Buffer; rows: number }> {
  const target = o.chunkBytes ?? 256 * 1024;
  const lease = await leaseClient(ex);
  const stream = lease.client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  const reader = new BinaryColumnReader();
  let finished = false;
  let parts: Buffer[] = [];
  let size = 0;
  let rows = 0;
  try {
    for await (const chunk of stream) {
      const got = reader.push(chunk as Buffer);
      for (const p of got.parts) {
        parts.push(p);
        size += p.length;
      }
      rows += got.rows;
      if (size >= target) {
        const bytes = Buffer.concat(parts, size);
        const n = rows;
        parts = [];
        size = 0;
        rows = 0;
        yield { bytes, rows: n };
      }
    }
    reader.finish();
    finished = true;
    if (size || rows) yield { bytes: Buffer.concat(parts, size), rows };
  } finally {
    if (finished) lease.release();
    else {
      // the server may still be sending: only closing the connection stops it
      stream.on('error', () => {});
      if (ex.isTransaction) await (lease.client as pg.Client).end().catch(() => {});
      else lease.release(new Error('COPY stopped early'));
    }
  }
}

/**
 * `COPY table (columns) FROM STDIN` of rows of text values (null for NULL), in the text format, with the pg
 * client of `ex` (a transaction's: the rows are part of it). Answers the number of rows copied.
 */
export async function copyInRows(
  ex: Executor,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly (string | null)[]>,
): Promise<number> {
  const lease = await leaseClient(ex);
  try {
    const n = await copyIn(lease.client, table, columns, rows);
    lease.release();
    return n;
  } catch (err) {
    lease.release(err as Error);
    throw err;
  }
}

async function copyIn(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly (string | null)[]>,
): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let buf = '';
  let n = 0;
  for (const row of rows) {
    buf += row.map(copyText).join('\t') + '\n';
    n++;
    if (buf.length >= 1 << 18) {
      if (!stream.write(buf))
        await new Promise<void>((resolve, reject) => {
          stream.once('drain', resolve);
          stream.once('error', reject);
        });
      buf = '';
    }
  }
  stream.end(buf);
  await done;
  return n;
}

/** A value in COPY's text format: \N for NULL; backslash, tab, line breaks escaped. */
export function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v)
    ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    : v;
}
