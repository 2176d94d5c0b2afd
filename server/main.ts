// `kdesk serve` / `npm start`: opens the database (embedded unless DATABASE_URL), migrates, bootstraps
// the first team on an empty database, and listens.
import { buildApp, createServices } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/connect.ts';

export async function serve(config: Config = loadConfig()) {
  const log = (line: string) => {
    if (config.logLevel === 'debug' || config.logLevel === 'trace') console.error(`[postgres] ${line}`);
  };
  const database = await openDatabase(config, { log });
  const services = createServices(database.db, config);
  const boot = await services.teams.bootstrap(config);
  if (boot) {
    console.log(`\nCreated team "${boot.team.name}" with owner ${boot.owner.email}.`);
    if (boot.generatedPassword) {
      console.log(`Owner password (shown once, change it after signing in): ${boot.generatedPassword}\n`);
    }
  }

  const app = await buildApp({
    db: database.db,
    config,
    logger: { level: config.logLevel, transport: undefined },
  });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  console.log(`kdesk is ready at ${config.publicUrl ?? `http://${shownHost}:${config.port}`} (${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'})`);
  return { app, database };
}
