// Writes server/imports/fixtures/libreoffice-companies.xlsx with LibreOffice Calc (headless): contacts with
// a `Linked company` column naming companies in other capitals than the team spells them, a name no company
// has, and a row without one (LibreOffice leaves its empty last cell out).
// Run after changing the rows below: node bin/run-ts.mjs scripts/make-libreoffice-company-fixture.ts (needs `soffice`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const header = ['First Name', 'Last Name', 'Email', 'Linked company'];
const rows = [
  ['Ada', 'Byron', 'ada@example.com', 'ACME Corp'],
  ['Grace', 'Hopper', 'grace@example.com', 'globex'],
  ['Linus', 'Nobody', 'linus@example.com', 'Initech Ltd'],
  ['Ken', 'Plain', 'ken@example.com', ''],
];

const csv = [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
const dir = mkdtempSync(path.join(os.tmpdir(), 'kdesk-fixture-'));
try {
  writeFileSync(path.join(dir, 'libreoffice-companies.csv'), csv);
  // CSV filter: comma (44), double quote (34), UTF-8 (76), from line 1; every column as text (2)
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
      path.join(dir, 'libreoffice-companies.csv'),
    ],
    { stdio: 'inherit' },
  );
  const out = path.resolve('server/imports/fixtures/libreoffice-companies.xlsx');
  copyFileSync(path.join(dir, 'libreoffice-companies.xlsx'), out);
  console.log(out);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
