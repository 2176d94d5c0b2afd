// `npm start` runs this first: it builds the server (dist/) and the web app (web/dist/) when they are missing
// or older than their sources, so `npm install && npm start` works on a fresh clone. Without the dev
// dependencies (`npm ci --omit=dev`) nothing can be built: a missing build stops the start with what to run,
// an outdated one only warns.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const e of readdirSync(p)) t = Math.max(t, newest(path.join(p, e)));
  return t;
}
const builtAt = (file) => (existsSync(file) ? statSync(file).mtimeMs : -1);

const parts = [
  {
    name: 'server',
    out: 'dist/kdesk.js',
    sources: ['server', 'cli', 'shared', 'package.json', 'scripts/build.mjs'],
    tool: 'esbuild',
  },
  { name: 'web', out: 'web/dist/index.html', sources: ['web/src', 'web/index.html', 'shared', 'vite.config.ts'], tool: 'vite' },
];

let missing = [];
for (const part of parts) {
  const at = builtAt(part.out);
  const stale = at < 0 || part.sources.some((s) => newest(s) > at);
  if (!stale) continue;
  if (!existsSync(path.join('node_modules', part.tool, 'package.json'))) {
    if (at < 0) missing.push(part);
    else console.warn(`kdesk: ${part.out} is older than its sources; run \`npm install && npm run build\` to rebuild it.`);
    continue;
  }
  console.log(at < 0 ? `Building the ${part.name} (first start only)...` : `Rebuilding the ${part.name} (its sources changed)...`);
  execFileSync(process.execPath, ['scripts/build.mjs', part.name], { stdio: 'inherit' });
}
if (missing.length) {
  console.error(
    `kdesk: the build is missing (${missing.map((p) => p.out).join(', ')}) and cannot be made here: the build tools are dev dependencies.\n` +
      'Run `npm install && npm run build` (where the dev dependencies are installed), then `npm start`;\n' +
      'a production install (`npm ci --omit=dev`) needs dist/ and web/dist/ from such a build.',
  );
  process.exit(1);
}
