// Browser journey of Contact Sync from Microsoft Entra ID: the owner creates a Microsoft connection against
// the loopback Graph fake (test/support/graph-fake.ts) whose tenant token endpoint is the real oidc-provider
// (client credentials), tests it (a wrong client secret said plainly, then connected), saves it, runs it
// from its card, reads its activity and raw log, and opens a synced contact, whose page names the
// connection its identity comes from. Every screen is checked with axe and photographed at desktop and
// phone sizes under e2e/artifacts/.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, startJourneyServer } from './support/journey.ts';
import { startEntraIdp, type EntraIdp } from '../test/support/entra-idp.ts';
import { graphUserId, startGraphFake, type GraphFake } from '../test/support/graph-fake.ts';

const owner = { email: 'owner@contoso.example.com', password: 'owner-password-1' };
const desktop = { width: 1440, height: 900 };
const phone = { width: 390, height: 844 };
const USERS = 240;

describe.skipIf(!process.env.KDESK_E2E)('Contact Sync: a Microsoft Entra ID connection tested, run and logged in Chromium', () => {
  let graph: GraphFake;
  let idp: EntraIdp;
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    let check: (t: string) => Promise<boolean> = async () => false;
    graph = await startGraphFake({ users: USERS, validateToken: (t) => check(t) });
    idp = await startEntraIdp({ tenantId: graph.tenantId, graphUrl: graph.url });
    check = (t) => idp.validate(t);
    // the Graph fake and its sign-in service listen on loopback, which a production server refuses
    process.env.KDESK_ALLOW_PRIVATE_DIRECTORY_URLS = 'true';
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Contoso' });
    browser = await launchBrowser();
    context = await newContext(browser, { viewport: desktop });
    page = await context.newPage();
  });
  afterAll(async () => {
    await graph?.close();
    await idp?.close();
  });

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ 'sync-cloud-': page }) });
  const card = () => page.getByRole('listitem', { name: 'Contoso Entra ID' });

  step('a new Microsoft Entra ID connection: a wrong secret is said plainly, then it connects', async () => {
    await signInAs(page, server.baseUrl, owner);
    await page.goto(`${server.baseUrl}/sync/new`);
    await visible(page.getByRole('heading', { level: 1, name: 'New connection' }));
    await page.getByRole('radio', { name: 'Microsoft Entra ID' }).check();
    await page.getByRole('textbox', { name: /^Name/ }).fill('Contoso Entra ID');
    await page.getByLabel('Description').fill('Everyone in the Contoso tenant.');
    await page.getByLabel(/Directory \(tenant\) ID/).fill(graph.tenantId);
    await page.getByLabel(/Application \(client\) ID/).fill(idp.clientId);
    await page.getByLabel(/^Client secret/).fill('not the secret');
    // the loopback fakes stand in for Microsoft: the national-cloud URLs of the advanced settings
    await page.getByRole('button', { name: /Advanced settings/ }).click();
    await page.getByLabel('Microsoft Graph URL').fill(graph.url);
    await page.getByLabel('Sign-in authority URL').fill(idp.authorityUrl);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result');
    await visible(result, 20_000);
    expect(await result.innerText()).toMatch(/does not work yet[\s\S]*client secret is wrong/);
    await page.getByRole('button', { name: 'Test connection' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'sync-cloud-01-wrong-secret');

    await page.getByLabel(/^Client secret/).fill(idp.clientSecret);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(async () => (await result.innerText().catch(() => '')).includes('Connected'), { timeout: 20_000 }).toBe(true);
    expect(await result.innerText()).toMatch(new RegExp(`${USERS} people in scope`));
    await page.getByRole('button', { name: 'Test connection' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'sync-cloud-02-connected');
  });

  step('Preview shows the people as contacts; the connection is saved', async () => {
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('preview');
    await visible(preview, 20_000);
    expect(await preview.innerText()).toMatch(/user1@contoso\.test/);
    await page.getByRole('button', { name: 'Preview' }).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'sync-cloud-03-preview');
    await page.getByRole('button', { name: 'Create connection' }).first().click();
    await page.waitForURL(/\/sync$/);
    await visible(card());
    expect(await card().innerText()).toContain('Microsoft Entra ID');
  });

  step('Run on the card brings everyone in; the activity and the raw log tell what happened', async () => {
    await card().getByRole('button', { name: 'Run Contoso Entra ID' }).click();
    await expect.poll(async () => /Last run[\s\S]*Succeeded/.test(await card().innerText()), { timeout: 90_000, interval: 500 }).toBe(true);
    expect(await card().getByTestId('last-run-counts').innerText()).toMatch(new RegExp(`^${USERS} created`));
    await screenshot(page, 'sync-cloud-04-list-after-run');

    // a change and a deletion in the tenant: the next run reads only the delta
    graph.update(2, { jobTitle: 'Chief Tester' });
    graph.remove(3);
    await card().getByRole('button', { name: 'Activity of Contoso Entra ID' }).click();
    await visible(page.getByRole('heading', { level: 1, name: /Contoso Entra ID: activity/ }));
    await page.getByRole('button', { name: 'Run now' }).click();
    const updated = page.getByRole('list', { name: 'Run counts' }).getByRole('listitem', { name: /^Updated: / });
    await expect.poll(async () => updated.getAttribute('aria-label'), { timeout: 90_000, interval: 500 }).toBe('Updated: 1');
    await visible(page.getByRole('list', { name: 'Run counts' }).getByRole('listitem', { name: 'Deactivated: 1' }));
    await screenshot(page, 'sync-cloud-05-activity', { fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download raw log' }).click()]);
    const log = await readFile((await download.path())!, 'utf8');
    expect(log).toMatch(/\(incremental\)/);
    expect(log).toMatch(new RegExp(`deactivated\\t${graphUserId(3)}\\t.*Deleted from the directory`));
  });

  step('a synced contact names the connection its identity comes from, on a phone too', async () => {
    const res = await page.request.get(`${server.baseUrl}/api/v1/contacts?q=user1%40contoso.test`);
    const items = ((await res.json()) as { items: { id: string; primaryEmail: string }[] }).items;
    const c = items.find((x) => x.primaryEmail === 'user1@contoso.test')!;
    await page.goto(`${server.baseUrl}/contacts/${c.id}`);
    const note = page.getByRole('note', { name: 'Synced identity' });
    // the note first names "a Contact Sync connection", then the connection once it is read
    await visible(note.getByRole('link', { name: 'Contoso Entra ID' }), 20_000);
    expect(await note.innerText()).toMatch(/Identity synced by the connection Contoso Entra ID[\s\S]*object ID[\s\S]*tenant ID/);
    await note.scrollIntoViewIfNeeded();
    await screenshot(page, 'sync-cloud-06-contact-identity');

    await page.setViewportSize(phone);
    await page.goto(`${server.baseUrl}/sync`);
    await visible(card());
    await screenshot(page, 'sync-cloud-07-phone-list');
    await card().getByRole('button', { name: 'Edit Contoso Entra ID' }).click();
    await visible(page.getByRole('heading', { level: 1, name: /Edit Contoso Entra ID/ }));
    await visible(page.getByText('Saved', { exact: true }));
    await page.getByRole('button', { name: 'Replace secret' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'sync-cloud-08-phone-editor');
    await page.goto(`${server.baseUrl}/contacts/${c.id}`);
    await visible(page.getByRole('note', { name: 'Synced identity' }).getByRole('link', { name: 'Contoso Entra ID' }));
    await page.getByRole('note', { name: 'Synced identity' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'sync-cloud-09-phone-contact');
  });
});
