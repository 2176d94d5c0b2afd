// Runs in a thread started by head-reader.ts with a heap limit: reads the header and first rows of a local
// copy of an upload. A file that needs more memory than that ends this thread, never the web process.
import { parentPort } from 'node:worker_threads';
import { AppError } from '#shared/errors.ts';
import { localFile, readHead, type ReadOptions, type SourceInfo, type SourceRecord } from './source.ts';

export interface HeadJob {
  path: string;
  info: SourceInfo;
  opts: ReadOptions;
  rows: number;
  /** The copy holds only the start of the file (a CSV): its last record may be cut. */
  partial: boolean;
  /** Longest cell text sent back, and the most text of all sample rows together. */
  cellChars: number;
  sampleChars: number;
  maxHeaderChars: number;
}

export interface HeadResult {
  headers: string[];
  headerRow: number;
  rows: SourceRecord[];
  /** Some sample cell was cut to `cellChars`, or rows were left out. */
  truncated: boolean;
}

export type HeadMessage =
  | { ok: true; head: HeadResult }
  | { ok: false; error: { code: AppError['code']; message: string; details?: unknown } | { internal: string } };

const fileError = (message: string) => new AppError('VALIDATION', 'The file cannot be imported', [{ path: 'file', message }]);

async function run(job: HeadJob): Promise<HeadResult> {
  const head = await readHead(localFile(job.path), job.info, job.opts, job.rows);
  let rows = head.rows;
  let truncated = false;
  if (job.partial && rows.length < job.rows) {
    if (!rows.length) throw fileError('The header row and the first row are too long to be column names and a contact');
    rows = rows.slice(0, -1); // may be cut where the copy ends
    truncated = true;
  }
  const { headers } = head;
  if (headers.reduce((n, h) => n + h.length, 0) > job.maxHeaderChars) {
    throw fileError(`The header row is longer than ${job.maxHeaderChars} characters (is the first row the column names?)`);
  }
  const cut = (s: string) => {
    if (s.length <= job.cellChars) return s;
    truncated = true;
    return s.slice(0, job.cellChars);
  };
  const sample: SourceRecord[] = [];
  let chars = 0;
  for (const r of rows) {
    const cells = r.cells.slice(0, headers.length).map(cut);
    chars += cells.reduce((n, c) => n + c.length, 0);
    // at least one row, so an import of a file with wide rows is not taken for a header-only file
    if (sample.length && chars > job.sampleChars) {
      truncated = true;
      break;
    }
    sample.push({ ...r, cells });
  }
  return { headers, headerRow: head.headerRow, rows: sample, truncated };
}

// one read at a time per thread; the thread stays for the next one (starting one costs about a second)
parentPort!.on('message', (job: HeadJob) => {
  run(job).then(
    (head) => parentPort!.postMessage({ ok: true, head } satisfies HeadMessage),
    (err: unknown) => {
      const error =
        err instanceof AppError
          ? { code: err.code, message: err.message, details: err.details }
          : { internal: err instanceof Error ? err.message : String(err) };
      parentPort!.postMessage({ ok: false, error } satisfies HeadMessage);
    },
  );
});
