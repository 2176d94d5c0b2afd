// Browser journey of SCIM provisioning: the owner creates a SCIM connection, sees the tenant URL and the token
// once, an identity provider (curl-like fetch with Entra's request bodies) provisions people and runs into a
// conflict, and the owner sees them as contacts and in the connection's activity; the token is never shown
// again, only replaced. Every screen is checked with axe and photographed at desktop and phone sizes.
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@contoso.example.com', password: 'owner-password-1' };
const desktop = { width: 1440, height: 900 };
const phone = { width: 390, height: 844 };
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const entraUser = (given: string, family: string, email: string, externalId: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  externalId,
  userName: email,
  active: true,
  emails: [{ primary: true, type: 'work', value: email }],
  meta: { resourceType: 'User' },
  name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
  title: 'Account manager',
  [ENTERPRISE]: { department: 'Sales', organization: 'Contoso' },
});

describe.skipIf(!process.env.KDESK_E2E)('SCIM provisioning: a SCIM connection, its token once, people pushed in and logged', () => {
  let server: KdeskServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let token = '';

  beforeAll(async () => {
    server = await startJourneyServer({
      adminEmail: owner.email,
      adminPassword: owner.password,
      teamName: 'Contoso',
      startTimeoutMs: 170_000,
    });
    browser = await launchBrowser();
    context = await newContext(browser, { viewport: desktop });
    page = await context.newPage();
  });
  afterAll(() => context?.close());

  const step = journeySteps({ server: () => server, browser: () => browser, pages: () => ({ 'scim-': page }) });
  const card = () => page.getByRole('listitem', { name: 'Entra ID provisioning' });
  const scim = (method: string, p: string, body?: unknown, t = token) =>
    fetch(`${server.baseUrl}/scim/v2${p}`, {
      method,
      headers: { authorization: `Bearer ${t}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  step('the owner creates a SCIM connection: the editor asks only for a name and the mapping', async () => {
    await signInAs(page, server.baseUrl, owner);
    await page.goto(`${server.baseUrl}/sync/new`);
    await visible(page.getByRole('heading', { level: 1, name: 'New connection' }));
    await page.getByRole('radio', { name: /SCIM provisioning/ }).check();
    await page.getByRole('textbox', { name: /^Name/ }).fill('Entra ID provisioning');
    await page.getByLabel('Description').fill('People assigned to KDesk in Microsoft Entra ID.');
    await visible(page.getByRole('heading', { name: 'Identity provider' }));
    expect(await page.getByRole('textbox', { name: 'Tenant URL' }).inputValue()).toBe(`${server.baseUrl}/scim/v2`);
    // no LDAP settings for a SCIM connection
    expect(await page.getByLabel('Server URL').count()).toBe(0);
    await screenshot(page, 'scim-01-editor');
  });

  step('Create connection shows the token once', async () => {
    await page.getByRole('button', { name: 'Create connection' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Copy your SCIM token now' });
    await visible(dialog);
    token = await dialog.getByRole('textbox', { name: 'Secret token' }).inputValue();
    expect(token).toMatch(/^kscim_/);
    await screenshot(page, 'scim-02-token-once');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await page.waitForURL(/\/sync$/);
    await visible(card());
    expect(await card().innerText()).toContain('Nobody provisioned yet');
    // a SCIM connection is pushed to: no Run button
    expect(await card().getByRole('button', { name: 'Run Entra ID provisioning' }).count()).toBe(0);
  });

  step('the identity provider provisions people; a second person with the same email is a conflict', async () => {
    expect((await scim('GET', '/Users', undefined, 'kscim_wrong')).status).toBe(401);
    const find = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "dana.scully@contoso.example.com"')}`);
    expect(((await find.json()) as { totalResults: number }).totalResults).toBe(0);
    const dana = await scim('POST', '/Users', entraUser('Dana', 'Scully', 'dana.scully@contoso.example.com', 'ext-1'));
    expect(dana.status).toBe(201);
    const fox = await scim('POST', '/Users', entraUser('Fox', 'Mulder', 'fox.mulder@contoso.example.com', 'ext-2'));
    expect(fox.status).toBe(201);
    const foxId = ((await fox.json()) as { id: string }).id;
    const twin = await scim('POST', '/Users', {
      ...entraUser('Dana', 'Katherine', 'dana.scully@contoso.example.com', 'ext-3'),
      userName: 'dk@contoso.example.com',
    });
    expect(twin.status).toBe(409);
    expect(await twin.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    // Entra without aadOptscim062020 disables with a string
    const off = await scim('PATCH', `/Users/${foxId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(off.status).toBe(200);

    await page.reload();
    await visible(card());
    await expect.poll(async () => card().getByTestId('last-run-counts').innerText()).toMatch(/1 created · 1 deactivated · 1 conflict/);
    await screenshot(page, 'scim-03-list');
  });

  step('the activity shows the people and the conflict with its reason', async () => {
    await card().getByRole('button', { name: 'Activity of Entra ID provisioning' }).click();
    await visible(page.getByRole('heading', { level: 1, name: /Entra ID provisioning: activity/ }));
    await visible(page.getByTestId('run-entries'));
    await page.getByRole('combobox', { name: 'Show people whose outcome is' }).selectOption('all');
    const entries = page.getByTestId('run-entries');
    await expect.poll(async () => entries.innerText()).toMatch(/Dana Scully/);
    expect(await entries.innerText()).toMatch(/Fox Mulder/);
    expect(await entries.innerText()).toMatch(/belongs to contact/);
    await screenshot(page, 'scim-04-activity', { fullPage: true });
  });

  step('the provisioned person is a contact with the mapped fields', async () => {
    await page.goto(`${server.baseUrl}/contacts`);
    await visible(page.getByText('Dana Scully').first());
    await screenshot(page, 'scim-05-contacts');
  });

  step('on a phone: the card, the editor (the token is only replaced, never shown) and the activity', async () => {
    await page.setViewportSize(phone);
    await page.goto(`${server.baseUrl}/sync`);
    await visible(card());
    await screenshot(page, 'scim-06-phone-list');
    await card().getByRole('button', { name: 'Edit Entra ID provisioning' }).click();
    await visible(page.getByRole('heading', { level: 1, name: /Edit Entra ID provisioning/ }));
    await visible(page.getByRole('button', { name: 'Generate a new token' }));
    expect(await page.content()).not.toContain(token);
    await screenshot(page, 'scim-07-phone-editor');
    await page.getByRole('button', { name: 'Generate a new token' }).click();
    await page.getByRole('dialog', { name: 'Generate a new SCIM token?' }).getByRole('button', { name: 'Generate new token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy your SCIM token now' });
    await visible(dialog);
    const next = await dialog.getByRole('textbox', { name: 'Secret token' }).inputValue();
    expect(next).not.toBe(token);
    await screenshot(page, 'scim-08-phone-new-token');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    expect((await scim('GET', '/Users', undefined, token)).status).toBe(401);
    expect((await scim('GET', '/Users', undefined, next)).status).toBe(200);
    await page.goto(`${server.baseUrl}/sync`);
    await card().getByRole('button', { name: 'Activity of Entra ID provisioning' }).click();
    await visible(page.getByTestId('run-entries'));
    await screenshot(page, 'scim-09-phone-activity', { fullPage: true });
  });
});
