// Debian Chromium driven by playwright-core (no browser downloads here), plus small helpers for
// finding elements by role and label and for saving screenshots under e2e/artifacts/.
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expectAccessible } from './axe.ts';
import { repoRoot } from './kdesk-server.ts';

export const artifactsDir = path.join(repoRoot, 'e2e', 'artifacts');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Saves e2e/artifacts/<name>.png; toasts are hidden unless asked for, so they never cover the page.
 * Every screen a journey pictures is also checked with axe (`expectAccessible`), toasts included:
 * a serious or critical WCAG A/AA violation fails the step (`axe: false` only for failure pictures).
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean; withToasts?: boolean; axe?: boolean } = {}) {
  await mkdir(artifactsDir, { recursive: true });
  // let transitions (menus, notifications) settle so the picture shows the resting state
  await page.waitForTimeout(350);
  if (opts.axe !== false) await expectAccessible(page, name);
  await page.screenshot({
    path: path.join(artifactsDir, `${name}.png`),
    fullPage: opts.fullPage ?? false,
    animations: 'disabled',
    style: opts.withToasts ? undefined : '.mantine-Notifications-root { display: none !important; }',
  });
}

export const visible = (l: Locator, timeout?: number) => l.waitFor({ state: 'visible', timeout });
export const gone = (l: Locator, timeout?: number) => l.waitFor({ state: 'detached', timeout });

/** Removes failure screenshots of earlier runs, so the folder shows this run only. */
export async function clearFailureScreenshots() {
  const files = await readdir(artifactsDir).catch(() => [] as string[]);
  await Promise.all(files.filter((f) => f.startsWith('failure-')).map((f) => rm(path.join(artifactsDir, f), { force: true })));
}
