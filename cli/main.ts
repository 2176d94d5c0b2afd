import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { adminCommands } from './commands/admin.ts';
import { demoCommand } from './commands/demo.ts';
import { migrateCommand } from './commands/migrate.ts';
import { serveCommand } from './commands/serve.ts';
import { exportCommand, importCommand } from './commands/transfer.ts';

const program = new Command()
  .name('kdesk')
  .description('kdesk — help-desk contact directory.\nEvery flag can also be set with the environment variable shown next to it.')
  .version(
    (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
    '-V, --version',
    'print the kdesk version',
  )
  .showHelpAfterError();

program.addCommand(serveCommand());
program.addCommand(migrateCommand());
program.addCommand(adminCommands());
program.addCommand(demoCommand());
program.addCommand(importCommand());
program.addCommand(exportCommand());
export { Option };

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as { message?: string; details?: { path: string; message: string }[] };
  console.error(`kdesk: ${e.message ?? String(err)}`);
  for (const d of e.details ?? []) console.error(`  ${d.path || '(record)'}: ${d.message}`);
  process.exit(1);
});
