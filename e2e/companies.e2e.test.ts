// Browser journey through companies against the real server: an agent creates a company with an email
// domain and links the contacts already at that domain (the re-scan offer), a new contact at the domain is
// linked on creation, the agent logs time on a ticket of one of them and sees it on the company page by
// month and by ticket. Pages are checked with axe-core (every screenshot) at desktop and phone sizes.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@acme.example.com', password: 'owner-password-1' };
const tag = randomBytes(3).toString('hex');
const domain = `initech-${tag}.example.com`;
const people = [
  { firstName: 'Peter', lastName: 'Gibbons', primaryEmail: `peter@${domain}` },
  { firstName: 'Samir', lastName: 'Nagheenanajar', primaryEmail: `samir@${domain}` },
  { firstName: '민준', lastName: '김', primaryEmail: `minjun@${domain}` },
];
const desktop = { width: 1366, height: 900 };
const phone = { width: 390, height: 844 };

describe.skipIf(!process.env.KDESK_E2E)('Companies: a domain links contacts; time logged on a ticket shows on the company', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let companyUrl = '';
  const ids: string[] = [];

  const url = (p: string) => `${server.baseUrl}${p}`;
  async function api<T>(method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown): Promise<T> {
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

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Acme Support' });
    browser = await launchBrowser();
    context = await newContext(browser, { viewport: desktop });
    page = await context.newPage();
  });

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ 'companies-': page }) });

  step('the agent signs in; three contacts at one domain exist, without a company', async () => {
    await signInAs(page, server.baseUrl, owner);
    for (const p of people) ids.push((await api<{ id: string; companyId: string | null }>('POST', '/api/v1/contacts', p)).id);
    const c = await api<{ companyId: string | null }>('GET', `/api/v1/contacts/${ids[0]}`);
    expect(c.companyId).toBeNull();
  });

  step('creates a company with the domain; a personal domain is refused', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Companies' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Companies' }));
    await visible(page.getByText('No companies yet'));
    await page.getByRole('button', { name: 'New company' }).click();
    const dialog = page.getByRole('dialog', { name: 'New company' });
    await dialog.getByLabel('Name').fill('Initech');
    await dialog.getByLabel('Email domains').fill(`${domain.toUpperCase()}, gmail.com`);
    await dialog.getByRole('button', { name: 'Create company' }).click();
    await visible(dialog.getByText('gmail.com is a personal mail provider', { exact: false }));
    await screenshot(page, 'companies-01-personal-domain-refused');
    await dialog.getByLabel('Email domains').fill(domain.toUpperCase());
    await dialog.getByRole('button', { name: 'Create company' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Initech' }));
    companyUrl = page.url();
    const domains = page.getByRole('region', { name: 'Email domains' });
    await visible(domains.getByText(domain, { exact: true }));
  });

  step('links the three existing contacts from the re-scan offer and watches them appear', async () => {
    const offer = page.getByRole('alert').filter({ hasText: 'Link existing contacts?' });
    await visible(offer);
    expect(await offer.innerText()).toContain('3 contacts');
    await screenshot(page, 'companies-02-rescan-offer', { fullPage: true });
    await offer.getByRole('button', { name: 'Link 3 contacts' }).click();
    const contacts = page.getByRole('region', { name: 'Contacts' });
    for (const p of people) await visible(contacts.getByText(p.primaryEmail, { exact: false }));
    await visible(page.getByText('3 contacts · 0 tickets'));
    const c = await api<{ companyId: string | null }>('GET', `/api/v1/contacts/${ids[0]}`);
    expect(c.companyId).toBe(companyUrl.split('/').pop());
  });

  step('a new contact at the domain is linked when created', async () => {
    const milton = await api<{ companyId: string | null }>('POST', '/api/v1/contacts', {
      firstName: 'Milton',
      lastName: 'Waddams',
      primaryEmail: `milton@${domain}`,
    });
    expect(milton.companyId).toBe(companyUrl.split('/').pop());
    await page.reload();
    await visible(page.getByRole('region', { name: 'Contacts' }).getByText(`milton@${domain}`, { exact: false }));
  });

  step('logs time on a ticket of one of its contacts', async () => {
    const ticket = await api<{ id: string; companyId: string }>('POST', '/api/v1/tickets', {
      subject: 'TPS report cover sheets',
      requesterId: ids[0],
    });
    expect(ticket.companyId).toBe(companyUrl.split('/').pop());
    await api('POST', `/api/v1/tickets/${ticket.id}/time`, { minutes: 90, note: 'Meeting with the Bobs', spentAt: '2026-11-10T10:00:00Z' });
    await page.goto(url(`/tickets/${ticket.id}`));
    await visible(page.getByRole('heading', { level: 1, name: 'TPS report cover sheets' }));
    const time = page.getByRole('region', { name: 'Time spent' });
    await time.getByLabel('Minutes').fill('45');
    await time.getByLabel('Note').fill('Printer jam');
    await time.getByRole('button', { name: 'Log time' }).click();
    await visible(time.getByText('Printer jam', { exact: false }));
    await visible(time.getByText('2 h 15 min'));
    await visible(page.getByRole('link', { name: 'Initech', exact: true }));
    await shootBoth('companies-03-ticket-time');
  });

  step('the company page totals the time by month and by ticket', async () => {
    await page.goto(companyUrl);
    const time = page.getByRole('region', { name: 'Time spent' });
    await visible(time.getByText('2 h 15 min'));
    await visible(time.getByRole('list', { name: 'Time by month' }));
    expect(await time.getByRole('listitem').count()).toBe(2);
    await shootBoth('companies-04-company-page');
    await time.getByText('By ticket').click();
    const byTicket = time.getByRole('list', { name: 'Time by ticket' });
    await visible(byTicket.getByText('TPS report cover sheets', { exact: false }));
    const csv = await page.request.get(url(`/api/v1/companies/${companyUrl.split('/').pop()}/time.csv`));
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(3);
  });

  step('the Companies list shows its counts and finds it by domain', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Companies' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Companies' }));
    const row = page.getByRole('row').filter({ hasText: 'Initech' });
    await visible(row);
    expect(await row.innerText()).toMatch(/4\s+1/);
    await page.getByLabel('Search companies').fill(`initech-${tag}`);
    await visible(row);
    await shootBoth('companies-05-list');
  });
});
