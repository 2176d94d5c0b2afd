// Renders the portal's PNG icons (web app manifest, apple-touch-icon) from the SVGs in
// web/public/portal/icons/ with Debian Chromium. Run after changing an SVG: node scripts/render-portal-icons.mjs
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const dir = path.resolve('web/public/portal/icons');
const outputs = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192 },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512 },
  { svg: 'icon-maskable.svg', png: 'icon-maskable-512.png', size: 512 },
  // iOS rounds the corners itself: give it the full-bleed square
  { svg: 'icon-maskable.svg', png: 'apple-touch-icon.png', size: 180 },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox'],
});
try {
  const page = await browser.newPage();
  for (const o of outputs) {
    const svg = await readFile(path.join(dir, o.svg), 'utf8');
    await page.setViewportSize({ width: o.size, height: o.size });
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img style="display:block;width:${o.size}px;height:${o.size}px" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body></html>`,
    );
    await page.screenshot({ path: path.join(dir, o.png), omitBackground: true });
    console.log(`${o.png} (${o.size}px)`);
  }
} finally {
  await browser.close();
}
