// From stored bytes to records: format and encoding detection at upload, then CSV or XLSX rows as text
// cells, streamed with bounded memory. Row numbers count like a spreadsheet: the header is row 1.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { AppError } from '#shared/errors.ts';
import type { Executor } from '../db/client.ts';
import { uuidv7 } from '../db/ids.ts';
import {
  chooseEncoding,
  createCsvParser,
  createUtf8Stats,
  decodeWindows1252,
  detectDialect,
  guessUtf16,
  isBlankRecord,
  sniffBom,
  type TextEncoding,
} from './csv.rules.ts';
import { createLegacyDecoder, decodeLegacy, guessLegacyEncoding, legacyEncodings, type LegacyEncoding } from './encoding.rules.ts';
import { CHUNK_BYTES, createFilesRepo } from './files.repo.ts';
import type { ImportConfig } from '../config.ts';
import { layOutXlsxRow, XLSX_EXTRA_COLUMNS } from './rows.rules.ts';
import { readXlsxRows, XlsxFileError, type XlsxLimits } from './xlsx-reader.ts';

/** How to read a stored file: decided once at upload, kept with the import so a resumed run reads it the same way. */
export interface SourceInfo {
  format: 'csv' | 'xlsx';
  encoding: TextEncoding | null;
  /** Read as UTF-8 although some bytes are not: rows holding such a byte fail instead of the file being misread. */
  encodingDamaged: boolean;
  /** False when the file could be read in several encodings and none won: the import waits for a choice. */
  encodingConfident?: boolean;
  /** Encodings the file can be read in, most likely first (a file that is not Unicode). */
  encodingCandidates?: TextEncoding[];
  delimiter: string | null;
  /** Characters to skip at the start (an Excel `sep=;` line). */
  skipChars: number;
}

export interface StoredUpload {
  fileId: string;
  name: string;
  size: number;
  sha256: string;
  /** The first 256 kB, for detection. */
  head: Buffer;
  utf8: { multibyte: number; invalid: number };
}

const HEAD_BYTES = 256 * 1024;

/** The first bytes of a stored upload, for detecting its encoding again (another one was chosen). */
export async function readStoredHead(db: Executor, fileId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let len = 0;
  const stream = createFilesRepo(db).read(fileId);
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    parts.push(b.subarray(0, HEAD_BYTES - len));
    len += Math.min(b.length, HEAD_BYTES - len);
    if (len >= HEAD_BYTES) break;
  }
  stream.destroy();
  return Buffer.concat(parts, len);
}

/**
 * Streams an upload into the file store, counting as it goes: past `maxBytes` it stops reading, deletes
 * what it stored and answers 413. Nothing of the upload is held in memory beyond one chunk.
 */
export async function storeUpload(
  db: Executor,
  input: { teamId: string; createdBy: string | null; name: string; stream: Readable; maxBytes: number; ttlHours: number },
): Promise<StoredUpload> {
  const files = createFilesRepo(db);
  const fileId = uuidv7();
  await files.create({
    id: fileId,
    teamId: input.teamId,
    purpose: 'import',
    name: input.name,
    createdBy: input.createdBy,
    ttlHours: input.ttlHours,
  });
  const hash = createHash('sha256');
  const utf8 = createUtf8Stats();
  const headParts: Buffer[] = [];
  let headLen = 0;
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const flush = async () => {
    if (!pendingLen) return;
    await files.appendChunk(fileId, seq++, Buffer.concat(pending, pendingLen));
    pending = [];
    pendingLen = 0;
  };
  try {
    for await (const chunk of input.stream) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > input.maxBytes) {
        input.stream.destroy();
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `The file is larger than ${formatBytes(input.maxBytes)} (the limit set by KDESK_IMPORT_MAX_BYTES). Split it into smaller files.`,
        );
      }
      hash.update(b);
      utf8.update(b);
      if (headLen < HEAD_BYTES) {
        headParts.push(b.subarray(0, HEAD_BYTES - headLen));
        headLen += Math.min(b.length, HEAD_BYTES - headLen);
      }
      pending.push(b);
      pendingLen += b.length;
      if (pendingLen >= CHUNK_BYTES) await flush();
    }
    // a multipart file stream that hit the parser's own limit ends early instead of failing
    if ((input.stream as { truncated?: boolean }).truncated) {
      throw new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${formatBytes(input.maxBytes)} (KDESK_IMPORT_MAX_BYTES)`);
    }
    await flush();
  } catch (err) {
    await files.delete(fileId).catch(() => {});
    throw err;
  }
  const sha256 = hash.digest('hex');
  const stats = utf8.end();
  await files.complete(fileId, { size, sha256, meta: { utf8: stats } });
  return { fileId, name: input.name, size, sha256, head: Buffer.concat(headParts, headLen), utf8: stats };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${+(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${+(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} kB`;
  return `${n} bytes`;
}

const fileError = (message: string) => new AppError('VALIDATION', 'The file cannot be imported', [{ path: 'file', message }]);
const unsupported = (message: string) => new AppError('UNSUPPORTED_MEDIA_TYPE', message, [{ path: 'file', message }]);

/**
 * Decides format, encoding and delimiter from the first bytes and the whole-file UTF-8 statistics. A file
 * that is neither UTF-8 nor UTF-16 is one of the Windows code pages: `regionHint` (the team's default phone
 * region) tips the balance between readings that are close. `encoding` is the user's choice, which wins.
 */
export function detectSource(
  upload: Pick<StoredUpload, 'head' | 'size' | 'utf8' | 'name'>,
  opts: { regionHint?: string | null; encoding?: TextEncoding } = {},
): SourceInfo {
  const h = upload.head;
  if (upload.size === 0) throw fileError('The file is empty');
  if (h[0] === 0x50 && h[1] === 0x4b && h[2] === 0x03 && h[3] === 0x04) {
    return { format: 'xlsx', encoding: null, encodingDamaged: false, delimiter: null, skipChars: 0 };
  }
  if (h[0] === 0xd0 && h[1] === 0xcf && h[2] === 0x11 && h[3] === 0xe0) {
    throw unsupported('Excel 97-2003 (.xls) files cannot be read: save the sheet as .xlsx or CSV and upload that');
  }
  const bom = sniffBom(h);
  let encoding: TextEncoding;
  let damaged = false;
  let confident = true;
  let candidates: TextEncoding[] | undefined;
  if (bom) encoding = bom.encoding;
  else {
    const u16 = guessUtf16(h);
    if (u16) encoding = u16;
    else ({ encoding, damaged } = chooseEncoding(upload.utf8));
    if (!u16 && encoding === 'windows-1252') {
      const guess = guessLegacyEncoding(h, opts.regionHint);
      encoding = guess.encoding;
      confident = guess.confident;
      candidates = guess.candidates;
    }
  }
  if (opts.encoding) {
    encoding = opts.encoding;
    confident = true;
    damaged = encoding === 'utf-8' && upload.utf8.invalid > 0;
  }
  // in a double-byte code page a byte sequence may be invalid: the row holding it fails instead of being
  // written with U+FFFD in it
  if (isDoubleByte(encoding)) damaged = true;
  const text = decode(encoding, h.subarray(bom?.length ?? 0), false);
  if (text.includes('\u0000') || h.subarray(0, 5).toString('latin1') === '%PDF-') {
    throw unsupported('This is not a CSV or XLSX file (it holds binary data)');
  }
  const complete = h.length >= upload.size;
  const { delimiter, skipChars } = detectDialect(text, complete);
  return {
    format: 'csv',
    encoding,
    encodingDamaged: damaged,
    encodingConfident: confident,
    ...(candidates ? { encodingCandidates: candidates } : {}),
    delimiter,
    skipChars,
  };
}

const isLegacy = (e: TextEncoding): e is LegacyEncoding => (legacyEncodings as readonly string[]).includes(e);
const isDoubleByte = (e: TextEncoding) => isLegacy(e) && e !== 'windows-1252' && e !== 'windows-1251';

function decode(encoding: TextEncoding, bytes: Uint8Array, stream: boolean, decoder?: TextDecoder): string {
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  if (isLegacy(encoding)) return decodeLegacy(encoding, bytes);
  return (decoder ?? new TextDecoder(encoding)).decode(bytes, { stream });
}

export interface SourceRecord {
  row: number;
  cells: string[];
  error?: string;
}

export interface ReadOptions {
  xlsx: XlsxLimits;
  /** Longest cell, in characters. */
  maxCellChars: number;
  /** Most columns a header may have. */
  maxColumns: number;
  /** Longest CSV record, in characters as written: as much text as one import batch may hold. */
  maxRecordChars: number;
}

export const readOptionsOf = (config: ImportConfig): ReadOptions => ({
  xlsx: {
    maxEntries: config.xlsxMaxEntries,
    maxUncompressedBytes: config.xlsxMaxUncompressedBytes,
    maxSharedStringsBytes: config.xlsxMaxSharedStringsBytes,
    maxCellChars: config.maxCellChars,
  },
  maxCellChars: config.maxCellChars,
  maxColumns: config.maxColumns,
  maxRecordChars: Math.floor(config.batchMaxBytes / 2),
});

/** The header's width: up to its last non-empty cell (empty header cells at the end are not columns). */
function headerWidth(cells: readonly (readonly [number, string])[], maxColumns: number): number {
  let width = 0;
  for (const [col, text] of cells) if (col >= width && text.trim() !== '') width = col + 1;
  if (width > maxColumns) {
    throw fileError(
      `The header row has ${width} columns; at most ${maxColumns} are accepted (KDESK_IMPORT_MAX_COLUMNS). Remove the columns you do not import.`,
    );
  }
  return width;
}

/** Where a file's bytes are read from: the file store, or a local copy (a preview thread has no database). */
export interface FileBytes {
  chunks(): AsyncIterable<Buffer>;
  /** A local path to the whole file (XLSX is a zip, read with random access). */
  localCopy(): Promise<{ path: string; cleanup: () => Promise<void> }>;
}

export function storedFile(db: Executor, fileId: string): FileBytes {
  const files = createFilesRepo(db);
  return { chunks: () => files.read(fileId), localCopy: () => files.toTempFile(fileId, 'upload.xlsx') };
}

export function localFile(file: string): FileBytes {
  return {
    chunks: () => createReadStream(file, { highWaterMark: CHUNK_BYTES }),
    localCopy: async () => ({ path: file, cleanup: async () => {} }),
  };
}

/**
 * Every non-blank record of a file, header first. `row` is the spreadsheet row number (a blank
 * line still counts, as a spreadsheet shows it). XLSX rows are laid out under the header: as many cells
 * as it has columns (see layOutXlsxRow).
 */
export async function* readRecords(file: FileBytes, info: SourceInfo, opts: ReadOptions): AsyncGenerator<SourceRecord> {
  if (info.format === 'xlsx') {
    const tmp = await file.localCopy();
    try {
      let width = -1;
      for await (const r of readXlsxRows(tmp.path, opts.xlsx)) {
        if (r.cells.every(([, text]) => text.trim() === '')) continue;
        if (width === -1) {
          width = headerWidth(r.cells, opts.maxColumns);
          yield { row: r.row, cells: layOutXlsxRow(r.cells, width).cells.slice(0, width) };
          continue;
        }
        const { cells, error } = layOutXlsxRow(r.cells, width);
        yield { row: r.row, cells, ...(error ? { error } : {}) };
      }
    } catch (err) {
      if (err instanceof XlsxFileError) throw fileError(err.message);
      throw err;
    } finally {
      await tmp.cleanup();
    }
    return;
  }
  const encoding = info.encoding ?? 'utf-8';
  const legacy = encoding !== 'windows-1252' && isLegacy(encoding) ? createLegacyDecoder(encoding) : undefined;
  const decoder = encoding === 'windows-1252' || legacy ? undefined : new TextDecoder(encoding as 'utf-8');
  const parser = createCsvParser({
    delimiter: info.delimiter ?? ',',
    maxCellChars: opts.maxCellChars,
    maxRecordChars: opts.maxRecordChars,
    maxColumns: opts.maxColumns,
    // as many extra cells as an XLSX row keeps
    extraCells: XLSX_EXTRA_COLUMNS,
  });
  let toSkip = info.skipChars;
  let row = toSkip ? 1 : 0;
  let first = true;
  const emit = function* (records: ReturnType<typeof parser.push>) {
    for (const r of records) {
      row++;
      if (!isBlankRecord(r.cells) || r.error) yield { row, cells: r.cells, ...(r.error ? { error: r.error } : {}) };
    }
  };
  for await (const chunk of file.chunks()) {
    let b = chunk as Buffer;
    if (first) {
      first = false;
      const bom = sniffBom(b);
      if (bom && bom.encoding === encoding) b = b.subarray(bom.length);
    }
    let text = legacy ? legacy.write(b) : decode(encoding, b, true, decoder);
    if (toSkip) {
      const n = Math.min(toSkip, text.length);
      text = text.slice(n);
      toSkip -= n;
    }
    yield* emit(parser.push(text));
  }
  const tail = decoder ? decoder.decode() : legacy ? legacy.end() : '';
  yield* emit(parser.push(tail));
  yield* emit(parser.end());
}

/** The header (first record) and up to `n` following records. */
export async function readHead(file: FileBytes, info: SourceInfo, opts: ReadOptions, n: number) {
  let header: SourceRecord | null = null;
  const rows: SourceRecord[] = [];
  for await (const r of readRecords(file, info, opts)) {
    if (!header) header = r;
    else rows.push(r);
    if (rows.length >= n) break;
  }
  if (!header) throw fileError('The file has no rows');
  if (header.error) throw fileError(`The header row cannot be read: ${header.error}`);
  // trailing empty header cells (a delimiter at the end of the line) are not columns
  const headers = header.cells.slice(0, headerWidth([...header.cells.entries()], opts.maxColumns));
  if (!headers.length) throw fileError('The header row is empty');
  return { headers, headerRow: header.row, rows };
}
