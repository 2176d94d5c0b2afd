#!/usr/bin/env node
// The `kdesk` command. In a checkout with the dev dependencies it runs the TypeScript sources through tsx
// (no build step: what `npm run dev` and the tests run); installed without them (`npm ci --omit=dev`) it
// runs the build, dist/kdesk.js (`npm run build`), which is also what `npm start` runs.
import { existsSync } from 'node:fs';

let tsx = null;
try {
  tsx = await import('tsx/esm/api');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
}
if (tsx) {
  tsx.register();
  await import('../cli/main.ts');
} else {
  const built = new URL('../dist/kdesk.js', import.meta.url);
  if (!existsSync(built)) {
    console.error(
      'kdesk: there is no build to run (dist/kdesk.js) and no TypeScript runner (tsx, a dev dependency).\n' +
        'Build it with the dev dependencies installed: npm install && npm run build',
    );
    process.exit(1);
  }
  await import(built.href);
}
