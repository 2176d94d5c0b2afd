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
  /** A quoted cell longer than this is taken as a quote that was never closed (default 1,000,000). */
  maxCellChars?: number;
}

/**
 * A streaming CSV parser: `push(text)` returns the records completed so far, `end()` the rest.
 * RFC 4180 quoting (`""` inside quotes), CRLF / LF / CR line ends, line breaks inside quoted cells.
 * Lenient where a strict parser would stop: a quote inside an unquoted cell is kept as text, text after
 * a closing quote is appended. A quote that is never closed makes that record fail with a reason, and
 * reading goes on from the next line, so one typo costs one row, not the rest of the file.
 */
export function createCsvParser(opts: CsvParserOptions) {
  const delim = opts.delimiter.charCodeAt(0);
  if (opts.delimiter.length !== 1 || delim === 34 || delim === 10 || delim === 13) throw new Error('Invalid delimiter');
  const maxCell = opts.maxCellChars ?? 1_000_000;
  let buf = '';
  let line = 1;

  // Parses one record at `start`. Returns the cells and where the next record starts, or null when the
  // buffer ends before the record does (and more text may come), or 'unterminated'.
  function parseRecord(s: string, start: number, final: boolean): { cells: string[]; next: number; lines: number } | null | 'unterminated' {
    const n = s.length;
    const cells: string[] = [];
    let i = start;
    let lines = 1;
    for (;;) {
      let value: string;
      if (i < n && s.charCodeAt(i) === 34) {
        // quoted cell
        let j = i + 1;
        let part = '';
        for (;;) {
          const k = s.indexOf('"', j);
          if (k === -1) {
            if (!final && n - i <= maxCell) return null;
            return 'unterminated';
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
        if (part.length > maxCell) return 'unterminated';
        // text after the closing quote, up to the delimiter or line end, is kept as it is
        let e = i;
        while (e < n) {
          const c = s.charCodeAt(e);
          if (c === delim || c === 10 || c === 13) break;
          e++;
        }
        if (e > i) part += s.slice(i, e);
        for (let p = part.indexOf('\n'); p !== -1; p = part.indexOf('\n', p + 1)) lines++;
        if (part.includes('\r')) lines += (part.match(/\r(?!\n)/g) ?? []).length;
        value = part;
        i = e;
      } else {
        let e = i;
        while (e < n) {
          const c = s.charCodeAt(e);
          if (c === delim || c === 10 || c === 13) break;
          e++;
        }
        value = s.slice(i, e);
        i = e;
      }
      cells.push(value);
      if (i >= n) {
        if (!final) return null;
        return { cells, next: n, lines };
      }
      const c = s.charCodeAt(i);
      if (c === delim) {
        i++;
        if (i >= n && !final) return null;
        if (i >= n) {
          cells.push('');
          return { cells, next: n, lines };
        }
        continue;
      }
      if (c === 13) {
        if (i + 1 >= n && !final) return null;
        return { cells, next: s.charCodeAt(i + 1) === 10 ? i + 2 : i + 1, lines };
      }
      return { cells, next: i + 1, lines }; // \n
    }
  }

  function drain(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    let pos = 0;
    const s = buf;
    while (pos < s.length) {
      const r = parseRecord(s, pos, final);
      if (r === null) break;
      if (r === 'unterminated') {
        // the record fails; reading resumes on the line after the one it started on
        let e = pos;
        while (e < s.length && s.charCodeAt(e) !== 10 && s.charCodeAt(e) !== 13) e++;
        const raw = s.slice(pos, e);
        out.push({
          cells: raw.split(String.fromCharCode(delim)),
          line,
          error: `A quote (") opened on line ${line} is never closed; put "" for a quote inside a quoted cell`,
        });
        if (e < s.length && s.charCodeAt(e) === 13 && s.charCodeAt(e + 1) === 10) e++;
        pos = e + 1;
        line++;
        continue;
      }
      out.push({ cells: r.cells, line });
      line += r.lines;
      pos = r.next;
    }
    buf = s.slice(pos);
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
