// Refreshes server/companies/free-email-domains.txt from the npm package free-email-domains (its published
// domains.json, without running its postinstall script, which fetches from the network).
//   node scripts/update-free-email-domains.mjs 1.12.6
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const version = process.argv[2];
if (!version) throw new Error('usage: node scripts/update-free-email-domains.mjs <version>');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'fed-'));
const tgz = execFileSync('npm', ['pack', `free-email-domains@${version}`, '--ignore-scripts', '--silent'], {
  cwd: dir,
  encoding: 'utf8',
}).trim();
execFileSync('tar', ['xzf', tgz], { cwd: dir });
const domains = JSON.parse(readFileSync(path.join(dir, 'package', 'domains.json'), 'utf8'));
const header = `# free-email-domains ${version} (npm, MIT, https://github.com/Kikobeats/free-email-domains): personal mail providers`;
writeFileSync(path.join(root, 'server/companies/free-email-domains.txt'), `${header}\n${domains.join('\n')}\n`);
copyFileSync(path.join(dir, 'package', 'LICENSE.md'), path.join(root, 'server/companies/free-email-domains.LICENSE.txt'));
console.log(`${domains.length} domains from free-email-domains@${version}`);
