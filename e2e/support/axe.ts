// axe-core (WCAG 2.0/2.1/2.2 A and AA rules) run inside the page a journey is on: a serious or critical
// violation fails the step, naming the rule, the elements and axe's own explanation of what to fix.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { AxeResults, Result } from 'axe-core';

const require = createRequire(import.meta.url);
let axeSource: string | undefined;
const source = () => (axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));

const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const failingImpacts = new Set(['serious', 'critical']);

/** The page's serious and critical violations of the WCAG A/AA rules (all of them, not only the first). */
export async function accessibilityViolations(page: Page): Promise<Result[]> {
  // let transitions (menus, modals, notifications, a page fading in) settle: axe reads the colours as painted.
  // A finite animation still running is waited for (up to 3 s); endless ones (spinners) are not.
  await page.waitForTimeout(100);
  await page
    .waitForFunction(
      () => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
      undefined,
      { timeout: 3000, polling: 50 },
    )
    .catch(() => {});
  await page.waitForTimeout(50);
  const loaded = await page.evaluate(() => typeof (window as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ content: source() });
  const results = await page.evaluate(
    (runOnly) =>
      (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResults> } }).axe.run(document, {
        runOnly: { type: 'tag', values: runOnly },
        // experimental in axe, but WCAG 2.5.3: a control's accessible name contains the text it shows
        rules: { 'label-content-name-mismatch': { enabled: true } },
        resultTypes: ['violations'],
      }),
    tags,
  );
  return results.violations.filter((v) => failingImpacts.has(v.impact ?? ''));
}

/** A readable report of violations: rule, impact, help, then each element's selector and axe's summary. */
export function describeViolations(violations: Result[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 8)
        .map((n) => `    ${n.target.join(' ')} ${n.html.slice(0, 200)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
        .join('\n');
      const more = v.nodes.length > 8 ? `\n    … and ${v.nodes.length - 8} more` : '';
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'})\n${nodes}${more}`;
    })
    .join('\n');
}

/** Fails when axe finds a serious or critical WCAG A/AA violation on the page as it is now; `name` says which screen. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const violations = await accessibilityViolations(page);
  if (violations.length > 0) {
    throw new Error(`Accessibility violations on "${name}" (${page.url()}):\n${describeViolations(violations)}`);
  }
}
