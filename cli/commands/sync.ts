// `kdesk sync run <connection>` and `kdesk sync run --all`: Contact Sync runs started by an operator on the
// server (the system actor), run here with a progress bar unless a running server's worker took the job
// first (then its progress is followed). Exit code 1 when a run did not succeed.
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { AppError } from '#shared/errors.ts';
import type { SyncRun } from '#shared/sync.ts';
import { createServices, type Services } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import type { Db } from '../../server/db/client.ts';
import { isUuid } from '../../server/db/ids.ts';
import { createTeamsRepo } from '../../server/teams/teams.repo.ts';
import { systemActor, type Actor } from '../../server/auth/actor.ts';
import { createJobRunner } from '../../server/jobs/runner.ts';
import { jobKinds } from '../../server/jobs/handlers.ts';
import { SYNC_RUN_KIND } from '../../server/sync/sync-run.service.ts';
import { etaText } from '../progress.rules.ts';
import { withDatabase } from '../database.ts';

async function resolveTeam(db: Db, services: Services, o: { team?: string; teamOf?: string }): Promise<string> {
  if (o.teamOf) {
    const m = await services.members.findByEmail(o.teamOf);
    if (!m) throw new AppError('NOT_FOUND', `No member with the email ${o.teamOf}`);
    return m.teamId;
  }
  if (o.team) {
    const t = await createTeamsRepo(db).findBySlugOrId(o.team, { isId: isUuid(o.team) });
    if (!t) throw new AppError('NOT_FOUND', `No team with the slug or id ${o.team}`);
    return t.id;
  }
  const teams = await createTeamsRepo(db).firstIds(2);
  if (teams.length !== 1)
    throw new AppError('BAD_REQUEST', 'There are several teams: say which with --team <slug> or --team-of <member email>');
  return teams[0]!;
}

const countsText = (r: SyncRun) => {
  const c = r.counts;
  const would = r.dryRun ? 'would be ' : '';
  return `${c.created} ${would}created, ${c.updated} ${would}updated, ${c.unchanged} unchanged, ${c.deactivated} ${would}deactivated, ${c.conflicts} conflicts, ${c.failed} failed`;
};

/** Runs (or follows) one run with a progress bar of the people read; answers the run as it ended. */
async function runWithProgress(db: Db, services: Services, actor: Actor, run: SyncRun, name: string, estimate: number | null) {
  const bar = new cliProgress.SingleBar(
    {
      format: `${name} |{bar}| {value}/{total} people ({percentage}%) {timeLeft}`,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedAt = Date.now();
  let total = estimate;
  bar.start(total ?? 0, 0, { timeLeft: 'estimating time left…' });
  const show = (r: SyncRun) => {
    // the estimate is the last full run's size: a directory that grew moves the end further
    if (total === null || r.seen > total) {
      total = Math.max(r.seen, total ?? 0);
      bar.setTotal(total);
    }
    bar.update(r.seen, { timeLeft: etaText({ startedAt, startValue: 0, value: r.seen, total, now: Date.now() }) });
  };
  const poll = setInterval(() => {
    void services.syncRuns
      .get(actor, run.id)
      .then(show)
      .catch(() => {});
  }, 500);
  try {
    const runner = createJobRunner({ db, handlers: jobKinds(services), log: (m, e) => console.error(m, e ?? '') });
    // the job id is the run id; null when a server's worker runs it (or ran it): follow it then
    await runner.runOne([SYNC_RUN_KIND], run.id);
    let r = await services.syncRuns.get(actor, run.id);
    while (r.status === 'queued' || r.status === 'running') {
      show(r);
      await new Promise((res) => setTimeout(res, 500));
      r = await services.syncRuns.get(actor, run.id);
    }
    show(r);
    return r;
  } finally {
    clearInterval(poll);
    bar.stop();
  }
}

export function syncCommand() {
  const sync = new Command('sync').description('Contact Sync: read people from a directory into contacts');
  sync.addCommand(
    new Command('run')
      .description('run a connection (by name or id), or every enabled connection with --all; prints the counts')
      .argument('[connection]', 'the connection: its name or id')
      .addOption(new Option('--all', 'run every enabled connection of the team'))
      .addOption(new Option('--full', 'read everyone in scope (finds people who left), not only what changed'))
      .addOption(new Option('--dry-run', 'count what would happen, write nothing'))
      .addOption(new Option('--team <slug>', 'the team (slug or id; default: the only team)').env('KDESK_TEAM'))
      .addOption(new Option('--team-of <email>', 'the team of this member').env('KDESK_TEAM_OF'))
      .action(
        async (connection: string | undefined, o: { all?: boolean; full?: boolean; dryRun?: boolean; team?: string; teamOf?: string }) => {
          if (!connection === !o.all) throw new AppError('BAD_REQUEST', 'Name a connection, or give --all (not both)');
          await withDatabase(async ({ db }) => {
            const services = createServices(db, loadConfig());
            const actor = systemActor(await resolveTeam(db, services, o), 'kdesk CLI');
            let todo: { run: SyncRun; name: string; estimate: number | null }[];
            if (connection) {
              const c = await services.syncRuns.resolveConnection(actor, connection);
              const run = await services.syncRuns.start(actor, c.id, { full: o.full, dryRun: o.dryRun });
              todo = [{ run, name: c.name, estimate: c.lastSeen }];
            } else {
              const { runs } = await services.syncRuns.runAll(actor, { full: o.full, dryRun: o.dryRun });
              if (!runs.length) console.error('No enabled connection to run.');
              todo = [];
              for (const run of runs) {
                const c = await services.syncRuns.resolveConnection(actor, run.connectionId);
                todo.push({ run, name: c.name, estimate: c.lastSeen });
              }
            }
            for (const t of todo) {
              const r = await runWithProgress(db, services, actor, t.run, t.name, t.estimate);
              const head = r.status === 'succeeded' ? (r.dryRun ? 'Dry run done' : 'Synced') : `Run ${r.status}`;
              console.log(`${t.name}: ${head} — ${r.seen} people read: ${countsText(r)}.`);
              if (r.status === 'needs_confirmation') {
                console.log(
                  `  ${r.toDeactivate} people would be deactivated; confirm in the app (Contact Sync, activity) or with the API.`,
                );
              }
              if (r.error) console.error(`  ${r.error}`);
              if (r.status !== 'succeeded') process.exitCode = 1;
            }
          });
        },
      ),
  );
  return sync;
}
