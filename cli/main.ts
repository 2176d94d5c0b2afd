import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { adminCommands } from './commands/admin.ts';
import { demoCommand } from './commands/demo.ts';
import { migrateCommand } from './commands/migrate.ts';
import { serveCommand } from './commands/serve.ts';
import { exportCommand, importCommand } from './commands/transfer.ts';
import { syncCommand } from './commands/sync.ts';

/** The version in kdesk's package.json: one folder up from cli/ (TypeScript) or dist/ (the build), or further up
 *  for a build placed deeper (the production-build test builds into .tmp/<dir>/). */
function kdeskVersion(): string {
  for (const rel of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kdesk' && pkg.version) return pkg.version;
    } catch {
      // not there: look one folder further up
    }
  }
  return 'unknown';
}

const program = new Command()
  .name('kdesk')
  .description('kdesk — help-desk contact directory.\nEvery flag can also be set with the environment variable shown next to it.')
  .version(kdeskVersion(), '-V, --version', 'print the kdesk version')
  .showHelpAfterError();

program.addCommand(serveCommand());
program.addCommand(migrateCommand());
program.addCommand(adminCommands());
program.addCommand(demoCommand());
program.addCommand(importCommand());
program.addCommand(exportCommand());
program.addCommand(syncCommand());
export { Option };

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as { message?: string; details?: { path: string; message: string }[] };
  console.error(`kdesk: ${e.message ?? String(err)}`);
  for (const d of e.details ?? []) console.error(`  ${d.path || '(record)'}: ${d.message}`);
  process.exit(1);
});
