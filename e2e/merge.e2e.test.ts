// Browser journey through duplicates: contacts recorded twice (the same address as a labeled email in another
// case, the same phone typed differently) show up on the Duplicates page; the agent reviews a group, chooses
// the values to keep and merges it — the survivor gets the other's tickets and addresses, the other goes to
// the Trash — then undoes the merge from "Recent merges" and both are back as they were. The editor's
// "Change primary email" promotes a labeled email. Pages are checked with axe-core at desktop and phone sizes.
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
const grace = `grace-${tag}@navy.example.com`;

interface Contact {
  id: string;
  firstName: string | null;
  primaryEmail: string | null;
  emails: Record<string, string>;
  version: number;
}

describe.skipIf(!process.env.KDESK_E2E)('Duplicates: find, merge with chosen values, undo', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let first: Contact;
  let second: Contact;
  let ticketId = '';

  const url = (p: string) => `${server.baseUrl}${p}`;
  async function api<T>(method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown): Promise<{ status: number; body: T }> {
    const res = await page.request.fetch(url(path), { method, data, headers: { origin: server.baseUrl } });
    return { status: res.status(), body: (await res.json().catch(() => null)) as T };
  }
  async function shootBoth(name: string) {
    await page.setViewportSize(desktop);
    await screenshot(page, `${name}-desktop`, { fullPage: true });
    await page.setViewportSize(phone);
    await screenshot(page, `${name}-phone`, { fullPage: true });
    await page.setViewportSize(desktop);
  }

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Acme Support' });
    browser = await launchBrowser();
    context = await newContext(browser, { viewport: desktop });
    page = await context.newPage();
  });

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ 'merge-': page }) });

  step('the agent signs in; Grace was recorded twice and has a ticket on the second record', async () => {
    await signInAs(page, server.baseUrl, owner);
    first = (
      await api<Contact>('POST', '/api/v1/contacts', {
        firstName: 'Grace',
        lastName: 'Hopper',
        primaryEmail: grace,
        phones: { work: '+1 202 555 0142' },
        jobTitle: null,
      })
    ).body;
    second = (
      await api<Contact>('POST', '/api/v1/contacts', {
        firstName: 'Grace M.',
        lastName: 'Hopper',
        primaryEmail: `g.hopper-${tag}@example.org`,
        emails: { old: grace.toUpperCase() },
        phones: { mobile: '(202) 555-0199' },
        jobTitle: 'Rear Admiral',
      })
    ).body;
    const t = await api<{ id: string }>('POST', '/api/v1/tickets', { subject: 'COBOL compiler question', requesterId: second.id });
    expect(t.status).toBe(201);
    ticketId = t.body.id;
  });

  step('finds the pair on the Duplicates page, reached from Contacts', async () => {
    await page.getByRole('link', { name: 'Duplicates' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Duplicates' }));
    const group = page.getByRole('region', { name: `Same email: ${grace}` });
    await visible(group);
    await visible(group.getByRole('link', { name: 'Grace Hopper' }));
    await visible(group.getByRole('link', { name: 'Grace M. Hopper' }));
    await shootBoth('merge-01-duplicates');
  });

  step('reviews the merge, keeps the second record’s first name, and merges', async () => {
    const group = page.getByRole('region', { name: `Same email: ${grace}` });
    await group.getByRole('radio', { name: 'Keep Grace Hopper as the primary contact' }).check();
    await group.getByRole('button', { name: 'Review and merge' }).click();
    const dialog = page.getByRole('dialog', { name: /Merge 2 contacts into Grace Hopper/ });
    await visible(dialog);
    await dialog.getByRole('radiogroup', { name: 'Keep which first name?' }).getByRole('radio', { name: 'Grace M.' }).check();
    await screenshot(page, 'merge-02-review');
    await page.setViewportSize(phone);
    await screenshot(page, 'merge-02-review-phone');
    await page.setViewportSize(desktop);
    await dialog.getByRole('button', { name: 'Merge 2 contacts' }).click();
    await visible(page.getByText('2 contacts merged', { exact: true }));
    await visible(page.getByRole('heading', { name: 'Recent merges' }));
    await expect.poll(async () => page.getByRole('region', { name: `Same email: ${grace}` }).count()).toBe(0);
    const survivor = (await api<Contact>('GET', `/api/v1/contacts/${first.id}`)).body;
    expect(survivor.firstName).toBe('Grace M.');
    expect(Object.values(survivor.emails)).toContain(second.primaryEmail);
    expect((await api<{ requesterId: string }>('GET', `/api/v1/tickets/${ticketId}`)).body.requesterId).toBe(first.id);
    expect((await api('GET', `/api/v1/contacts/${second.id}`)).status).toBe(404);
    await shootBoth('merge-03-merged');
  });

  step('the contact page shows the merged record with both addresses and the ticket', async () => {
    await page.getByRole('region', { name: 'Recent merges' }).getByRole('link', { name: 'Grace M. Hopper' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Grace M. Hopper' }));
    await visible(page.getByText(second.primaryEmail!).first());
    await shootBoth('merge-04-survivor');
  });

  step('undoes the merge: both records and the ticket are back as they were', async () => {
    await page.goto(url('/contacts/duplicates'));
    const recent = page.getByRole('region', { name: 'Recent merges' });
    await recent.getByRole('button', { name: 'Undo' }).click();
    await visible(page.getByText('Merge undone', { exact: true }));
    await visible(page.getByRole('region', { name: `Same email: ${grace}` }));
    const a = (await api<Contact>('GET', `/api/v1/contacts/${first.id}`)).body;
    const b = (await api<Contact>('GET', `/api/v1/contacts/${second.id}`)).body;
    expect(a).toMatchObject({ firstName: 'Grace', version: first.version, emails: {} });
    expect(b).toMatchObject({ firstName: 'Grace M.', version: second.version, primaryEmail: second.primaryEmail });
    expect((await api<{ requesterId: string }>('GET', `/api/v1/tickets/${ticketId}`)).body.requesterId).toBe(second.id);
    await shootBoth('merge-05-undone');
  });

  step('changes the primary email in the editor: a taken address is refused, a new one replaces the old, which is kept', async () => {
    await page.goto(url(`/contacts/${second.id}/edit`));
    await page.getByRole('button', { name: 'Change primary email…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change primary email' });
    await dialog.getByRole('radio', { name: `${grace} (old)` }).check();
    await dialog.getByRole('button', { name: 'Change primary email' }).click();
    await visible(dialog.getByText('already belongs to contact "Grace Hopper"', { exact: false }));
    const fresh = `grace.hopper-${tag}@navy.example.com`;
    await dialog.getByRole('radio', { name: 'Another address' }).check();
    await dialog.getByRole('textbox', { name: 'New address' }).fill(fresh);
    await dialog.getByRole('radio', { name: 'Keep it as another email' }).check();
    await screenshot(page, 'merge-06-change-primary-email');
    await dialog.getByRole('button', { name: 'Change primary email' }).click();
    await visible(page.getByText('Primary email changed', { exact: true }));
    const b = (await api<Contact>('GET', `/api/v1/contacts/${second.id}`)).body;
    expect(b.primaryEmail).toBe(fresh);
    expect(Object.values(b.emails)).toEqual(expect.arrayContaining([grace, second.primaryEmail]));
    await expect.poll(() => page.getByLabel('Primary email', { exact: true }).inputValue()).toBe(fresh);
  });
});
