import { Command, Option } from 'commander';
import { AppError } from '#shared/errors.ts';
import { roleSchema } from '#shared/member.schema.ts';
import { createServices } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { systemActor } from '../../server/auth/actor.ts';
import { createTeamsRepo } from '../../server/teams/teams.repo.ts';
import { randomPassword } from '../../server/auth/secrets.ts';
import { withDatabase } from '../database.ts';

export function adminCommands() {
  const admin = new Command('admin').description('manage teams, members and API tokens');

  admin
    .command('create-team')
    .description('add a team with its owner')
    .addOption(new Option('--name <name>', 'team name').env('KDESK_TEAM_NAME').makeOptionMandatory())
    .addOption(new Option('--owner-email <email>', 'owner email').env('KDESK_OWNER_EMAIL').makeOptionMandatory())
    .addOption(new Option('--owner-password <password>', 'owner password').env('KDESK_OWNER_PASSWORD').makeOptionMandatory())
    .action(async (o: { name: string; ownerEmail: string; ownerPassword: string }) => {
      await withDatabase(async ({ db }) => {
        const { teams } = createServices(db, loadConfig());
        const { team, owner } = await teams.createTeamWithOwner({ name: o.name, ownerEmail: o.ownerEmail, ownerPassword: o.ownerPassword });
        console.log(`Created team "${team.name}" (slug ${team.slug}, id ${team.id}) with owner ${owner.email}.`);
      });
    });

  admin
    .command('create-member')
    .description("add a member to the team of --team-of (an existing member's email) or the only team")
    .addOption(new Option('--email <email>', 'new member email').env('KDESK_MEMBER_EMAIL').makeOptionMandatory())
    .addOption(new Option('--password <password>', 'new member password').env('KDESK_MEMBER_PASSWORD').makeOptionMandatory())
    .addOption(new Option('--name <name>', 'display name').env('KDESK_MEMBER_NAME'))
    .addOption(new Option('--role <role>', 'owner, admin or agent').choices(roleSchema.options).default('agent').env('KDESK_MEMBER_ROLE'))
    .addOption(new Option('--team-of <email>', 'put the member in the team of this member').env('KDESK_TEAM_OF'))
    .addOption(new Option('--no-modify-contacts', 'view contacts only').env('KDESK_MEMBER_NO_MODIFY'))
    .addOption(new Option('--import-contacts', 'allow bulk import').env('KDESK_MEMBER_IMPORT'))
    .addOption(new Option('--no-export-contacts', 'forbid export').env('KDESK_MEMBER_NO_EXPORT'))
    .action(
      async (o: {
        email: string;
        password: string;
        name?: string;
        role: 'owner' | 'admin' | 'agent';
        teamOf?: string;
        modifyContacts: boolean;
        importContacts?: boolean;
        exportContacts: boolean;
      }) => {
        await withDatabase(async ({ db }) => {
          const { members } = createServices(db, loadConfig());
          let teamId: string;
          if (o.teamOf) {
            const ref = await members.findByEmail(o.teamOf);
            if (!ref) throw new AppError('NOT_FOUND', `No member with the email ${o.teamOf}`);
            teamId = ref.teamId;
          } else {
            const teams = await createTeamsRepo(db).firstIds(2);
            if (teams.length !== 1) throw new AppError('BAD_REQUEST', 'There are several teams: say which with --team-of <member email>');
            teamId = teams[0]!;
          }
          const m = await members.create(
            systemActor(teamId),
            {
              email: o.email,
              password: o.password,
              name: o.name ?? null,
              role: o.role,
              permissions: {
                modifyContacts: o.modifyContacts,
                importContacts: Boolean(o.importContacts),
                exportContacts: o.exportContacts,
              },
            },
            teamId,
          );
          console.log(`Created ${m.role} ${m.email} (id ${m.id}).`);
        });
      },
    );

  admin
    .command('reset-password')
    .description("set a member's password (for an owner locked out with no mail set up); their sessions and API tokens end")
    .addOption(new Option('--email <email>', 'member email').env('KDESK_MEMBER_EMAIL').makeOptionMandatory())
    .addOption(new Option('--password <password>', 'the new password (default: a generated one, printed once)').env('KDESK_NEW_PASSWORD'))
    .action(async (o: { email: string; password?: string }) => {
      await withDatabase(async ({ db }) => {
        const { members } = createServices(db, loadConfig());
        const m = await members.findByEmail(o.email);
        if (!m) throw new AppError('NOT_FOUND', `No member with the email ${o.email}`);
        const password = o.password ?? randomPassword();
        await members.update(systemActor(m.teamId), m.id, { password });
        if (o.password) console.log(`Set a new password for ${m.email}; their sessions and API tokens ended.`);
        else console.log(`New password for ${m.email} (shown once; change it on the Account page after signing in): ${password}`);
        if (m.deactivatedAt)
          console.log('Note: this member is deactivated; an owner or admin must reactivate them before they can sign in.');
      });
    });

  admin
    .command('create-token')
    .description('create an API token for a member and print only the token')
    .addOption(new Option('--email <email>', 'member email').env('KDESK_MEMBER_EMAIL').makeOptionMandatory())
    .addOption(new Option('--name <name>', 'token name').default('CLI token').env('KDESK_TOKEN_NAME'))
    .action(async (o: { email: string; name: string }) => {
      await withDatabase(async ({ db }) => {
        const { members, auth } = createServices(db, loadConfig());
        const m = await members.findByEmail(o.email);
        if (!m) throw new AppError('NOT_FOUND', `No member with the email ${o.email}`);
        process.stdout.write(`${await auth.createTokenForMember(m.id, o.name)}\n`);
      });
    });

  return admin;
}
