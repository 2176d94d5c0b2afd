// Browser journey of Contact Sync against a real OpenLDAP slapd holding a few hundred Active Directory-like
// people: the owner creates an LDAP connection, tests it (the server's plain-words answer), is told at the
// field that the mapping needs an email, previews the first people as contacts, saves, runs it from its card,
// waits for the counts, opens the activity (counts, chart, people) and downloads the raw log. Every screen is
// checked with axe and photographed at desktop and phone sizes under e2e/artifacts/.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { createMember, journeySteps, newContext, signInAs, signOutOf, startJourneyServer } from './support/journey.ts';
import { slapdMissing, startSlapd, type Slapd } from '../test/support/slapd.ts';
import { adUser } from '../test/support/directory-ldif.ts';

const owner = { email: 'owner@initech.example.com', password: 'owner-password-1' };
const desktop = { width: 1440, height: 900 };
const phone = { width: 390, height: 844 };
const AD_USERS = 300;
const agent = { email: 'peter@initech.example.com', password: 'tps reports are due', name: 'Peter Gibbons' };

const missing = slapdMissing();
const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
if (missing && !inCi && process.env.KDESK_E2E) console.warn(`[ldap] skipping the Contact Sync journey: ${missing}`);

describe.skipIf(!process.env.KDESK_E2E || (missing && !inCi))(
  'Contact Sync: an LDAP connection tested, previewed, run and logged in Chromium',
  () => {
    let slapd: Slapd | undefined;
    let server: KdeskServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;

    if (missing) {
      it('has a slapd to run against', () => {
        throw new Error(`CI=true but the Contact Sync journey cannot run: ${missing}`);
      });
      return;
    }

    beforeAll(async () => {
      [slapd, server] = await Promise.all([
        startSlapd({ directory: { adUsers: AD_USERS, openLdapUsers: 20 } }),
        startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Initech' }),
      ]);
      browser = await launchBrowser();
      context = await newContext(browser, { viewport: desktop });
      page = await context.newPage();
    });
    afterAll(() => slapd?.stop());

    const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ 'sync-': page }) });
    const nav = (name: string) => page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name, exact: true });
    const card = () => page.getByRole('listitem', { name: 'Head office directory' });

    step('the owner opens Contact Sync: no connections yet', async () => {
      await signInAs(page, server.baseUrl, owner);
      await nav('Contact Sync').click();
      await visible(page.getByRole('heading', { level: 1, name: 'Contact Sync' }));
      await visible(page.getByText('No connections yet'));
      await screenshot(page, 'sync-01-empty');
    });

    step('a new LDAP connection: Test connection answers in plain words', async () => {
      await page.getByRole('link', { name: 'New connection' }).first().click();
      await visible(page.getByRole('heading', { level: 1, name: 'New connection' }));
      await page.getByRole('textbox', { name: /^Name/ }).fill('Head office directory');
      await page.getByLabel('Description').fill('Staff of the head office, from Active Directory.');
      await page.getByLabel('Server URL').fill(slapd!.url);
      await page.getByLabel('Bind DN').fill(slapd!.bindDn);
      await page.getByLabel('Bind password').fill('not the password');
      await page.getByLabel('Base DN').fill(slapd!.usersDn);
      // slapd has no objectCategory magic: the AD users are objectClass=user
      await page.getByLabel('User filter').fill('(objectClass=user)');

      // a wrong password: said plainly, at the field
      await page.getByRole('button', { name: 'Test connection' }).click();
      const result = page.getByTestId('test-result');
      await visible(result);
      expect(await result.innerText()).toMatch(/does not work yet/);
      await screenshot(page, 'sync-02-test-wrong-password');

      await page.getByLabel('Bind password').fill(slapd!.bindPassword);
      await page.getByRole('button', { name: 'Test connection' }).click();
      await expect.poll(async () => (await result.innerText().catch(() => '')).includes('Connected'), { timeout: 20_000 }).toBe(true);
      expect(await result.innerText()).toMatch(new RegExp(`${AD_USERS} people in scope`));
      await screenshot(page, 'sync-03-test-connected');
    });

    step('a mapping without an email is refused at its field', async () => {
      await page.getByLabel('Primary email: filled from').selectOption('none');
      await page.getByRole('button', { name: 'Create connection' }).first().click();
      const summary = page.getByRole('alert').filter({ hasText: 'The connection was not saved' });
      await visible(summary);
      await visible(page.getByText(/Map an email/).last());
      await page.getByLabel('Primary email: filled from').scrollIntoViewIfNeeded();
      await screenshot(page, 'sync-04-mapping-error');
      await page.getByLabel('Primary email: filled from').selectOption('attribute');
      await page.getByLabel('Primary email: directory attribute').fill('mail');
    });

    step('Preview shows the first 20 people as contacts', async () => {
      await page.getByRole('button', { name: 'Preview' }).click();
      const preview = page.getByTestId('preview');
      await visible(preview, 20_000);
      await expect.poll(async () => preview.getByRole('row').count()).toBe(21);
      expect(await preview.innerText()).toMatch(/@corp\.kdesk\.test/);
      // the picture starts at the Preview button, the table below it
      await page.getByRole('button', { name: 'Preview' }).evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await screenshot(page, 'sync-05-preview');
    });

    step('the connection is saved as a draft and appears as a card', async () => {
      await page.getByRole('button', { name: 'Create connection' }).first().click();
      await page.waitForURL(/\/sync$/);
      await visible(card());
      expect(await card().innerText()).toContain('Draft');
      expect(await card().innerText()).toContain('Never run');
      await screenshot(page, 'sync-06-list-draft');
      // search by name, source or status
      const search = page.getByRole('searchbox', { name: 'Search connections' });
      await search.fill('google');
      await visible(page.getByText('No connection matches “google”.'));
      await search.fill('active directory draft');
      await visible(card());
      await search.fill('');
      await visible(card());
    });

    step('Run on the card brings the people in and shows the counts', async () => {
      await card().getByRole('button', { name: 'Run Head office directory' }).click();
      // while it runs the card shows a progress bar and the counts so far; then the last run and its counts
      await expect
        .poll(async () => /Last run[\s\S]*Succeeded/.test(await card().innerText()), { timeout: 90_000, interval: 500 })
        .toBe(true);
      expect(await card().getByTestId('last-run-counts').innerText()).toMatch(/^\d+ created/);
      await screenshot(page, 'sync-07-list-after-run');
    });

    step('the activity shows the run’s counts, a chart of runs and the people; the raw log downloads', async () => {
      await card().getByRole('button', { name: 'Activity of Head office directory' }).click();
      await visible(page.getByRole('heading', { level: 1, name: /Head office directory: activity/ }));
      const created = page.getByRole('list', { name: 'Run counts' }).getByRole('listitem', { name: /^Created: / });
      await visible(created);
      const n = Number((await created.getAttribute('aria-label'))!.replace(/\D/g, ''));
      expect(n).toBeGreaterThan(AD_USERS * 0.8);
      await visible(page.getByRole('img', { name: /Bar chart of the last 1 run/ }));
      await visible(page.getByTestId('run-entries'));
      expect(await page.getByTestId('run-entries').getByRole('row').count()).toBeGreaterThan(1);
      await screenshot(page, 'sync-08-activity', { fullPage: true });

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download raw log' }).click()]);
      const log = await readFile((await download.path())!, 'utf8');
      expect(download.suggestedFilename()).toMatch(/\.txt$/);
      expect(log.length).toBeGreaterThan(100);
      expect(log).toMatch(/created/i);
    });

    step('five people change in the directory: the next run updates exactly them, the chart shows both runs', async () => {
      await slapd!.changeAdUsers([1, 2, 3, 4, 5], () => ({ title: 'Chief Tester' }));
      await page.getByRole('button', { name: 'Run now' }).click();
      const updated = page.getByRole('list', { name: 'Run counts' }).getByRole('listitem', { name: /^Updated: / });
      await expect.poll(async () => updated.getAttribute('aria-label'), { timeout: 90_000, interval: 500 }).toBe('Updated: 5');
      await visible(page.getByRole('img', { name: /Bar chart of the last 2 runs/ }));
      await page.getByRole('combobox', { name: 'Show people whose outcome is' }).selectOption('updated');
      await expect.poll(async () => page.getByTestId('run-entries').getByRole('row').count()).toBe(6);
      expect(await page.getByTestId('run-entries').innerText()).toContain('Ivan Kim');
      // what changed on each of them, in field names
      expect(await page.getByTestId('run-entries').innerText()).toMatch(/Job title: \w+ → Chief Tester/);
      await screenshot(page, 'sync-09-activity-second-run', { fullPage: true });
    });

    step('a synced contact: the fields its connection writes are read-only in the editor, naming the connection', async () => {
      const list = await page.request.get(`${server.baseUrl}/api/v1/contacts?q=${encodeURIComponent('Ivan Kim')}`);
      const items = ((await list.json()) as { items: { id: string; directory: { connectionId: string | null } }[] }).items;
      const synced = items.find((x) => x.directory.connectionId)!;
      expect(synced).toBeDefined();
      await page.goto(`${server.baseUrl}/contacts/${synced.id}/edit`);
      await visible(page.getByTestId('synced-note'));
      expect(await page.getByTestId('synced-note').innerText()).toContain('Synced from Head office directory');
      expect(await page.getByLabel('First name').isDisabled()).toBe(true);
      expect(await page.getByLabel('Job title').isDisabled()).toBe(true);
      expect(await page.getByLabel('Primary email').isDisabled()).toBe(true);
      // what the directory does not write stays editable
      // (this connection maps Notes from `info`: read-only too)
      expect(await page.getByLabel('Notes').isDisabled()).toBe(true);
      expect(await page.getByLabel('Address line 2').isDisabled()).toBe(false);
      await page.getByLabel('Address line 2').fill('Building 4');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(new RegExp(`/contacts/${synced.id}$`));
      await page.goto(`${server.baseUrl}/contacts/${synced.id}/edit`);
      await visible(page.getByTestId('synced-note'));
      expect(await page.getByLabel('Address line 2').inputValue()).toBe('Building 4');
      await screenshot(page, 'sync-13-contact-synced-fields');
    });

    step('a run that would deactivate too many people stops for a confirmation; the owner confirms it', async () => {
      // 90 of the 300 people leave the directory: more than the 20 % a run deactivates on its own
      const leaving = Array.from({ length: 90 }, (_, k) => 100 + k);
      await slapd!.deleteEntries(leaving.map((i) => adUser(slapd!.options, i).dn));
      await page.goto(`${server.baseUrl}/sync`);
      // this connection reads incrementally (uSNChanged) and only a full run finds who left: the Run menu offers one
      await card().getByRole('button', { name: 'Run options for Head office directory' }).click();
      await screenshot(page, 'sync-14a-run-menu');
      await page.getByRole('menuitem', { name: /^Full run/ }).click();
      await visible(page.getByText('Head office directory: full run started'));
      await card().getByRole('button', { name: 'Activity of Head office directory' }).click();
      await visible(page.getByText('Waiting for your confirmation'), 90_000);
      expect(await page.getByText(/This run would deactivate \d+ contacts/).innerText()).toContain('Nobody has been deactivated yet');
      await screenshot(page, 'sync-14-needs-confirmation', { fullPage: true });
      await page.getByRole('button', { name: 'Confirm and deactivate' }).click();
      const deactivated = page.getByRole('list', { name: 'Run counts' }).getByRole('listitem', { name: /^Deactivated: / });
      await expect
        .poll(async () => Number(((await deactivated.getAttribute('aria-label')) ?? '').replace(/\D/g, '')), {
          timeout: 90_000,
          interval: 500,
        })
        .toBeGreaterThan(60);
      await expect.poll(async () => page.getByText('Waiting for your confirmation').count(), { timeout: 30_000 }).toBe(0);
      await screenshot(page, 'sync-15-confirmed', { fullPage: true });
    });

    step('on a phone the cards stack, the editor and the activity stay usable', async () => {
      await page.setViewportSize(phone);
      await page.goto(`${server.baseUrl}/sync`);
      await visible(card());
      await screenshot(page, 'sync-10-phone-list');
      await card().getByRole('button', { name: 'Edit Head office directory' }).click();
      await visible(page.getByRole('heading', { level: 1, name: /Edit Head office directory/ }));
      // the stored password is write-only: shown as saved, replaceable
      await visible(page.getByText('Saved', { exact: true }));
      await page.getByRole('button', { name: 'Replace password' }).scrollIntoViewIfNeeded();
      await screenshot(page, 'sync-11-phone-editor');
      // Test connection of a saved connection signs in with the stored password
      await page.getByRole('button', { name: 'Test connection' }).click();
      await expect
        .poll(
          async () =>
            (
              await page
                .getByTestId('test-result')
                .innerText()
                .catch(() => '')
            ).includes('Connected'),
          { timeout: 20_000 },
        )
        .toBe(true);
      // a change saved without retyping the password keeps it
      await page.getByLabel('Description').fill('Head office staff, refreshed every hour.');
      await page.getByLabel('Run automatically').selectOption('@every 1h');
      await page.getByRole('button', { name: 'Save', exact: true }).first().click();
      await page.waitForURL(/\/sync$/);
      await visible(card().getByText('Head office staff, refreshed every hour.'));
      const saved = await page.request.get(`${server.baseUrl}/api/v1/sync/connections`);
      const [c] = ((await saved.json()) as { items: { schedule: string | null; secretsSet: string[] }[] }).items;
      expect(c).toMatchObject({ schedule: '@every 1h', secretsSet: ['bindPassword'] });
      await card().getByRole('button', { name: 'Activity of Head office directory' }).click();
      await visible(page.getByRole('list', { name: 'Run counts' }));
      await screenshot(page, 'sync-12-phone-activity', { fullPage: true });
    });

    step('deleting the connection keeps its contacts, now ordinary and editable; the dialog says so', async () => {
      await page.setViewportSize(desktop);
      await page.goto(`${server.baseUrl}/sync`);
      await card().getByRole('button', { name: 'Delete Head office directory' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete this connection?' });
      await visible(dialog);
      expect(await dialog.innerText()).toMatch(/stay in KDesk as ordinary contacts: their sync link is removed/);
      await screenshot(page, 'sync-16-delete-dialog');
      await dialog.getByRole('button', { name: 'Delete connection' }).click();
      await expect.poll(async () => card().count(), { timeout: 30_000 }).toBe(0);
      const list = await page.request.get(`${server.baseUrl}/api/v1/contacts?q=${encodeURIComponent('Ivan Kim')}`);
      const [c] = ((await list.json()) as { items: { id: string; directory: { connectionId: string | null } }[] }).items;
      expect(c!.directory.connectionId).toBeNull();
      await page.goto(`${server.baseUrl}/contacts/${c!.id}/edit`);
      await visible(page.getByLabel('First name'));
      expect(await page.getByTestId('synced-note').count()).toBe(0);
      expect(await page.getByLabel('First name').isDisabled()).toBe(false);
    });

    step('an agent sees no Contact Sync entry, and the page says who may open it', async () => {
      await createMember(server, agent, '--role', 'agent');
      await signOutOf(page);
      await signInAs(page, server.baseUrl, agent);
      // on a phone the navigation sits behind its menu button
      const burger = page.getByRole('button', { name: 'Open navigation' });
      if (await burger.isVisible()) await burger.click();
      await visible(nav('Contacts'));
      expect(await nav('Contact Sync').count()).toBe(0);
      await page.goto(`${server.baseUrl}/sync`);
      await visible(page.getByText('Only owners and admins can open this page'));
    });
  },
);
