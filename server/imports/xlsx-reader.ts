// Reads the first worksheet of an XLSX file as rows of text cells, streaming, with zip-bomb limits:
// the entry count and the declared uncompressed sizes are checked before anything is inflated, and
// yauzl stops any entry that inflates to more than it declared (validateEntrySizes).
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { columnName } from './cells.rules.ts';

export interface XlsxLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
  /** Most text the shared-strings table may hold once read: 2 bytes a character + SHARED_STRING_OVERHEAD a string. */
  maxSharedStringsBytes: number;
  /** Longest cell (or shared string), in characters. */
  maxCellChars: number;
}

/** What keeping one more string costs besides its characters (its header and its slot in the table). */
const SHARED_STRING_OVERHEAD = 24;
/** XML may spell a character in up to ~8 (`&#x1F600;` is two): a longer text node or tag cannot be a cell. */
const XML_CHARS_PER_CHAR = 8;

/** A problem with the file itself (not a bug): its message is shown to the user. */
export class XlsxFileError extends Error {}

/** Spreadsheet XML deflates ~1:10–1:50; a bomb is built from runs that reach the deflate maximum (~1:1030). */
const MAX_RATIO = 250;

async function openZip(file: string, limits: XlsxLimits): Promise<{ zip: ZipFile; entries: Map<string, Entry> }> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    throw new XlsxFileError(`The file is not a readable XLSX workbook (${(err as Error).message})`);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new XlsxFileError(`The XLSX file has ${zip.entryCount} entries; at most ${limits.maxEntries} are accepted`);
  }
  const entries = new Map<string, Entry>();
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: Entry) => {
      total += e.uncompressedSize;
      const ratio = e.compressedSize > 0 ? e.uncompressedSize / e.compressedSize : e.uncompressedSize > 0 ? Infinity : 0;
      if (total > limits.maxUncompressedBytes) {
        return reject(new XlsxFileError(`The XLSX file unpacks to more than ${limits.maxUncompressedBytes} bytes`));
      }
      if (ratio > MAX_RATIO && e.uncompressedSize > 1024 * 1024) {
        return reject(new XlsxFileError(`The XLSX entry ${e.fileName} is compressed ${Math.round(ratio)}:1 — refused as a zip bomb`));
      }
      entries.set(e.fileName.replace(/^\/+/, ''), e);
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', (err: Error) => reject(new XlsxFileError(`The XLSX file is damaged (${err.message})`)));
    zip.readEntry();
  }).catch((err) => {
    zip.close();
    throw err;
  });
  return { zip, entries };
}

interface XmlHandlers {
  opentag?: (t: SaxesTagPlain) => void;
  text?: (x: string) => void;
  closetag?: (t: SaxesTagPlain) => void;
}

/**
 * Streams an entry's XML to `handlers`, yielding after each inflated chunk so callers can hand out rows.
 * saxes gathers a whole text node (or tag) before it calls a handler, so a piece too long to be a cell
 * of `maxCell` characters fails the file between chunks instead of being gathered to its end.
 */
async function* parseEntry(zip: ZipFile, entry: Entry, handlers: XmlHandlers, maxCell: number): AsyncGenerator<void> {
  const maxPiece = maxCell * XML_CHARS_PER_CHAR + 64 * 1024;
  const parser = new SaxesParser();
  let mark = 0;
  parser.on('opentag', (t) => {
    mark = parser.position;
    handlers.opentag?.(t);
  });
  parser.on('text', (x) => {
    mark = parser.position;
    handlers.text?.(x);
  });
  parser.on('closetag', (t) => {
    mark = parser.position;
    handlers.closetag?.(t);
  });
  let stream;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (err) {
    throw new XlsxFileError(`The XLSX file is damaged (${(err as Error).message})`);
  }
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of stream) {
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
      if (parser.position - mark > maxPiece) {
        throw new XlsxFileError(
          `The XLSX file holds a text or tag of more than ${maxPiece} characters (in ${entry.fileName}); a cell holds at most ${maxCell} (KDESK_IMPORT_MAX_CELL_CHARS)`,
        );
      }
      yield;
    }
    parser.write(decoder.decode());
    parser.close();
    yield;
  } catch (err) {
    stream.destroy();
    if (err instanceof XlsxFileError) throw err;
    throw new XlsxFileError(`The XLSX file is damaged (${(err as Error).message})`);
  }
}

const local = (name: string) => name.slice(name.indexOf(':') + 1);

/** OOXML escapes characters XML cannot hold as `_xHHHH_` (a literal one as `_x005F_xHHHH_`). */
export const decodeOoxmlEscapes = (s: string) =>
  s.includes('_x') ? s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;

async function readXml(zip: ZipFile, entry: Entry | undefined, handlers: XmlHandlers, maxCell: number) {
  if (!entry) return;
  for await (const _ of parseEntry(zip, entry, handlers, maxCell));
}

function resolveTarget(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = `xl/${target}`.split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.') out.push(p);
  }
  return out.join('/');
}

const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57]);
function isDateFormat(code: string): boolean {
  const stripped = code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[dmyhs]/i.test(stripped) && !/^[#0.,%\sE+-]*$/.test(stripped);
}

function serialToIso(serial: number, date1904: boolean): string {
  const ms = Math.round((serial - (date1904 ? 24107 : 25569)) * 86_400_000);
  const iso = new Date(ms).toISOString();
  return Number.isInteger(serial) ? iso.slice(0, 10) : iso.slice(0, 19);
}

function columnIndex(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

function numberText(v: string): string {
  if (!/e/i.test(v)) return v;
  const n = Number(v);
  return Number.isFinite(n) && Math.abs(n) < 1e21 ? n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : v;
}

/** A cell as the sheet stores it: its 0-based column and its text. */
export type XlsxCell = readonly [col: number, text: string];

export interface XlsxRow {
  /** The sheet's own row number (as Excel shows it). */
  row: number;
  /** Only the cells the file holds, in file order: a row is never padded to its last column (XFD is 16,384). */
  cells: XlsxCell[];
}

/**
 * The rows of the first worksheet, in order. Empty rows are not listed (they are not in the file), nor
 * empty cells: spreadsheets leave them out.
 */
export async function* readXlsxRows(file: string, limits: XlsxLimits): AsyncGenerator<XlsxRow> {
  const { zip, entries } = await openZip(file, limits);
  const maxCell = limits.maxCellChars;
  try {
    // workbook → first sheet → its part name
    let firstSheetRid: string | null = null;
    let date1904 = false;
    await readXml(
      zip,
      entries.get('xl/workbook.xml'),
      {
        opentag: (t) => {
          const n = local(t.name);
          if (n === 'sheet' && firstSheetRid === null) firstSheetRid = (t.attributes as Record<string, string>)['r:id'] ?? null;
          if (n === 'workbookPr') date1904 = ['1', 'true'].includes((t.attributes as Record<string, string>).date1904 ?? '');
        },
      },
      maxCell,
    );
    if (!entries.has('xl/workbook.xml')) throw new XlsxFileError('The file is a zip but not an XLSX workbook (no xl/workbook.xml)');
    const rels = new Map<string, { target: string; type: string }>();
    await readXml(
      zip,
      entries.get('xl/_rels/workbook.xml.rels'),
      {
        opentag: (t) => {
          const a = t.attributes as Record<string, string>;
          if (local(t.name) === 'Relationship' && a.Id && a.Target) rels.set(a.Id, { target: resolveTarget(a.Target), type: a.Type ?? '' });
        },
      },
      maxCell,
    );
    const sheetPath = (firstSheetRid && rels.get(firstSheetRid)?.target) || 'xl/worksheets/sheet1.xml';
    const sheetEntry = entries.get(sheetPath);
    if (!sheetEntry) throw new XlsxFileError('The workbook has no worksheet');
    const sharedPath = [...rels.values()].find((r) => r.type.endsWith('/sharedStrings'))?.target ?? 'xl/sharedStrings.xml';
    const stylesPath = [...rels.values()].find((r) => r.type.endsWith('/styles'))?.target ?? 'xl/styles.xml';

    // shared strings: the text of each <si>, without phonetic runs; their total is bounded before they are
    // kept (a small file can repeat a long string into a table of gigabytes)
    const shared: string[] = [];
    {
      let cur: string | null = null;
      let inT = false;
      let inPh = 0;
      let bytes = 0;
      await readXml(
        zip,
        entries.get(sharedPath),
        {
          opentag: (t) => {
            const n = local(t.name);
            if (n === 'si') cur = '';
            else if (n === 'rPh') inPh++;
            else if (n === 't' && !inPh) inT = !t.isSelfClosing;
          },
          text: (x) => {
            if (!inT || cur === null) return;
            if (cur.length + x.length > maxCell) {
              throw new XlsxFileError(
                `Shared string ${shared.length + 1} of the XLSX file is longer than ${maxCell} characters (KDESK_IMPORT_MAX_CELL_CHARS)`,
              );
            }
            cur += x;
          },
          closetag: (t) => {
            const n = local(t.name);
            if (n === 'si') {
              const text = decodeOoxmlEscapes(cur ?? '');
              bytes += 2 * text.length + SHARED_STRING_OVERHEAD;
              if (bytes > limits.maxSharedStringsBytes) {
                throw new XlsxFileError(
                  `The shared strings of the XLSX file hold more than ${limits.maxSharedStringsBytes} bytes of text (KDESK_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES): save it as CSV, or split it into smaller files`,
                );
              }
              shared.push(text);
              cur = null;
            } else if (n === 'rPh') inPh--;
            else if (n === 't') inT = false;
          },
        },
        maxCell,
      );
    }

    // styles: which cell formats are dates
    const dateStyles = new Set<number>();
    {
      const custom = new Map<number, string>();
      let inXfs = false;
      let xf = 0;
      await readXml(
        zip,
        entries.get(stylesPath),
        {
          opentag: (t) => {
            const n = local(t.name);
            const a = t.attributes as Record<string, string>;
            if (n === 'numFmt') custom.set(Number(a.numFmtId), a.formatCode ?? '');
            else if (n === 'cellXfs') inXfs = true;
            else if (n === 'xf' && inXfs) {
              const id = Number(a.numFmtId ?? 0);
              if (BUILTIN_DATE_FORMATS.has(id) || (custom.has(id) && isDateFormat(custom.get(id)!))) dateStyles.add(xf);
              xf++;
            }
          },
          closetag: (t) => {
            if (local(t.name) === 'cellXfs') inXfs = false;
          },
        },
        maxCell,
      );
    }

    // the sheet, streamed
    const ready: XlsxRow[] = [];
    let row: XlsxRow | null = null;
    let nextRow = 1;
    let cell: { col: number; type: string; style: number; text: string; inValue: boolean } | null = null;
    let nextCol = 0;
    const opentag = (t: SaxesTagPlain) => {
      const n = local(t.name);
      const a = t.attributes;
      if (n === 'row') {
        const r = a.r ? Number(a.r) : nextRow;
        row = { row: r, cells: [] };
        nextRow = r + 1;
        nextCol = 0;
      } else if (n === 'c' && row) {
        const ref = a.r ? columnIndex(a.r) : -1;
        const col = ref >= 0 ? ref : nextCol;
        nextCol = col + 1;
        cell = { col, type: a.t ?? 'n', style: Number(a.s ?? 0), text: '', inValue: false };
      } else if (cell && (n === 'v' || (n === 't' && cell.type === 'inlineStr'))) cell.inValue = true;
    };
    const text = (x: string) => {
      if (!cell?.inValue || !row) return;
      if (cell.text.length + x.length > maxCell) {
        throw new XlsxFileError(
          `Cell ${columnName(cell.col)}${row.row} of the XLSX file is longer than ${maxCell} characters (KDESK_IMPORT_MAX_CELL_CHARS)`,
        );
      }
      cell.text += x;
    };
    const closetag = (t: SaxesTagPlain) => {
      const n = local(t.name);
      if ((n === 'v' || n === 't') && cell) cell.inValue = false;
      else if (n === 'c' && cell && row) {
        const c: typeof cell = cell;
        let v = c.text;
        if (c.type === 's') v = shared[Number(v)] ?? '';
        else if (c.type === 'inlineStr' || c.type === 'str') v = decodeOoxmlEscapes(v);
        else if (c.type === 'b') v = v === '1' ? 'true' : 'false';
        else if (c.type === 'n' && v !== '') {
          const num = Number(v);
          v = dateStyles.has(c.style) && Number.isFinite(num) ? serialToIso(num, date1904) : numberText(v);
        }
        if (c.col < 16384) row.cells.push([c.col, v]);
        cell = null;
      } else if (n === 'row' && row) {
        ready.push(row);
        row = null;
      }
    };
    for await (const _ of parseEntry(zip, sheetEntry, { opentag, text, closetag }, maxCell)) {
      while (ready.length) yield ready.shift()!;
    }
    while (ready.length) yield ready.shift()!;
  } finally {
    zip.close();
  }
}
