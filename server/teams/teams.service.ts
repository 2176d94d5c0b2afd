import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import { limits } from '#shared/limits.ts';
import { defaultTeamSettings, type TeamSettings, type TeamSettingsPatch } from '#shared/settings.schema.ts';
import type { Team, TeamPatch } from '#shared/team.schema.ts';
import { isSupportedCountry } from 'libphonenumber-js';
import type { Db, Executor } from '../db/client.ts';
import { uuidv7 } from '../db/ids.ts';
import { hashPassword, randomPassword } from '../auth/secrets.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import type { MembersRepo } from '../members/members.repo.ts';
import { defaultPermissions } from '../members/members.rules.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import { passwordProblem } from '../auth/password.rules.ts';
import { createTeamsRepo } from './teams.repo.ts';
import { applySettingsPatch, readSettings, slugify } from './teams.rules.ts';

function presentTeam(
  t: { id: string; name: string; slug: string; supportEmail: string | null; settings: Record<string, unknown> },
  previousSlugs: string[],
): Team {
  return {
    id: t.id,
    name: t.name,
    slug: t.slug,
    previousSlugs,
    supportEmail: t.supportEmail,
    defaultPhoneRegion: readSettings(t.settings).defaultPhoneRegion,
  };
}

export function createTeamsService(deps: {
  db: Db;
  /** the members feature's repo (handed over by createServices): a team is created with its owner */
  members: Pick<MembersRepo, 'findByEmail' | 'insert'>;
  /** The team switched its portal off: contact sessions end in the same transaction. */
  onPortalDisabled?: (teamId: string, tx: Executor) => Promise<unknown>;
  /** The SSO providers the team configured: a switch for another one is refused. */
  ssoConfigured?: (teamId: string) => Promise<Set<'google' | 'microsoft'>>;
}) {
  const { db } = deps;
  const teams = createTeamsRepo(db);
  const { members } = deps;
  const audit = createAuditWriter(db);

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

    /** A team by its portal slug (404 for an unknown slug). */
    async getTeamBySlug(slug: string) {
      const t = await teams.findBySlug(slug);
      if (!t) throw new AppError('NOT_FOUND', 'No portal at this address');
      return { id: t.id, name: t.name, slug: t.slug, settings: readSettings(t.settings) };
    },

    /** Team settings > General (owners and admins read it). */
    async getGeneral(actor: Actor): Promise<Team> {
      requireTeamManager(actor);
      const t = await teams.findById(actor.teamId);
      if (!t) throw new AppError('NOT_FOUND', 'Team not found');
      return presentTeam(t, await teams.previousSlugs(t.id));
    },

    /**
     * Renames the team, moves its portal address (the old one keeps redirecting, and no other team can
     * take it), sets the support email shown in mails and the default phone region. Owners only.
     */
    async updateGeneral(actor: Actor, patch: TeamPatch): Promise<Team> {
      if (actor.role !== 'owner') throw new AppError('FORBIDDEN', 'Only team owners can change the team name and address.');
      if (patch.defaultPhoneRegion && !isSupportedCountry(patch.defaultPhoneRegion)) {
        throw new AppError('VALIDATION', 'Invalid team', [
          { path: 'defaultPhoneRegion', message: `${patch.defaultPhoneRegion} is not a country code kdesk knows phone numbers for` },
        ]);
      }
      let supportEmail: string | null | undefined = undefined;
      if (patch.supportEmail !== undefined) {
        const n = patch.supportEmail === null ? null : normalizeEmail(patch.supportEmail);
        if (n && !n.ok) throw new AppError('VALIDATION', 'Invalid team', [{ path: 'supportEmail', message: n.message }]);
        supportEmail = n ? n.email : null;
      }
      const updated = await db.transaction().execute(async (tx) => {
        const before = await teams.lockTeam(actor.teamId, tx);
        if (!before) throw new AppError('NOT_FOUND', 'Team not found');
        const slug = patch.slug && patch.slug !== before.slug ? patch.slug : undefined;
        if (slug) {
          const owner = await teams.redirectOwner(slug, tx);
          const current = await teams.findBySlug(slug, tx);
          if (current || (owner && owner !== before.id)) {
            throw new AppError('CONFLICT', `The portal address ${slug} is taken`, [
              { path: 'slug', message: 'Another team uses (or used) this address: choose another' },
            ]);
          }
          // the old address redirects to the new one; taking back an old address of our own ends its redirect
          await teams.addRedirect(before.slug, before.id, tx);
          if (owner === before.id) await teams.deleteRedirect(slug, tx);
        }
        const after = await teams.updateTeam(
          before.id,
          {
            ...(patch.name ? { name: patch.name.trim() } : {}),
            ...(slug ? { slug } : {}),
            ...(supportEmail !== undefined ? { supportEmail } : {}),
          },
          tx,
        );
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        for (const k of ['name', 'slug', 'supportEmail'] as const) {
          if (before[k] !== after[k]) changes[k] = { before: before[k], after: after[k] };
        }
        if (Object.keys(changes).length) {
          await audit.record({ actor, entityType: 'team', entityId: before.id, action: 'team.update', changes }, tx);
        }
        return after;
      });
      if (patch.defaultPhoneRegion) await this.updateSettings(actor, { defaultPhoneRegion: patch.defaultPhoneRegion });
      return presentTeam(
        {
          ...updated,
          settings: patch.defaultPhoneRegion ? { ...updated.settings, defaultPhoneRegion: patch.defaultPhoneRegion } : updated.settings,
        },
        await teams.previousSlugs(updated.id),
      );
    },

    /** The current address of a team that moved from `oldSlug`, if one did. */
    redirectFor(oldSlug: string) {
      return teams.redirectFor(oldSlug);
    },

    async getBySlug(slug: string) {
      return teams.findBySlug(slug);
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
      const switchingOn = (['google', 'microsoft'] as const).filter((p) => patch.contactSso?.[p] === true);
      if (switchingOn.length && deps.ssoConfigured) {
        const configured = await deps.ssoConfigured(actor.teamId);
        const missing = switchingOn.filter((p) => !configured.has(p));
        if (missing.length) {
          const names = { google: 'Google', microsoft: 'Microsoft' };
          throw new AppError(
            'VALIDATION',
            'Set up sign-in before switching it on',
            missing.map((p) => ({
              path: `contactSso.${p}`,
              message: `${names[p]} sign-in is not set up: add its client ID and secret first`,
            })),
          );
        }
      }
      return db.transaction().execute(async (tx) => {
        await teams.lock(actor.teamId, tx);
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
