// Reads the header and first rows of an upload (preview, and the mapping step of a new import) in a worker
// thread with its own heap limit: a file that expands beyond it (a shared-string bomb, a parser bug) ends
// the thread with a clear 400, and the web process goes on. Only a copy of what the read needs leaves the
// file store: the whole file for XLSX (a zip is read from its end), the first bytes of a CSV.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '#shared/errors.ts';
import type { Executor } from '../db/client.ts';
import { createFilesRepo } from './files.repo.ts';
import type { HeadJob, HeadMessage, HeadResult } from './head-thread.ts';
import type { ReadOptions, SourceInfo } from './source.ts';

/** A CSV preview reads at most this much of the file. */
export const HEAD_CSV_BYTES = 4 * 1024 * 1024;
/** Longest sample cell a preview answers, and the most sample text (the rest is cut, and the preview says so). */
export const PREVIEW_CELL_CHARS = 200;
export const PREVIEW_SAMPLE_CHARS = 128 * 1024;
/** A header longer than this is not a row of column names (its width is bounded by the readers, KDESK_IMPORT_MAX_COLUMNS). */
export const MAX_HEADER_CHARS = 64 * 1024;
/** Threads reading heads at once in one process; more wait their turn. */
const THREADS_PER_PROCESS = 2;
const THREAD_TIMEOUT_MS = 60_000;
const THREAD_IDLE_MS = 30_000;

// From the sources (tests, `npm run dev`) a small .mjs registers tsx in the thread, then loads the TypeScript
// entry; in the build (scripts/build.mjs) this code sits in dist/ beside the compiled dist/head-thread.js.
const fromSources = import.meta.url.endsWith('.ts');
const entry = new URL('./head-thread.ts', import.meta.url).href;
const bootstrap = new URL(fromSources ? './head-thread.mjs' : './head-thread.js', import.meta.url);

const fileError = (message: string) => new AppError('VALIDATION', 'The file cannot be imported', [{ path: 'file', message }]);

export function createHeadReader(db: Executor, opts: { heapMb: number }) {
  const files = createFilesRepo(db);
  let running = 0;
  const waiting: (() => void)[] = [];

  async function localCopy(fileId: string, info: SourceInfo) {
    if (info.format === 'xlsx') return { ...(await files.toTempFile(fileId, 'upload.xlsx')), partial: false };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kdesk-head-'));
    const file = path.join(dir, 'upload.csv');
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const out = createWriteStream(file);
      let size = 0;
      let partial = false;
      for await (const chunk of files.read(fileId)) {
        if (size >= HEAD_CSV_BYTES) {
          partial = true;
          break;
        }
        const b = (chunk as Buffer).subarray(0, HEAD_CSV_BYTES - size);
        size += b.length;
        if (!out.write(b)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      return { path: file, cleanup, partial };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  // threads waiting for the next read; one that sits idle too long ends, giving its heap back
  const idle: Worker[] = [];
  const idleTimers = new Map<Worker, NodeJS.Timeout>();
  const spawn = () => {
    const w = new Worker(bootstrap, {
      workerData: { entry },
      resourceLimits: { maxOldGenerationSizeMb: opts.heapMb, maxYoungGenerationSizeMb: Math.min(32, Math.floor(opts.heapMb / 4)) },
    });
    // an idle thread that fails must not become an unhandled 'error' of this process
    w.on('error', () => {});
    w.on('exit', () => {
      clearTimeout(idleTimers.get(w));
      idleTimers.delete(w);
      if (idle.includes(w)) idle.splice(idle.indexOf(w), 1);
    });
    return w;
  };
  const park = (worker: Worker) => {
    worker.unref();
    idle.push(worker);
    const t = setTimeout(() => void worker.terminate(), THREAD_IDLE_MS);
    t.unref();
    idleTimers.set(worker, t);
  };

  function runThread(job: HeadJob): Promise<HeadResult> {
    const worker = idle.pop() ?? spawn();
    clearTimeout(idleTimers.get(worker));
    idleTimers.delete(worker);
    worker.ref();
    return new Promise((resolve, reject) => {
      const done = (reuse: boolean, fn: () => void) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (reuse) park(worker);
        else void worker.terminate();
        fn();
      };
      const onMessage = (m: HeadMessage) =>
        done(true, () => {
          if (m.ok) return resolve(m.head);
          if ('internal' in m.error) return reject(new Error(m.error.internal));
          reject(new AppError(m.error.code, m.error.message, m.error.details));
        });
      const onError = (err: Error & { code?: string }) =>
        done(false, () =>
          reject(
            err.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? fileError(
                  `Reading the start of this file needs more than ${opts.heapMb} MB of memory (KDESK_IMPORT_PREVIEW_HEAP_MB): it is not an ordinary spreadsheet (a huge shared-string table, or cells far to the right?)`,
                )
              : err,
          ),
        );
      const onExit = (code: number) => done(false, () => reject(new Error(`The preview thread ended (${code}) without an answer`)));
      const timer = setTimeout(
        () => done(false, () => reject(fileError(`The start of the file could not be read within ${THREAD_TIMEOUT_MS / 1000} s`))),
        THREAD_TIMEOUT_MS,
      );
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage(job);
    });
  }

  /** The header and up to `rows` data rows of a stored upload, read in a thread. */
  return async function readHeadIsolated(fileId: string, info: SourceInfo, readOpts: ReadOptions, rows: number): Promise<HeadResult> {
    // a finishing read hands its turn straight to the next one
    if (running < THREADS_PER_PROCESS) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      const copy = await localCopy(fileId, info);
      try {
        return await runThread({
          path: copy.path,
          info,
          opts: readOpts,
          rows,
          partial: copy.partial,
          cellChars: PREVIEW_CELL_CHARS,
          sampleChars: PREVIEW_SAMPLE_CHARS,
          maxHeaderChars: MAX_HEADER_CHARS,
        });
      } finally {
        await copy.cleanup();
      }
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
