import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zip } from './import-test-utils.ts';
import { readXlsxRows, type XlsxLimits, type XlsxRow } from './xlsx-reader.ts';

const limits: XlsxLimits = {
  maxEntries: 100,
  maxUncompressedBytes: 64 * 1024 * 1024,
  maxSharedStringsBytes: 1024 * 1024,
  maxCellChars: 1000,
};
const fixture = (name: string) => path.resolve('server/imports/fixtures', name);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kdesk-xlsx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function rowsOf(file: string, l: XlsxLimits = limits): Promise<XlsxRow[]> {
  const out: XlsxRow[] = [];
  for await (const r of readXlsxRows(file, l)) out.push(r);
  return out;
}

/** A workbook whose first sheet is `sheetData` (and optional shared strings). */
function workbook(sheetData: string, sharedStrings?: string): string {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.xlsx`);
  writeFileSync(
    file,
    zip([
      { name: 'xl/workbook.xml', data: '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>' },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
      },
      { name: 'xl/worksheets/sheet1.xml', data: `<worksheet><sheetData>${sheetData}</sheetData></worksheet>` },
      ...(sharedStrings === undefined ? [] : [{ name: 'xl/sharedStrings.xml', data: `<sst>${sharedStrings}</sst>` }]),
    ]),
  );
  return file;
}

describe('readXlsxRows', () => {
  it('gives the cells a LibreOffice sheet holds, each in its column, and nothing for the cells it left out', async () => {
    const rows = await rowsOf(fixture('libreoffice-short-rows.xlsx'));
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]!.cells).toHaveLength(30);
    expect(rows[0]!.cells.at(-1)).toEqual([29, 'updatedAt']);
    expect(rows[1]!.cells).toEqual([
      [1, 'Lena'],
      [2, 'Short'],
      [3, 'lena@example.com'],
      [5, '+1 555 010 0001'],
    ]);
    expect(rows[3]!.cells).toEqual([
      [1, 'Mia'],
      [3, 'mia@example.com'],
      [6, 'Acme'],
    ]);
    expect(rows[4]!.cells.at(-1)).toEqual([27, 'met at the fair']);
  });

  it('holds one cell, not 16,384, for a row whose only cell is in column XFD', async () => {
    const rows = await rowsOf(
      workbook(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>primaryEmail</t></is></c></row>' +
          Array.from({ length: 200 }, (_, i) => `<row r="${i + 2}"><c r="XFD${i + 2}"><v>${i}</v></c></row>`).join(''),
      ),
    );
    expect(rows).toHaveLength(201);
    expect(rows[1]).toEqual({ row: 2, cells: [[16383, '0']] });
    expect(rows.reduce((n, r) => n + r.cells.length, 0)).toBe(201);
  });

  it('fails a workbook whose shared strings hold more text than KDESK_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES', async () => {
    // 100 strings of 900 characters: ~182 kB kept, over a 64 kB limit
    const sst = Array.from({ length: 100 }, (_, i) => `<si><t>${String(i).padStart(900, 'x')}</t></si>`).join('');
    const file = workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', sst);
    await expect(rowsOf(file, { ...limits, maxSharedStringsBytes: 64 * 1024 })).rejects.toThrow(
      /^The shared strings of the XLSX file hold more than 65536 bytes of text \(KDESK_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES\)/,
    );
    // within the limit the same file reads
    expect((await rowsOf(file, { ...limits, maxSharedStringsBytes: 256 * 1024 }))[0]!.cells[0]![1]).toHaveLength(900);
  });

  it('fails a workbook with a shared string or a cell longer than KDESK_IMPORT_MAX_CELL_CHARS', async () => {
    // rich text: many short runs that add up to one long string
    const runs = Array.from({ length: 30 }, () => `<r><t>${'y'.repeat(50)}</t></r>`).join('');
    await expect(rowsOf(workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', `<si>${runs}</si>`))).rejects.toThrow(
      'Shared string 1 of the XLSX file is longer than 1000 characters (KDESK_IMPORT_MAX_CELL_CHARS)',
    );
    const inline = `<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row><row r="2"><c r="B2" t="inlineStr"><is><t>${'z'.repeat(1001)}</t></is></c></row>`;
    await expect(rowsOf(workbook(inline))).rejects.toThrow(
      'Cell B2 of the XLSX file is longer than 1000 characters (KDESK_IMPORT_MAX_CELL_CHARS)',
    );
  });

  it('stops at a text node far longer than a cell can be, before it is read to its end', async () => {
    // 4 MB of text in one node (random, so that it is no zip bomb), then XML that would fail as damaged
    // if the reader got that far
    const long = randomBytes(3 * 1024 * 1024).toString('base64');
    const file = workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', `<si><t>${long}</t></si><broken`);
    await expect(rowsOf(file)).rejects.toThrow(
      /^The XLSX file holds a text or tag of more than 73536 characters \(in xl\/sharedStrings.xml\)/,
    );
  });
});
