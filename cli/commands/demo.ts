import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { AppError } from '#shared/errors.ts';
import { createServices } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { systemActor } from '../../server/auth/actor.ts';
import { createTeamsRepo } from '../../server/teams/teams.repo.ts';
import { withDatabase } from '../database.ts';

export function demoCommand() {
  return new Command('demo')
    .description('fill a team with realistic demo contacts')
    .addOption(new Option('--contacts <n>', 'how many contacts').default('200').env('KDESK_DEMO_CONTACTS'))
    .addOption(new Option('--team-of <email>', 'the team of this member (default: the only team)').env('KDESK_TEAM_OF'))
    .addOption(new Option('--seed <n>', 'random seed').default('42').env('KDESK_DEMO_SEED'))
    .action(async (o: { contacts: string; teamOf?: string; seed: string }) => {
      const total = Number(o.contacts);
      if (!Number.isInteger(total) || total < 1) throw new AppError('VALIDATION', '--contacts must be a positive whole number');
      await withDatabase(async ({ db }) => {
        const services = createServices(db, loadConfig());
        let teamId: string;
        if (o.teamOf) {
          const m = await services.members.findByEmail(o.teamOf);
          if (!m) throw new AppError('NOT_FOUND', `No member with the email ${o.teamOf}`);
          teamId = m.teamId;
        } else {
          const teams = await createTeamsRepo(db).firstIds(2);
          if (teams.length !== 1) throw new AppError('BAD_REQUEST', 'Say which team with --team-of <member email>');
          teamId = teams[0]!;
        }
        // loaded here, not with the CLI: faker's locales weigh ~30 MB that no other command needs
        const { createDemoGenerator } = await import('../../server/contacts/demo-data.ts');
        const next = createDemoGenerator(Number(o.seed));
        const actor = systemActor(teamId, 'kdesk demo');
        const bar = new cliProgress.SingleBar(
          { format: 'demo contacts |{bar}| {value}/{total} ({percentage}%) {eta_formatted} left', noTTYOutput: true, notTTYSchedule: 2000 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
        let created = 0;
        let skipped = 0;
        for (let done = 0; done < total;) {
          const batch = Array.from({ length: Math.min(1000, total - done) }, next);
          const r = await services.contacts.createMany(actor, batch);
          created += r.created;
          skipped += batch.length - r.created;
          done += batch.length;
          bar.update(done);
        }
        bar.stop();
        console.log(`Created ${created} demo contacts${skipped ? ` (${skipped} skipped: their email was already in the team)` : ''}.`);
      });
    });
}
