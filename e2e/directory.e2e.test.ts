// Browser journey through the contact directory against the real server: search (Korean and accented
// names), sort both ways with the view kept in the URL, select rows and bulk-delete them to the Trash,
// restore one and erase the others, restore selected rows of the Trash and empty it, then bulk actions on
// every matching contact (directory and Trash) that run as jobs.
import { beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { gone, launchBrowser, screenshot, visible } from './support/browser.ts';
import { createMember, journeySteps, newContext, signInAs, signOutOf, startJourneyServer, type Credentials } from './support/journey.ts';

const owner = { email: 'owner@directory.example.com', password: 'owner-password-1' };
const agent = { email: 'viewer@directory.example.com', password: 'viewer-password-1' };

const korean = { firstName: '지훈', lastName: '박', company: '한빛소프트 주식회사', primaryEmail: 'jihoon.park@hanbit-soft.example.kr' };
const accented = { firstName: 'José', lastName: 'Núñez', company: 'Café Olé', primaryEmail: 'jose.nunez@cafe-ole.example.es' };
// three contacts of one company, for sorting and bulk delete
const quill = [
  { firstName: 'Nora', lastName: 'Chen', company: 'Quillfeather Analytics', primaryEmail: 'nora.chen@quillfeather.example.com' },
  { firstName: 'Liam', lastName: 'Ortiz', company: 'Quillfeather Analytics', primaryEmail: 'liam.ortiz@quillfeather.example.com' },
  { firstName: 'Ava', lastName: 'Baker', company: 'Quillfeather Analytics', primaryEmail: 'ava.baker@quillfeather.example.com' },
];
// long values must be cut with an ellipsis, not break the row
const longOne = {
  firstName: 'Maximiliana Eugenia',
  lastName: 'Vanderbilt-Castellanos de la Fuente',
  jobTitle: 'Vice President of Global Customer Experience and Operational Excellence',
  company: 'International Consolidated Holdings & Subsidiaries Worldwide (EMEA Division)',
  primaryEmail: 'maximiliana.vanderbilt-castellanos@international-consolidated-holdings.example.com',
};
// five contacts of another company, for the Trash's bulk actions
const bright = [
  { firstName: 'Priya', lastName: 'Raman', company: 'Brightwater Labs', primaryEmail: 'priya.raman@brightwater.example.com' },
  { firstName: 'Tomás', lastName: 'Herrera', company: 'Brightwater Labs', primaryEmail: 'tomas.herrera@brightwater.example.com' },
  { firstName: 'Emma', lastName: 'Lindqvist', company: 'Brightwater Labs', primaryEmail: 'emma.lindqvist@brightwater.example.com' },
  { firstName: 'Kenji', lastName: 'Sato', company: 'Brightwater Labs', primaryEmail: 'kenji.sato@brightwater.example.com' },
  { firstName: 'Grace', lastName: 'Okafor', company: 'Brightwater Labs', primaryEmail: 'grace.okafor@brightwater.example.com' },
] as const;
const name = (c: { firstName: string; lastName: string }) => `${c.firstName} ${c.lastName}`;

describe.skipIf(!process.env.KDESK_E2E)('KDesk App: directory journey in Chromium', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let token = '';

  const url = (p: string) => `${server.baseUrl}${p}`;

  async function apiCall<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(url(p), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${p} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }
  const totalOf = async (query: string) => (await apiCall<{ total: number }>('GET', `/api/v1/contacts?limit=1&${query}`)).total;

  const signIn = (who: Credentials) => signInAs(page, server.baseUrl, who);
  const signOut = () => signOutOf(page);

  const table = () => page.getByRole('table', { name: 'Contacts' });
  const dataRows = () => table().locator('tbody tr[data-contact-id]');
  const rowNames = async () => (await dataRows().locator('td:nth-child(2) a').allInnerTexts()).map((s) => s.trim());
  const total = () => page.getByTestId('contacts-total');
  const search = () => page.getByRole('searchbox', { name: 'Search contacts' });
  const bulkBar = () => page.getByRole('group', { name: 'Bulk actions' });

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Northwind Support' });
    await createMember(server, { ...agent, name: 'Vera Viewer' }, '--role', 'agent', '--no-modify-contacts');
    // more than the server does at once (250), so "all matching" runs as a background job
    await server.cli(['demo', '--contacts', '300']);
    token = (await server.cli(['admin', 'create-token', '--email', owner.email, '--name', 'e2e'])).trim();
    for (const c of [korean, accented, ...quill, longOne]) await apiCall('POST', '/api/v1/contacts', c);

    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
  });

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ '': page }) });

  step('opens the directory on active contacts with their count', async () => {
    await signIn(owner);
    const active = await totalOf('status=active');
    expect(active).toBeGreaterThan(250);
    await expect.poll(() => total().textContent()).toBe(`${active.toLocaleString('en-US')} contacts`);
    expect(await page.getByRole('radiogroup', { name: 'Status' }).getByRole('radio', { name: 'Active', exact: true }).isChecked()).toBe(
      true,
    );
    // newest first: the contacts created last lead the list
    expect((await rowNames())[0]).toBe(name(longOne));
    // the long row keeps its height, and its cut values carry the full text as a tooltip
    const longRow = dataRows().filter({ hasText: longOne.firstName });
    expect(await longRow.getAttribute('data-contact-id')).toBeTruthy();
    await visible(longRow.locator(`[title="${longOne.company}"]`));
    const heights = await dataRows().evaluateAll((rows) => rows.slice(0, 5).map((r) => Math.round(r.getBoundingClientRect().height)));
    expect(new Set(heights).size).toBe(1);
    await screenshot(page, 'dir-01-directory');
  });

  step('finds a Korean name by its company and an accented name typed without accents', async () => {
    // `/` focuses the search box from anywhere on the page
    await page.keyboard.press('/');
    expect(await search().evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('한빛');
    await expect.poll(() => total().textContent()).toBe('1 contact');
    // a Korean name reads family name first, without a space
    await expect.poll(rowNames).toEqual(['박지훈']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('한빛');
    await visible(dataRows().first().locator('mark', { hasText: '한빛' }));
    await screenshot(page, 'dir-02-search-korean');

    await search().fill('nunez');
    await expect.poll(rowNames).toEqual([name(accented)]);
    expect(await total().textContent()).toBe('1 contact');
    // the accented letters that matched are marked
    expect(await dataRows().first().locator('mark').first().innerText()).toBe('Núñez');
    await screenshot(page, 'dir-03-search-accented');

    // Esc clears the search and brings every active contact back
    await search().press('Escape');
    await expect.poll(() => search().inputValue()).toBe('');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBeNull();
    await expect.poll(rowNames).not.toEqual([name(accented)]);
  });

  step('shows a clear empty state when nothing matches', async () => {
    await search().fill('zzxq-nobody');
    const empty = page.getByText('No active contacts match “zzxq-nobody”');
    await visible(empty);
    await screenshot(page, 'dir-04-no-results');
    await page.getByRole('button', { name: 'Clear search' }).filter({ hasText: 'Clear search' }).click();
    await gone(empty);
    await expect.poll(() => search().inputValue()).toBe('');
  });

  step('sorts by name both ways and keeps the view in the URL across a reload', async () => {
    await search().fill('quillfeather');
    await expect.poll(() => total().textContent()).toBe('3 contacts');

    await page.getByRole('button', { name: 'Sort by name (last name)' }).click();
    await expect.poll(rowNames).toEqual(['Ava Baker', 'Nora Chen', 'Liam Ortiz']);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('lastName');
    expect(await table().locator('th[aria-sort="ascending"]').innerText()).toContain('Name');
    await screenshot(page, 'dir-05-sort-name-ascending');

    await page.getByRole('button', { name: 'Sort by name (last name)' }).click();
    await expect.poll(rowNames).toEqual(['Liam Ortiz', 'Nora Chen', 'Ava Baker']);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('-lastName');

    await page.reload();
    await expect.poll(rowNames).toEqual(['Liam Ortiz', 'Nora Chen', 'Ava Baker']);
    expect(await search().inputValue()).toBe('quillfeather');
    expect(await table().locator('th[aria-sort="descending"]').innerText()).toContain('Name');
    await screenshot(page, 'dir-06-sort-name-descending');

    // Back goes to the ascending order
    await page.goBack();
    await expect.poll(rowNames).toEqual(['Ava Baker', 'Nora Chen', 'Liam Ortiz']);
  });

  step('selects rows and moves them to the Trash after a confirmation', async () => {
    await page.getByRole('checkbox', { name: 'Select Nora Chen' }).check();
    await page.getByRole('checkbox', { name: 'Select Liam Ortiz' }).check();
    await visible(bulkBar());
    expect(await bulkBar().innerText()).toContain('2 selected');
    // the header checkbox completes the selection
    const header = page.getByRole('checkbox', { name: 'Select all loaded contacts' });
    await header.click();
    await expect.poll(() => bulkBar().innerText()).toContain('3 selected');
    // export and invite are not offered until their screens exist
    expect(
      await bulkBar()
        .getByRole('button', { name: /export|invite/i })
        .count(),
    ).toBe(0);
    await screenshot(page, 'dir-07-selected');

    await bulkBar().getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete 3 contacts?' });
    await visible(dialog);
    const text = await dialog.innerText();
    expect(text).toContain('Trash');
    expect(text).toContain('30 days');
    await screenshot(page, 'dir-08-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete contacts' }).click();
    await gone(dialog);
    await visible(page.getByText('Moved 3 contacts to the Trash'));
    await visible(page.getByText('No active contacts match “quillfeather”'));
    await gone(bulkBar());
    expect(await totalOf('status=all&q=quillfeather')).toBe(0);
    await screenshot(page, 'dir-09-after-delete');
  });

  step('restores one contact from the Trash and erases another', async () => {
    // the last step's toast closes on its own (4 s): axe must not catch it fading out behind a dialog
    await gone(page.getByText('Moved 3 contacts to the Trash'), 10_000);
    await page.getByRole('link', { name: 'Trash' }).first().click();
    await page.waitForURL(/\/contacts\/trash$/);
    await visible(page.getByRole('heading', { level: 1, name: 'Trash' }));
    const trash = page.getByRole('table', { name: 'Deleted contacts' });
    await expect.poll(() => page.getByTestId('trash-total').textContent()).toMatch(/^3 deleted contacts/);
    for (const c of quill) await visible(trash.getByText(name(c), { exact: true }));
    expect(await trash.locator('tbody tr').first().innerText()).toMatch(/just now|min\. ago/);
    await screenshot(page, 'dir-10-trash');

    // a contact whose email was taken meanwhile cannot come back: the person is told by whom
    await apiCall('POST', '/api/v1/contacts', { firstName: 'Lian', lastName: 'Ortega', primaryEmail: quill[1]!.primaryEmail });
    await page.getByRole('button', { name: 'Restore Liam Ortiz' }).click();
    await visible(page.getByText(`The primary email ${quill[1]!.primaryEmail} now belongs to Lian Ortega.`, { exact: false }));
    await visible(page.getByRole('button', { name: 'Open Lian Ortega' }));
    await screenshot(page, 'dir-10b-restore-conflict', { withToasts: true });
    await visible(trash.getByText('Liam Ortiz', { exact: true }));

    await page.getByRole('button', { name: 'Restore Nora Chen' }).click();
    await visible(page.getByText('Nora Chen is back in the directory.'));
    await gone(trash.getByText('Nora Chen', { exact: true }));

    await page.getByRole('button', { name: 'Delete Ava Baker forever' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete forever?' });
    await visible(dialog);
    expect(await dialog.innerText()).toContain('cannot be undone');
    await screenshot(page, 'dir-11-purge-confirm');
    await dialog.getByRole('button', { name: 'Delete forever' }).click();
    await gone(dialog);
    await gone(trash.getByText('Ava Baker', { exact: true }));
    await expect.poll(() => page.getByTestId('trash-total').textContent()).toMatch(/^1 deleted contact /);
    await screenshot(page, 'dir-12-trash-after');

    // back in the directory, the restored contact is found again
    await page.goBack();
    await page.waitForURL(/\/contacts\?/);
    await expect.poll(rowNames).toEqual(['Nora Chen', 'Lian Ortega']);
    expect(await search().inputValue()).toBe('quillfeather');
    await screenshot(page, 'dir-13-restored-in-list');

    // the last one is erased too: the Trash shows its empty state
    await page.goto(url('/contacts/trash'));
    await page.getByRole('button', { name: 'Delete Liam Ortiz forever' }).click();
    await page.getByRole('dialog', { name: 'Delete forever?' }).getByRole('button', { name: 'Delete forever' }).click();
    await visible(page.getByText('The Trash is empty'));
    await screenshot(page, 'dir-14-trash-empty');
  });

  step('restores two selected contacts of the Trash together, tells which could not come back, then empties the Trash', async () => {
    for (const c of bright) await apiCall('POST', '/api/v1/contacts', c);
    await page.goto(url('/contacts?q=brightwater'));
    await expect.poll(rowNames).toHaveLength(5);
    await page.getByRole('checkbox', { name: 'Select all loaded contacts' }).click();
    await bulkBar().getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete 5 contacts?' }).getByRole('button', { name: 'Delete contacts' }).click();
    await visible(page.getByText('Moved 5 contacts to the Trash'));

    await page.goto(url('/contacts/trash'));
    const trash = page.getByRole('table', { name: 'Deleted contacts' });
    const trashTotal = () => page.getByTestId('trash-total').textContent();
    await expect.poll(trashTotal).toMatch(/^5 deleted contacts/);
    const emptyTrash = page.getByRole('button', { name: 'Empty trash' });
    expect(await emptyTrash.isEnabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Select Priya Raman' }).check();
    await page.getByRole('checkbox', { name: 'Select Kenji Sato' }).check();
    await expect.poll(() => bulkBar().innerText()).toContain('2 selected');
    expect(await bulkBar().getByRole('button').allInnerTexts()).toEqual(expect.arrayContaining(['Restore', 'Delete forever']));
    await screenshot(page, 'dir-trash-bulk-1-selected');

    // restoring chosen rows needs no confirmation: nothing is lost
    await bulkBar().getByRole('button', { name: 'Restore' }).click();
    await visible(page.getByText('Restored 2 contacts', { exact: true }));
    await gone(trash.getByText('Priya Raman', { exact: true }));
    await gone(trash.getByText('Kenji Sato', { exact: true }));
    await gone(bulkBar());
    await expect.poll(trashTotal).toMatch(/^3 deleted contacts/);
    await screenshot(page, 'dir-trash-bulk-2-restored', { withToasts: true });
    expect(await totalOf('status=all&q=brightwater')).toBe(2);
    const history = await apiCall<{ items: { action: string }[] }>(
      'GET',
      `/api/v1/contacts/${(await apiCall<{ items: { id: string }[] }>('GET', '/api/v1/contacts?q=priya.raman')).items[0]!.id}/history`,
    );
    expect(history.items.map((h) => h.action)).toEqual(['restore', 'delete', 'create']);

    // of the next two, one cannot come back: its primary email is someone else's now
    await apiCall('POST', '/api/v1/contacts', { firstName: 'Emmy', lastName: 'Lind', primaryEmail: bright[2].primaryEmail });
    await page.getByRole('checkbox', { name: 'Select Emma Lindqvist' }).check();
    await page.getByRole('checkbox', { name: 'Select Grace Okafor' }).check();
    await bulkBar().getByRole('button', { name: 'Restore' }).click();
    await visible(page.getByText('Restored 1 contact', { exact: true }));
    await visible(page.getByText(`Emma Lindqvist: its primary email ${bright[2].primaryEmail} now belongs to “Emmy Lind”.`));
    await screenshot(page, 'dir-trash-bulk-3-skipped', { withToasts: true });
    await visible(trash.getByText('Emma Lindqvist', { exact: true }));
    await gone(trash.getByText('Grace Okafor', { exact: true }));
    await expect.poll(trashTotal).toMatch(/^2 deleted contacts/);

    // Empty trash asks first, saying how many and that it cannot be undone
    await emptyTrash.click();
    const dialog = page.getByRole('dialog', { name: 'Empty the Trash?' });
    await visible(dialog);
    const text = await dialog.innerText();
    expect(text).toContain('All 2 contacts in the Trash will be erased now');
    expect(text).toContain('This cannot be undone.');
    await screenshot(page, 'dir-trash-bulk-4-empty-confirm');
    await dialog.getByRole('button', { name: 'Empty trash' }).click();
    await gone(dialog);
    await visible(page.getByText('Deleted 2 contacts forever', { exact: true }));
    await visible(page.getByText('The Trash is empty'));
    await expect.poll(() => emptyTrash.isDisabled()).toBe(true);
    await screenshot(page, 'dir-trash-bulk-5-emptied', { withToasts: true });
    // Priya, Kenji and Grace came back; Emmy Lind has the email Emma had
    expect(await totalOf('status=all&q=brightwater')).toBe(4);
  });

  step('deactivates every matching contact through a background job with progress', async () => {
    await page.goto(url('/contacts?status=all&q=example'));
    const matching = await totalOf('status=all&q=example');
    // the demo data has inactive contacts too: only the active ones change
    const activeMatching = await totalOf('status=active&q=example');
    expect(matching).toBeGreaterThan(250);
    expect(activeMatching).toBeLessThan(matching);
    await expect.poll(() => total().textContent()).toBe(`${matching} contacts`);

    await page.getByRole('checkbox', { name: 'Select all loaded contacts' }).click();
    const offer = page.getByRole('button', { name: `Select all ${matching} matching contacts` });
    await visible(offer);
    await screenshot(page, 'dir-15-select-all-offer');
    await offer.click();
    await visible(page.getByText(`All ${matching} contacts (matching “example”) are selected.`));
    await expect.poll(() => bulkBar().innerText()).toContain(`All ${matching} contacts selected`);

    await bulkBar().getByRole('button', { name: 'Deactivate' }).click();
    const dialog = page.getByRole('dialog', { name: `Deactivate all ${matching} contacts?` });
    await visible(dialog);
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    await gone(dialog);

    // a progress notification while the job runs (it may already be done on a fast machine)
    const progress = page.getByTestId('job-progress');
    const done = page.getByText(`Deactivated ${activeMatching} contacts`, { exact: true });
    await visible(progress.or(done));
    if (await progress.isVisible()) await screenshot(page, 'dir-16-job-progress', { withToasts: true });
    await visible(done, 60_000);
    await visible(page.getByText(`The other ${matching - activeMatching} were inactive already.`));
    await screenshot(page, 'dir-17-job-done', { withToasts: true });
    expect(await totalOf('status=active&q=example')).toBe(0);
    await expect.poll(() => dataRows().first().innerText()).toContain('Inactive');

    // the Active filter now finds none of them
    await page.getByRole('radiogroup', { name: 'Status' }).getByText('Active', { exact: true }).click();
    await visible(page.getByText('No active contacts match “example”'));
  });

  step('scrolls through every contact, loading pages on the way, with only the rows in view in the page', async () => {
    await page.goto(url('/contacts?status=all&sort=lastName'));
    const all = await totalOf('status=all');
    expect(all).toBeGreaterThan(300);
    const end = page.getByText(`All ${all} contacts · sorted by last name, a to z`);
    for (let i = 0; i < 60 && !(await end.isVisible()); i++) {
      await page.mouse.wheel(0, 2500);
      await page.waitForTimeout(150);
    }
    await visible(end);
    await end.scrollIntoViewIfNeeded();
    expect(await dataRows().count()).toBeLessThan(80);
    // the header row stays in view at the end of a long list
    const header = await table().locator('thead').boundingBox();
    expect(header?.y).toBeGreaterThanOrEqual(55);
    expect(header?.y).toBeLessThan(70);
    await screenshot(page, 'dir-18-scrolled-to-end');
  });

  step('fits a narrow window: fewer columns, nothing overflows', async () => {
    await page.goto(url('/contacts?status=all'));
    await page.setViewportSize({ width: 820, height: 900 });
    await expect.poll(() => dataRows().count()).toBeGreaterThan(5);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // sort stays reachable from the toolbar when sort columns are hidden
    await visible(page.getByRole('button', { name: 'Sort', exact: true }));
    await screenshot(page, 'dir-19-narrow');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  step('shows names in full on a laptop, and fits the bulk bar and the editor on a phone', async () => {
    // 1440 x 900: 'Maximiliana Eugenia Vanderb…' shows at least 25 characters
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(url(`/contacts?status=all&q=${encodeURIComponent('Vanderbilt')}`));
    await expect.poll(() => dataRows().count()).toBe(1);
    const nameLink = dataRows().first().locator('td:nth-child(2) a');
    const shown = await nameLink.evaluate((el) => ({ width: el.clientWidth, full: el.scrollWidth, chars: el.textContent!.length }));
    expect(Math.floor((shown.width / shown.full) * shown.chars)).toBeGreaterThanOrEqual(25);
    await screenshot(page, 'dir-21-desktop-1440');

    // 390 x 844: every bulk action is on the screen
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url('/contacts?status=all&q=quillfeather'));
    await expect.poll(() => dataRows().count()).toBeGreaterThanOrEqual(2);
    // the name takes what the other columns leave
    expect((await dataRows().first().locator('td:nth-child(2)').boundingBox())!.width).toBeGreaterThan(150);
    await dataRows().nth(0).getByRole('checkbox').check();
    await dataRows().nth(1).getByRole('checkbox').check();
    await visible(bulkBar());
    for (const name of ['Send portal invitation', 'Assign form', 'Activate', 'Deactivate', 'Delete', 'Clear selection']) {
      const box = (await bulkBar().getByRole('button', { name, exact: true }).boundingBox())!;
      expect(box.x, name).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, name).toBeLessThanOrEqual(390);
    }
    await screenshot(page, 'dir-22-phone-bulk-bar');
    await page.keyboard.press('Escape');

    // the editor's email and phone fields take the width of the phone
    await page.goto(url('/contacts/new'));
    await page.getByRole('button', { name: 'Add email' }).click();
    await page.getByRole('button', { name: 'Add phone' }).click();
    for (const field of [page.getByRole('textbox', { name: 'Email 1 address' }), page.getByRole('textbox', { name: 'Phone 1 number' })]) {
      expect((await field.boundingBox())!.width).toBeGreaterThan(250);
    }
    await screenshot(page, 'dir-23-phone-editor-rows', { fullPage: true });
    // leave the unsaved form (the browser asks first)
    page.once('dialog', (d) => void d.accept());
    await page.goto(url('/contacts'));
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  step('restores every matching contact of a big Trash through a background job with progress', async () => {
    const matching = await totalOf('status=all&q=example');
    expect(matching).toBeGreaterThan(250);
    const { jobId } = await apiCall<{ jobId: string }>('POST', '/api/v1/contacts/bulk', {
      action: 'delete',
      filter: { q: 'example', status: 'all' },
    });
    await expect
      .poll(async () => (await apiCall<{ status: string }>('GET', `/api/v1/jobs/${jobId}`)).status, { timeout: 60_000 })
      .toBe('succeeded');

    await page.goto(url('/contacts/trash?q=example'));
    await expect.poll(() => page.getByTestId('trash-total').textContent()).toMatch(new RegExp(`^${matching} deleted contacts`));
    await page.getByRole('checkbox', { name: 'Select all loaded deleted contacts' }).click();
    const offer = page.getByRole('button', { name: `Select all ${matching} matching deleted contacts` });
    await visible(offer);
    await offer.click();
    await visible(page.getByText(`All ${matching} deleted contacts matching “example” are selected.`));
    await expect.poll(() => bulkBar().innerText()).toContain(`All ${matching} deleted contacts selected`);
    await screenshot(page, 'dir-trash-bulk-6-all-matching');

    await bulkBar().getByRole('button', { name: 'Restore' }).click();
    const dialog = page.getByRole('dialog', { name: `Restore all ${matching} deleted contacts?` });
    await visible(dialog);
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await gone(dialog);
    const progress = page.getByTestId('job-progress');
    const done = page.getByText(`Restored ${matching} contacts`, { exact: true });
    await visible(progress.or(done));
    if (await progress.isVisible()) await screenshot(page, 'dir-trash-bulk-7-job-progress', { withToasts: true });
    await visible(done, 60_000);
    await visible(page.getByText('No deleted contacts match “example”'));
    await screenshot(page, 'dir-trash-bulk-8-job-done', { withToasts: true });
    expect(await totalOf('status=all&q=example')).toBe(matching);
  });

  step('shows a view-only member no selection, no bulk actions and no delete', async () => {
    await signOut();
    await signIn(agent);
    // every contact is inactive after the previous step
    await visible(page.getByText('No active contacts', { exact: true }));
    await page.getByRole('radiogroup', { name: 'Status' }).getByText('All', { exact: true }).click();
    await expect.poll(() => dataRows().count()).toBeGreaterThan(0);
    expect(await table().getByRole('checkbox').count()).toBe(0);
    await dataRows()
      .first()
      .getByRole('button', { name: /^Actions for/ })
      .click();
    await visible(page.getByRole('menuitem', { name: 'View' }));
    expect(await page.getByRole('menuitem', { name: 'Delete' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await screenshot(page, 'dir-20-view-only');

    // the Trash: the member may look, but has no checkboxes, bulk bar, Empty trash, Restore or Delete forever
    const victim = (await apiCall<{ items: { id: string }[] }>('GET', '/api/v1/contacts?q=brightwater')).items[0]!;
    const deleted = await fetch(url(`/api/v1/contacts/${victim.id}`), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(deleted.status).toBe(204);
    await page.goto(url('/contacts/trash'));
    await visible(page.getByRole('heading', { level: 1, name: 'Trash' }));
    const trash = page.getByRole('table', { name: 'Deleted contacts' });
    await expect.poll(() => trash.locator('tbody tr[data-contact-id]').count()).toBe(1);
    expect(await trash.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Empty trash' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Restore|forever$/ }).count()).toBe(0);
    await screenshot(page, 'dir-trash-bulk-9-view-only');
  });
});
