// Reading CSV text: encoding detection, dialect (delimiter) detection and a streaming RFC 4180 parser
// that never gives up on a file because of one bad record. Pure (no I/O): callers push text in.

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

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
}

/** Physical lines a piece of quoted text spans: LF, CRLF and a lone CR each end one. */
function countLineEnds(s: string, from: number, to: number): number {
  let n = 0;
  for (let p = from; p < to; p++) {
    const c = s.charCodeAt(p);
    if (c === 10 || (c === 13 && s.charCodeAt(p + 1) !== 10)) n++;
  }
  return n;
}

/** A record read so far: its cells, the lines it spans and why it fails, if it does. */
interface RecordSoFar {
  cells: string[];
  lines: number;
  error?: string;
}

/**
 * A streaming CSV parser: `push(text)` returns the records completed so far, `end()` the rest.
 * RFC 4180 quoting (`""` inside quotes), CRLF / LF / CR line ends, line breaks inside quoted cells.
 * Lenient where a strict parser would stop: a quote inside an unquoted cell is kept as text, text after
 * a closing quote is appended. A quote that is never closed makes that record fail with a reason, and
 * reading goes on from the next line, so one typo costs one row, not the rest of the file.
 * A cell longer than `maxCellChars` fails its record, and is read to its end without being kept: what
 * a long quoted cell holds never becomes rows, even when it looks like them (a quote that is still
 * open after that many characters takes the rest of the file).
 */
export function createCsvParser(opts: CsvParserOptions) {
  const delim = opts.delimiter.charCodeAt(0);
  if (opts.delimiter.length !== 1 || delim === 34 || delim === 10 || delim === 13) throw new Error('Invalid delimiter');
  const maxCell = opts.maxCellChars ?? 1_000_000;
  let buf = '';
  let line = 1;
  // the record whose cell went over the limit, while the rest of that cell is skipped ('quoted': up to
  // its closing quote, then 'rest': up to the delimiter or the line end)
  let skip: (RecordSoFar & { error: string; phase: 'quoted' | 'rest'; quoteLine: number }) | null = null;
  // the cells of a record before the position reading goes on from (after a skipped cell)
  let prefix: RecordSoFar | null = null;
  const tooLong = (column: number) =>
    `Column ${column} holds more than ${maxCell} characters, the most a cell may hold (KDESK_IMPORT_MAX_CELL_CHARS)`;

  type Over = RecordSoFar & { over: 'quoted' | 'rest'; resume: number };
  // Parses one record at `start` (after `from`'s cells when it goes on). Returns the cells and where the
  // next record starts, null when the buffer ends before the record does (and more text may come),
  // 'unterminated', or Over: the cell running off the buffer is already too long, skip it from `resume`.
  function parseRecord(
    s: string,
    start: number,
    final: boolean,
    from: RecordSoFar | null,
  ): (RecordSoFar & { next: number }) | Over | null | 'unterminated' {
    const n = s.length;
    const cells: string[] = from ? [...from.cells] : [];
    let error = from?.error;
    let i = start;
    let lines = from?.lines ?? 1;
    const over = (phase: 'quoted' | 'rest', resume: number): Over => ({ cells, lines, error, over: phase, resume });
    for (;;) {
      let value: string;
      if (i < n && s.charCodeAt(i) === 34) {
        // quoted cell; its length is counted as written (`""` is two), so that where the text is cut
        // into chunks never changes which cells are too long
        const open = i;
        let j = i + 1;
        let part = '';
        for (;;) {
          const k = s.indexOf('"', j);
          if (k === -1) {
            if (n - open - 1 > maxCell) return over('quoted', open + 1);
            if (!final) return null;
            // reading on from the record's first line would read a too-long cell before it as rows
            return error ? over('quoted', open + 1) : 'unterminated';
          }
          if (k + 1 >= n && !final) return null; // is it `""`? wait for more text
          if (s.charCodeAt(k + 1) === 34) {
            part += s.slice(j, k + 1);
            j = k + 2;
            continue;
          }
          part += s.slice(j, k);
          i = k + 1;
          break;
        }
        // text after the closing quote, up to the delimiter or line end, is kept as it is
        let e = i;
        while (e < n) {
          const c = s.charCodeAt(e);
          if (c === delim || c === 10 || c === 13) break;
          e++;
        }
        if (e >= n && !final && e - open - 2 > maxCell) {
          for (let p = part.indexOf('\n'); p !== -1; p = part.indexOf('\n', p + 1)) lines++;
          lines += (part.match(/\r(?!\n)/g) ?? []).length;
          return over('rest', e);
        }
        if (e > i) part += s.slice(i, e);
        for (let p = part.indexOf('\n'); p !== -1; p = part.indexOf('\n', p + 1)) lines++;
        if (part.includes('\r')) lines += (part.match(/\r(?!\n)/g) ?? []).length;
        if (e - open - 2 > maxCell) {
          error ??= tooLong(cells.length + 1);
          part = '';
        }
        value = part;
        i = e;
      } else {
        let e = i;
        while (e < n) {
          const c = s.charCodeAt(e);
          if (c === delim || c === 10 || c === 13) break;
          e++;
        }
        if (e >= n && !final && e - i > maxCell) return over('rest', e);
        value = s.slice(i, e);
        if (value.length > maxCell) {
          error ??= tooLong(cells.length + 1);
          value = '';
        }
        i = e;
      }
      cells.push(value);
      const done = (next: number) => ({ cells, next, lines, ...(error ? { error } : {}) });
      if (i >= n) {
        if (!final) return null;
        return done(n);
      }
      const c = s.charCodeAt(i);
      if (c === delim) {
        i++;
        if (i >= n && !final) return null;
        if (i >= n) {
          cells.push('');
          return done(n);
        }
        continue;
      }
      if (c === 13) {
        if (i + 1 >= n && !final) return null;
        return done(s.charCodeAt(i + 1) === 10 ? i + 2 : i + 1);
      }
      return done(i + 1); // \n
    }
  }

  function drain(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    let pos = 0;
    const s = buf;
    const n = s.length;
    while (pos < n || (final && (skip || prefix))) {
      if (skip) {
        if (skip.phase === 'quoted') {
          // up to the closing quote (a doubled one is text), dropping what is read
          let j = pos;
          let closing = -1;
          let keep = n;
          for (;;) {
            const k = s.indexOf('"', j);
            if (k === -1) break;
            if (k + 1 >= n && !final) {
              keep = k; // is it `""`? wait for more text
              break;
            }
            if (s.charCodeAt(k + 1) === 34) {
              j = k + 2;
              continue;
            }
            closing = k;
            break;
          }
          if (closing === -1) {
            if (!final && keep > pos && s.charCodeAt(keep - 1) === 13) keep--; // its LF may come next
            skip.lines += countLineEnds(s, pos, keep);
            pos = keep;
            if (final) {
              out.push({
                cells: [...skip.cells, ''],
                line,
                error: `A quote (") opened on line ${skip.quoteLine} is never closed: the rest of the file, more than ${maxCell} characters, was read as one cell, so no row after it was imported`,
              });
              line += skip.lines;
              skip = null;
              pos = n;
            }
            break;
          }
          skip.lines += countLineEnds(s, pos, closing);
          skip.phase = 'rest';
          pos = closing + 1;
        }
        // up to the delimiter or the line end
        let e = pos;
        while (e < n) {
          const c = s.charCodeAt(e);
          if (c === delim || c === 10 || c === 13) break;
          e++;
        }
        if (e >= n || (s.charCodeAt(e) === 13 && e + 1 >= n && !final)) {
          pos = e;
          if (!final) break;
        }
        const c = e < n ? s.charCodeAt(e) : -1;
        if (c === delim) {
          // the record goes on after the skipped cell
          prefix = { cells: [...skip.cells, ''], lines: skip.lines, error: skip.error };
          skip = null;
          pos = e + 1;
          continue;
        }
        out.push({ cells: [...skip.cells, ''], line, error: skip.error });
        line += skip.lines;
        skip = null;
        pos = c === 13 && s.charCodeAt(e + 1) === 10 ? e + 2 : Math.min(n, e + 1);
        continue;
      }
      const r = parseRecord(s, pos, final, prefix);
      if (r === null) break;
      if (r === 'unterminated') {
        // the record fails; reading resumes on the line after the one it started on
        let e = pos;
        while (e < n && s.charCodeAt(e) !== 10 && s.charCodeAt(e) !== 13) e++;
        const raw = s.slice(pos, e);
        const at = line + (prefix ? prefix.lines - 1 : 0);
        out.push({
          cells: [...(prefix?.cells ?? []), ...raw.split(String.fromCharCode(delim))],
          line,
          error: prefix?.error ?? `A quote (") opened on line ${at} is never closed; put "" for a quote inside a quoted cell`,
        });
        if (e < n && s.charCodeAt(e) === 13 && s.charCodeAt(e + 1) === 10) e++;
        pos = e + 1;
        line = at + 1;
        prefix = null;
        continue;
      }
      prefix = null;
      if ('over' in r) {
        // the cell is too long already: its record fails, and the rest of the cell is skipped, not kept
        skip = {
          cells: r.cells,
          lines: r.lines,
          error: r.error ?? tooLong(r.cells.length + 1),
          phase: r.over,
          quoteLine: line + r.lines - 1,
        };
        pos = r.resume;
        continue;
      }
      out.push({ cells: r.cells, line, ...(r.error ? { error: r.error } : {}) });
      line += r.lines;
      pos = r.next;
    }
    buf = pos < n ? s.slice(pos) : '';
    return out;
  }

  return {
    push(text: string): CsvRecord[] {
      buf = buf.length ? buf + text : text;
      return drain(false);
    },
    end(): CsvRecord[] {
      const out = drain(true);
      buf = '';
      return out;
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
