// Browser journey through the contact portal against the real server: an owner creates a contact with
// portal access, sends a portal invitation and reads it in the built-in Mailbox (no SMTP here); the
// contact follows the personal link in a browser of their own, gets a code by mail, tries a wrong code,
// signs in with the right one, changes a notification preference and signs out.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KdeskServer } from './support/kdesk-server.ts';
import { launchBrowser, screenshot, visible } from './support/browser.ts';
import { journeySteps, newContext, signInAs, startJourneyServer } from './support/journey.ts';

const owner = { email: 'owner@acme.example.com', password: 'owner-password-1' };
const tag = randomBytes(3).toString('hex');
const contact = {
  firstName: 'Jordan',
  lastName: 'Rivera',
  company: 'Globex Corporation',
  email: `jordan.rivera.${tag}@globex.example.com`,
};
const fullName = `${contact.firstName} ${contact.lastName}`;

const desktop = { width: 1366, height: 900 };
const phone = { width: 390, height: 844 };

describe.skipIf(!process.env.KDESK_E2E)('Contact portal: invitation, code sign-in and preferences in Chromium', () => {
  let server: KdeskServer;
  let browser: Browser;
  let agentContext: BrowserContext;
  let contactContext: BrowserContext;
  let agent: Page;
  let portal: Page;
  let teamSlug = '';
  let contactId = '';
  let contactLink = '';

  const url = (p: string) => `${server.baseUrl}${p}`;

  /** The newest mail to the contact with this subject, read from the Mailbox page (plain text part). */
  async function openMail(subject: RegExp): Promise<string> {
    const list = agent.getByRole('navigation', { name: 'Messages, newest first' });
    const row = list.getByRole('button').filter({ hasText: contact.email }).filter({ hasText: subject }).first();
    // the list refreshes itself every few seconds; the code is written by a background task
    await expect.poll(async () => row.count(), { timeout: 20_000, interval: 500 }).toBeGreaterThan(0);
    await row.click();
    const reader = agent.getByRole('article', { name: subject });
    await visible(reader);
    return reader.innerText();
  }

  /** Switches the reading pane between the HTML and the plain text part. */
  const showMailAs = (part: 'HTML' | 'Plain text') =>
    agent.getByRole('radiogroup', { name: 'Show the message as' }).getByText(part, { exact: true }).click();

  /** A screenshot of the contact's page on a desktop screen; the page is back on the phone after it. */
  async function screenshotOnDesktop(name: string) {
    await portal.setViewportSize(desktop);
    await screenshot(portal, name);
    await portal.setViewportSize(phone);
  }

  beforeAll(async () => {
    server = await startJourneyServer({ adminEmail: owner.email, adminPassword: owner.password, teamName: 'Acme Support' }, 'portal.html');
    browser = await launchBrowser();
    agentContext = await newContext(browser, { viewport: desktop });
    await agentContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    agent = await agentContext.newPage();
    // the contact uses a browser of their own: no cookie of the agent's is there
    contactContext = await newContext(browser, { viewport: phone, deviceScaleFactor: 2 });
    await contactContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    portal = await contactContext.newPage();
  });

  const step = journeySteps({
    server: () => server,
    browser: () => browser,
    pages: () => ({ 'portal-agent-': agent, 'portal-contact-': portal }),
    nameLength: 50,
  });

  step('copies the team portal URL from the Contacts page ("Get Contact Portal")', async () => {
    await signInAs(agent, server.baseUrl, owner);

    await agent.getByRole('button', { name: 'Get Contact Portal' }).click();
    await visible(agent.getByText('Contact portal link copied'));
    const copied = await agent.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(new RegExp(`^${server.baseUrl.replace(/[.]/g, '\\.')}/portal/[a-z0-9-]+$`));
    teamSlug = copied.split('/portal/')[1]!;
    await screenshot(agent, 'portal-01-contacts-copy-team-url', { withToasts: true });
  });

  step('creates a contact with portal access and sends a portal invitation', async () => {
    await agent.getByRole('link', { name: 'Create contact' }).first().click();
    await visible(agent.getByRole('heading', { level: 1, name: 'Create contact' }));
    await agent.getByLabel('First name').fill(contact.firstName);
    await agent.getByLabel('Last name').fill(contact.lastName);
    await agent.getByLabel('Company', { exact: true }).fill(contact.company);
    await agent.getByLabel('Primary email').fill(contact.email);
    expect(await agent.getByRole('switch', { name: 'Portal access' }).isChecked()).toBe(true);
    await agent.getByRole('button', { name: 'Create contact' }).click();
    await agent.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
    contactId = new URL(agent.url()).pathname.split('/').pop()!;
    await visible(agent.getByRole('heading', { level: 1, name: fullName }));

    await agent.getByRole('button', { name: 'More actions' }).click();
    await visible(agent.getByRole('menuitem', { name: 'Copy portal link' }));
    await screenshot(agent, 'portal-02-contact-actions-menu');
    await agent.getByRole('menuitem', { name: 'Send portal invitation' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Send portal invitation?' });
    await visible(dialog);
    expect(await dialog.innerText()).toContain(contact.email);
    await screenshot(agent, 'portal-03-invite-dialog');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await visible(agent.getByText('Invitation sent'));
  });

  step('shows the invitation in the Mailbox, HTML part sandboxed and its link opening in a new tab', async () => {
    await agent.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Mailbox' }).click();
    await visible(agent.getByRole('heading', { level: 1, name: 'Mailbox' }));
    await visible(agent.getByText('No SMTP server is configured'));
    const text = await openMail(/invites you to its support portal/);
    expect(text).toContain(`To ${contact.email}`);

    const frame = agent.locator('iframe[title^="HTML part"]');
    // no scripts, no same-origin access; links may open (unsandboxed) new tabs
    expect(await frame.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    const signInLink = agent.frameLocator('iframe[title^="HTML part"]').getByRole('link', { name: 'Sign in to the portal' });
    await visible(signInLink);
    await screenshot(agent, 'portal-04-mailbox-invitation');

    const [tab] = await Promise.all([agentContext.waitForEvent('page'), signInLink.click()]);
    await tab.waitForLoadState();
    contactLink = tab.url();
    expect(contactLink).toMatch(new RegExp(`/portal/${teamSlug}/c/[^/]+$`));
    // the portal is its own app: the agent's layout never shows there
    await visible(tab.getByRole('heading', { level: 1, name: 'Sign in' }));
    expect(await tab.getByRole('navigation', { name: 'Main navigation' }).count()).toBe(0);
    await tab.close();

    // the plain text part shows the same link, clickable
    await showMailAs('Plain text');
    const textLink = agent.getByTestId('mail-text').getByRole('link');
    expect(await textLink.getAttribute('href')).toBe(contactLink);
    expect(await textLink.getAttribute('target')).toBe('_blank');
    await screenshot(agent, 'portal-05-mailbox-invitation-text');
  });

  step('the contact follows the personal link on a phone and asks for a code', async () => {
    await portal.goto(contactLink);
    await visible(portal.getByRole('heading', { level: 1, name: 'Sign in' }));
    expect(await portal.getByTestId('portal-team-name').textContent()).toBe('Acme Support');
    // no email step with a contact link
    expect(await portal.getByLabel('Email address').count()).toBe(0);
    await screenshot(portal, 'portal-06-link-sign-in-mobile');
    await screenshotOnDesktop('portal-06b-link-sign-in-desktop');

    await portal.getByRole('button', { name: 'Email me a sign-in code' }).click();
    await visible(portal.getByRole('heading', { level: 1, name: 'Check your email' }));
    await visible(portal.getByLabel('Sign-in code'));
    expect(await portal.getByLabel('Sign-in code').getAttribute('autocomplete')).toBe('one-time-code');
    await screenshot(portal, 'portal-07-code-step-mobile');
  });

  step('refuses a wrong code with a clear message', async () => {
    const input = portal.getByLabel('Sign-in code');
    // typed lowercase and with a dash: shown uppercase, grouped like the mail; seven characters submit
    await input.pressSequentially('zzz-zzz');
    expect(await input.inputValue()).toBe('ZZZ ZZZ');
    await input.press('z');
    const error = portal.getByText("That code didn't work");
    await visible(error);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await screenshot(portal, 'portal-08-wrong-code-mobile');
  });

  step('reads the code from the Mailbox and signs in by pasting it', async () => {
    await showMailAs('HTML');
    const text = await openMail(/sign-in code/);
    await screenshot(agent, 'portal-09-mailbox-code');
    await showMailAs('Plain text');
    const mailText = await agent.getByTestId('mail-text').innerText();
    const m = /^\s+([2-9A-Z]{3}) ([2-9A-Z]{4})\s*$/m.exec(mailText);
    expect(m, `a code in:\n${text}`).not.toBeNull();
    const code = `${m![1]}${m![2]}`;

    // paste it the way people copy it: lowercase, with a dash
    const input = portal.getByLabel('Sign-in code');
    await input.fill('');
    await input.focus();
    await portal.evaluate(
      (pasted) => {
        const dt = new DataTransfer();
        dt.setData('text/plain', pasted);
        document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      },
      `${code.slice(0, 3).toLowerCase()}-${code.slice(3).toLowerCase()}`,
    );

    await visible(portal.getByRole('heading', { level: 1, name: `Hello, ${contact.firstName}` }), 15_000);
    // the personal link is out of the address bar once it has done its job
    expect(new URL(portal.url()).pathname).toBe(`/portal/${teamSlug}`);
    const profile = portal.getByRole('region', { name: 'Your profile' });
    await visible(profile.getByText(contact.email));
    await visible(profile.getByText(contact.company));
    await screenshot(portal, 'portal-10-home-mobile', { fullPage: true });
    await screenshotOnDesktop('portal-10b-home-desktop');
  });

  step('changes a notification preference, and the agent sees it', async () => {
    const comments = portal.getByRole('switch', { name: 'New comments' });
    expect(await comments.isChecked()).toBe(true);
    await portal.getByText('New comments', { exact: true }).click();
    await visible(portal.getByTestId('notifications-status').getByText('Saved'));
    expect(await comments.isChecked()).toBe(false);
    await portal.getByRole('region', { name: 'Email notifications' }).scrollIntoViewIfNeeded();
    await screenshot(portal, 'portal-11-preference-saved-mobile');

    await portal.reload();
    await visible(portal.getByRole('heading', { level: 1, name: `Hello, ${contact.firstName}` }));
    expect(await portal.getByRole('switch', { name: 'New comments' }).isChecked()).toBe(false);
    expect(await portal.getByRole('switch', { name: 'New requests' }).isChecked()).toBe(true);

    const res = await agent.request.get(url(`/api/v1/contacts/${contactId}`));
    const saved = (await res.json()) as { notifications: Record<string, boolean>; portalVerifiedAt: string | null };
    expect(saved.notifications.newComments).toBe(false);
    expect(saved.notifications.newTickets).toBe(true);
    expect(saved.portalVerifiedAt).not.toBeNull();
  });

  step('signs out', async () => {
    await portal.getByRole('button', { name: 'Sign out' }).click();
    await visible(portal.getByText('You have signed out'));
    await visible(portal.getByRole('heading', { level: 1, name: 'Sign in' }));
    await screenshot(portal, 'portal-12-signed-out-mobile');
    // the session is gone on the server too
    const me = await portal.request.get(url(`/portal/api/${teamSlug}/me`));
    expect(me.status()).toBe(401);
  });

  step('the team link asks for the email first', async () => {
    await portal.goto(url(`/portal/${teamSlug}`));
    await visible(portal.getByLabel('Email address'));
    await portal.getByRole('button', { name: 'Send sign-in code' }).click();
    await visible(portal.getByText('Enter your email address', { exact: true }));
    await portal.getByLabel('Email address').fill('not-an-email');
    await portal.getByRole('button', { name: 'Send sign-in code' }).click();
    await visible(portal.getByText('Enter a valid email address'));
    await portal.getByLabel('Email address').fill(contact.email);
    await screenshot(portal, 'portal-13-team-link-mobile');
    await screenshotOnDesktop('portal-13b-team-link-desktop');
    await portal.getByRole('button', { name: 'Send sign-in code' }).click();
    await visible(portal.getByRole('heading', { level: 1, name: 'Check your email' }));
    expect(await portal.getByTestId('code-sent-to').innerText()).toContain('j•••@globex.example.com');
    await screenshot(portal, 'portal-14-team-link-code-mobile');
  });

  step('says so after five wrong codes', async () => {
    const input = portal.getByLabel('Sign-in code');
    for (const wrong of ['ZZZZZZZ', 'ZZZZZZY', 'ZZZZZZX', 'ZZZZZZW', 'ZZZZZZV']) {
      await input.fill(wrong);
      await expect
        .poll(
          async () => (await portal.getByText("That code didn't work").count()) + (await portal.getByText('Too many wrong tries').count()),
        )
        .toBe(1);
    }
    await visible(portal.getByText('Too many wrong tries'));
    expect(await portal.getByLabel('Sign-in code').count()).toBe(0);
    await screenshot(portal, 'portal-15-too-many-wrong-codes-mobile');
  });

  step('tells how long to wait when rate limited (Retry-After)', async () => {
    // someone asked for codes for this address again and again (5 per 15 minutes are allowed)
    for (let i = 0; i < 4; i++) {
      const res = await portal.request.post(url(`/portal/api/${teamSlug}/login/start`), { data: { email: contact.email } });
      expect(res.status()).toBe(200);
    }
    await portal.getByRole('button', { name: 'Send a new code' }).click();
    const alert = portal.getByRole('alert').filter({ hasText: 'Too many attempts' });
    await visible(alert);
    expect(await portal.getByTestId('retry-countdown').innerText()).toMatch(/You can try again in \d+:\d\d\./);
    expect(await portal.getByRole('button', { name: 'Send a new code' }).isDisabled()).toBe(true);
    await screenshot(portal, 'portal-16-rate-limited-mobile');
  });

  step('shows an expired code as expired', async () => {
    await portal.clock.install();
    await portal.goto(contactLink);
    await portal.getByRole('button', { name: 'Email me a sign-in code' }).click();
    await visible(portal.getByLabel('Sign-in code'));
    await portal.clock.fastForward('10:05');
    await visible(portal.getByText('This code has expired'));
    expect(await portal.getByLabel('Sign-in code').count()).toBe(0);
    await visible(portal.getByRole('button', { name: 'Send a new code' }));
    await screenshot(portal, 'portal-17-code-expired-mobile');
  });

  step('shows a closed portal when the team switches it off', async () => {
    const off = await agent.request.patch(url('/api/v1/settings'), { data: { portalEnabled: false }, headers: { origin: server.baseUrl } });
    expect(off.status()).toBe(200);
    await portal.goto(url(`/portal/${teamSlug}`));
    await visible(portal.getByRole('heading', { level: 1, name: 'The portal is closed' }));
    await screenshot(portal, 'portal-18-portal-disabled-mobile');
    const on = await agent.request.patch(url('/api/v1/settings'), { data: { portalEnabled: true }, headers: { origin: server.baseUrl } });
    expect(on.status()).toBe(200);
    await portal.goto(url(`/portal/${teamSlug}`));
    await visible(portal.getByLabel('Email address'));
  });

  step('a new personal link from "Copy portal link" switches off the old one', async () => {
    await agent.goto(url(`/contacts/${contactId}`));
    await agent.getByRole('button', { name: 'More actions' }).click();
    await agent.getByRole('menuitem', { name: 'Copy portal link' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Copy portal link' });
    await visible(dialog.getByText('switches off the previous one'));
    await dialog.getByRole('button', { name: 'Create and copy link' }).click();
    await visible(dialog.getByText('Link copied to the clipboard'));
    const copied = await agent.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(new RegExp(`/portal/${teamSlug}/c/[^/]+$`));
    expect(copied).not.toBe(contactLink);
    expect(await dialog.getByRole('textbox').inputValue()).toBe(copied);
    await screenshot(agent, 'portal-19-copy-portal-link');
    await dialog.getByRole('button', { name: 'Done' }).click();

    // the old link still opens the page (nobody learns which links exist), but no code is sent for it
    await portal.goto(contactLink);
    await portal.getByRole('button', { name: 'Email me a sign-in code' }).click();
    await visible(portal.getByText('Your personal link may have been replaced by a newer invitation or switched off'));
    await screenshot(portal, 'portal-20-old-link-code-step-mobile');
  });

  step('the directory row menu offers the portal link, the invitation only to an unverified contact, and says why not', async () => {
    const headers = { origin: server.baseUrl };
    const newcomer = { firstName: 'Noor', lastName: `Haddad ${tag}`, primaryEmail: `noor.${tag}@example.com` };
    expect((await agent.request.post(url('/api/v1/contacts'), { data: newcomer, headers })).status()).toBe(201);
    const rowMenu = async (name: string) => {
      await agent.goto(url(`/contacts?q=${encodeURIComponent(tag)}`));
      await agent.getByRole('button', { name: `Actions for ${name}` }).click();
      return agent.getByRole('menu');
    };
    const items = async (menu: ReturnType<Page['getByRole']>) =>
      (await menu.getByRole('menuitem').allTextContents()).map((t) => t.replace(/(link|invitation)(The|Needs).*/, '$1'));

    // signed in once (verified): no invitation to send, the personal link is there
    let menu = await rowMenu(fullName);
    expect(await items(menu)).toEqual(['View', 'Edit', 'Copy primary email', 'Copy portal link', 'Delete']);
    await screenshot(agent, 'portal-21-row-menu-verified');
    await agent.keyboard.press('Escape');

    // never signed in: "Send portal invitation" too
    const newcomerName = `${newcomer.firstName} ${newcomer.lastName}`;
    menu = await rowMenu(newcomerName);
    expect(await items(menu)).toEqual(['View', 'Edit', 'Copy primary email', 'Copy portal link', 'Send portal invitation', 'Delete']);
    await screenshot(agent, 'portal-22-row-menu-unverified');
    await agent.keyboard.press('Escape');

    // with the team portal off no link is made, and the menu says why
    expect((await agent.request.patch(url('/api/v1/settings'), { data: { portalEnabled: false }, headers })).status()).toBe(200);
    menu = await rowMenu(newcomerName);
    const linkItem = menu.getByRole('menuitem', { name: /Copy portal link/ });
    expect(await linkItem.isDisabled()).toBe(true);
    expect(await linkItem.textContent()).toContain('The team portal is switched off');
    await screenshot(agent, 'portal-23-row-menu-portal-off');
    await agent.keyboard.press('Escape');
    expect((await agent.request.patch(url('/api/v1/settings'), { data: { portalEnabled: true }, headers })).status()).toBe(200);
  });

  step('is installable: manifest, icons and a service worker that never caches the API', async () => {
    const manifest = await portal.evaluate(async () => {
      const href = document.querySelector('link[rel=manifest]')!.getAttribute('href')!;
      return (await fetch(href)).json();
    });
    expect(manifest).toMatchObject({ scope: '/portal/', display: 'standalone' });
    const sizes = (manifest.icons as { sizes: string }[]).map((i) => i.sizes);
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons as { src: string }[]) expect((await portal.request.get(url(icon.src))).status()).toBe(200);

    const sw = await portal.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      const names = await caches.keys();
      const cached: string[] = [];
      for (const n of names) for (const r of await (await caches.open(n)).keys()) cached.push(new URL(r.url).pathname);
      return { scope: new URL(reg.scope).pathname, cached };
    });
    expect(sw.scope).toBe('/portal/');
    expect(sw.cached).toContain('/portal/');
    expect(sw.cached.some((p) => p.startsWith('/assets/portal-'))).toBe(true);
    expect(sw.cached.filter((p) => p.startsWith('/api/') || p.startsWith('/portal/api/'))).toEqual([]);
    // the agent app is not part of the portal's shell
    expect(sw.cached.some((p) => p.startsWith('/assets/app-'))).toBe(false);
  });
});
