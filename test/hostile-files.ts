// Generators of hostile XLSX files, written streaming by a minimal zip writer (deflateRaw + data
// descriptors), so a 1 GB entry never sits in memory. Used by the isolation test and bench/import-hostile.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import zlib from 'node:zlib';

interface Written {
  name: string;
  crc: number;
  compressed: number;
  uncompressed: number;
  offset: number;
}

/** Writes a zip entry by entry; each entry's content comes from a generator of text pieces. */
async function writeZip(file: string, entries: { name: string; content: () => Iterable<string> }[]): Promise<number> {
  const out = createWriteStream(file);
  let pos = 0;
  const write = async (b: Buffer) => {
    pos += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  const done: Written[] = [];
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const offset = pos;
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(0x0008, 6); // sizes and CRC follow the data
    head.writeUInt16LE(8, 8); // deflate
    head.writeUInt16LE(name.length, 26);
    await write(Buffer.concat([head, name]));
    const w: Written = { name: e.name, crc: 0, compressed: 0, uncompressed: 0, offset };
    await deflateInto(out, e.content(), w, (n) => (pos += n));
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(w.crc >>> 0, 4);
    desc.writeUInt32LE(w.compressed, 8);
    desc.writeUInt32LE(w.uncompressed, 12);
    await write(desc);
    done.push(w);
  }
  const cdStart = pos;
  for (const w of done) {
    const name = Buffer.from(w.name);
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(20, 6);
    h.writeUInt16LE(0x0008, 8);
    h.writeUInt16LE(8, 10);
    h.writeUInt32LE(w.crc >>> 0, 16);
    h.writeUInt32LE(w.compressed, 20);
    h.writeUInt32LE(w.uncompressed, 24);
    h.writeUInt16LE(name.length, 28);
    h.writeUInt32LE(w.offset, 42);
    await write(Buffer.concat([h, name]));
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(done.length, 8);
  end.writeUInt16LE(done.length, 10);
  end.writeUInt32LE(pos - cdStart, 12);
  end.writeUInt32LE(cdStart, 16);
  await write(end);
  out.end();
  await once(out, 'finish');
  return pos;
}

async function deflateInto(out: WriteStream, pieces: Iterable<string>, w: Written, advance: (n: number) => void) {
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const drained = (async () => {
    for await (const c of deflate) {
      const b = c as Buffer;
      w.compressed += b.length;
      advance(b.length);
      if (!out.write(b)) await once(out, 'drain');
    }
  })();
  let buf = '';
  const push = async (s: string) => {
    const b = Buffer.from(s);
    w.crc = zlib.crc32(b, w.crc);
    w.uncompressed += b.length;
    if (!deflate.write(b)) await once(deflate, 'drain');
  };
  for (const p of pieces) {
    buf += p;
    if (buf.length >= 1 << 16) {
      await push(buf);
      buf = '';
    }
  }
  if (buf) await push(buf);
  deflate.end();
  await drained;
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function workbookParts(shared: boolean) {
  return [
    {
      name: '[Content_Types].xml',
      content: () => [
        `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
          (shared
            ? '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            : '') +
          '</Types>',
      ],
    },
    {
      name: '_rels/.rels',
      content: () => [
        `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
          `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ],
    },
    {
      name: 'xl/workbook.xml',
      content: () => [
        `${XML}<workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ],
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      content: () => [
        `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
          `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
          (shared ? `<Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` : '') +
          '</Relationships>',
      ],
    },
  ];
}

const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

/**
 * A sheet whose header is `primaryEmail` in A1 and whose every data row holds one cell, in the last
 * column Excel has (XFD, the 16,384th): a reader that pads rows to their last cell builds 16,384 cells
 * per row. 20,000 rows are a ~270 KB file.
 */
export async function writeFarRightColumnXlsx(file: string, rows = 20_000): Promise<number> {
  return writeZip(file, [
    ...workbookParts(false),
    {
      name: 'xl/worksheets/sheet1.xml',
      content: function* () {
        yield `${XML}<worksheet xmlns="${NS}"><sheetData><row r="1">${inline('A1', 'primaryEmail')}</row>`;
        for (let r = 2; r <= rows + 1; r++) yield `<row r="${r}">${inline(`XFD${r}`, `far${r}@example.com`)}</row>`;
        yield '</sheetData></worksheet>';
      },
    },
  ]);
}

/**
 * A workbook whose shared strings table unpacks to `sharedBytes` (default 1,000 MiB, just under the 1 GiB
 * default of KDESK_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES, so the zip checks let it through) from a ~5.6 MB file:
 * 32 kB strings of one repeated letter with a pseudo-random letter every 600 characters, so the
 * compression ratio (~180:1) stays under what a zip-bomb check on the ratio refuses. The sheet has a
 * header and a few rows pointing at those strings.
 */
export async function writeSharedStringBombXlsx(file: string, sharedBytes = 1000 * 1024 * 1024): Promise<number> {
  const STRING = 32 * 1024;
  const count = Math.max(1, Math.floor(sharedBytes / STRING));
  let seed = 12345;
  const letter = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return String.fromCharCode(97 + (seed % 26));
  };
  const run = 'A'.repeat(599);
  return writeZip(file, [
    ...workbookParts(true),
    {
      name: 'xl/sharedStrings.xml',
      content: function* () {
        yield `${XML}<sst xmlns="${NS}" count="${count}" uniqueCount="${count}">`;
        // 64 distinct strings, cycled: deflate only looks 32 kB back, so a repeat costs as much as a new one
        const pool = Array.from({ length: 64 }, () => {
          let s = '';
          while (s.length < STRING) s += run + letter();
          return `<si><t>${s.slice(0, STRING)}</t></si>`;
        });
        for (let i = 0; i < count; i++) yield pool[i % pool.length]!;
        yield '</sst>';
      },
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      content: function* () {
        yield `${XML}<worksheet xmlns="${NS}"><sheetData><row r="1">${inline('A1', 'primaryEmail')}${inline('B1', 'notes')}</row>`;
        for (let r = 2; r <= 21; r++)
          yield `<row r="${r}">${inline(`A${r}`, `bomb${r}@example.com`)}<c r="B${r}" t="s"><v>${r % count}</v></c></row>`;
        yield '</sheetData></worksheet>';
      },
    },
  ]);
}
