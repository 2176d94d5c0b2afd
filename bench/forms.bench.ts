// npm run bench:forms — assigning a form to many contacts: BENCH_FORM_CONTACTS (10,000 by default, the most
// one request may name) contacts of one team, a fifth of them made ineligible (inactive or without portal
// access), assigned by id as the `forms.assign` engine job (500 contacts per transaction: eligibility, the
// assignments, their audit rows and the notification mails of the outbox), timed from the request to the
// job's end; then an in-request assignment of 2,000 others to a second form. Uses DATABASE_URL's server when
// set (a fresh database), otherwise an embedded PostgreSQL. Last line: one JSON object.
import pg from 'pg';
import { createServices } from '../server/app.ts';
import { createDb } from '../server/db/client.ts';
import { jobHandlers } from '../server/jobs/handlers.ts';
import { createJobRunner } from '../server/jobs/runner.ts';
import { systemActor } from '../server/auth/actor.ts';
import { ASSIGN_INLINE_MAX } from '../server/forms/forms.service.ts';
import type { AssignJobResult } from '../shared/form.schema.ts';
import { log, seedContacts, setupDatabase } from './import-support.ts';
import { loadAvgLine } from './lib/proc.ts';

const CONTACTS = Number(process.env.BENCH_FORM_CONTACTS ?? 10_000);
const fields = [
  { key: 'size', label: 'Company size', type: 'number' as const, required: true, options: [], help: null },
  { key: 'plan', label: 'Plan', type: 'select' as const, required: true, options: ['Basic', 'Pro'], help: null },
];

async function main() {
  const bench = await setupDatabase();
  const { url, teamId } = bench;
  try {
    const ids = await seedContacts(url, teamId, CONTACTS + ASSIGN_INLINE_MAX);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // every contact eligible and wanting the mail, then a fifth refused: half inactive, half without portal access
    await client.query(`UPDATE contacts SET active = true, portal_access = true, notify_form_assignments = true WHERE team_id = $1`, [
      teamId,
    ]);
    await client.query(`UPDATE contacts SET active = false WHERE id = ANY($1::uuid[])`, [ids.filter((_, i) => i % 10 === 0)]);
    await client.query(`UPDATE contacts SET portal_access = false WHERE id = ANY($1::uuid[])`, [ids.filter((_, i) => i % 10 === 1)]);
    await client.query('VACUUM ANALYZE contacts');
    await client.end();
    const jobIds = ids.slice(0, CONTACTS);
    const inlineIds = ids.slice(CONTACTS);
    const refusedExpected = jobIds.filter((_, i) => i % 10 === 0 || i % 10 === 1).length;

    const db = createDb(url);
    const services = createServices(db, { sessionTtlHours: 24 });
    const actor = systemActor(teamId, 'bench');
    const form = await services.forms.create(actor, { name: 'Bench form', description: null, fields });
    const runner = createJobRunner({ db, handlers: jobHandlers(services), maxAttempts: 1, log: () => {} });

    const t0 = performance.now();
    const r = await services.forms.assign(actor, form.id, { contactIds: jobIds });
    if (!('jobId' in r)) throw new Error(`expected a job, got ${Object.keys(r).join(',')}`);
    await runner.runUntilIdle();
    const jobSeconds = (performance.now() - t0) / 1000;
    const job = await services.jobs.get(actor, r.jobId);
    const result = job.result as AssignJobResult;
    if (job.status !== 'succeeded' || result.assigned !== CONTACTS - refusedExpected || result.refused.length !== refusedExpected)
      throw new Error(`job ${job.status}: ${JSON.stringify({ ...result, refused: result.refused?.length })} ${job.error ?? ''}`);
    log(
      `job: ${result.assigned} assigned, ${result.refused.length} refused, ${result.notified} mails of ${CONTACTS} in ${jobSeconds.toFixed(2)} s (load ${loadAvgLine()})`,
    );

    const second = await services.forms.create(actor, { name: 'Bench form 2', description: null, fields });
    const t1 = performance.now();
    const inline = await services.forms.assign(actor, second.id, { contactIds: inlineIds });
    const inlineSeconds = (performance.now() - t1) / 1000;
    if ('jobId' in inline) throw new Error('expected an answer in the request');
    log(
      `in the request: ${inline.assigned.length} assigned, ${inline.refused.length} refused of ${inlineIds.length} in ${inlineSeconds.toFixed(2)} s (load ${loadAvgLine()})`,
    );
    await db.destroy();
    console.log(
      JSON.stringify({
        contacts: CONTACTS,
        assigned: result.assigned,
        refused: result.refused.length,
        notified: result.notified,
        assign_job_s: Math.round(jobSeconds * 100) / 100,
        assign_inline_2k_s: Math.round(inlineSeconds * 100) / 100,
        load: loadAvgLine().split(' ')[0],
      }),
    );
  } finally {
    await bench.cleanup();
  }
}

await main();
