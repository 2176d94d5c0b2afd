// npm run bench:import — a 1,000,000-row, 20-column CSV into a team that already holds 1,000,000 contacts
// (half the rows update, half create), through the real server: HTTP upload, import, every row validated
// and audited. Also times the floor: the same rows, already normalised, upserted set-based (COPY into a
// staging table + INSERT … ON CONFLICT) into another team seeded alike in the same indexed table
// (`ratio_to_sql`), and a raw COPY of the file into an unindexed staging table (`ratio_to_copy`). Scale with
// BENCH_ROWS / BENCH_EXISTING. Last line: one JSON object; `peak_rss_mb` sums the server's processes (web,
// job worker), `import_process_peak_rss_mb` is the largest of them (the job worker that imports).
import path from 'node:path';
import pg from 'pg';
import {
  BENCH_COLUMNS,
  createBenchTeam,
  getJson,
  log,
  seedContacts,
  setupDatabase,
  startServer,
  timeCopyFrom,
  timeRawUpsert,
  uploadImport,
  writeBenchCsv,
} from './import-support.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const EXISTING = Number(process.env.BENCH_EXISTING ?? 1_000_000);

async function main() {
  const bench = await setupDatabase();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const ids = await seedContacts(bench.url, bench.teamId, EXISTING);
    // the raw upsert's team: the same contacts, so the table and its indexes hold the same rows for both
    const rawTeam = await createBenchTeam(bench.url, 'Raw');
    const rawIds = await seedContacts(bench.url, rawTeam, EXISTING);
    const file = path.join(bench.tmp, 'bench.csv');
    const size = await writeBenchCsv(file, ROWS, ids);
    log(`wrote ${ROWS} rows × ${BENCH_COLUMNS.length} columns (${(size / 1024 ** 2).toFixed(0)} MB)`);
    server = await startServer(bench.url);

    const t0 = performance.now();
    const res = await uploadImport(server.base, bench.token, file);
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    const uploadS = (performance.now() - t0) / 1000;
    log(`uploaded in ${uploadS.toFixed(1)} s`);
    let imp: Record<string, unknown>;
    for (;;) {
      imp = await getJson(server.base, bench.token, `/api/v1/imports/${res.body.id}`);
      if (!['queued', 'running'].includes(imp.status as string)) break;
      log(
        `  ${imp.status} ${imp.processed}/${imp.total ?? '?'}  ${((performance.now() - t0) / 1000).toFixed(0)} s  rss peak ${(await server.peakRssMb()).toFixed(0)} MB`,
      );
      await new Promise((r) => setTimeout(r, 2000));
    }
    const wallS = (performance.now() - t0) / 1000;
    const peak = await server.peakRssMb();
    // the import runs in the job worker (a child process): the largest process is the one that imported
    const processPeak = await server.peakProcessRssMb();
    await server.stop();
    server = null;
    log(
      `import ${imp.status}: created ${imp.created}, updated ${imp.updated}, unchanged ${imp.unchanged}, failed ${imp.failed} in ${wallS.toFixed(1)} s`,
    );
    if (imp.status !== 'succeeded' || imp.failed !== 0 || imp.created !== Math.floor(ROWS / 2) || imp.updated !== Math.ceil(ROWS / 2)) {
      throw new Error(`unexpected result: ${JSON.stringify(imp)}`);
    }
    const client = new pg.Client({ connectionString: bench.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts WHERE team_id = $1', [bench.teamId]);
    await client.end();
    if (rows[0]!.n !== EXISTING + Math.floor(ROWS / 2)) throw new Error(`the team holds ${rows[0]!.n} contacts`);

    const copyS = await timeCopyFrom(bench.url, file, BENCH_COLUMNS.length);
    log(`raw COPY of the same file into an unindexed staging table: ${copyS.toFixed(1)} s`);
    const sqlS = await timeRawUpsert(bench.url, rawTeam, ROWS, rawIds, bench.tmp);
    log(`raw set-based upsert of the same rows, normalised, into the indexed table (COPY + INSERT … ON CONFLICT): ${sqlS.toFixed(1)} s`);
    log(
      `rows/s ${(ROWS / wallS).toFixed(0)}, wall ${wallS.toFixed(1)} s (upload ${uploadS.toFixed(1)} s), peak RSS ${peak.toFixed(0)} MB (largest process ${processPeak.toFixed(0)} MB), ${(wallS / sqlS).toFixed(1)}× SQL, ${(wallS / copyS).toFixed(1)}× COPY`,
    );
    console.log(
      JSON.stringify({
        rows: ROWS,
        existing: EXISTING,
        rows_per_s: Math.round(ROWS / wallS),
        wall_s: +wallS.toFixed(1),
        peak_rss_mb: Math.round(peak),
        import_process_peak_rss_mb: Math.round(processPeak),
        ratio_to_sql: +(wallS / sqlS).toFixed(2),
        ratio_to_copy: +(wallS / copyS).toFixed(1),
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
