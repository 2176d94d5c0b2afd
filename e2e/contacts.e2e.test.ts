// Browser journey through the KDesk App against the real server: an owner creates, edits and deletes
// a contact with labeled emails and phones; a view-only agent opens it read-only.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { gone, launchBrowser, screenshot, visible } from './support/browser.ts';
import { createMember, journeySteps, newContext, signInAs, signOutOf, startJourneyServer, type Credentials } from './support/journey.ts';

const owner = { email: 'owner@acme.example.com', password: 'owner-password-1' };
const agent = { email: 'agent@acme.example.com', password: 'agent-password-1' };

const tag = randomBytes(3).toString('hex');
const contact = {
  firstName: 'Jordan',
  lastName: `Rivera ${tag}`,
  company: 'Globex Corporation',
  jobTitle: 'IT Manager',
  primaryEmail: `jordan.rivera.${tag}@globex.example.com`,
  emails: [
    { label: 'work', value: `jordan.rivera.${tag}@globex.example.com` },
    { label: 'billing', value: `invoices.${tag}@globex.example.com` },
  ],
  phones: [
    { label: 'mobile', value: '+1 (555) 123-4567' },
    { label: 'work', value: '+1 555 987 6543' },
  ],
};
const fullName = `${contact.firstName} ${contact.lastName}`;

// `npm test` never runs this file (vitest.config.ts includes other folders); the e2e config sets KDESK_E2E.
describe.skipIf(!process.env.KDESK_E2E)('KDesk App: contacts journey in Chromium', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let contactUrl = '';
  let activeContacts = 0;

  const url = (p: string) => `${server.baseUrl}${p}`;

  const signIn = (who: Credentials) => signInAs(page, server.baseUrl, who);
  const signOut = () => signOutOf(page);

  const contactsTable = () => page.getByRole('table', { name: 'Contacts' });
  const contactRow = () => contactsTable().getByRole('row').filter({ hasText: fullName });
  const openContactsFromNav = async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Contacts' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Contacts' }));
  };

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Acme Support' });
    await createMember(server, { ...agent, name: 'Avery Agent' }, '--role', 'agent', '--no-modify-contacts');
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
  });

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ '': page }) });

  step('refuses a wrong password with a clear message, then signs the owner in', async () => {
    await page.goto(url('/contacts'));
    await page.waitForURL(/\/login\?next=%2Fcontacts/);
    await visible(page.getByRole('heading', { name: 'Sign in' }));
    await screenshot(page, '01-sign-in');

    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not sign you in' });
    await visible(alert);
    expect(await alert.textContent()).toContain('The email or password is incorrect');
    await screenshot(page, '01b-sign-in-error');

    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/contacts$/);
    await visible(page.getByRole('heading', { level: 1, name: 'Contacts' }));
    expect(await page.getByTestId('team-name').textContent()).toBe('Acme Support');
    // an empty directory invites the owner to create the first contact
    await visible(page.getByText('No contacts yet'));
    // ... or to import them with the wizard (no CLI command to copy)
    const importLink = page.getByRole('link', { name: 'Import contacts' });
    expect(await importLink.getAttribute('href')).toBe('/contacts/import');
    expect(await page.getByRole('main').textContent()).not.toContain('kdesk import');
    await screenshot(page, '02-contacts-empty');
  });

  step('creates a contact with two labeled emails and two labeled phones', async () => {
    // a directory with some people in it, so the list looks like a real one
    await server.cli(['demo', '--contacts', '60']);

    await page.getByRole('link', { name: 'Create contact' }).first().click();
    await page.waitForURL(/\/contacts\/new$/);
    await visible(page.getByRole('heading', { level: 1, name: 'Create contact' }));

    await page.getByLabel('First name').fill(contact.firstName);
    await page.getByLabel('Last name').fill(contact.lastName);
    await page.getByLabel('Company', { exact: true }).fill(contact.company);
    await page.getByLabel('Job title').fill(contact.jobTitle);
    await page.getByLabel('Primary email').fill(contact.primaryEmail);

    for (const [i, e] of contact.emails.entries()) {
      await page.getByRole('button', { name: 'Add email' }).click();
      await page.getByRole('combobox', { name: `Email ${i + 1} label` }).fill(e.label);
      await page.keyboard.press('Escape');
      await page.getByLabel(`Email ${i + 1} address`).fill(e.value);
    }
    for (const [i, p] of contact.phones.entries()) {
      await page.getByRole('button', { name: 'Add phone' }).click();
      await page.getByRole('combobox', { name: `Phone ${i + 1} label` }).fill(p.label);
      await page.keyboard.press('Escape');
      await page.getByLabel(`Phone ${i + 1} number`).fill(p.value);
    }
    // a third, empty email row is ignored on save... and a removed row is gone
    await page.getByRole('button', { name: 'Add email' }).click();
    await page.getByRole('button', { name: 'Remove email 3' }).click();
    await gone(page.getByLabel('Email 3 address'));

    await page.getByRole('region', { name: 'Contact Info' }).scrollIntoViewIfNeeded();
    await screenshot(page, '03-contact-editor');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, '03b-contact-editor-full', { fullPage: true });

    await page.getByRole('button', { name: 'Create contact' }).click();
    await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
    contactUrl = new URL(page.url()).pathname;
    await visible(page.getByRole('heading', { level: 1, name: fullName }));
    await visible(page.getByText('Contact created'));

    const info = page.getByRole('region', { name: 'Contact Info' });
    const emails = info.getByRole('list', { name: 'Emails' });
    const phones = info.getByRole('list', { name: 'Phones' });
    // the server keeps labeled maps as JSON objects, so compare them as sets
    const entries = (list: { label: string; value: string }[]) => list.map((e) => `${e.label}\n${e.value}`).sort();
    expect((await emails.getByRole('listitem').allInnerTexts()).sort()).toEqual(entries(contact.emails));
    expect((await phones.getByRole('listitem').allInnerTexts()).sort()).toEqual(entries(contact.phones));
  });

  step('shows the new contact first in the directory', async () => {
    await openContactsFromNav();
    await visible(contactRow());
    const cells = await contactRow().getByRole('cell').allInnerTexts();
    expect(cells.join(' | ')).toContain(fullName);
    expect(cells).toContain(contact.primaryEmail);
    expect(cells).toContain(contact.company);
    expect(cells).toContain('Active');
    // newest first: the first data row is ours
    expect(await contactsTable().getByRole('row').nth(1).innerText()).toContain(fullName);
    // the directory opens on active contacts (the demo data has some inactive ones)
    activeContacts = await page.evaluate(async () => {
      const res = await fetch('/api/v1/contacts?status=active&limit=1');
      return ((await res.json()) as { total: number }).total;
    });
    expect(activeContacts).toBeGreaterThan(1);
    expect(await page.getByTestId('contacts-total').textContent()).toBe(`${activeContacts} contacts`);
    await screenshot(page, '04-contacts-list');
  });

  step('edits the contact, saves it and records the change in its history', async () => {
    await contactRow()
      .getByRole('button', { name: `Actions for ${fullName}` })
      .click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.waitForURL(/\/edit$/);
    await visible(page.getByRole('heading', { level: 1, name: `Edit ${fullName}` }));

    const save = page.getByRole('button', { name: 'Save changes' });
    expect(await save.isDisabled()).toBe(true);
    await page.getByLabel('Job title').fill('Head of IT');
    // a broken email is caught next to its field before anything is sent
    await page.getByLabel('Email 2 address').fill('not-an-email');
    await save.click();
    const emailInput = page.getByLabel('Email 2 address');
    await expect.poll(() => emailInput.getAttribute('aria-invalid')).toBe('true');
    await emailInput.fill(contact.emails[1]!.value);
    await save.click();

    await page.waitForURL((u) => u.pathname === contactUrl);
    await visible(page.getByText('Changes saved'));
    const information = page.getByRole('region', { name: 'Information' });
    await visible(information.getByText('Head of IT', { exact: true }));

    const history = page.getByRole('region', { name: 'History' });
    await history.scrollIntoViewIfNeeded();
    const latest = history.getByRole('list', { name: 'Changes, newest first' }).getByRole('listitem').first();
    await visible(latest.getByText('updated the contact'));
    const latestText = await latest.innerText();
    expect(latestText).toContain(owner.email);
    expect(latestText).toMatch(/updated the contact/);
    expect(latestText).toMatch(/Job title\s+IT Manager\s+→\s+Head of IT/);
    await screenshot(page, '05-contact-view-history');
    await page.getByRole('region', { name: 'Information' }).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, '05b-contact-view');
  });

  step('saves Team Settings', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Team Settings' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Team Settings' }));
    const comments = page.getByRole('switch', { name: 'Allow portal comments' });
    expect(await comments.isChecked()).toBe(true);
    await page.getByText('Allow portal comments', { exact: true }).click();
    expect(await comments.isChecked()).toBe(false);
    await screenshot(page, '06-team-settings');
    await screenshot(page, '06b-team-settings-full', { fullPage: true });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await visible(page.getByText('Settings saved'));
    await page.reload();
    await visible(page.getByRole('heading', { level: 1, name: 'Team Settings' }));
    expect(await page.getByRole('switch', { name: 'Allow portal comments' }).isChecked()).toBe(false);

    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Contact Sync' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Contact Sync' }));
    await visible(page.getByText('No connections yet'));
    await visible(page.getByRole('link', { name: 'New connection' }).first());
    await screenshot(page, '07-contact-sync');
    await signOut();
  });

  step('lets a view-only agent open the contact read-only', async () => {
    await signIn(agent);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    expect(await nav.getByRole('link', { name: 'Team Settings' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Contact Sync' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Create contact' }).count()).toBe(0);

    await contactRow()
      .getByRole('button', { name: `Actions for ${fullName}` })
      .click();
    const menu = page.getByRole('menu');
    await visible(menu.getByRole('menuitem', { name: 'View' }));
    expect(await menu.getByRole('menuitem', { name: 'Edit' }).count()).toBe(0);
    expect(await menu.getByRole('menuitem', { name: 'Delete' }).count()).toBe(0);
    await menu.getByRole('menuitem', { name: 'View' }).click();

    await page.waitForURL((u) => u.pathname === contactUrl);
    await visible(page.getByRole('heading', { level: 1, name: fullName }));
    await visible(page.getByText('Read-only', { exact: true }));
    const main = page.getByRole('main');
    for (const name of ['Edit', 'Save changes', 'Delete', 'More actions']) {
      expect(await main.getByRole('button', { name, exact: true }).count(), `no "${name}" button`).toBe(0);
      expect(await main.getByRole('link', { name, exact: true }).count(), `no "${name}" link`).toBe(0);
    }
    // nothing to type into or toggle
    expect(await main.getByRole('textbox').count()).toBe(0);
    expect(await main.getByRole('switch').count()).toBe(0);
    expect(await main.getByRole('checkbox').count()).toBe(0);
    await visible(main.getByRole('region', { name: 'Information' }).getByText('Head of IT', { exact: true }));
    await visible(main.getByRole('list', { name: 'Phones' }).getByText(contact.phones[1]!.value));
    await screenshot(page, '08-contact-read-only');
    await screenshot(page, '08b-contact-read-only-full', { fullPage: true });

    // the edit address itself refuses too
    await page.goto(url(`${contactUrl}/edit`));
    await visible(page.getByText('You can view contacts but not change them'));
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    expect(await page.getByRole('textbox').count()).toBe(0);
    await signOut();
  });

  step('lets the owner delete the contact after confirming', async () => {
    await signIn(owner);
    await contactRow()
      .getByRole('button', { name: `Actions for ${fullName}` })
      .click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete contact?' });
    await visible(dialog);
    expect(await dialog.innerText()).toContain(fullName);
    await screenshot(page, '09-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete contact' }).click();
    await gone(dialog);
    await visible(page.getByText('Contact deleted'));
    await gone(contactRow());
    await expect.poll(() => page.getByTestId('contacts-total').textContent()).toBe(`${activeContacts - 1} contacts`);

    // and its page says so
    await page.goto(url(contactUrl));
    await visible(page.getByText('Contact not found'));
  });
});
