// Browser journey of a new team's first hour: the owner invites an agent from the Members page; the agent
// accepts from the link in the Mailbox, lands signed in and changes their password on the Account page;
// the owner renames the team and moves its portal address on Team General, then sees the new name in the
// portal and in a sign-in code mail; the Logs page shows what happened. Desktop 1440×900 and phone 390×844.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, signOutOf, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@initech.example.com', password: 'owner-password-1' };
const tag = randomBytes(3).toString('hex');
const agentWho = {
  email: `peter.${tag}@initech.example.com`,
  name: 'Peter Gibbons',
  password: 'tps reports are due',
  next: 'a new stapler 2026',
};
const milton = `milton.${tag}@initech.example.com`;
const desktop = { width: 1440, height: 900 };

/** A real OpenID Provider (oidc-provider) on loopback, standing in for Google: it signs in `account` at once. */
async function startIdp(redirectUri: string, account: { sub: string; email: string }) {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'initech-portal',
        client_secret: 'idp client secret',
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: account.email, email_verified: true, hd: 'initech.example.com' }),
    }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['hd'] },
    conformIdTokenClaims: false,
    cookies: { keys: ['idp journey cookie key'] },
    jwks: { keys: [{ ...jwk, kid: 'k1', use: 'sig', alg: 'RS256' }] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true, methods: ['S256'] },
  } as never);
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: account.sub, clientId: details.params.client_id as string });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    callback(req, res);
  });
  return { issuer, close: () => new Promise<void>((r) => server.close(() => r())) };
}
const phone = { width: 390, height: 844 };

describe.skipIf(!process.env.KDESK_E2E)('Team administration: invite, accept, password, rename, logs in Chromium', () => {
  let server: KdeskServer;
  let browser: Browser;
  let ownerContext: BrowserContext;
  let agentContext: BrowserContext;
  let ownerPage: Page;
  let agentPage: Page;
  let invitationLink = '';
  const slug = `initech-${tag}`;

  let idp: Awaited<ReturnType<typeof startIdp>> | undefined;
  afterAll(() => idp?.close());

  beforeAll(async () => {
    // the loopback provider has a private address: allowed for this server only (its own process)
    process.env.KDESK_ALLOW_PRIVATE_ISSUERS = 'true';
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'My team' });
    browser = await launchBrowser();
    ownerContext = await newContext(browser, { viewport: desktop });
    ownerPage = await ownerContext.newPage();
    agentContext = await newContext(browser, { viewport: phone, deviceScaleFactor: 2 });
    agentPage = await agentContext.newPage();
  });

  const step = journeySteps({
    server: () => server,
    browser: () => browser,
    pages: () => ({ 'admin-owner-': ownerPage, 'admin-agent-': agentPage }),
    nameLength: 50,
  });

  const nav = (name: string) => ownerPage.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name, exact: true });

  /** The newest mail whose list row shows `to` and `subject`, as plain text from the Mailbox page. */
  async function openMail(to: string, subject: RegExp): Promise<string> {
    await nav('Mailbox').click();
    await visible(ownerPage.getByRole('heading', { level: 1, name: 'Mailbox' }));
    const row = ownerPage
      .getByRole('navigation', { name: 'Messages, newest first' })
      .getByRole('button')
      .filter({ hasText: to })
      .filter({ hasText: subject })
      .first();
    await expect.poll(async () => row.count(), { timeout: 20_000, interval: 500 }).toBeGreaterThan(0);
    await row.click();
    const reader = ownerPage.getByRole('article', { name: subject });
    await visible(reader);
    await reader.getByRole('radiogroup', { name: 'Show the message as' }).getByText('Plain text', { exact: true }).click();
    const text = reader.getByTestId('mail-text');
    await visible(text);
    return text.innerText();
  }

  step('the owner invites an agent from the Members page', async () => {
    await signInAs(ownerPage, server.baseUrl, owner);
    await nav('Members').click();
    await visible(ownerPage.getByRole('heading', { level: 1, name: 'Members' }));
    await ownerPage.getByLabel('Email').fill(agentWho.email);
    await ownerPage.getByRole('button', { name: 'Send invitation' }).click();
    await visible(ownerPage.getByText('Invitation sent'));
    const open = ownerPage.getByRole('region', { name: 'Open invitations' });
    await visible(open.getByText(agentWho.email));
    await screenshot(ownerPage, 'admin-01-members-invited');
  });

  step('the invitation mail carries a one-time link', async () => {
    const text = await openMail(agentWho.email, /Join My team on kdesk/);
    invitationLink = /(http\S+\/invite\/\S+)/.exec(text)![1]!;
    expect(invitationLink.startsWith(server.baseUrl)).toBe(true);
    await screenshot(ownerPage, 'admin-02-mailbox-invitation-text');
    await ownerPage.getByRole('radiogroup', { name: 'Show the message as' }).getByText('HTML', { exact: true }).click();
    await screenshot(ownerPage, 'admin-02b-mailbox-invitation-html');
  });

  step('the agent accepts on a phone, refused a common password first, and lands signed in', async () => {
    await agentPage.goto(invitationLink);
    await visible(agentPage.getByRole('heading', { level: 1, name: 'Join My team' }));
    await agentPage.getByLabel('Your name').fill(agentWho.name);
    await agentPage.getByLabel(/^Password/).fill('password1234');
    await agentPage.getByRole('button', { name: 'Join My team' }).click();
    await visible(agentPage.getByText('This password is one of the most commonly used ones'));
    await screenshot(agentPage, 'admin-03-accept-invitation-phone');
    await agentPage.getByLabel(/^Password/).fill(agentWho.password);
    await agentPage.getByRole('button', { name: 'Join My team' }).click();
    await agentPage.waitForURL(/\/contacts$/);
    await visible(agentPage.getByRole('heading', { level: 1, name: 'Contacts' }));
    // the link worked once
    await agentPage.goto(invitationLink);
    await visible(agentPage.getByText('This invitation link is not valid any more'));
  });

  step('the agent changes their password on the Account page', async () => {
    await agentPage.goto(`${server.baseUrl}/account`);
    await visible(agentPage.getByRole('heading', { level: 1, name: 'Account' }));
    await agentPage.getByLabel('Current password').fill(agentWho.password);
    await agentPage.getByLabel('New password').fill(agentWho.next);
    await agentPage.getByRole('button', { name: 'Change password' }).click();
    await visible(agentPage.getByText('Password changed'));
    await screenshot(agentPage, 'admin-04-account-phone', { fullPage: true });
    await agentPage.setViewportSize(desktop);
    await screenshot(agentPage, 'admin-04b-account-desktop');
    await signOutOf(agentPage);
    await signInAs(agentPage, server.baseUrl, { email: agentWho.email, password: agentWho.next });
  });

  step('the owner sees the agent in Members with a last sign-in', async () => {
    await nav('Members').click();
    const row = ownerPage.getByRole('row').filter({ hasText: agentWho.email });
    await visible(row);
    expect(await row.innerText()).toContain(agentWho.name);
    expect(await row.innerText()).not.toContain('Never');
    await screenshot(ownerPage, 'admin-05-members');
  });

  step('the owner renames the team and moves the portal address', async () => {
    await nav('Team General').click();
    await visible(ownerPage.getByRole('heading', { level: 1, name: 'Team General' }));
    await ownerPage.getByLabel('Team name').fill('Initech Support');
    await ownerPage.getByLabel('Portal address').fill(slug);
    await ownerPage.getByLabel('Support email').fill('help@initech.example.com');
    await ownerPage.getByRole('button', { name: 'Save', exact: true }).click();
    await visible(ownerPage.getByText('Team saved'));
    await expect.poll(async () => ownerPage.getByTestId('team-name').textContent()).toBe('Initech Support');
    await screenshot(ownerPage, 'admin-06-team-general', { fullPage: true });
  });

  step('the portal carries the new name, and a code mail too', async () => {
    const portal = await ownerContext.newPage();
    await portal.goto(`${server.baseUrl}/portal/${slug}`);
    await expect.poll(async () => portal.getByTestId('portal-team-name').textContent()).toBe('Initech Support');
    await portal.setViewportSize(phone);
    await screenshot(portal, 'admin-07-portal-renamed-phone');
    // a contact asks for a code: the mail is branded with the new name and says the support address
    await ownerPage.goto(`${server.baseUrl}/contacts/new`);
    await ownerPage.getByLabel('First name').fill('Milton');
    await ownerPage.getByLabel('Primary email').fill(milton);
    await ownerPage.getByRole('button', { name: 'Create contact' }).click();
    await ownerPage.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
    await portal.getByLabel('Email address').fill(milton);
    await portal.getByRole('button', { name: /code/i }).first().click();
    await portal.close();
    const text = await openMail(milton, /Your Initech Support sign-in code/);
    expect(text).toContain('Questions? Write to help@initech.example.com.');
    await screenshot(ownerPage, 'admin-08-code-mail-renamed');
  });

  step('the owner sets up Google sign-in against a real OpenID Provider and switches it on', async () => {
    await nav('Team General').click();
    const card = ownerPage.getByRole('region', { name: 'Google', exact: true });
    await visible(card);
    const redirectUri = `${server.baseUrl}/portal/api/${slug}/sso/google/callback`;
    await visible(card.getByText(redirectUri));
    // the switch waits for the set-up
    expect(await card.getByRole('switch', { name: 'Contacts may sign in with Google' }).isDisabled()).toBe(true);
    idp = await startIdp(redirectUri, { sub: `google-${tag}`, email: milton });
    await card.getByLabel(/^Issuer/).fill(idp.issuer);
    await card.getByLabel(/^Client ID/).fill('initech-portal');
    await card.getByLabel(/^Client secret/).fill('idp client secret');
    await card.getByRole('button', { name: 'Save Google set-up' }).click();
    await visible(ownerPage.getByText('Google sign-in saved'));
    const toggle = card.getByRole('switch', { name: 'Contacts may sign in with Google' });
    await expect.poll(async () => toggle.isDisabled()).toBe(false);
    await toggle.click({ force: true });
    await visible(card.getByText('On', { exact: true }));
    await screenshot(ownerPage, 'admin-09-sso-google-on', { fullPage: true });
  });

  step('a contact signs in to the portal with Google', async () => {
    const contactContext = await newContext(browser, { viewport: phone, deviceScaleFactor: 2 });
    const portal = await contactContext.newPage();
    await portal.goto(`${server.baseUrl}/portal/${slug}`);
    const google = portal.getByRole('link', { name: 'Continue with Google' });
    await visible(google);
    await screenshot(portal, 'admin-10-portal-sso-phone');
    await google.click();
    await visible(portal.getByRole('heading', { level: 1, name: 'Hello, Milton' }), 20_000);
    expect(portal.url()).toContain(`/portal/${slug}`);
    await screenshot(portal, 'admin-11-portal-signed-in-with-google-phone');
    await contactContext.close();
  });

  step('the Logs page shows what happened, with the raw entry on click', async () => {
    await nav('Logs').click();
    await visible(ownerPage.getByRole('heading', { level: 1, name: 'Logs' }));
    const table = ownerPage.getByRole('table', { name: 'Log entries' });
    await visible(table.getByText('team.update'));
    await visible(table.getByText('invitation.accept'));
    await screenshot(ownerPage, 'admin-12-logs');
    await table.getByRole('row').filter({ hasText: 'team.update' }).first().getByRole('button').click();
    const raw = ownerPage.getByTestId('raw-entry');
    await visible(raw);
    expect(await raw.innerText()).toContain('Initech Support');
    await screenshot(ownerPage, 'admin-13-logs-raw-entry');
    await ownerPage.keyboard.press('Escape');
    await ownerPage.setViewportSize(phone);
    await screenshot(ownerPage, 'admin-14-logs-phone');
    await nav('Members')
      .click()
      .catch(async () => {
        await ownerPage.getByRole('button', { name: 'Open navigation' }).click();
        await nav('Members').click();
      });
    await visible(ownerPage.getByRole('heading', { level: 1, name: 'Members' }));
    await screenshot(ownerPage, 'admin-15-members-phone');
  });
});
