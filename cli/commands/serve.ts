import { Command, Option } from 'commander';
import { loadConfig } from '../../server/config.ts';
import { serve } from '../../server/main.ts';

export function serveCommand() {
  return new Command('serve')
    .description('run the kdesk server (what `npm start` runs)')
    .addOption(new Option('--port <port>', 'port to listen on').env('PORT'))
    .addOption(new Option('--host <host>', 'address to listen on').env('HOST'))
    .action(async (opts: { port?: string; host?: string }) => {
      const config = loadConfig({ ...process.env, ...(opts.port ? { PORT: opts.port } : {}), ...(opts.host ? { HOST: opts.host } : {}) });
      await serve(config);
    });
}
