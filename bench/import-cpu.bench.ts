// npm run bench:import-cpu — where an import's time goes, in one process: the server answers the upload
// (`KDESK_SERVICES=web`, its own process) and this process runs the import itself, so it can be started
// with `node --cpu-prof` (NODE_OPTIONS refuses that flag). Seeds BENCH_EXISTING contacts, writes the same
// BENCH_ROWS-row file as bench:import (half updates by id, half creates), and prints the import's wall
// time, its JavaScript CPU (process.cpuUsage of this process while it runs), and PostgreSQL's CPU over the
// same interval (its database's backends' utime + stime from /proc, when the server runs on this machine).
// KDESK_IMPORT_BATCH_ROWS sets the batch size as it does for the server. Last line: one JSON object.
import path from 'node:path';
import { createDb } from '../server/db/client.ts';
import { createServices } from '../server/app.ts';
import { createImportRunner } from '../server/imports/import-runner.ts';
import { log, seedContacts, setupDatabase, startServer, uploadImport, writeBenchCsv, getJson, BENCH_COLUMNS } from './import-support.ts';
import { cpuMsOf, postgresProcesses } from './lib/proc.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const EXISTING = Number(process.env.BENCH_EXISTING ?? 100_000);

/** CPU seconds (user + system) of the PostgreSQL backends of database `db` on this machine, 0 when none is visible. */
async function postgresCpuS(db: string): Promise<number> {
  let ms = 0;
  for (const p of await postgresProcesses()) if (p.cmdline.includes(` ${db} `)) ms += (await cpuMsOf(p.pid)) ?? 0;
  return ms / 1000;
}

async function main() {
  const bench = await setupDatabase();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  const db = createDb(bench.url);
  try {
    const ids = await seedContacts(bench.url, bench.teamId, EXISTING);
    const file = path.join(bench.tmp, 'bench.csv');
    await writeBenchCsv(file, ROWS, ids);
    log(`wrote ${ROWS} rows × ${BENCH_COLUMNS.length} columns`);
    server = await startServer(bench.url, { KDESK_SERVICES: 'web' });
    const res = await uploadImport(server.base, bench.token, file);
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    const dbName = new URL(bench.url).pathname.slice(1);
    const services = createServices(db, { sessionTtlHours: 24 });
    const config = {
      ...services.importConfig,
      ...(process.env.KDESK_IMPORT_BATCH_ROWS ? { batchRows: Number(process.env.KDESK_IMPORT_BATCH_ROWS) } : {}),
    };
    const runner = createImportRunner({ db, teams: services.teams, jobs: services.jobs, config });
    const pg0 = await postgresCpuS(dbName);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await runner.runImportById(res.body.id);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pgS = (await postgresCpuS(dbName)) - pg0;
    const imp = await getJson(server.base, bench.token, `/api/v1/imports/${res.body.id}`);
    const jsS = (cpu.user + cpu.system) / 1e6;
    log(`import ${imp.status}: created ${imp.created}, updated ${imp.updated}, unchanged ${imp.unchanged}, failed ${imp.failed}`);
    log(
      `wall ${wallS.toFixed(1)} s, JS CPU ${jsS.toFixed(1)} s (${((jsS * 1e6) / ROWS).toFixed(0)} µs/row), PostgreSQL CPU ${pgS.toFixed(1)} s`,
    );
    if (imp.status !== 'succeeded' || imp.failed !== 0) throw new Error(`unexpected result: ${JSON.stringify(imp)}`);
    console.log(
      JSON.stringify({
        rows: ROWS,
        existing: EXISTING,
        wall_s: +wallS.toFixed(1),
        rows_per_s: Math.round(ROWS / wallS),
        js_cpu_us_per_row: Math.round((jsS * 1e6) / ROWS),
        pg_cpu_us_per_row: Math.round((pgS * 1e6) / ROWS),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    await server?.stop();
    await db.destroy();
    await bench.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
