// `npm start` builds the web app once (and again when its sources are newer than the build).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const out = 'web/dist/index.html';
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const sources = ['web/src', 'web/index.html', 'shared', 'vite.config.ts'].filter(existsSync);
const stale =
  !existsSync(out) || sources.some((s) => (statSync(s).isDirectory() ? newest(s) : statSync(s).mtimeMs) > statSync(out).mtimeMs);
if (stale) {
  console.log('Building the web app (first start only)...');
  execSync('npx vite build --logLevel warn', { stdio: 'inherit' });
}
