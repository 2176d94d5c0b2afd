// Writes server/imports/fixtures/libreoffice-short-rows.xlsx with LibreOffice Calc (headless), the way a
// user's spreadsheet program saves a sheet: it leaves empty cells out, so most rows are shorter than the
// 30-column template header, and a row with an empty cell in the middle skips that cell reference.
// Run after changing the rows below: node bin/run-ts.mjs scripts/make-libreoffice-fixture.ts (needs `soffice`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEMPLATE_COLUMNS } from '../shared/import.schema.ts';

const header: readonly string[] = TEMPLATE_COLUMNS;
const rows = [
  // six cells, then nothing: the row ends at column F
  ['', 'Lena', 'Short', 'lena@example.com', '', '+1 555 010 0001'],
  ['', 'Omar', 'Short', 'omar@example.com', '', '+1 555 010 0002'],
  // empty cells in the middle (lastName, emails, phones) and a last cell in column G
  ['', 'Mia', '', 'mia@example.com', '', '', 'Acme'],
  // a cell far to the right of the others (notes, column AB)
  ['', 'Noah', 'Far', 'noah@example.com', ...Array(23).fill(''), 'met at the fair'],
];

const csv = [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
const dir = mkdtempSync(path.join(os.tmpdir(), 'kdesk-fixture-'));
try {
  writeFileSync(path.join(dir, 'libreoffice-short-rows.csv'), csv);
  // CSV filter: comma (44), double quote (34), UTF-8 (76), from line 1; every column as text (2) so that
  // nothing is turned into a number or a date
  const types = header.map((_, i) => `${i + 1}/2`).join('/');
  execFileSync(
    'soffice',
    [
      '--headless',
      `-env:UserInstallation=file://${path.join(dir, 'profile')}`,
      `--infilter=CSV:44,34,76,1,${types}`,
      '--convert-to',
      'xlsx',
      '--outdir',
      dir,
      path.join(dir, 'libreoffice-short-rows.csv'),
    ],
    { stdio: 'inherit' },
  );
  const out = path.resolve('server/imports/fixtures/libreoffice-short-rows.xlsx');
  copyFileSync(path.join(dir, 'libreoffice-short-rows.xlsx'), out);
  console.log(out);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
