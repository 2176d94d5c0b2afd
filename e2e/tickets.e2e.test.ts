// Browser journey through tickets against the real server: an agent makes a request template with a
// locked priority; a contact signs in to the portal with a code on a phone and submits a request from
// it; the agent opens the ticket, adds a second ticket contact and replies; the mails go only where the
// team rule AND the contact's preference allow; the contact comments and closes the request. Pages are
// checked with axe-core and photographed at desktop and phone sizes under e2e/artifacts/.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, signInToPortalWithCode, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@acme.example.com', password: 'owner-password-1' };
const tag = randomBytes(3).toString('hex');
const jordan = { firstName: 'Jordan', lastName: 'Rivera', company: 'Globex Corporation', primaryEmail: `jordan.${tag}@globex.example.com` };
// Sam does not want comment emails: the reply must not reach Sam
const sam = {
  firstName: 'Sam',
  lastName: 'Okafor',
  company: 'Globex Corporation',
  primaryEmail: `sam.${tag}@globex.example.com`,
  notifications: { newComments: false },
};

const desktop = { width: 1366, height: 900 };
const phone = { width: 390, height: 844 };
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/**
 * Rules whose findings here come from the shared theme's colours (dimmed text, the filled primary
 * button), not from these pages; they are reported, not failed, until the theme's contrast is reworked.
 */
const THEME_RULES = new Set(['color-contrast']);

interface Mail {
  to: string;
  subject: string;
  text: string;
  kind: string;
}

describe.skipIf(!process.env.KDESK_E2E)('Tickets: a portal request from a template, a reply to two contacts, comment and close', () => {
  let server: KdeskServer;
  let browser: Browser;
  let agentContext: BrowserContext;
  let contactContext: BrowserContext;
  let agent: Page;
  let portal: Page;
  let teamSlug = '';
  let ticketUrl = '';

  const url = (p: string) => `${server.baseUrl}${p}`;

  /** The member API with the agent's session (same-origin writes). */
  async function agentApi<T>(method: 'GET' | 'POST' | 'PATCH', path: string, data?: unknown): Promise<T> {
    const res = await agent.request.fetch(url(path), { method, data, headers: { origin: server.baseUrl } });
    if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  }

  const mails = async () => (await agentApi<{ items: Mail[] }>('GET', '/api/v1/mailbox/messages?limit=200')).items;

  /**
   * Runs axe-core on the page's main content (the shared app frame and theme are checked by their own
   * journeys); serious and critical violations fail the step.
   */
  async function checkA11y(page: Page, what: string) {
    await page.addScriptTag({ path: axePath });
    const violations = await page.evaluate(async () => {
      type Result = { violations: { id: string; impact: string; nodes: { target: string[]; html: string }[] }[] };
      const axe = (window as unknown as { axe: { run: (context: unknown) => Promise<Result> } }).axe;
      const main = document.querySelector('main, .kp-main');
      if (!main) throw new Error(`no <main> in ${document.body.innerHTML.slice(0, 300)}`);
      const r = await axe.run(main);
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.html.slice(0, 200)) }));
    });
    const bad = violations.filter((v) => (v.impact === 'serious' || v.impact === 'critical') && !THEME_RULES.has(v.id));
    const theme = violations.filter((v) => THEME_RULES.has(v.id));
    if (theme.length) console.warn(`axe (${what}), from the theme: ${theme.map((v) => `${v.id} x${v.nodes.length}`).join(', ')}`);
    expect(bad, `${what}: ${JSON.stringify(bad, null, 1)}`).toEqual([]);
  }

  /** A screenshot at both sizes; the page goes back to the size it had. */
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
    pages: () => ({ 'tickets-agent-': agent, 'tickets-contact-': portal }),
  });

  step('the agent signs in and two contacts exist', async () => {
    await signInAs(agent, server.baseUrl, owner);
    await agentApi('POST', '/api/v1/contacts', jordan);
    await agentApi('POST', '/api/v1/contacts', sam);
    teamSlug = (await agentApi<{ url: string }>('GET', '/api/v1/portal-link')).url.split('/portal/')[1]!;
  });

  step('the agent makes a request template with a locked priority', async () => {
    await agent.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Request templates' }).click();
    await visible(agent.getByRole('heading', { level: 1, name: 'Request templates' }));
    await agent.getByRole('button', { name: 'New template' }).click();
    const dialog = agent.getByRole('dialog', { name: 'New request template' });
    await visible(dialog);
    await dialog.getByLabel('Name').fill('Laptop problem');
    await dialog.getByLabel('Description', { exact: true }).fill('Anything wrong with a company laptop.');
    await dialog.getByLabel('Default of Subject').fill('My laptop');
    await dialog.getByRole('combobox', { name: 'Default priority' }).click();
    await agent.getByRole('option', { name: 'High' }).click();
    // the third "Locked" box is the priority's (subject, description, priority)
    await dialog.getByRole('checkbox', { name: 'Locked' }).nth(2).check();
    await screenshot(agent, 'tickets-01-template-editor');
    await dialog.getByRole('button', { name: 'Save template' }).click();
    const row = agent.getByRole('row').filter({ hasText: 'Laptop problem' });
    await visible(row);
    expect(await row.innerText()).toContain('Priority');
    await checkA11y(agent, 'request templates');
    await shootBoth(agent, 'tickets-02-templates', desktop);
  });

  step('the contact signs in to the portal with a code on a phone', async () => {
    await signInToPortalWithCode(portal, url(`/portal/${teamSlug}`), { email: jordan.primaryEmail, firstName: jordan.firstName }, mails);
    await visible(portal.getByRole('heading', { name: 'Your requests' }));
    await visible(portal.getByText('You have no requests yet'));
    // the installable portal carries the team's name
    const manifest = await portal.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!.href;
      return (await fetch(href)).json();
    });
    expect(manifest.name).toBe('Acme Support support');
  });

  step('submits a request from the template; the locked priority cannot be changed', async () => {
    await portal.getByRole('link', { name: 'New request' }).click();
    await visible(portal.getByRole('heading', { level: 1, name: 'New request' }));
    const priority = portal.getByRole('combobox', { name: 'Priority' });
    expect(await priority.inputValue()).toBe('High');
    // a locked field does not open: no other priority can be picked
    await priority.click();
    await portal.waitForTimeout(400); // an editable select would have opened by now
    expect(await portal.getByRole('option', { name: 'Urgent' }).count()).toBe(0);
    await portal.getByLabel('Subject').fill('Laptop will not charge');
    await portal.getByLabel('Description').fill('The charger light stays off since Monday.');
    await checkA11y(portal, 'portal request form');
    await shootBoth(portal, 'tickets-03-portal-request-form', phone);
    await portal.getByRole('button', { name: 'Submit request' }).click();
    await visible(portal.getByRole('heading', { level: 1, name: 'Laptop will not charge' }));
    ticketUrl = portal.url();
    await visible(portal.getByText('No replies yet'));
    await expect
      .poll(async () => (await mails()).filter((m) => m.to === jordan.primaryEmail && m.kind === 'ticket.created').length)
      .toBe(1);
  });

  step('the agent sees it in Tickets, adds Sam as a second ticket contact and replies', async () => {
    await agent.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Tickets' }).click();
    await visible(agent.getByRole('heading', { level: 1, name: 'Tickets' }));
    const link = agent.getByRole('link', { name: 'Laptop will not charge' });
    await visible(link);
    const row = agent.getByRole('row').filter({ has: link });
    expect(await row.innerText()).toContain('High');
    expect(await row.innerText()).toContain('Jordan Rivera');
    await checkA11y(agent, 'ticket list');
    await shootBoth(agent, 'tickets-04-agent-list', desktop);

    await link.click();
    await visible(agent.getByRole('heading', { level: 1, name: 'Laptop will not charge' }));
    const people = agent.getByRole('region', { name: 'Ticket contacts' });
    await visible(people.getByRole('link', { name: 'Jordan Rivera' }));
    await people.getByRole('combobox', { name: 'Add a ticket contact' }).fill('Sam');
    await agent.getByRole('option', { name: new RegExp(`Sam Okafor <${sam.primaryEmail}>`) }).click();
    await visible(people.getByRole('link', { name: 'Sam Okafor' }));
    expect(await people.innerText()).toContain(sam.primaryEmail);

    await agent.getByLabel('Reply to the ticket contacts').fill('We are sending you a new charger today.');
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await visible(agent.getByRole('region', { name: 'Conversation' }).getByText('We are sending you a new charger today.'));
    await checkA11y(agent, 'ticket view');
    await shootBoth(agent, 'tickets-05-agent-ticket', desktop);
  });

  step('the reply reaches Jordan but not Sam, who switched comment emails off', async () => {
    await expect
      .poll(async () => (await mails()).filter((m) => m.kind === 'ticket.commented').map((m) => m.to))
      .toEqual([jordan.primaryEmail]);
    const reply = (await mails()).find((m) => m.kind === 'ticket.commented')!;
    expect(reply.subject).toMatch(/^\[Acme Support\] New reply on #1: Laptop will not charge$/);
    expect(reply.text).toContain('We are sending you a new charger today.');
  });

  step('the contact reads the reply, comments and closes the request', async () => {
    await portal.goto(ticketUrl);
    await visible(portal.getByText('We are sending you a new charger today.'));
    expect(await portal.getByText('with Jordan Rivera, Sam Okafor').count()).toBe(1);
    await portal.getByLabel('Add a reply').fill('It arrived and works. Thank you!');
    await portal.getByRole('button', { name: 'Send reply' }).click();
    await visible(portal.getByText('It arrived and works. Thank you!'));
    await checkA11y(portal, 'portal ticket page');
    await shootBoth(portal, 'tickets-06-portal-ticket', phone);
    await portal.getByRole('button', { name: 'Close request' }).click();
    await visible(portal.getByText('Closed', { exact: true }).first());
    expect(await portal.getByRole('button', { name: 'Close request' }).count()).toBe(0);
    // Sam gets the contact's comment (not Jordan, its author); Sam has newComments off, so nobody does
    const commented = (await mails()).filter((m) => m.kind === 'ticket.commented').map((m) => m.to);
    expect(commented).toEqual([jordan.primaryEmail]);
    // the close is an update: Sam (ticket updates on) hears of it, Jordan who closed it does not
    await expect.poll(async () => (await mails()).filter((m) => m.kind === 'ticket.updated').map((m) => m.to)).toEqual([sam.primaryEmail]);
    await portal.getByRole('link', { name: 'Your requests' }).click();
    await visible(portal.getByRole('link', { name: 'Laptop will not charge' }));
    await checkA11y(portal, 'portal home');
    await shootBoth(portal, 'tickets-07-portal-home', phone);
  });

  step('when the team switches contact comments off, the portal says which setting is off', async () => {
    await agentApi('PATCH', '/api/v1/settings', { allowPortalComments: false });
    await portal.goto(ticketUrl);
    await visible(portal.getByText('team setting "allowPortalComments"'));
    expect(await portal.getByLabel('Add a reply').count()).toBe(0);
    await screenshot(portal, 'tickets-08-portal-comments-off-phone', { fullPage: true });
    const ticket = await agentApi<{ status: string }>('GET', `/api/v1/tickets/${ticketUrl.split('/').pop()}`);
    expect(ticket.status).toBe('closed');
  });
  step('with portalTicketCreation "anyone" a visitor submits a request with name and email', async () => {
    await agentApi('PATCH', '/api/v1/settings', { portalTicketCreation: 'anyone' });
    const visitorContext = await newContext(browser, { viewport: phone });
    const visitor = await visitorContext.newPage();
    await visitor.goto(url(`/portal/${teamSlug}`));
    await visitor.getByRole('link', { name: 'Submit a request without signing in' }).click();
    await visible(visitor.getByRole('heading', { level: 1, name: 'New request' }));
    await visitor.getByLabel('Your name').fill('Vera Visitor');
    await visitor.getByLabel('Your email address').fill(`vera.${tag}@example.org`);
    await visitor.getByLabel('Subject').fill('Question about an invoice');
    await checkA11y(visitor, 'visitor request form');
    await screenshot(visitor, 'tickets-09-visitor-request-phone', { fullPage: true });
    await visitor.getByRole('button', { name: 'Submit request' }).click();
    await visible(visitor.getByText('Thank you, we received your request'));
    await screenshot(visitor, 'tickets-10-visitor-received-phone', { fullPage: true });
    await visitorContext.close();
    const list = await agentApi<{ items: { subject: string; requesterName: string }[] }>('GET', '/api/v1/tickets?q=invoice');
    expect(list.items.map((t) => [t.subject, t.requesterName])).toEqual([['Question about an invoice', 'Vera Visitor']]);
  });
});
