// `npm run build`: compiles the server and CLI into dist/ (esbuild: one ES module bundle, the packages in
// node_modules left as imports) and the web app into web/dist (Vite). `npm start` runs the result with plain
// Node; the tests and `npm run dev` keep running the TypeScript sources.
//   node scripts/build.mjs            both
//   node scripts/build.mjs server     only dist/
//   node scripts/build.mjs web        only web/dist/
//   --outdir <dir>                    the server build elsewhere (a directory inside the checkout, so that
//                                     its imports find node_modules; the tests build one of their own)
import { execSync } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const at = args.indexOf('--outdir');
const outdir = path.resolve(at >= 0 ? args.splice(at, 2)[1] : path.join(root, 'dist'));
const what = args[0] ?? 'all';
if (!['all', 'server', 'web'].includes(what)) {
  console.error(`usage: node scripts/build.mjs [server|web] (got "${what}")`);
  process.exit(2);
}

if (what !== 'web') {
  const started = performance.now();
  const { build } = await import('esbuild');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: {
      // the `kdesk` command (serve, migrate, admin, demo, import, export)
      kdesk: 'cli/main.ts',
      // the thread that reads the head of an upload (server/imports/head-reader.ts starts it by file name)
      'head-thread': 'server/imports/head-thread.ts',
    },
    outdir,
    bundle: true,
    // dependencies stay imports of node_modules: `npm ci --omit=dev` installs them
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // dynamic imports (the demo generator and its faker, a command's rarely used parts) become chunks
    // loaded only when they run
    splitting: true,
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  // dist/ is an ES module tree whatever the nearest package.json says
  writeFileSync(path.join(outdir, 'package.json'), JSON.stringify({ type: 'module' }) + '\n');
  // files the server reads beside its code (new URL('./…', import.meta.url)): the bundle and its chunks sit in outdir
  for (const f of [
    'server/auth/common-passwords.txt',
    'server/auth/common-passwords.LICENSE.txt',
    'server/companies/free-email-domains.txt',
    'server/companies/free-email-domains.LICENSE.txt',
  ]) {
    copyFileSync(path.join(root, f), path.join(outdir, path.basename(f)));
  }
  console.log(`server: ${path.relative(root, outdir) || '.'}/ built in ${Math.round(performance.now() - started)} ms`);
}

if (what !== 'server') {
  const started = performance.now();
  execSync('npx vite build --logLevel warn', { cwd: root, stdio: 'inherit' });
  console.log(`web: web/dist/ built in ${Math.round(performance.now() - started)} ms`);
}
