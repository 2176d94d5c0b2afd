// npm run bench:export — 1,000,000 contacts to CSV through GET /api/v1/contacts/export.csv (the real
// server, streamed over HTTP), against `COPY (SELECT ... ) TO STDOUT` of the same rows. Scale with
// BENCH_CONTACTS (or BENCH_ROWS). Last line: one JSON object; `peak_rss_mb` sums the server's processes (the
// web process that streams, and the idle job worker), `export_process_peak_rss_mb` is the streaming one.
import http from 'node:http';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { log, seedContacts, setupDatabase, startServer, type Server } from './import-support.ts';
import { statusMb } from './lib/proc.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? process.env.BENCH_ROWS ?? 1_000_000);

function download(base: string, token: string, p: string): Promise<{ status: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(p, base), { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ status: res.statusCode!, bytes, lines }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function main() {
  const bench = await setupDatabase();
  let server: Server | null = null;
  try {
    await seedContacts(bench.url, bench.teamId, CONTACTS);
    server = await startServer(bench.url);
    // what the streaming process holds before the export (startup included in its high-water mark)
    const idleRss = await statusMb(server.proc.pid!, 'VmRSS');
    const idlePeak = await statusMb(server.proc.pid!, 'VmHWM');
    const t0 = performance.now();
    const r = await download(server.base, bench.token, '/api/v1/contacts/export.csv');
    const wallS = (performance.now() - t0) / 1000;
    const peak = await server.peakRssMb();
    // with one web worker the server's own process answers HTTP (the job worker is its child)
    const exportPeak = await statusMb(server.proc.pid!, 'VmHWM');
    await server.stop();
    server = null;
    if (r.status !== 200) throw new Error(`export answered ${r.status}`);
    log(
      `exported ${(r.bytes / 1024 ** 2).toFixed(0)} MB, ${r.lines} lines in ${wallS.toFixed(1)} s, ` +
        `peak RSS ${peak.toFixed(0)} MB (the streaming process ${exportPeak.toFixed(0)} MB; before the export ` +
        `${idleRss.toFixed(0)} MB, ${idlePeak.toFixed(0)} MB at its peak while starting)`,
    );
    if (r.lines < CONTACTS + 1) throw new Error(`only ${r.lines} lines for ${CONTACTS} contacts`);

    const client = new pg.Client({ connectionString: bench.url });
    await client.connect();
    const t1 = performance.now();
    let copyBytes = 0;
    const stream = client.query(
      copyTo(`COPY (SELECT * FROM contacts WHERE team_id = '${bench.teamId}' ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)`),
    );
    for await (const chunk of stream) copyBytes += (chunk as Buffer).length;
    const copyS = (performance.now() - t1) / 1000;
    await client.end();
    log(`COPY ... TO STDOUT of the same rows: ${(copyBytes / 1024 ** 2).toFixed(0)} MB in ${copyS.toFixed(1)} s`);
    console.log(
      JSON.stringify({
        contacts: CONTACTS,
        rows_per_s: Math.round(CONTACTS / wallS),
        wall_s: +wallS.toFixed(1),
        peak_rss_mb: Math.round(peak),
        export_process_peak_rss_mb: Math.round(exportPeak),
        export_process_idle_rss_mb: Math.round(idleRss),
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
