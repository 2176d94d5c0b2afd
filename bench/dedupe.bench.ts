// npm run bench:dedupe — the duplicate finder and company re-scan at scale. Seeds BENCH_CONTACTS (1,000,000 by
// default) contacts of one team with realistic duplicates: one contact in 40 is a second record of the
// previous person (in turn: their primary email as a labeled email in another case, their phone in another
// format, or their name at the same company); half the people belong to one of 1,000 companies. Measures:
// - first_page_s: the first page (20 groups) of GET /api/v1/contacts/duplicates, computed live;
// - scan_s: the whole scan as the `contacts.duplicate-scan` engine job, from the request to the job's end;
// - rescan_100k_s: linking BENCH_RESCAN (100,000) contacts to a company when its domain is added (the
//   `companies.rescan` job, as in bench/rescan.bench.ts), scaled to 100,000.
// Uses DATABASE_URL's server when set (a fresh database; with BENCH_REUSE=1 one kept for the next run of the
// same size), otherwise an embedded PostgreSQL. Last line: JSON.
import pg from 'pg';
import { createServices } from '../server/app.ts';
import { createDb } from '../server/db/client.ts';
import { uuidv7 } from '../server/db/ids.ts';
import { jobHandlers } from '../server/jobs/handlers.ts';
import { createJobRunner } from '../server/jobs/runner.ts';
import { systemActor } from '../server/auth/actor.ts';
import { emptyContact, type ContactFields } from '../server/contacts/contacts.rules.ts';
import { log, seedContacts, setupDatabase } from './import-support.ts';
import { cpuMsOf, loadAvgLine } from './lib/proc.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const RESCAN = Math.min(Number(process.env.BENCH_RESCAN ?? 100_000), Math.floor(CONTACTS / 4));
const COMPANIES = 1000;
const DUP_EVERY = 40;
const FIRST = ['Ada', 'Bo', 'Chloé', 'Dmitri', 'Eun-ji', 'Fatima', 'Gérard', 'Hana', 'Ivan', 'Jun', 'Kemal', 'Lucía', 'Mateo', 'Nour'];
const LAST = ['Smith', 'Müller', 'García', 'Kim', 'Yılmaz', 'Dubois', 'Rossi', 'Tanaka', 'Nowak', 'Silva', 'Jensen', 'Okafor'];

/** The person a row is a record of: a duplicate row (one in DUP_EVERY) is the previous row's person. */
const personOf = (i: number) => (i % DUP_EVERY === DUP_EVERY - 1 ? i - 1 : i);
const phoneOf = (p: number) => String(2_000_000_000 + p); // unique per person: +1 2xx xxx xxxx
function person(p: number): ContactFields {
  const c = emptyContact();
  c.firstName = FIRST[p % FIRST.length]!;
  c.lastName = `${LAST[(p >> 3) % LAST.length]}-${p.toString(36)}`;
  c.primaryEmail = `p${p}@d${p % 997}.example.com`;
  const d = phoneOf(p);
  c.phones = { mobile: `+1 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}` };
  c.company = `Company ${p % COMPANIES}`;
  return c;
}
function make(i: number): ContactFields {
  const p = personOf(i);
  if (p === i) return person(i);
  // a second record of person p: one kind of likeness in turn, the rest its own
  const own = person(i);
  const of = person(p);
  const kind = Math.floor(i / DUP_EVERY) % 3;
  if (kind === 0) own.emails = { old: of.primaryEmail!.toUpperCase() };
  else if (kind === 1) {
    const d = phoneOf(p);
    own.phones = { work: `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}` };
  } else {
    own.firstName = of.firstName!.toUpperCase();
    own.lastName = of.lastName;
  }
  return own;
}

/**
 * User + system CPU seconds of each client backend of the current database, from /proc (PostgreSQL on this
 * machine, readable by this user); null otherwise. Load-independent, unlike wall time on a shared machine.
 */
async function backendsCpu(client: pg.Client): Promise<Map<number, number> | null> {
  const r = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
  );
  const out = new Map<number, number>();
  for (const { pid } of r.rows) {
    const ms = await cpuMsOf(pid); // utime + stime: clock ticks (USER_HZ = 100) in ms
    if (ms === null) return null;
    out.set(pid, ms / 1000);
  }
  return out;
}

async function main() {
  // BENCH_REUSE=1: the seeded database is kept (named by the size) and used again by the next run with it
  const bench = await setupDatabase(process.env.BENCH_REUSE ? { reuse: `kdesk_bench_dedupe_${CONTACTS}` } : {});
  const { url, teamId } = bench;
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    if (bench.reused) {
      // undo the previous run's re-scan: its company goes, its contacts are unlinked again
      await client.query(
        `UPDATE contacts SET company_id = NULL
         WHERE team_id = $1 AND company_id IN (SELECT id FROM companies WHERE team_id = $1 AND name = 'Rescan Inc.')`,
        [teamId],
      );
      await client.query(`DELETE FROM companies WHERE team_id = $1 AND name = 'Rescan Inc.'`, [teamId]);
    } else {
      const companyIds = Array.from({ length: COMPANIES }, () => uuidv7());
      await client.query(
        `INSERT INTO companies (id, team_id, name, name_key, created_at, updated_at)
         SELECT id, $1, 'Company ' || n, 'company ' || n, now(), now() FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, n)`,
        [teamId, companyIds],
      );
      // half the people belong to a company (the same one for all their records)
      await seedContacts(url, teamId, CONTACTS, {
        make,
        companyOf: (i) => (personOf(i) % 2 ? null : companyIds[personOf(i) % COMPANIES]!),
      });
    }
    await client.query('VACUUM ANALYZE contacts');
    const expectedGroups = Math.floor(CONTACTS / DUP_EVERY);

    const db = createDb(url);
    const services = createServices(db, { sessionTtlHours: 24 });
    const actor = systemActor(teamId, 'bench');
    const runner = createJobRunner({ db, handlers: jobHandlers(services), maxAttempts: 1, log: () => {} });

    const t0 = performance.now();
    const first = await services.merges.duplicates(actor, { limit: 20, source: 'live' });
    const firstPage = (performance.now() - t0) / 1000;
    if (first.items.length < 20) throw new Error(`first page has ${first.items.length} groups`);
    const t0b = performance.now();
    await services.merges.duplicates(actor, { limit: 20, source: 'live', cursor: first.nextCursor ?? undefined });
    const secondPage = (performance.now() - t0b) / 1000;
    log(
      `first page: ${first.items.length} groups in ${firstPage.toFixed(2)} s, next page ${secondPage.toFixed(2)} s (load ${loadAvgLine()})`,
    );

    const t1 = performance.now();
    const { jobId } = await services.merges.startScan(actor);
    await runner.runUntilIdle();
    const scan = (performance.now() - t1) / 1000;
    const job = await services.jobs.get(actor, jobId);
    const groups = (job.result as { groups?: number } | null)?.groups ?? -1;
    if (job.status !== 'succeeded') throw new Error(`scan job ${job.status}: ${job.error}`);
    log(`scan: ${groups} groups (${expectedGroups} seeded) of ${CONTACTS} contacts in ${scan.toFixed(2)} s (load ${loadAvgLine()})`);
    if (groups < expectedGroups) throw new Error(`the scan found ${groups} groups, ${expectedGroups} were seeded`);

    // re-scan: RESCAN unlinked contacts move to one domain, then a company gets that domain (a reused database's
    // contacts are there already: not written again, so each run leaves no more dead row versions than the last)
    await client.query(
      `UPDATE contacts SET primary_email = 'r' || id || '@rescan.example.com'
       WHERE id IN (SELECT id FROM contacts WHERE team_id = $1 AND company_id IS NULL ORDER BY id LIMIT $2)
         AND primary_email IS DISTINCT FROM 'r' || id || '@rescan.example.com'`,
      [teamId, RESCAN],
    );
    await client.query('VACUUM ANALYZE contacts');
    const company = await services.companies.create(actor, { name: 'Rescan Inc.', domains: [], notes: null });
    await services.companies.update(actor, company.id, { domains: ['rescan.example.com'] });
    const cpu0 = await backendsCpu(client);
    const t2 = performance.now();
    const r = await services.companies.rescan(actor, company.id);
    if ('jobId' in r) await runner.runUntilIdle();
    const rescan = (performance.now() - t2) / 1000;
    const cpu1 = await backendsCpu(client);
    // CPU of this database's PostgreSQL backends over the re-scan (null when PostgreSQL is not on this machine)
    const rescanCpu = cpu0 && cpu1 ? [...cpu1].reduce((sum, [pid, s]) => sum + s - (cpu0.get(pid) ?? 0), 0) : null;
    const linked = (await services.companies.get(actor, company.id)).contactCount;
    if (linked !== RESCAN) throw new Error(`${linked} linked of ${RESCAN}`);
    log(
      `re-scan linked ${linked} contacts in ${rescan.toFixed(2)} s, PostgreSQL CPU ${rescanCpu?.toFixed(2) ?? '?'} s (load ${loadAvgLine()})`,
    );
    await db.destroy();
    await client.end();
    const round = (x: number) => Math.round(x * 100) / 100;
    console.log(
      JSON.stringify({
        contacts: CONTACTS,
        groups,
        first_page_s: round(firstPage),
        scan_s: round(scan),
        rescan_100k_s: round(rescan * (100_000 / RESCAN)),
        rescan_100k_pg_cpu_s: rescanCpu === null ? null : round(rescanCpu * (100_000 / RESCAN)),
      }),
    );
  } finally {
    // BENCH_KEEP=1 keeps the database for a look at the plans (its URL is printed)
    if (process.env.BENCH_KEEP) log(`kept ${url}`);
    else await bench.cleanup();
  }
}

await main();
