// npm run bench:import-hostile — 16 teams at once preview and import the two hostile XLSX files of
// test/hostile-files.ts (a ~5.6 MB shared-string bomb that unpacks to 1 GB; 20,000 rows with a cell in
// column XFD) against `kdesk serve` (2 web workers and its job worker), while a bystander team keeps asking
// for /api/health and its contacts. Prints how each request and import ended, and the server's peak RSS.
// BENCH_SERVER_DIR runs the server of another checkout (to measure older code); BENCH_SERVER_NODE_OPTIONS
// sets its NODE_OPTIONS (e.g. --max-old-space-size=512 to keep older code from taking the machine's memory).
// Last line: {teams, seconds, peak_rss_mb, peak_process_rss_mb, failed_checks, previews, imports}.
import { createTeams, hostileFiles, runHostileBurst } from './hostile-run.ts';
import { log, setupDatabase, startServer, type Server } from './import-support.ts';

const TEAMS = Number(process.env.BENCH_TEAMS ?? 16);

async function main() {
  const files = await hostileFiles();
  const bench = await setupDatabase();
  let server: Server | null = null;
  try {
    const teams = await createTeams(bench.url, TEAMS);
    server = await startServer(
      bench.url,
      { KDESK_WEB_WORKERS: process.env.BENCH_WEB_WORKERS ?? '2', KDESK_JOB_LEASE_SECONDS: '2', LOG_LEVEL: 'warn' },
      process.env.BENCH_SERVER_DIR ?? process.cwd(),
    );
    log(`server started; ${TEAMS} teams preview and import at once`);
    const r = await runHostileBurst({ server, files, teams, bystander: { token: bench.token } });
    const count = (xs: { status: number; final?: { status: string } }[]) => {
      const out: Record<string, number> = {};
      for (const x of xs) {
        const k = x.final ? `${x.status}:${x.final.status}` : String(x.status);
        out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    for (const p of r.previews) log(`preview ${p.file}: ${p.status} ${p.message ?? ''}`);
    for (const i of r.imports)
      log(`import ${i.file}: ${i.status} ${i.final ? `${i.final.status} ${i.final.error ?? ''}` : (i.message ?? '')}`);
    if (r.failedChecks.length) log(`bystander requests that failed: ${r.failedChecks.slice(0, 10).join('; ')}`);
    const restarts = (server.stderr().match(/web worker \d+ exited/g) ?? []).length;
    const jobRestarts = (server.stderr().match(/job worker \d+ exited/g) ?? []).length;
    console.log(
      JSON.stringify({
        teams: TEAMS,
        seconds: r.seconds,
        peak_rss_mb: r.peakTreeRssMb,
        peak_process_rss_mb: r.peakProcessRssMb,
        checks: r.checks,
        failed_checks: r.failedChecks.length,
        web_worker_restarts: restarts,
        job_worker_restarts: jobRestarts,
        server_alive: server.proc.exitCode === null && server.proc.signalCode === null,
        previews: count(r.previews),
        imports: count(r.imports),
      }),
    );
  } finally {
    await server?.stop();
    await bench.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
