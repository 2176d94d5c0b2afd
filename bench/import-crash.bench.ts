// npm run bench:import-crash — kills the server (SIGKILL) at random moments during a 200,000-row import,
// 10 times, and after each kill checks the database: no duplicate contact, no half-written row, and the
// import's counters equal to what is in the tables. Then lets the import finish and checks again.
// Scale with BENCH_ROWS / BENCH_KILLS. Last line: {runs, duplicates, partial_rows, count_mismatches}.
import path from 'node:path';
import pg from 'pg';
import { getJson, log, seedContacts, setupDatabase, startServer, uploadImport, writeBenchCsv, type Server } from './import-support.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const KILLS = Number(process.env.BENCH_KILLS ?? 10);
const EXISTING = Math.ceil(ROWS / 2);
const LEASE_S = 3;

interface Check {
  duplicates: number;
  partial: number;
  mismatches: string[];
  imp: Record<string, number | string | null>;
}

async function check(client: pg.Client, teamId: string, importId: string): Promise<Check> {
  const q = async (text: string, values: unknown[] = []) => (await client.query<{ n: number }>(text, values)).rows[0]!.n;
  const imp = (
    await client.query('SELECT status, processed, created, updated, unchanged, failed, checkpoint_row FROM imports WHERE id = $1', [
      importId,
    ])
  ).rows[0] as Check['imp'];
  const duplicates = await q(
    `SELECT count(*)::int AS n FROM (SELECT primary_email FROM contacts WHERE team_id = $1 AND deleted_at IS NULL GROUP BY 1 HAVING count(*) > 1) d`,
    [teamId],
  );
  // an updated contact has both changed fields and version 2; a created one every field of its row
  const partial =
    (await q(
      `SELECT count(*)::int AS n FROM contacts WHERE team_id = $1 AND version > 1
         AND (job_title IS DISTINCT FROM 'Lead engineer' OR notes NOT LIKE 'Updated note 1 %')`,
      [teamId],
    )) +
    (await q(
      `SELECT count(*)::int AS n FROM contacts WHERE team_id = $1 AND version = 1
         AND (job_title = 'Lead engineer' OR notes LIKE 'Updated note%')`,
      [teamId],
    )) +
    (await q(
      `SELECT count(*)::int AS n FROM contacts WHERE team_id = $1
         AND (search_text = '' OR cardinality(phones_e164) = 0 OR primary_email IS NULL OR city IS NULL OR notes IS NULL)`,
      [teamId],
    ));
  const createdInDb = (await q('SELECT count(*)::int AS n FROM contacts WHERE team_id = $1', [teamId])) - EXISTING;
  const updatedInDb = await q('SELECT count(*)::int AS n FROM contacts WHERE team_id = $1 AND version > 1', [teamId]);
  const audits = await q(`SELECT count(*)::int AS n FROM audit_log WHERE team_id = $1 AND entity_type = 'contact'`, [teamId]);
  const outcomesFailed = await q(`SELECT count(*)::int AS n FROM import_rows WHERE import_id = $1 AND action = 'fail'`, [importId]);
  const mismatches: string[] = [];
  const n = (k: string) => Number(imp[k]);
  if (n('created') !== createdInDb) mismatches.push(`created ${n('created')} vs ${createdInDb} in the table`);
  if (n('updated') !== updatedInDb) mismatches.push(`updated ${n('updated')} vs ${updatedInDb} in the table`);
  if (n('created') + n('updated') !== audits) mismatches.push(`created+updated ${n('created') + n('updated')} vs ${audits} audit entries`);
  if (n('processed') !== n('created') + n('updated') + n('unchanged') + n('failed'))
    mismatches.push('processed is not the sum of the outcomes');
  if (n('failed') !== outcomesFailed) mismatches.push(`failed ${n('failed')} vs ${outcomesFailed} failed rows kept`);
  if (n('processed') !== Math.max(0, n('checkpoint_row') - 1))
    mismatches.push(`processed ${n('processed')} vs checkpoint row ${n('checkpoint_row')}`);
  return { duplicates, partial, mismatches, imp };
}

async function main() {
  const bench = await setupDatabase();
  let server: Server | null = null;
  const client = new pg.Client({ connectionString: bench.url });
  try {
    const ids = await seedContacts(bench.url, bench.teamId, EXISTING);
    const file = path.join(bench.tmp, 'crash.csv');
    await writeBenchCsv(file, ROWS, ids);
    await client.connect();
    const env = { KDESK_JOB_LEASE_SECONDS: String(LEASE_S) };
    server = await startServer(bench.url, env);
    const res = await uploadImport(server.base, bench.token, file);
    if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
    const id = res.body.id;
    let duplicates = 0;
    let partial = 0;
    let mismatches = 0;
    let kills = 0;
    while (kills < KILLS) {
      // wait until the import runs in this server, then kill it at a random moment
      for (;;) {
        const imp = await getJson(server.base, bench.token, `/api/v1/imports/${id}`);
        if (imp.status !== 'running' && imp.status !== 'queued') break;
        const lease = await client.query('SELECT lease_owner FROM imports WHERE id = $1', [id]);
        if (lease.rows[0]?.lease_owner) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const status = (await client.query('SELECT status FROM imports WHERE id = $1', [id])).rows[0].status;
      if (status !== 'running') {
        log(`the import ended (${status}) before kill ${kills + 1}`);
        break;
      }
      // anywhere in a batch or between batches (a 5,000-row batch takes a few seconds)
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 15_000));
      await server.stop('SIGKILL');
      server = null;
      kills++;
      const c = await check(client, bench.teamId, id);
      duplicates += c.duplicates;
      partial += c.partial;
      mismatches += c.mismatches.length;
      log(
        `kill ${kills}: processed ${c.imp.processed} (created ${c.imp.created}, updated ${c.imp.updated}); duplicates ${c.duplicates}, partial ${c.partial}` +
          (c.mismatches.length ? `, MISMATCH ${c.mismatches.join('; ')}` : ', counts exact'),
      );
      server = await startServer(bench.url, env);
    }
    // let it finish
    for (;;) {
      const imp = await getJson(server!.base, bench.token, `/api/v1/imports/${id}`);
      if (imp.status !== 'running' && imp.status !== 'queued') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await server!.stop();
    server = null;
    const c = await check(client, bench.teamId, id);
    duplicates += c.duplicates;
    partial += c.partial;
    mismatches += c.mismatches.length;
    const final = c.imp;
    if (
      final.status !== 'succeeded' ||
      Number(final.created) !== Math.floor(ROWS / 2) ||
      Number(final.updated) !== Math.ceil(ROWS / 2) ||
      Number(final.failed) !== 0
    ) {
      mismatches++;
      log(`final import is not what the file says: ${JSON.stringify(final)}`);
    }
    log(`final: ${JSON.stringify(final)}`);
    console.log(JSON.stringify({ runs: kills, duplicates, partial_rows: partial, count_mismatches: mismatches }));
  } finally {
    await server?.stop();
    await client.end().catch(() => {});
    await bench.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
