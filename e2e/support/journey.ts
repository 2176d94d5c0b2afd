// What every browser journey shares: starting its kdesk server, members, browser contexts, signing in
// and out, and the steps: after a failed step, full-page screenshots and every later step skipped; after
// the last one, the browser closed, the server's output printed if a step failed, and the server stopped.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { repoRoot, startKdesk, type KdeskServer, type StartOptions } from './kdesk-server.ts';
import { clearFailureScreenshots, screenshot, visible } from './browser.ts';

export interface Credentials {
  email: string;
  password: string;
}

/**
 * Starts the journey's kdesk server once the app is built (`entry`: the page of web/dist the journey
 * needs), after removing the failure screenshots of earlier runs.
 */
export async function startJourneyServer(opts: StartOptions, entry: 'index.html' | 'portal.html' = 'index.html'): Promise<KdeskServer> {
  if (!existsSync(path.join(repoRoot, 'web', 'dist', entry))) {
    const missing = entry === 'index.html' ? 'web/dist' : `web/dist/${entry}`;
    throw new Error(`${missing} is missing: run \`npm run e2e\` (it builds the app first) or \`npx vite build\`.`);
  }
  await clearFailureScreenshots();
  return startKdesk(opts);
}

/** `kdesk admin create-member` for `who`; `flags` such as `--role agent --no-modify-contacts`. */
export function createMember(server: KdeskServer, who: Credentials & { name: string }, ...flags: string[]) {
  return server.cli(['admin', 'create-member', '--email', who.email, '--password', who.password, '--name', who.name, ...flags]);
}

/** A browser context as a desktop user in the US would have it (`options` change that), with 15 s to wait for elements. */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US', timezoneId: 'UTC', ...options });
  context.setDefaultTimeout(15_000);
  return context;
}

/** Signs `who` in on `page`'s login page and waits for the Contacts page. */
export async function signInAs(page: Page, baseUrl: string, who: Credentials) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/contacts$/);
  await visible(page.getByRole('heading', { level: 1, name: 'Contacts' }));
}

/**
 * Signs a contact in to the team's portal with an emailed code: asks for the code on the portal's sign-in
 * page, reads it from the mail `inbox` gives (the team's outbox), types it and waits for the greeting.
 */
export async function signInToPortalWithCode(
  portal: Page,
  portalUrl: string,
  who: { email: string; firstName: string },
  inbox: () => Promise<{ to: string; subject: string; text: string }[]>,
) {
  await portal.goto(portalUrl);
  await portal.getByLabel('Email address').fill(who.email);
  await portal.getByRole('button', { name: 'Send sign-in code' }).click();
  await visible(portal.getByRole('heading', { level: 1, name: 'Check your email' }));
  let code = '';
  await expect
    .poll(
      async () => {
        const m = (await inbox()).find((x) => x.to === who.email && /sign-in code/.test(x.subject));
        const found = m && /^\s+([2-9A-Z]{3}) ([2-9A-Z]{4})\s*$/m.exec(m.text);
        code = found ? `${found[1]}${found[2]}` : '';
        return code;
      },
      { timeout: 20_000, interval: 500 },
    )
    .not.toBe('');
  await portal.getByLabel('Sign-in code').fill(code);
  await visible(portal.getByRole('heading', { level: 1, name: `Hello, ${who.firstName}` }), 15_000);
}

/** Signs out of `page` from the account menu and waits for the login page. */
export async function signOutOf(page: Page) {
  await page.getByRole('button', { name: /account menu$/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
  await visible(page.getByRole('heading', { name: 'Sign in' }));
}

export interface JourneyParts {
  server: () => KdeskServer | undefined;
  browser: () => Browser | undefined;
  /** The pages to screenshot when a step fails, by file name prefix: `failure-<prefix><step name>.png`. */
  pages: () => Record<string, Page | undefined>;
  /** How much of the step's name the file name keeps. */
  nameLength?: number;
}

/**
 * Registers the after-hooks of a journey (call it inside its `describe`) and returns its `step`: a test
 * that is skipped once an earlier step has failed.
 */
export function journeySteps(parts: JourneyParts) {
  let failed = false;

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    failed = true;
    const name = ctx.task.name.replace(/\W+/g, '-').slice(0, parts.nameLength ?? 60);
    for (const [prefix, page] of Object.entries(parts.pages())) {
      if (page) await screenshot(page, `failure-${prefix}${name}`, { fullPage: true, axe: false }).catch(() => {});
    }
  });

  afterAll(async () => {
    const browser = parts.browser();
    const server = parts.server();
    await browser?.close().catch(() => {});
    if (failed && server) console.error(`--- kdesk server output ---\n${server.output().slice(-5000)}`);
    await server?.stop();
  });

  return (title: string, fn: () => Promise<void>) =>
    it(title, async (ctx) => {
      if (failed) ctx.skip();
      await fn();
    });
}
