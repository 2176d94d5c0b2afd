// Reading CSV text: encoding detection, dialect (delimiter) detection and a streaming RFC 4180 parser
// that never gives up on a file because of one bad record. Pure (no I/O): callers push text in.

import type { LegacyEncoding } from './encoding.rules.ts';

/** Unicode encodings, and the Windows code pages Excel saves CSV files in (see encoding.rules.ts). */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | LegacyEncoding;

/** A byte order mark and its length, or null. */
export function sniffBom(b: Uint8Array): { encoding: TextEncoding; length: number } | null {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/** UTF-16 without a BOM: text in Latin script has a zero byte in every other position. */
export function guessUtf16(b: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(b.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZero++;
    if (b[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.3 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.3 && oddZero < pairs * 0.05) return 'utf-16be';
  return null;
}

/**
 * Counts, over a whole file fed chunk by chunk, the well-formed multi-byte UTF-8 sequences and the bytes
 * that cannot be UTF-8. Windows-1252 text almost never forms a valid multi-byte sequence by accident.
 */
export function createUtf8Stats() {
  let multibyte = 0;
  let invalid = 0;
  let carry = new Uint8Array(0);
  const update = (chunk: Uint8Array, final = false) => {
    let b = chunk;
    if (carry.length) {
      const joined = new Uint8Array(carry.length + chunk.length);
      joined.set(carry);
      joined.set(chunk, carry.length);
      b = joined;
      carry = new Uint8Array(0);
    }
    const n = b.length;
    let i = 0;
    while (i < n) {
      const c = b[i]!;
      if (c < 0x80) {
        i++;
        continue;
      }
      let need: number;
      let min: number;
      if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        min = 0x80;
      } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        min = 0x800;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        min = 0x10000;
      } else {
        invalid++;
        i++;
        continue;
      }
      if (i + need >= n && !final) {
        // the sequence may continue in the next chunk
        let ok = true;
        for (let k = i + 1; k < n; k++) if ((b[k]! & 0xc0) !== 0x80) ok = false;
        if (ok) {
          carry = b.slice(i);
          return;
        }
      }
      let cp = c & (0x3f >> need);
      let ok = i + need < n;
      for (let k = 1; ok && k <= need; k++) {
        const cc = b[i + k]!;
        if ((cc & 0xc0) !== 0x80) ok = false;
        else cp = (cp << 6) | (cc & 0x3f);
      }
      if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
        multibyte++;
        i += need + 1;
      } else {
        invalid++;
        i++;
      }
    }
  };
  return {
    update: (chunk: Uint8Array) => update(chunk),
    end() {
      if (carry.length) update(new Uint8Array(0), true);
      return { multibyte, invalid };
    },
  };
}

/**
 * The encoding of a file without a BOM, from its UTF-8 statistics: valid UTF-8 → utf-8; invalid bytes
 * and no multi-byte sequence → windows-1252; both → utf-8 with a few damaged bytes (`damaged`: rows
 * holding one fail instead of the whole file being read as the wrong encoding).
 */
export function chooseEncoding(stats: { multibyte: number; invalid: number }): { encoding: TextEncoding; damaged: boolean } {
  if (stats.invalid === 0) return { encoding: 'utf-8', damaged: false };
  if (stats.multibyte >= stats.invalid) return { encoding: 'utf-8', damaged: true };
  return { encoding: 'windows-1252', damaged: false };
}

// Windows-1252 differs from ISO-8859-1 only in 0x80–0x9F. (Node 20's TextDecoder('windows-1252') decodes
// those as C1 controls, so the table is here.) 0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned: kept as C1.
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** Decodes Windows-1252 bytes (every byte is a character, so there is no state between chunks). */
export function decodeWindows1252(b: Uint8Array): string {
  const latin1 = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  return latin1.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

export interface CsvRecord {
  cells: string[];
  /** 1-based physical line where the record starts. */
  line: number;
  /** Why the record could not be read as CSV (its cells are then the raw line split at the delimiter). */
  error?: string;
}

export interface CsvParserOptions {
  delimiter: string;
  /** Longest cell: a longer one fails its record and is skipped without being kept (default 1,000,000). */
  maxCellChars?: number;
  /**
   * Longest record, counted as written (delimiters, quotes and quoted line breaks included): a longer one
   * fails and the rest of it is read to its end without being kept (default: no limit).
   */
  maxRecordChars?: number;
  /** Most columns a header may have: the first record that is not blank fails past this many plus `extraCells`. */
  maxColumns?: number;
  /** How many cells more than the header a record may have before it fails and the rest of it is not kept. */
  extraCells?: number;
}

// where the parser is: at the start of a cell, inside an unquoted or a quoted one, just after a quote
// inside quotes (`""` or the closing one?), in the text after a closing quote, or after a CR (its LF may follow)
const CELL_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;
const AFTER_QUOTE = 4;
const AFTER_CR = 5;

/**
 * A streaming CSV parser: `push(text)` returns the records completed so far, `end()` the rest.
 * RFC 4180 quoting (`""` inside quotes), CRLF / LF / CR line ends, line breaks inside quoted cells.
 * Lenient where a strict parser would stop: a quote inside an unquoted cell is kept as text, text after
 * a closing quote is appended. A quote that is never closed makes that record fail with a reason, and
 * reading goes on from the next line, so one typo costs one row, not the rest of the file.
 * A cell longer than `maxCellChars` fails its record, and is read to its end without being kept: what
 * a long quoted cell holds never becomes rows, even when it looks like them (a quote that is still
 * open after that many characters takes the rest of the file). So does a record longer than
 * `maxRecordChars` or with more cells than its header allows (a file without line breaks), from there on.
 * Its state is kept between pushes, so every character is read once, whatever the chunks.
 */
export function createCsvParser(opts: CsvParserOptions) {
  const delim = opts.delimiter.charCodeAt(0);
  if (opts.delimiter.length !== 1 || delim === 34 || delim === 10 || delim === 13) throw new Error('Invalid delimiter');
  const maxCell = opts.maxCellChars ?? 1_000_000;
  const maxRecord = opts.maxRecordChars ?? Infinity;
  const maxColumns = opts.maxColumns ?? Infinity;
  const extraCells = opts.extraCells ?? Infinity;
  const tooLong = (column: number) =>
    `Column ${column} holds more than ${maxCell} characters, the most a cell may hold (KDESK_IMPORT_MAX_CELL_CHARS)`;

  let state = CELL_START;
  let line = 1;
  // cells of the first record that is not blank (the header), once read
  let headerCells = -1;

  // the record being read
  let cells: string[] = [];
  let cellCount = 0;
  let recordChars = 0;
  let lines = 1;
  // a message, or one written when the record ends (it names the record's final size)
  let error: string | (() => string) | undefined;
  // false once the record is over a bound: the rest of it is read, not kept
  let keeping = true;
  // the record's text while it has no error, to read again from its second line if a quote in it is never closed
  let raw: string[] | null = [];
  let rawFrom = 0;

  // the cell being read
  let parts: string[] = [];
  let cellChars = 0;
  let cellDropped = false;
  let quoteLine = 0;
  let afterCr = false;

  const cellLimit = () => (headerCells === -1 ? maxColumns + extraCells : headerCells + extraCells);

  function overRecord(kind: 'chars' | 'cells') {
    keeping = false;
    raw = null;
    parts = [];
    const header = headerCells === -1;
    error ??= () =>
      kind === 'chars'
        ? `The row holds ${recordChars} characters, more than the ${maxRecord} a row may hold (KDESK_IMPORT_BATCH_MAX_BYTES / 2)`
        : header
          ? `The row has ${cellCount} cells; a header may have at most ${maxColumns} columns (KDESK_IMPORT_MAX_COLUMNS)`
          : `The row has ${cellCount} cells but the header has ${headerCells} columns (a missing line break?)`;
  }

  function countChars(k: number) {
    recordChars += k;
    if (keeping && recordChars > maxRecord) overRecord('chars');
  }

  /** Cell text from `a` to `b` of `s`: counted, and kept while the cell and its record are within bounds. */
  function take(s: string, a: number, b: number) {
    if (b <= a) return;
    const k = b - a;
    // the limit this text goes over first decides the reason, wherever the chunks were cut
    const toCell = cellDropped || !keeping ? Infinity : maxCell - cellChars;
    const toRecord = keeping ? maxRecord - recordChars : Infinity;
    cellChars += k;
    recordChars += k;
    if (k > toCell && toCell <= toRecord) {
      cellDropped = true;
      parts = [];
      raw = null;
      error ??= tooLong(cellCount + 1);
    }
    if (k > toRecord) overRecord('chars');
    if (!cellDropped && keeping) parts.push(s.slice(a, b));
  }

  function endCell() {
    cellCount++;
    if (keeping) cells.push(cellDropped ? '' : parts.length === 1 ? parts[0]! : parts.join(''));
    parts = [];
    cellChars = 0;
    cellDropped = false;
  }

  function endRecord(out: CsvRecord[]) {
    const message = typeof error === 'function' ? error() : error;
    out.push({ cells, line, ...(message ? { error: message } : {}) });
    if (headerCells === -1 && (message || !isBlankRecord(cells))) headerCells = cells.length;
    line += lines;
    cells = [];
    cellCount = 0;
    recordChars = 0;
    lines = 1;
    error = undefined;
    keeping = true;
    raw = [];
  }

  /** Reads `s` on from the state the previous text left. */
  function feed(s: string, out: CsvRecord[]) {
    const n = s.length;
    let i = 0;
    rawFrom = 0;
    while (i < n) {
      if (state === AFTER_CR) {
        if (s.charCodeAt(i) === 10) i++;
        state = CELL_START;
        rawFrom = i;
        continue;
      }
      if (state === CELL_START) {
        if (s.charCodeAt(i) === 34) {
          state = QUOTED;
          quoteLine = line + lines - 1;
          afterCr = false;
          countChars(1);
          i++;
          continue;
        }
        state = UNQUOTED;
      }
      if (state === QUOTED) {
        const k = s.indexOf('"', i);
        const e = k === -1 ? n : k;
        // LF, CRLF and a lone CR each end a physical line
        for (let p = i; p < e; p++) {
          const c = s.charCodeAt(p);
          if (c === 13 || (c === 10 && !afterCr)) lines++;
          afterCr = c === 13;
        }
        take(s, i, e);
        if (k === -1) break;
        countChars(1);
        i = k + 1;
        state = QUOTE_IN_QUOTED;
        continue;
      }
      if (state === QUOTE_IN_QUOTED) {
        if (s.charCodeAt(i) === 34) {
          // `""` is a quote in the text, and counts as written (two), so chunks never change which cells are too long
          cellChars++;
          take(s, i, i + 1);
          afterCr = false;
          state = QUOTED;
          i++;
          continue;
        }
        state = AFTER_QUOTE; // the quote closed the cell; what follows it up to the delimiter is kept as it is
      }
      // UNQUOTED or AFTER_QUOTE: up to the delimiter or the line end
      let e = i;
      while (e < n) {
        const c = s.charCodeAt(e);
        if (c === delim || c === 10 || c === 13) break;
        e++;
      }
      take(s, i, e);
      if (e === n) break;
      endCell();
      const c = s.charCodeAt(e);
      i = e + 1;
      if (c === delim) {
        countChars(1);
        state = CELL_START;
        if (keeping && cellCount >= cellLimit()) overRecord('cells');
        continue;
      }
      endRecord(out);
      state = c === 13 ? AFTER_CR : CELL_START;
      rawFrom = i;
    }
    if (raw && rawFrom < n) raw.push(rawFrom ? s.slice(rawFrom) : s);
  }

  function finish(out: CsvRecord[]) {
    for (;;) {
      if (state === AFTER_CR || (state === CELL_START && cellCount === 0)) return;
      if (state !== QUOTED) {
        endCell();
        endRecord(out);
        state = CELL_START;
        return;
      }
      if (raw) {
        // the quote is never closed: the record fails, and reading goes on from its second line
        const text = raw.join('');
        let e = 0;
        while (e < text.length && text.charCodeAt(e) !== 10 && text.charCodeAt(e) !== 13) e++;
        error = `A quote (") opened on line ${line} is never closed; put "" for a quote inside a quoted cell`;
        cells = text.slice(0, e).split(String.fromCharCode(delim));
        lines = 1;
        endRecord(out);
        state = CELL_START;
        parts = [];
        cellChars = 0;
        cellDropped = false;
        if (text.charCodeAt(e) === 13 && text.charCodeAt(e + 1) === 10) e++;
        if (e + 1 < text.length) feed(text.slice(e + 1), out);
        continue;
      }
      // a part of the record was not kept, so it cannot be read again: the quote takes the rest of the file
      const held = cellDropped ? `, more than ${maxCell} characters,` : '';
      error = `A quote (") opened on line ${quoteLine} is never closed: the rest of the file${held} was read as one cell, so no row after it was imported`;
      cellDropped = true;
      endCell();
      endRecord(out);
      state = CELL_START;
      return;
    }
  }

  return {
    push(text: string): CsvRecord[] {
      const out: CsvRecord[] = [];
      feed(text, out);
      return out;
    },
    end(): CsvRecord[] {
      const out: CsvRecord[] = [];
      finish(out);
      return out;
    },
    /**
     * Characters held until the record being read ends: its cells so far, and its text while a quote in it
     * may prove never closed. What bounds the parser's memory: at most twice `maxRecordChars`.
     */
    get heldChars(): number {
      let n = 0;
      for (const c of cells) n += c.length;
      for (const p of parts) n += p.length;
      for (const r of raw ?? []) n += r.length;
      return n;
    },
  };
}

/** True when a record has no content (a blank line, or only delimiters, as spreadsheets write). */
export const isBlankRecord = (cells: string[]) => cells.every((c) => c.trim() === '');

const CANDIDATES = [',', ';', '\t', '|'];

/**
 * Detects the delimiter from the start of a file: the candidate that splits the header into several
 * columns and the following records into the same number of columns most consistently. An Excel
 * `sep=;` first line decides on its own (and is skipped).
 */
export function detectDialect(sample: string, complete: boolean): { delimiter: string; skipChars: number } {
  const m = /^sep=(.)\r?\n/.exec(sample);
  if (m) return { delimiter: m[1]!, skipChars: m[0].length };
  let best = { delimiter: ',', score: -1 };
  for (const d of CANDIDATES) {
    const p = createCsvParser({ delimiter: d });
    const records = (complete ? [...p.push(sample), ...p.end()] : p.push(sample)).filter((r) => !isBlankRecord(r.cells)).slice(0, 50);
    if (!records.length) continue;
    const width = records[0]!.cells.length;
    if (width < 2) continue;
    const rest = records.slice(1);
    const consistent = rest.length ? rest.filter((r) => r.cells.length === width).length / rest.length : 1;
    // consistency first, then the number of columns it yields
    const score = consistent * 1000 + Math.min(width, 999);
    if (score > best.score) best = { delimiter: d, score };
  }
  return { delimiter: best.delimiter, skipChars: 0 };
}
