// Browser journey: an import links contacts to companies by name. A Freshdesk-style CSV's "Company" column
// is mapped by hand to the linked company; the mapping step then offers to create the companies the team
// lacks; the preview fails the row naming an unknown company until that is ticked, and the import links
// every contact. Pages are checked with axe-core (every screenshot) at desktop and phone sizes.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@acme.example.com', password: 'owner-password-1' };
const tag = randomBytes(3).toString('hex');
const desktop = { width: 1366, height: 900 };
const phone = { width: 390, height: 844 };
const csv = [
  'Name,Email,Company',
  `Peter Gibbons,peter.${tag}@example.com,INITECH`,
  `Michael Bolton,michael.${tag}@example.com,Initech`,
  `Bill Lumbergh,bill.${tag}@example.com,Initrode ${tag}`,
].join('\r\n');

describe.skipIf(!process.env.KDESK_E2E)('Import: contacts linked to companies by name', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let initech = '';

  const url = (p: string) => `${server.baseUrl}${p}`;
  async function api<T>(method: 'GET' | 'POST', path: string, data?: unknown): Promise<T> {
    const res = await page.request.fetch(url(path), { method, data, headers: { origin: server.baseUrl } });
    if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  }
  async function shootBoth(name: string) {
    await page.setViewportSize(desktop);
    await screenshot(page, `${name}-desktop`, { fullPage: true });
    await page.setViewportSize(phone);
    await screenshot(page, `${name}-phone`, { fullPage: true });
    await page.setViewportSize(desktop);
  }
  const tile = (name: string) => page.getByRole('listitem', { name });

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Acme Support' });
    browser = await launchBrowser();
    context = await newContext(browser, { viewport: desktop });
    page = await context.newPage();
  });

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ 'import-companies-': page }) });

  step('maps the Company column to the linked company and sees the option to create missing ones', async () => {
    await signInAs(page, server.baseUrl, owner);
    initech = (await api<{ id: string }>('POST', '/api/v1/companies', { name: 'Initech' })).id;
    await page.goto(url('/contacts/import'));
    await page.getByRole('button', { name: 'Choose a file', exact: true }).click();
    await page
      .getByLabel('File to import', { exact: true })
      .setInputFiles({ name: 'freshdesk.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const mapping = page.getByRole('table', { name: 'Column mapping' });
    await visible(mapping, 60_000);
    const field = mapping.getByRole('combobox', { name: 'Field for column Company' });
    expect(await field.inputValue()).toBe('Company');
    expect(await page.getByTestId('create-companies-option').count()).toBe(0);
    await field.click();
    await page.getByRole('option', { name: 'Linked company (matched by name)', exact: true }).click();
    const option = page.getByTestId('create-companies-option');
    await visible(option, 30_000);
    expect(await page.getByRole('checkbox', { name: 'Create missing companies' }).isChecked()).toBe(false);
    await shootBoth('import-companies-01-mapping');
  });

  step('previews a failure for the unknown company, then no failure once creating is ticked', async () => {
    await page.getByRole('button', { name: 'Preview import' }).click();
    await visible(tile('Will create: 2'), 60_000);
    await visible(tile('Will fail: 1'));
    const failing = page.getByRole('table', { name: 'Row outcomes' }).locator('tr[data-action="fail"]');
    expect(await failing.innerText()).toContain(`no company named "Initrode ${tag}"`);
    await shootBoth('import-companies-02-preview-unknown');

    await page.getByRole('button', { name: 'Back to mapping' }).click();
    await page.getByRole('checkbox', { name: 'Create missing companies' }).check();
    await page.getByRole('button', { name: 'Preview import' }).click();
    await visible(tile('Will create: 3'), 60_000);
    await visible(tile('Will fail: 0'));
  });

  step('imports: every contact is linked, the missing company created once', async () => {
    await page.getByRole('button', { name: 'Import 3 contacts' }).click();
    await visible(page.getByTestId('import-summary-title'), 60_000);
    await visible(tile('Created: 3'));
    await shootBoth('import-companies-03-summary');
    const companies = await api<{ items: { id: string; name: string; contactCount: number }[] }>('GET', '/api/v1/companies');
    expect(companies.items.map((c) => [c.name, c.contactCount])).toEqual([
      ['Initech', 2],
      [`Initrode ${tag}`, 1],
    ]);
    await page.goto(url(`/companies/${initech}`));
    await visible(page.getByText('Peter Gibbons').first());
    await visible(page.getByText('Michael Bolton').first());
  });
});
