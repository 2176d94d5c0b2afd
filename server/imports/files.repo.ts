// Files kept in PostgreSQL (uploads to import, generated exports), in 1 MB chunks. In the database and
// not on a local disk, so that any instance can resume an import another one started.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';

export const CHUNK_BYTES = 1024 * 1024;

export function createFilesRepo(db: Executor) {
  return {
    /** Keeps what was learned about a file (its encoding, its format) with it. */
    async setMeta(id: string, meta: unknown, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('files')
        .set({ meta: JSON.stringify(meta) })
        .where('id', '=', id)
        .execute();
    },
    async create(
      f: { id: string; teamId: string; purpose: 'import' | 'export'; name: string; createdBy: string | null; ttlHours: number },
      tx: Executor = db,
    ) {
      await tx
        .insertInto('files')
        .values({
          id: f.id,
          teamId: f.teamId,
          purpose: f.purpose,
          name: f.name,
          createdBy: f.createdBy,
          expiresAt: sql<Date>`now() + make_interval(hours => ${f.ttlHours})`,
        })
        .execute();
    },
    async appendChunk(fileId: string, seq: number, data: Buffer, tx: Executor = db) {
      await tx.insertInto('fileChunks').values({ fileId, seq, data }).execute();
    },
    async complete(fileId: string, info: { size: number; sha256: string; meta: Record<string, unknown> }, tx: Executor = db) {
      await tx
        .updateTable('files')
        .set({ complete: true, size: info.size, sha256: info.sha256, meta: JSON.stringify(info.meta) })
        .where('id', '=', fileId)
        .execute();
    },
    find(teamId: string, id: string, tx: Executor = db) {
      return tx
        .selectFrom('files')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .where('complete', '=', true)
        .where('expiresAt', '>', sql<Date>`now()`)
        .executeTakeFirst();
    },
    /** Keeps a file at least until `hours` from now (an import that uses it may resume later). */
    async extend(fileId: string, hours: number, tx: Executor = db) {
      await tx
        .updateTable('files')
        .set({ expiresAt: sql<Date>`greatest(expires_at, now() + make_interval(hours => ${hours}))` })
        .where('id', '=', fileId)
        .execute();
    },
    async delete(fileId: string, tx: Executor = db) {
      await tx.deleteFrom('files').where('id', '=', fileId).execute();
    },
    /** Expired files and uploads that never completed (their request died). */
    async deleteExpired(tx: Executor = db): Promise<number> {
      const r = await tx
        .deleteFrom('files')
        .where((eb) =>
          eb.or([
            eb('expiresAt', '<', sql<Date>`now()`),
            eb.and([eb('complete', '=', false), eb('createdAt', '<', sql<Date>`now() - interval '6 hours'`)]),
          ]),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    /** Appends bytes in 1 MB chunks as they come (exports are written this way), then completes the file. */
    chunkWriter(fileId: string, tx: Executor = db) {
      const hash = createHash('sha256');
      let pending: Buffer[] = [];
      let pendingLen = 0;
      let size = 0;
      let seq = 0;
      const flush = async () => {
        if (!pendingLen) return;
        const data = Buffer.concat(pending, pendingLen);
        pending = [];
        pendingLen = 0;
        await tx.insertInto('fileChunks').values({ fileId, seq: seq++, data }).execute();
      };
      return {
        async write(chunk: Buffer | string) {
          const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          hash.update(b);
          size += b.length;
          pending.push(b);
          pendingLen += b.length;
          if (pendingLen >= CHUNK_BYTES) await flush();
        },
        async close(meta: Record<string, unknown> = {}) {
          await flush();
          await tx
            .updateTable('files')
            .set({ complete: true, size, sha256: hash.digest('hex'), meta: JSON.stringify(meta) })
            .where('id', '=', fileId)
            .execute();
          return size;
        },
      };
    },
    /** The file's bytes, one chunk at a time (bounded memory whatever the size). */
    read(fileId: string, tx: Executor = db): Readable {
      let seq = 0;
      return Readable.from(
        (async function* () {
          for (;;) {
            const row = await tx
              .selectFrom('fileChunks')
              .select('data')
              .where('fileId', '=', fileId)
              .where('seq', '=', seq)
              .executeTakeFirst();
            if (!row) return;
            seq++;
            yield row.data;
          }
        })(),
      );
    },
    /** Copies the file to a temporary path (for formats that need random access: XLSX is a zip). */
    async toTempFile(fileId: string, name: string, tx: Executor = db): Promise<{ path: string; cleanup: () => Promise<void> }> {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'kdesk-file-'));
      const p = path.join(dir, name);
      try {
        await pipeline(this.read(fileId, tx), createWriteStream(p));
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      return { path: p, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  };
}
export type FilesRepo = ReturnType<typeof createFilesRepo>;
