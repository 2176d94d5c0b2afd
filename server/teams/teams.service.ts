import { sql } from 'kysely';
import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import { limits } from '#shared/limits.ts';
import { defaultTeamSettings, type TeamSettings, type TeamSettingsPatch } from '#shared/settings.schema.ts';
import { isSupportedCountry } from 'libphonenumber-js';
import type { Db, Executor } from '../db/client.ts';
import { uuidv7 } from '../db/ids.ts';
import { hashPassword, randomPassword } from '../auth/secrets.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import { createMembersRepo } from '../members/members.repo.ts';
import { defaultPermissions } from '../members/members.rules.ts';
import { createAuditRepo } from '../audit/audit.repo.ts';
import { passwordProblem } from '../auth/password.rules.ts';
import { createTeamsRepo } from './teams.repo.ts';
import { applySettingsPatch, readSettings, slugify } from './teams.rules.ts';

export function createTeamsService(deps: {
  db: Db;
  /** The team switched its portal off: contact sessions end in the same transaction. */
  onPortalDisabled?: (teamId: string, tx: Executor) => Promise<unknown>;
}) {
  const { db } = deps;
  const teams = createTeamsRepo(db);
  const members = createMembersRepo(db);
  const audit = createAuditRepo(db);

  async function uniqueSlug(name: string, tx: Executor): Promise<string> {
    const base = slugify(name);
    const taken = await teams.slugsLike(base, tx);
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  async function createTeamWithOwner(
    input: { name: string; ownerEmail: string; ownerPassword: string; ownerName?: string | null },
    tx?: Executor,
  ) {
    const details = [];
    const name = input.name.trim();
    if (!name || name.length > limits.nameMax) details.push({ path: 'name', message: 'A team needs a name of 1 to 200 characters' });
    const email = normalizeEmail(input.ownerEmail);
    if (!email.ok) details.push({ path: 'ownerEmail', message: email.message });
    const weak = passwordProblem(input.ownerPassword, email.ok ? email.email : input.ownerEmail);
    if (weak) details.push({ path: 'ownerPassword', message: weak });
    if (details.length || !email.ok) throw new AppError('VALIDATION', 'Invalid team', details);
    const passwordHash = await hashPassword(input.ownerPassword);
    const run = async (t: Executor) => {
      if (await members.findByEmail(email.email, t)) {
        throw new AppError('CONFLICT', `A member with the email ${email.email} already exists`, [
          { path: 'ownerEmail', message: 'Member emails are unique across the deployment' },
        ]);
      }
      const team = await teams.insert(
        { id: uuidv7(), name, slug: await uniqueSlug(name, t), settings: JSON.stringify(defaultTeamSettings) },
        t,
      );
      const owner = await members.insert(
        {
          id: uuidv7(),
          teamId: team.id,
          email: email.email,
          name: input.ownerName ?? null,
          passwordHash,
          role: 'owner',
          ...defaultPermissions('owner'),
        },
        t,
      );
      return { team, owner };
    };
    return tx ? run(tx) : db.transaction().execute(run);
  }

  return {
    createTeamWithOwner,

    /** First start of an empty database: one team and its owner. Returns the generated password, if any. */
    async bootstrap(config: { teamName: string; adminEmail: string | null; adminPassword: string | null }) {
      return db.transaction().execute(async (tx) => {
        await teams.lockBootstrap(tx);
        if ((await teams.count(tx)) > 0) return null;
        const password = config.adminPassword ?? randomPassword();
        const { team, owner } = await createTeamWithOwner(
          { name: config.teamName, ownerEmail: config.adminEmail ?? 'admin@kdesk.local', ownerPassword: password, ownerName: 'Owner' },
          tx,
        );
        return { team, owner, generatedPassword: config.adminPassword ? null : password };
      });
    },

    /** A member signed in at `origin`: links in mail written for the team's contacts may point there. */
    async rememberMemberOrigin(teamId: string, origin: string) {
      await teams.rememberMemberOrigin(teamId, origin);
    },
    async getTeam(teamId: string) {
      const team = await teams.findById(teamId);
      if (!team) throw new AppError('NOT_FOUND', 'Team not found');
      return team;
    },

    async getSettings(teamId: string): Promise<TeamSettings> {
      const team = await teams.findById(teamId);
      return readSettings(team?.settings);
    },

    async updateSettings(actor: Actor, patch: TeamSettingsPatch): Promise<TeamSettings> {
      requireTeamManager(actor);
      if (patch.defaultPhoneRegion && !isSupportedCountry(patch.defaultPhoneRegion)) {
        throw new AppError('VALIDATION', 'Invalid settings', [
          { path: 'defaultPhoneRegion', message: `${patch.defaultPhoneRegion} is not a country code kdesk knows phone numbers for` },
        ]);
      }
      return db.transaction().execute(async (tx) => {
        await sql`SELECT 1 FROM teams WHERE id = ${actor.teamId} FOR UPDATE`.execute(tx);
        const before = readSettings((await teams.findById(actor.teamId, tx))?.settings);
        const after = applySettingsPatch(before, patch);
        await teams.updateSettings(actor.teamId, JSON.stringify(after), tx);
        if (before.portalEnabled && !after.portalEnabled) await deps.onPortalDisabled?.(actor.teamId, tx);
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        for (const key of Object.keys(after) as (keyof TeamSettings)[]) {
          if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { before: before[key], after: after[key] };
        }
        if (Object.keys(changes).length) {
          await audit.record({ actor, entityType: 'team', entityId: actor.teamId, action: 'settings.update', changes }, tx);
        }
        return after;
      });
    },
  };
}
export type TeamsService = ReturnType<typeof createTeamsService>;
