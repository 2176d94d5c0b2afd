// npm run bench:rescan — linking existing contacts to a company when a domain is added: BENCH_RESCAN
// (100,000 by default) contacts at the domain among BENCH_CONTACTS (200,000) of the team. The re-scan
// runs as the `companies.rescan` engine job (one UPDATE of RESCAN_BATCH contacts per transaction, with
// their history rows), timed from the request to the job's end. Uses DATABASE_URL's server when set (a
// fresh database), otherwise an embedded PostgreSQL. Last line: one JSON object with `rescan_100k_s`.
import pg from 'pg';
import { createServices } from '../server/app.ts';
import { createDb } from '../server/db/client.ts';
import { jobHandlers } from '../server/jobs/handlers.ts';
import { createJobRunner } from '../server/jobs/runner.ts';
import { systemActor } from '../server/auth/actor.ts';
import { log, seedContacts, setupDatabase } from './import-support.ts';
import { loadAvgLine } from './lib/proc.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 200_000);
const RESCAN = Number(process.env.BENCH_RESCAN ?? 100_000);

async function main() {
  const bench = await setupDatabase();
  const { url, teamId } = bench;
  try {
    const ids = await seedContacts(url, teamId, CONTACTS);
    // move RESCAN of them to one domain (the seed spreads contacts over 997 domains)
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`UPDATE contacts SET primary_email = 'r' || id || '@rescan.example.com' WHERE id = ANY($1::uuid[])`, [
      ids.slice(0, RESCAN),
    ]);
    await client.query('VACUUM ANALYZE contacts');
    await client.end();

    const db = createDb(url);
    const services = createServices(db, { sessionTtlHours: 24 });
    const actor = systemActor(teamId, 'bench');
    const company = await services.companies.create(actor, { name: 'Rescan Inc.', domains: [], notes: null });
    await services.companies.update(actor, company.id, { domains: ['rescan.example.com'] });
    const runner = createJobRunner({ db, handlers: jobHandlers(services), maxAttempts: 1, log: () => {} });

    const t0 = performance.now();
    const r = await services.companies.rescan(actor, company.id);
    if (!('jobId' in r)) throw new Error(`expected a job, got ${JSON.stringify(r)}`);
    await runner.runUntilIdle();
    const seconds = (performance.now() - t0) / 1000;
    const job = await services.jobs.get(actor, r.jobId);
    const linked = (await services.companies.get(actor, company.id)).contactCount;
    if (job.status !== 'succeeded' || linked !== RESCAN) throw new Error(`job ${job.status}, ${linked} linked of ${RESCAN}: ${job.error}`);
    log(`re-scan linked ${linked} of ${CONTACTS} contacts in ${seconds.toFixed(2)} s (load ${loadAvgLine()})`);
    await db.destroy();
    // the floor on this machine now: the same rows changed by one bare UPDATE (no batches, no history rows)
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    await raw.query(`UPDATE contacts SET company_id = NULL WHERE team_id = $1 AND company_id IS NOT NULL`, [teamId]);
    await raw.query('VACUUM ANALYZE contacts');
    const t1 = performance.now();
    const u = await raw.query(
      `UPDATE contacts SET company_id = $2, version = version + 1, updated_at = now()
       WHERE team_id = $1 AND deleted_at IS NULL AND company_id IS NULL AND split_part(primary_email, '@', 2) = 'rescan.example.com'`,
      [teamId, company.id],
    );
    const rawSeconds = (performance.now() - t1) / 1000;
    await raw.end();
    log(`one bare UPDATE of the same ${u.rowCount} rows: ${rawSeconds.toFixed(2)} s (load ${loadAvgLine()})`);
    const per100k = (x: number) => Math.round(x * (100_000 / RESCAN) * 100) / 100;
    console.log(JSON.stringify({ contacts: CONTACTS, linked, rescan_100k_s: per100k(seconds), bare_update_100k_s: per100k(rawSeconds) }));
  } finally {
    await bench.cleanup();
  }
}

await main();
