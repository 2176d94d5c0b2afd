// Browser journey: a Traditional Chinese CSV saved by Excel in Taiwan (Big5, converted from UTF-8 by the
// Debian `iconv` tool) reads as Big5 and as GB18030; the wizard shows the rows as decoded, asks for the
// encoding instead of importing, and imports the names as written once Big5 is chosen. The page is
// checked with axe-core.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@encodings.example.com', password: 'owner-password-1' };
const utf8 = readFileSync(new URL('../server/imports/fixtures/encodings/tw.csv', import.meta.url), 'utf8');
const big5 = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'BIG5'], { input: utf8 });
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

describe.skipIf(!process.env.KDESK_E2E)('KDesk App: import wizard encoding picker in Chromium', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const url = (p: string) => `${server.baseUrl}${p}`;
  const apiCall = async (method: 'GET' | 'POST' | 'PATCH', p: string, data?: unknown) => {
    const res = await context.request.fetch(url(p), { method, data, headers: { origin: server.baseUrl } });
    expect(res.ok(), `${method} ${p} → ${res.status()} ${await res.text()}`).toBe(true);
    return res.json();
  };
  /** axe-core's serious and critical violations inside the encoding card (the part of the page this journey is about). */
  const axeViolations = async () => {
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
      return axe.run({ include: [['[data-testid="import-encoding"]']] }, { resultTypes: ['violations'] });
    });
    return (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[])
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  };

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Encodings' });
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
  });
  afterAll(() => {});

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ 'enc-': page }) });

  step('uploads a Big5 file and is asked to confirm its encoding; nothing can be previewed yet', async () => {
    await signInAs(page, server.baseUrl, owner);
    await apiCall('PATCH', '/api/v1/settings', { allowBulkContactImport: true });
    await page.goto(url('/contacts/import'));
    await page.getByRole('button', { name: 'Choose a file', exact: true }).click();
    await page
      .getByLabel('File to import', { exact: true })
      .setInputFiles({ name: 'taipei-contacts.csv', mimeType: 'text/csv', buffer: big5 });
    await visible(page.getByRole('table', { name: 'Column mapping' }));

    await visible(page.getByRole('alert').filter({ hasText: 'Check the names before importing' }));
    expect(await page.getByRole('button', { name: 'Preview import' }).isDisabled()).toBe(true);
    const picker = page.getByRole('textbox', { name: 'File encoding' }).or(page.getByRole('combobox', { name: 'File encoding' }));
    expect(await picker.first().inputValue()).toMatch(/Big5|GB18030/);
    await screenshot(page, 'import-enc-01-unsure', { fullPage: true });
    expect(await axeViolations()).toEqual([]);
  });

  step('reads the file as GB18030 and then as Big5 with the picker; Big5 shows the names as written', async () => {
    const picker = page
      .getByRole('textbox', { name: 'File encoding' })
      .or(page.getByRole('combobox', { name: 'File encoding' }))
      .first();
    const decoded = page.getByRole('table', { name: 'First rows as decoded' });

    await picker.click();
    await page.getByRole('option', { name: /GB18030/ }).click();
    await expect.poll(() => picker.inputValue()).toMatch(/GB18030/);
    await expect.poll(async () => decoded.innerText()).not.toContain('志明');
    await screenshot(page, 'import-enc-02-gb18030', { fullPage: true });

    await picker.click();
    await page.getByRole('option', { name: /Big5/ }).click();
    await expect.poll(() => picker.inputValue()).toMatch(/Big5/);
    await expect.poll(async () => decoded.innerText()).toContain('志明');
    expect(await decoded.innerText()).toContain('鴻海精密工業');
    // a chosen encoding needs no further confirmation
    expect(await page.getByRole('alert').filter({ hasText: 'Check the names before importing' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Preview import' }).isDisabled()).toBe(false);
    await screenshot(page, 'import-enc-03-big5', { fullPage: true });
    expect(await axeViolations()).toEqual([]);
  });

  step('imports the four contacts with their names as written', async () => {
    await page.getByRole('button', { name: 'Preview import' }).click();
    await visible(page.getByRole('heading', { name: '4 contacts ready to import' }), 60_000);
    await page.getByRole('button', { name: 'Import 4 contacts' }).click();
    await page.waitForURL(/\/contacts\/import\/[0-9a-f-]{36}$/);
    await visible(page.getByTestId('import-summary-title'), 60_000);
    const found = await apiCall('GET', `/api/v1/contacts?q=${encodeURIComponent('zhiming.chen@example.tw')}`);
    expect(found.items[0]).toMatchObject({ firstName: '志明', lastName: '陳', company: '台積電' });
    await screenshot(page, 'import-enc-04-summary', { fullPage: true });
  });

  step('says how many rows have neither id nor email, and re-checks them matched by phone', async () => {
    await apiCall('PATCH', '/api/v1/settings', { defaultPhoneRegion: 'TW' });
    await apiCall('POST', '/api/v1/contacts', { firstName: '美玲', lastName: '吳', phones: { mobile: '+886 912 345 678' } });
    const phoneList = 'firstName,lastName,phones\r\n美玲,吳,0912-345-678\r\n建宏,蔡,02 2345 6789\r\n';
    await page.getByRole('link', { name: 'Import another file' }).click();
    await page.waitForURL(/\/contacts\/import$/);
    await page.getByRole('button', { name: 'Choose a file', exact: true }).click();
    await page
      .getByLabel('File to import', { exact: true })
      .setInputFiles({ name: 'pbx-phone-list.csv', mimeType: 'text/csv', buffer: Buffer.from(phoneList) });
    await visible(page.getByRole('table', { name: 'Column mapping' }));
    await page.getByRole('button', { name: 'Preview import' }).click();
    const notice = page.getByTestId('import-unkeyed');
    await visible(notice, 60_000);
    expect(await notice.innerText()).toContain('2 rows have neither a contact id nor a primary email');
    await visible(page.getByRole('heading', { name: '2 contacts ready to import' }));
    await screenshot(page, 'import-enc-05-unkeyed', { fullPage: true });

    const matchBy = page
      .getByRole('textbox', { name: 'Match rows without id or email by' })
      .or(page.getByRole('combobox', { name: 'Match rows without id or email by' }))
      .first();
    await matchBy.click();
    await page.getByRole('option', { name: 'A phone number (any format)' }).click();
    await expect.poll(async () => notice.innerText(), { timeout: 60_000 }).toContain('matched to existing contacts by phone number');
    // 美玲 is found by her mobile number written another way: one update (the number as typed), one new contact
    await visible(page.getByRole('listitem', { name: 'Will update: 1' }));
    await visible(page.getByRole('listitem', { name: 'Will create: 1' }));
    await screenshot(page, 'import-enc-06-matched-by-phone', { fullPage: true });
    await page.addScriptTag({ path: axePath });
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string }[] }> } }
      ).axe;
      return (await axe.run({ include: [['[data-testid="import-unkeyed"]']] }, { resultTypes: ['violations'] })).violations;
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  });

  step('sets who an imported contact reports to in the contact editor (no connection manages it)', async () => {
    const [report] = (await apiCall('GET', `/api/v1/contacts?q=${encodeURIComponent('shufen.lin@example.tw')}`)).items;
    const [boss] = (await apiCall('GET', `/api/v1/contacts?q=${encodeURIComponent('zhiming.chen@example.tw')}`)).items;
    await page.goto(url(`/contacts/${report.id}/edit`));
    const field = page.getByRole('textbox', { name: 'Reports to (contact ID)' });
    await visible(field);
    await field.fill('not-an-id');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await visible(page.getByText('Must be the id of a contact').first());
    await field.fill(boss.id);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await apiCall('GET', `/api/v1/contacts/${report.id}`)).directory.reportsToContactId).toBe(boss.id);
    await page.goto(url(`/contacts/${report.id}/edit`));
    await visible(field);
    expect(await field.inputValue()).toBe(boss.id);
    await field.scrollIntoViewIfNeeded();
    await screenshot(page, 'import-enc-07-reports-to');
  });
});
