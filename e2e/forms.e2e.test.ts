// Browser journey through forms against the real server: an agent builds a form with every field type
// (a choice list without options is refused next to the field), assigns it to two contacts from the
// form's page (the inactive one is refused and named with the reason), the eligible contact is emailed,
// signs in to the portal on a phone, fills the form (a draft is kept across a reload), is shown a
// per-field error, submits once and sees it read-only; the agent reads the response on the form's page
// and on the contact's page. Every screenshot is checked with axe-core, at desktop and phone sizes.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, signInToPortalWithCode, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@acme.example.com', password: 'owner-password-1' };
const tag = randomBytes(3).toString('hex');
const ada = { firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines', primaryEmail: `ada.${tag}@engines.example.com` };
const ivan = {
  firstName: 'Ivan',
  lastName: 'Petrov',
  primaryEmail: `ivan.${tag}@engines.example.com`,
  permissions: { active: false },
};
const desktop = { width: 1366, height: 900 };
const phone = { width: 390, height: 844 };

interface Mail {
  to: string;
  subject: string;
  text: string;
}

describe.skipIf(!process.env.KDESK_E2E)('Forms: build, assign, fill in the portal, read the response', () => {
  let server: KdeskServer;
  let browser: Browser;
  let agentContext: BrowserContext;
  let contactContext: BrowserContext;
  let agent: Page;
  let portal: Page;
  let teamSlug = '';
  let formUrl = '';
  const ids: Record<string, string> = {};

  const url = (p: string) => `${server.baseUrl}${p}`;
  async function agentApi<T>(method: 'GET' | 'POST', path: string, data?: unknown): Promise<T> {
    const res = await agent.request.fetch(url(path), { method, data, headers: { origin: server.baseUrl } });
    if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  }
  const mails = async () => (await agentApi<{ items: Mail[] }>('GET', '/api/v1/mailbox/messages?limit=200')).items;
  async function shootBoth(page: Page, name: string, back: { width: number; height: number }) {
    await page.setViewportSize(desktop);
    await screenshot(page, `${name}-desktop`, { fullPage: true });
    await page.setViewportSize(phone);
    await screenshot(page, `${name}-phone`, { fullPage: true });
    await page.setViewportSize(back);
  }

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Acme Support' }, 'portal.html');
    browser = await launchBrowser();
    agentContext = await newContext(browser, { viewport: desktop });
    agent = await agentContext.newPage();
    contactContext = await newContext(browser, { viewport: phone, deviceScaleFactor: 2 });
    portal = await contactContext.newPage();
  });

  const step = journeySteps({
    server: () => server,
    browser: () => browser,
    pages: () => ({ 'forms-agent-': agent, 'forms-contact-': portal }),
  });

  step('the agent signs in; an active and an inactive contact exist', async () => {
    await signInAs(agent, server.baseUrl, owner);
    ids.ada = (await agentApi<{ id: string }>('POST', '/api/v1/contacts', ada)).id;
    ids.ivan = (await agentApi<{ id: string }>('POST', '/api/v1/contacts', ivan)).id;
    teamSlug = (await agentApi<{ url: string }>('GET', '/api/v1/portal-link')).url.split('/portal/')[1]!;
  });

  step('builds a form with every field type; a choice list without options is refused next to it', async () => {
    await agent.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Forms' }).click();
    await visible(agent.getByRole('heading', { level: 1, name: 'Forms' }));
    await visible(agent.getByText('No forms yet'));
    await agent.getByRole('link', { name: 'New form' }).click();
    await visible(agent.getByRole('heading', { level: 1, name: 'New form' }));
    await agent.getByLabel('Form name').fill('Onboarding details');
    await agent.getByLabel('Description').fill('A few details so we can set up your account.');
    const fields = agent.getByRole('list', { name: 'Fields' }).getByRole('listitem');
    await fields.nth(0).getByLabel('Label').fill('Company size');
    await fields.nth(0).getByRole('combobox', { name: 'Type' }).click();
    await agent.getByRole('option', { name: 'Number' }).click();
    await fields.nth(0).getByRole('checkbox', { name: 'Required' }).check();
    const add = async (type: string, label: string) => {
      await agent.getByRole('button', { name: 'Add field' }).click();
      await agent.getByRole('menuitem', { name: type }).click();
      await fields.last().getByLabel('Label').fill(label);
    };
    await add('Date', 'Start date');
    await add('Choice list', 'Plan');
    await fields.last().getByRole('checkbox', { name: 'Required' }).check();
    await add('Long text', 'Anything else?');
    await add('Checkbox', 'I accept the terms');
    await fields
      .last()
      .getByRole('checkbox', { name: /Required/ })
      .check();
    await agent.getByRole('button', { name: 'Create form' }).click();
    await visible(fields.nth(2).getByText('A choice list needs at least one option'));
    await screenshot(agent, 'forms-01-builder-error', { fullPage: true });
    await fields.nth(2).getByLabel('Options').fill('Basic\nPro\nEnterprise');
    // moving a field keeps its inputs: "Anything else?" goes up and back down
    await fields.nth(3).getByRole('button', { name: 'Move field 4 up' }).click();
    expect(await fields.nth(2).getByLabel('Label').inputValue()).toBe('Anything else?');
    await fields.nth(2).getByRole('button', { name: 'Move field 3 down' }).click();
    expect(await fields.nth(3).getByLabel('Label').inputValue()).toBe('Anything else?');
    await shootBoth(agent, 'forms-02-builder', desktop);
    await agent.getByRole('button', { name: 'Create form' }).click();
    await visible(agent.getByRole('heading', { level: 1, name: 'Onboarding details' }));
    formUrl = agent.url();
    await visible(agent.getByText('Not assigned to anyone yet.'));
  });

  step('assigns it to both contacts: the inactive one is refused and named with the reason', async () => {
    await agent.getByRole('button', { name: 'Assign to contacts' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Assign “Onboarding details”' });
    await visible(dialog);
    const picker = dialog.getByRole('combobox', { name: 'Contacts' });
    for (const who of [ada, ivan]) {
      await picker.fill(who.firstName);
      await agent.getByRole('option', { name: new RegExp(`${who.firstName} ${who.lastName}`) }).click();
    }
    await screenshot(agent, 'forms-03-assign');
    await dialog.getByRole('button', { name: 'Assign form' }).click();
    await visible(dialog.getByText('1 contact newly assigned'));
    const refused = dialog.getByRole('table', { name: 'Refused contacts' });
    await visible(refused.getByRole('row').filter({ hasText: 'Ivan Petrov' }).getByText('The contact is inactive'));
    await shootBoth(agent, 'forms-04-assign-result', desktop);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await visible(agent.getByRole('row').filter({ hasText: 'Ada Lovelace' }).getByText('Waiting'));
    // the eligible contact was emailed (team rule AND her preference), through the outbox
    const m = (await mails()).filter((x) => x.to === ada.primaryEmail && /Please fill in/.test(x.subject));
    expect(m).toHaveLength(1);
    expect(m[0]!.text).toContain(`/portal/${teamSlug}/forms/`);
    expect((await mails()).some((x) => x.to === ivan.primaryEmail)).toBe(false);
  });

  step('the contact signs in to the portal on a phone and sees the form to fill in', async () => {
    await signInToPortalWithCode(portal, url(`/portal/${teamSlug}`), { email: ada.primaryEmail, firstName: ada.firstName }, mails);
    const card = portal.getByRole('region', { name: 'Forms' });
    await visible(card.getByText('1 to fill in'));
    await shootBoth(portal, 'forms-05-portal-home', phone);
    await card.getByRole('link', { name: 'Onboarding details' }).click();
    await visible(portal.getByRole('heading', { level: 1, name: 'Onboarding details' }));
  });

  step('fills it: the draft is kept across a reload; a missing required box is shown next to it', async () => {
    await portal.getByLabel('Company size').fill('42');
    await portal.getByLabel('Start date').fill('2027-01-15');
    await portal.getByRole('combobox', { name: 'Plan' }).click();
    await portal.getByRole('option', { name: 'Pro' }).click();
    await portal.getByLabel('Anything else?').fill('=SUM(A1) is not a formula here');
    await visible(portal.getByTestId('draft-status').getByText(/Draft saved at/), 10_000);
    await portal.reload();
    await visible(portal.getByRole('heading', { level: 1, name: 'Onboarding details' }));
    expect(await portal.getByLabel('Company size').inputValue()).toBe('42');
    expect(await portal.getByRole('combobox', { name: 'Plan' }).inputValue()).toBe('Pro');
    await portal.getByRole('button', { name: 'Submit' }).click();
    await visible(portal.getByText('Tick this box to continue'));
    await shootBoth(portal, 'forms-06-portal-field-error', phone);
    await portal.getByRole('checkbox', { name: /I accept the terms/ }).check();
    await portal.getByRole('button', { name: 'Submit' }).click();
    await visible(portal.getByText('Thank you, your answers were sent'));
    expect(await portal.getByRole('button', { name: 'Submit' }).count()).toBe(0);
    // read-only now: the answers as text, no field to change
    const answers = portal.getByRole('region', { name: 'Your answers' });
    await visible(answers.getByText('=SUM(A1) is not a formula here'));
    expect(await portal.getByRole('textbox').count()).toBe(0);
    await shootBoth(portal, 'forms-07-portal-submitted', phone);
    await portal.getByRole('link', { name: 'Home' }).click();
    await visible(portal.getByRole('region', { name: 'Forms' }).getByText('Submitted', { exact: true }));
  });

  step('the agent reads the response on the form page and on the contact page', async () => {
    await agent.goto(formUrl);
    const row = agent.getByRole('row').filter({ hasText: 'Ada Lovelace' });
    await visible(row.getByText('Submitted'));
    await row.getByRole('button', { name: 'View answers: Ada Lovelace' }).click();
    const answers = agent.getByRole('dialog', { name: 'Ada Lovelace — Onboarding details' });
    await visible(answers.getByText('=SUM(A1) is not a formula here'));
    await visible(answers.getByText('Pro', { exact: true }));
    await visible(answers.getByText('Yes', { exact: true }));
    await shootBoth(agent, 'forms-08-response', desktop);
    await agent.keyboard.press('Escape');
    const csv = await agent.request.get(url(`${new URL(formUrl).pathname.replace('/forms/', '/api/v1/forms/')}/responses.csv`));
    const text = await csv.text();
    expect(text).toContain("'=SUM(A1) is not a formula here");
    expect(text).toContain('Company size');
    await agent.goto(url(`/contacts/${ids.ada}`));
    const forms = agent.getByRole('region', { name: 'Forms' });
    await visible(forms.getByRole('link', { name: 'Onboarding details' }));
    await visible(forms.getByText('Submitted'));
    // the section in view (a full-page picture of a long page with a fixed frame shows the frame mid-page)
    for (const [size, vp] of [
      ['desktop', desktop],
      ['phone', phone],
    ] as const) {
      await agent.setViewportSize(vp);
      await forms.scrollIntoViewIfNeeded();
      await screenshot(agent, `forms-09-contact-page-${size}`);
    }
    await agent.setViewportSize(desktop);
  });

  step('assigns it again from the directory selection: a new response is asked of Ada, Ivan is refused', async () => {
    await agent.goto(url('/contacts?status=all'));
    await agent.getByRole('checkbox', { name: 'Select Ada Lovelace' }).check();
    await agent.getByRole('checkbox', { name: 'Select Ivan Petrov' }).check();
    await agent.getByRole('group', { name: 'Bulk actions' }).getByRole('button', { name: 'Assign form' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Assign a form' });
    await visible(dialog.getByText('2 contacts', { exact: true }));
    await dialog.getByRole('combobox', { name: 'Form' }).click();
    await agent.getByRole('option', { name: 'Onboarding details' }).click();
    await dialog.getByRole('button', { name: 'Assign form' }).click();
    await visible(dialog.getByText('1 contact newly assigned'));
    await visible(dialog.getByRole('table', { name: 'Refused contacts' }).getByText('The contact is inactive'));
    await shootBoth(agent, 'forms-10-directory-assign', desktop);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const form = await agentApi<{ openCount: number; submittedCount: number }>(
      'GET',
      new URL(formUrl).pathname.replace('/forms/', '/api/v1/forms/'),
    );
    expect(form).toMatchObject({ openCount: 1, submittedCount: 1 });
  });
});
