// Browser journey through import and export against the real server: an owner uploads an Outlook-style
// CSV whose headers need mapping, maps one column by hand, previews (one row fails), imports, downloads
// the errors file, then exports the directory as CSV (streamed) and as Excel (a job).
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { TEMPLATE_COLUMNS } from '#shared/import.schema.ts';
import type { KdeskServer } from './support/kdesk-server.ts';
import { gone, launchBrowser, screenshot, visible } from './support/browser.ts';
import { createMember, journeySteps, newContext, signInAs, startJourneyServer } from './support/journey.ts';

const maxBytes = 3 * 1024 * 1024;
const owner = { email: 'owner@acme.example.com', password: 'owner-password-1' };
const agent = { email: 'agent@acme.example.com', password: 'agent-password-1' };
const tag = randomBytes(3).toString('hex');
const existing = { firstName: 'Margaret', lastName: 'Hamilton', primaryEmail: `margaret.hamilton.${tag}@example.com`, company: 'MIT' };

// An Outlook contacts export: headers KDesk maps by synonym, one it cannot know, one row that must fail.
const csv = [
  'First Name,Last Name,E-mail Address,Mobile Phone,Company,Favourite colour',
  `Ada,Lovelace,ada.lovelace.${tag}@example.com,+44 20 7946 0018,Analytical Engines,green`,
  `Grace,Hopper,grace.hopper.${tag}@example.com,+1 (555) 010-0200,"US Navy, Office of Naval Research",blue`,
  `Margaret,Hamilton,${existing.primaryEmail},+1 555 010 0300,NASA,red`,
  `Linus,Torvalds,linus.at.example.com,,Linux Foundation,orange`,
].join('\r\n');

describe.skipIf(!process.env.KDESK_E2E)('KDesk App: import and export journey in Chromium', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let importUrl = '';

  const url = (p: string) => `${server.baseUrl}${p}`;
  /** API calls with the browser's session cookie (writes need our Origin, as from the app). */
  const apiCall = async (method: 'GET' | 'POST' | 'PATCH', p: string, data?: unknown) => {
    const res = await context.request.fetch(url(p), { method, data, headers: { origin: server.baseUrl } });
    expect(res.ok(), `${method} ${p} → ${res.status()} ${await res.text()}`).toBe(true);
    return res.json();
  };
  const downloadText = async (d: Download) => readFile((await d.path())!, 'utf8');
  const tile = (name: string) => page.getByRole('listitem', { name });

  beforeAll(async () => {
    // a small upload limit, so "too large" can be shown with a 4 MB file
    process.env.KDESK_IMPORT_MAX_BYTES = String(maxBytes);
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Acme Support' });
    await server.cli(['demo', '--contacts', '40']);
    browser = await launchBrowser();
    context = await newContext(browser, { acceptDownloads: true });
    page = await context.newPage();
  });

  afterAll(() => {
    delete process.env.KDESK_IMPORT_MAX_BYTES;
  });

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ '': page }) });

  step('signs in and explains a team setting that forbids importing', async () => {
    await signInAs(page, server.baseUrl, owner);
    await apiCall('POST', '/api/v1/contacts', existing);

    await apiCall('PATCH', '/api/v1/settings', { allowBulkContactImport: false });
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await page.waitForURL(/\/contacts\/import$/);
    await visible(page.getByText("You can't import contacts"));
    // the server's own words name the missing setting
    await visible(page.getByText(/Allow bulk contact import/).first());
    await screenshot(page, 'import-00-forbidden');
    await apiCall('PATCH', '/api/v1/settings', { allowBulkContactImport: true });
  });

  step('starts with the template, the accepted formats and the mode', async () => {
    await page.reload();
    await visible(page.getByRole('heading', { level: 1, name: 'Import contacts' }));
    await visible(page.getByRole('heading', { name: 'Prepare your file' }));
    const template = page.getByRole('link', { name: 'Download the template' });
    expect(await template.getAttribute('href')).toBe('/api/v1/imports/template.csv');
    const [download] = await Promise.all([page.waitForEvent('download'), template.click()]);
    // a header row only (Excel needs the BOM to read UTF-8)
    expect(parse(await downloadText(download), { bom: true })).toEqual([[...TEMPLATE_COLUMNS]]);

    expect(await page.getByRole('radio', { name: 'Add new and update existing' }).isChecked()).toBe(true);
    await visible(page.getByText('No imports yet'));
    await screenshot(page, 'import-01-start', { fullPage: true });
    await page.getByRole('button', { name: 'Choose a file', exact: true }).click();
    await visible(page.getByRole('button', { name: 'Choose file', exact: true }));
    await screenshot(page, 'import-02-upload');
  });

  step('says why a header-only file cannot be imported', async () => {
    const headerOnly = { name: 'header-only.csv', mimeType: 'text/csv', buffer: Buffer.from('First Name,Last Name,E-mail Address\r\n') };
    await page.getByLabel('File to import', { exact: true }).setInputFiles(headerOnly);
    // refused at upload or on the mapping step, in the same words, and nothing can be previewed
    const problem = page.getByRole('alert').filter({ hasText: 'The file has a header row but no contacts' });
    await visible(problem);
    await screenshot(page, 'import-02b-header-only');
    if (await page.getByRole('button', { name: 'Preview import' }).count()) {
      expect(await page.getByRole('button', { name: 'Preview import' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Choose another file' }).click();
    } else {
      await problem.getByRole('button').click();
    }
  });

  step('uploads an Outlook-style CSV and shows every column with its field and samples', async () => {
    // the drop zone opens the browser's file picker
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Choose file', exact: true }).click(),
    ]);
    await chooser.setFiles({ name: 'outlook-contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const mapping = page.getByRole('table', { name: 'Column mapping' });
    await visible(mapping);
    expect(await page.getByTestId('import-file-name').textContent()).toBe('outlook-contacts.csv');

    const field = (column: string) => mapping.getByRole('combobox', { name: `Field for column ${column}` });
    expect(await field('First Name').inputValue()).toBe('First name');
    expect(await field('Last Name').inputValue()).toBe('Last name');
    expect(await field('E-mail Address').inputValue()).toMatch(/^Primary email/);
    expect(await field('Mobile Phone').inputValue()).toBe('Phone (mobile)');
    expect(await field('Favourite colour').inputValue()).toBe("Don't import");

    const colourRow = mapping.locator('tr[data-column="Favourite colour"]');
    await visible(colourRow.getByText('Not mapped'));
    expect(await colourRow.innerText()).toContain('green');
    await visible(page.getByText('1 column not mapped'));
    await screenshot(page, 'import-03-mapping', { fullPage: true });

    // map the unknown column by hand
    await field('Favourite colour').click();
    await page.getByRole('option', { name: 'Notes', exact: true }).click();
    expect(await field('Favourite colour').inputValue()).toBe('Notes');
    await visible(colourRow.getByText('Changed', { exact: true }));
    expect(await page.getByText('1 column not mapped').count()).toBe(0);
    await screenshot(page, 'import-03b-mapping-changed');
  });

  step('previews every row: two new, one update, one failing with its reason', async () => {
    await page.getByRole('button', { name: 'Preview import' }).click();
    await visible(page.getByRole('heading', { name: '3 contacts ready to import' }), 60_000);
    await visible(tile('Will create: 2'));
    await visible(tile('Will update: 1'));
    await visible(tile('Unchanged: 0'));
    await visible(tile('Will fail: 1'));

    const rows = page.getByRole('table', { name: 'Row outcomes' });
    // failing rows are shown first
    const failing = rows.locator('tr[data-action="fail"]');
    await visible(failing);
    expect(await failing.count()).toBe(1);
    expect(await failing.getAttribute('data-row')).toBe('5');
    expect(await failing.innerText()).toMatch(/linus\.at\.example\.com|email/i);
    await screenshot(page, 'import-04-preview-failures', { fullPage: true });

    await page.getByText('All rows (4)').click();
    await expect.poll(() => rows.locator('tr[data-action]').count()).toBe(4);
    expect(await rows.locator('tr[data-action="update"]').innerText()).toContain('Margaret Hamilton');
    await screenshot(page, 'import-04b-preview-all', { fullPage: true });
  });

  step('imports and shows the exact counts', async () => {
    await page.getByRole('button', { name: 'Import 3 contacts' }).click();
    await page.waitForURL(/\/contacts\/import\/[0-9a-f-]{36}$/);
    importUrl = new URL(page.url()).pathname;
    await visible(page.getByTestId('import-summary-title'), 60_000);
    expect(await page.getByTestId('import-summary-title').textContent()).toBe('Import finished with 1 failed row');
    await visible(tile('Created: 2'));
    await visible(tile('Updated: 1'));
    await visible(tile('Unchanged: 0'));
    await visible(tile('Failed: 1'));
    await screenshot(page, 'import-05-summary', { fullPage: true });

    // what was written is what the summary says
    const ada = await apiCall('GET', `/api/v1/contacts?q=${encodeURIComponent(`ada.lovelace.${tag}`)}`);
    expect(ada.items).toHaveLength(1);
    expect(ada.items[0]).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', notes: 'green', company: 'Analytical Engines' });
    expect(Object.values(ada.items[0].phones)).toContain('+44 20 7946 0018');
    const margaret = await apiCall('GET', `/api/v1/contacts?q=${encodeURIComponent(existing.primaryEmail)}`);
    expect(margaret.items[0]).toMatchObject({ company: 'NASA', notes: 'red' });
  });

  step('downloads the errors file with the failed row as uploaded plus its reason', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download errors.csv' }).click()]);
    const rows: string[][] = parse(await downloadText(download), { bom: true });
    expect(rows[0]).toEqual(['First Name', 'Last Name', 'E-mail Address', 'Mobile Phone', 'Company', 'Favourite colour', 'error']);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.slice(0, 6)).toEqual(['Linus', 'Torvalds', 'linus.at.example.com', '', 'Linux Foundation', 'orange']);
    expect(rows[1]![6]).toMatch(/email/i);
  });

  step('lists the import under Recent imports', async () => {
    await page.getByRole('link', { name: 'Import another file' }).click();
    await page.waitForURL(/\/contacts\/import$/);
    const recent = page.getByRole('table', { name: 'Recent imports' });
    await visible(recent);
    const row = recent.getByRole('row').filter({ hasText: 'outlook-contacts.csv' });
    expect(await row.innerText()).toMatch(/2 created, 1 updated, 1 failed/);
    await screenshot(page, 'import-06-recent');
    await row.getByRole('link', { name: 'outlook-contacts.csv' }).click();
    await page.waitForURL((u) => u.pathname === importUrl);
    await visible(page.getByTestId('import-summary-title'));
  });

  step('exports the list as CSV with the template columns', async () => {
    // every status, so the list shows the whole directory (the directory may default to active contacts)
    await page.goto(url('/contacts?status=all'));
    await visible(page.getByRole('heading', { level: 1, name: 'Contacts' }));
    // 40 demo contacts, Margaret, and the two the import created
    await expect.poll(() => page.getByTestId('contacts-total').textContent()).toBe('43 contacts');
    const total = 43;
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await screenshot(page, 'export-01-menu');
    await page.getByRole('menuitem', { name: `All contacts (${total})` }).click();
    const dialog = page.getByRole('dialog', { name: 'Export contacts' });
    await visible(dialog);
    await screenshot(page, 'export-02-dialog');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: `Export ${total} contacts` }).click(),
    ]);
    await gone(dialog);
    const rows: string[][] = parse(await downloadText(download), { bom: true });
    expect(rows[0]).toEqual([...TEMPLATE_COLUMNS]);
    expect(rows).toHaveLength(total + 1);
    const col = (name: string) => rows[0]!.indexOf(name);
    const ada = rows.find((r) => r[col('primaryEmail')] === `ada.lovelace.${tag}@example.com`);
    expect(ada?.[col('firstName')]).toBe('Ada');
    expect(ada?.[col('notes')]).toBe('green');
    const margaret = rows.find((r) => r[col('primaryEmail')] === existing.primaryEmail);
    expect(margaret?.[col('company')]).toBe('NASA');
  });

  step('exports as Excel through a job with progress and a download', async () => {
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('menuitem', { name: /^All contacts/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Export contacts' });
    await dialog.getByText('Excel (.xlsx)').click();
    const downloadP = page.waitForEvent('download', { timeout: 60_000 });
    await dialog.getByRole('button', { name: /^Export \d+ contacts$/ }).click();
    const download = await downloadP;
    await visible(dialog.getByText('43 contacts exported'));
    await screenshot(page, 'export-03-job-done');
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    const sheet = wb.worksheets[0]!;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([...TEMPLATE_COLUMNS]);
    expect(sheet.actualRowCount).toBe(44);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  });

  step('fits a tablet and a phone screen', async () => {
    // a tablet: import and export share one labeled menu so the header keeps one row
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(url('/contacts'));
    await visible(page.getByRole('heading', { level: 1, name: 'Contacts' }));
    // named by what it shows
    await page.getByRole('button', { name: 'Import / export', exact: true }).click();
    await visible(page.getByRole('menuitem', { name: 'Import contacts' }));
    await screenshot(page, 'export-05-menu-tablet');
    await page.keyboard.press('Escape');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url(importUrl));
    await visible(page.getByTestId('import-summary-title'));
    await screenshot(page, 'import-07-summary-mobile', { fullPage: true });
    // the header keeps one button for import and export
    await page.goto(url('/contacts'));
    await visible(page.getByRole('heading', { level: 1, name: 'Contacts' }));
    await page.getByRole('button', { name: 'Import and export' }).click();
    await visible(page.getByRole('menuitem', { name: /^All contacts/ }));
    await screenshot(page, 'export-04-menu-mobile');
    await page.getByRole('menuitem', { name: 'Import contacts' }).click();
    await page.waitForURL(/\/contacts\/import$/);
    await visible(page.getByRole('heading', { name: 'Prepare your file' }));
    await screenshot(page, 'import-09-start-mobile', { fullPage: true });
    await page.getByRole('button', { name: 'Choose a file', exact: true }).click();
    await page
      .getByLabel('File to import', { exact: true })
      .setInputFiles({ name: 'outlook-contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    // a list of blocks instead of a wide table, each select full width
    const mapping = page.getByRole('list', { name: 'Column mapping' });
    await visible(mapping);
    expect(await mapping.getByRole('listitem').count()).toBe(6);
    await visible(mapping.getByRole('combobox', { name: 'Field for column Favourite colour' }));
    await screenshot(page, 'import-08-mapping-mobile', { fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  step('hides import and export from a member without those permissions', async () => {
    await createMember(server, { ...agent, name: 'Avery Agent' }, '--no-export-contacts');
    const other = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    const p = await other.newPage();
    try {
      await signInAs(p, server.baseUrl, agent);
      await visible(p.getByTestId('contacts-total'));
      expect(await p.getByRole('link', { name: 'Import', exact: true }).count()).toBe(0);
      expect(await p.getByRole('button', { name: 'Export', exact: true }).count()).toBe(0);
      // the address itself explains, in the server's words
      await p.goto(url('/contacts/import'));
      await visible(p.getByText("You can't import contacts"));
      await visible(p.getByText(/Import contacts \(bulk\)/));
      expect(await p.getByRole('link', { name: 'Open Team Settings' }).count()).toBe(0);
      await screenshot(p, 'import-12-agent-forbidden');
    } finally {
      await other.close();
    }
  });

  step('shows a long import live and cancels it with exact counts', async () => {
    const n = 40_000;
    const lines = ['firstName,lastName,primaryEmail,company'];
    for (let i = 0; i < n; i++) lines.push(`Bulk,Person ${i},bulk.${tag}.${i}@example.com,Bulk Co`);
    await page.goto(url('/contacts/import'));
    await page.getByRole('button', { name: 'Choose a file', exact: true }).click();
    // a slow line (about 0.5 MB/s up) so the upload progress can be seen
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 512 * 1024,
    });
    await page
      .getByLabel('File to import', { exact: true })
      .setInputFiles({ name: 'bulk.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
    const uploading = page.getByText(/^Uploading… [\d.]+ (KB|MB) of [\d.]+ MB$/);
    await visible(uploading);
    await expect
      .poll(async () => Number(await page.getByRole('progressbar', { name: 'Upload progress' }).getAttribute('aria-valuenow')))
      .toBeGreaterThan(0);
    await screenshot(page, 'import-02d-uploading');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
    await visible(page.getByRole('table', { name: 'Column mapping' }), 60_000);
    await page.getByRole('button', { name: 'Preview import' }).click();
    await visible(page.getByRole('heading', { name: '40,000 contacts ready to import' }), 120_000);

    await page.getByRole('button', { name: 'Import 40,000 contacts' }).click();
    await page.waitForURL(/\/contacts\/import\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    // live progress: processed of total, counts moving
    await expect
      .poll(() => page.getByTestId('import-progress-text').textContent(), { timeout: 60_000 })
      .toMatch(/^[1-9][\d,]* of 40,000 rows/);
    await screenshot(page, 'import-10-running');

    // a second import meanwhile is refused, with a way to the running one
    const other = await context.newPage();
    await other.goto(url('/contacts/import'));
    await other.getByRole('button', { name: 'Choose a file', exact: true }).click();
    await other
      .getByLabel('File to import', { exact: true })
      .setInputFiles({ name: 'outlook-contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await other.getByRole('button', { name: 'Preview import' }).click();
    const busy = other.getByRole('alert').filter({ hasText: 'Another import is already running' });
    await visible(busy);
    expect(await busy.innerText()).toContain('bulk.csv');
    await busy.scrollIntoViewIfNeeded();
    await screenshot(other, 'import-10b-already-running');
    await busy.getByRole('link', { name: 'Open the running import' }).click();
    await other.waitForURL((u) => u.pathname === `/contacts/import/${id}`);
    await visible(other.getByRole('button', { name: 'Cancel import' }));
    await other.close();

    await page.getByRole('button', { name: 'Cancel import' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this import?' });
    await visible(dialog);
    await dialog.getByRole('button', { name: 'Cancel import' }).click();
    await visible(page.getByTestId('import-summary-title'), 60_000);
    const title = await page.getByTestId('import-summary-title').textContent();
    const imp = await apiCall('GET', `/api/v1/imports/${id}`);
    // a very fast machine may finish first; then there is nothing to cancel and the summary says so
    expect(title).toBe(imp.status === 'cancelled' ? 'Import cancelled' : 'Import complete');
    await visible(tile(`Created: ${imp.created}`));
    expect(imp.created + imp.updated + imp.unchanged + imp.failed).toBe(imp.processed);
    // the counts are what was written
    const written = await apiCall('GET', `/api/v1/contacts?q=${encodeURIComponent(`bulk.${tag}`)}&limit=1`);
    if (!written.totalIsEstimate) expect(written.total).toBe(imp.created);
    await screenshot(page, 'import-11-cancelled', { fullPage: true });
  });

  step('refuses a file over the upload limit, and the next upload still works', async () => {
    await page.goto(url('/contacts/import'));
    await page.getByRole('button', { name: 'Choose a file', exact: true }).click();
    const big = Buffer.alloc(maxBytes + 1024 * 1024, 'a,b,c\n');
    await page.getByLabel('File to import', { exact: true }).setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: big });
    const tooLarge = page.getByRole('alert').filter({ hasText: 'The file is too large' });
    await visible(tooLarge, 30_000);
    expect(await tooLarge.innerText()).toContain('3 MB');
    await screenshot(page, 'import-02c-too-large');
    await tooLarge.getByRole('button').click();
    // a smaller file right after: the browser reuses its connection, which must still work
    await page
      .getByLabel('File to import', { exact: true })
      .setInputFiles({ name: 'outlook-contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await visible(page.getByRole('table', { name: 'Column mapping' }));
  });
});
