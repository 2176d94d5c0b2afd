// `kdesk serve` / `npm start`: opens the database (embedded unless DATABASE_URL), migrates, bootstraps
// the first team on an empty database, and listens — in KDESK_WEB_WORKERS processes that share the port
// (node:cluster). Every process is stateless, so workers are interchangeable.
import cluster from 'node:cluster';
import { buildApp, createServices } from './app.ts';
import { configWarnings, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/connect.ts';
import { jobHandlers, periodicTasks } from './jobs/handlers.ts';
import { createJobRunner } from './jobs/runner.ts';
import { createImportRunner } from './imports/import-runner.ts';

export async function serve(config: Config = loadConfig()) {
  if (cluster.isWorker) return runWorker(config);

  const log = (line: string) => {
    if (config.logLevel === 'debug' || config.logLevel === 'trace') console.error(`[postgres] ${line}`);
  };
  const database = await openDatabase(config, { log });
  const services = createServices(database.db, config);
  // the server key (KDESK_SECRET_KEY, or generated into the data dir) is read now: a bad value stops the start
  services.keyring.check();
  for (const w of configWarnings(config)) console.warn(`Warning: ${w}`);
  const boot = await services.teams.bootstrap(config);
  if (boot) {
    console.log(`\nCreated team "${boot.team.name}" with owner ${boot.owner.email}.`);
    if (boot.generatedPassword) console.log(`Owner password (shown once, change it after signing in): ${boot.generatedPassword}\n`);
  }

  let closing = false;
  const ready = () => {
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const where = config.publicUrl ?? `http://${shownHost}:${config.port}`;
    console.log(
      `kdesk is ready at ${where} (${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}, ${config.webWorkers} web worker${config.webWorkers > 1 ? 's' : ''})`,
    );
  };

  // Background jobs (bulk actions, imports, mail, trash purge) run in this process; any number of
  // instances may run them, the jobs table hands each job to one of them.
  const runner = config.services.includes('worker')
    ? createJobRunner({ db: database.db, handlers: jobHandlers(services), periodic: periodicTasks(services) })
    : null;
  runner?.start();
  // Imports hold their own lease on the import row (one import per team, resumed from its checkpoint).
  const importRunner = config.services.includes('worker')
    ? createImportRunner({ db: database.db, teams: services.teams, config: config.imports, log: (err) => console.error('[imports]', err) })
    : null;
  importRunner?.start();

  if (!config.services.includes('web')) {
    console.log(`kdesk worker is running (${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'})`);
    const stop = async () => {
      await runner?.stop();
      await importRunner?.stop();
      await database.close().catch(() => {});
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    return;
  }

  if (config.webWorkers <= 1) {
    const app = await buildApp({ db: database.db, config, logger: { level: config.logLevel }, services });
    const shutdown = async () => {
      if (closing) return;
      closing = true;
      await app.close().catch(() => {});
      await runner?.stop();
      await importRunner?.stop();
      await database.close().catch(() => {});
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
    await app.listen({ port: config.port, host: config.host });
    ready();
    return;
  }

  // Primary: owns the embedded database and runs the jobs; web workers connect to it by URL and serve HTTP.
  cluster.setupPrimary({ execArgv: process.execArgv, args: process.argv.slice(2) });
  const env = { KDESK_WORKER_DATABASE_URL: database.url };
  let listening = 0;
  const fork = () => {
    const w = cluster.fork(env);
    w.once('listening', () => ++listening === config.webWorkers && ready());
  };
  for (let i = 0; i < config.webWorkers; i++) fork();
  cluster.on('exit', (w, code, signal) => {
    if (closing) return;
    console.error(`web worker ${w.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    const workers = Object.values(cluster.workers ?? {});
    await Promise.all(
      workers.map(
        (w) => new Promise<void>((resolve) => (w!.isDead() ? resolve() : (w!.once('exit', () => resolve()), w!.process.kill('SIGTERM')))),
      ),
    );
    await runner?.stop();
    await importRunner?.stop();
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

async function runWorker(config: Config) {
  const { createDb } = await import('./db/client.ts');
  const db = createDb(process.env.KDESK_WORKER_DATABASE_URL!, { max: config.dbPoolSize, prepare: config.dbPrepare });
  const app = await buildApp({ db, config, logger: { level: config.logLevel } });
  const shutdown = async () => {
    await app.close().catch(() => {});
    await db.destroy().catch(() => {});
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => {}); // the primary decides when workers stop
  await app.listen({ port: config.port, host: config.host });
}
