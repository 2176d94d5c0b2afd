// `kdesk serve` / `npm start`: opens the database (embedded unless DATABASE_URL), migrates, bootstraps
// the first team on an empty database, and listens — in KDESK_WEB_WORKERS processes that share the port
// (node:cluster). Every process is stateless, so workers are interchangeable.
import { fork, type ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import { buildApp, createServices, type Services } from './app.ts';
import { configWarnings, loadConfig, type Config } from './config.ts';
import type { Db } from './db/client.ts';
import { openDatabase } from './db/connect.ts';
import { jobKinds, periodicTasks } from './jobs/handlers.ts';
import { createJobRunner } from './jobs/runner.ts';

/** Set in the environment of the child process that runs the worker role beside the web tier. */
const JOBS_PROCESS = 'KDESK_JOBS_PROCESS';

export async function serve(config: Config = loadConfig()) {
  if (cluster.isWorker) return runWorker(config);
  if (process.env[JOBS_PROCESS]) return runJobsProcess(config);

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
    if (boot.generatedPassword) {
      console.log(`Owner password (shown once): ${boot.generatedPassword}`);
      console.log(
        `Change it on the Account page after signing in, or set one with: npx kdesk admin reset-password --email ${boot.owner.email}\n`,
      );
    }
  }

  let closing = false;
  const ready = () => {
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const where = config.publicUrl ?? `http://${shownHost}:${config.port}`;
    console.log(
      `kdesk is ready at ${where} (${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}, ${config.webWorkers} web worker${config.webWorkers > 1 ? 's' : ''})`,
    );
  };

  // Background jobs (bulk actions, imports, mail, trash purge); any number of instances may run them,
  // the jobs table hands each job to one of them. Beside the web tier they run in a child process with
  // its own heap (KDESK_WORKER_HEAP_MB): a job that exhausts it (a hostile file, a parser bug) ends that
  // child, which is started again, never the web processes nor the embedded database they use.
  const jobsChild =
    config.services.includes('worker') && config.services.includes('web') ? superviseJobsProcess(database.url, config) : null;

  if (!config.services.includes('web')) {
    const background = startBackground(database.db, services, config, database.url);
    console.log(`kdesk worker is running (${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'})`);
    const stop = async () => {
      await background.stop();
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
      await jobsChild?.stop();
      await database.close().catch(() => {});
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
    await app.listen({ port: config.port, host: config.host });
    ready();
    return;
  }

  // Primary: owns the embedded database and supervises; web workers connect to it by URL and serve HTTP.
  cluster.setupPrimary({ execArgv: process.execArgv, args: process.argv.slice(2) });
  const env = { KDESK_WORKER_DATABASE_URL: database.url };
  let listening = 0;
  const forkWeb = () => {
    const w = cluster.fork(env);
    w.once('listening', () => ++listening === config.webWorkers && ready());
  };
  for (let i = 0; i < config.webWorkers; i++) forkWeb();
  cluster.on('exit', (w, code, signal) => {
    if (closing) return;
    console.error(`web worker ${w.process.pid} exited (${signal ?? code}); starting another`);
    forkWeb();
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
    await jobsChild?.stop();
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

/** The job engine of the worker role (jobs, imports, mail, periodic tasks), started. */
function startBackground(db: Db, services: Services, config: Config, databaseUrl: string) {
  const runner = createJobRunner({
    db,
    handlers: jobKinds(services),
    periodic: periodicTasks(services),
    leaseMs: config.imports.leaseSeconds * 1000,
    // woken by NOTIFY when a job is queued; polls slowly while that connection is down
    listenUrl: databaseUrl,
  });
  runner.start();
  return { stop: () => runner.stop() };
}

/**
 * Runs the worker role in a child process (this same command, with a heap limit) and starts another when
 * it exits. A job that ends the child each time is given up after a few lease expiries (the job engine).
 */
function superviseJobsProcess(databaseUrl: string, config: Config) {
  let child: ChildProcess | null = null;
  let closing = false;
  let timer: NodeJS.Timeout | null = null;
  const start = () => {
    timer = null;
    const c = fork(process.argv[1]!, process.argv.slice(2), {
      env: { ...process.env, [JOBS_PROCESS]: '1', KDESK_WORKER_DATABASE_URL: databaseUrl },
      execArgv: [...process.execArgv, `--max-old-space-size=${config.workerHeapMb}`],
    });
    child = c;
    c.once('exit', (code, signal) => {
      child = null;
      if (closing) return;
      console.error(`job worker ${c.pid} exited (${signal ?? code}); starting another`);
      // a pause, so a crash loop costs little until the job is given up
      timer = setTimeout(start, 1000);
    });
  };
  start();
  return {
    async stop() {
      closing = true;
      if (timer) clearTimeout(timer);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
  };
}

async function runJobsProcess(config: Config) {
  const { createDb } = await import('./db/client.ts');
  const db = createDb(process.env.KDESK_WORKER_DATABASE_URL!, { max: config.dbPoolSize, prepare: config.dbPrepare });
  const services = createServices(db, config);
  const background = startBackground(db, services, config, process.env.KDESK_WORKER_DATABASE_URL!);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await background.stop();
    services.mail.close();
    await db.destroy().catch(() => {});
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => {}); // the parent decides when this process stops
  process.once('disconnect', () => void stop()); // the parent is gone
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
