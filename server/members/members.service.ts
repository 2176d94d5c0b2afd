import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { Member, MemberCreate, MemberPatch } from '#shared/member.schema.ts';
import type { Db, Tx } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { MemberRow } from '../db/schema.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import { hashPassword } from '../auth/secrets.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import type { JobsRepo } from '../jobs/jobs.repo.ts';
import { REMOVED_MEMBER_REASON } from '../jobs/jobs.service.ts';
import { createMembersRepo } from './members.repo.ts';
import { canManageRole, defaultPermissions } from './members.rules.ts';

export function presentMember(m: MemberRow): Member {
  return {
    id: m.id,
    teamId: m.teamId,
    email: m.email,
    name: m.name,
    role: m.role,
    permissions: { modifyContacts: m.modifyContacts, importContacts: m.importContacts, exportContacts: m.exportContacts },
    createdAt: m.createdAt.toISOString(),
  };
}

export function createMembersService(deps: {
  db: Db;
  auth: Pick<AuthService, 'revokeCredentialsOf' | 'tokensOf' | 'revokeTokenOf'>;
  /** the jobs feature's repo (handed over by createServices): removing a member cancels their queued jobs */
  jobs: Pick<JobsRepo, 'cancelQueuedOf'>;
}) {
  const { db } = deps;
  const repo = createMembersRepo(db);
  const audit = createAuditWriter(db);
  const { jobs } = deps;

  async function load(actor: Actor, id: string, tx?: Tx) {
    const m = isUuid(id) ? await repo.findById(actor.teamId, id, tx) : undefined;
    if (!m) throw new AppError('NOT_FOUND', 'Member not found');
    return m;
  }

  return {
    async list(actor: Actor) {
      requireTeamManager(actor);
      return (await repo.list(actor.teamId)).map(presentMember);
    },

    async get(actor: Actor, id: string) {
      requireTeamManager(actor);
      return presentMember(await load(actor, id));
    },

    async create(actor: Actor, input: MemberCreate, teamId = actor.teamId) {
      requireTeamManager(actor);
      if (!canManageRole(actor.role, input.role, input.role)) throw new AppError('FORBIDDEN', 'Only owners can add owners');
      const email = normalizeEmail(input.email);
      if (!email.ok) throw new AppError('VALIDATION', 'Invalid member', [{ path: 'email', message: email.message }]);
      const passwordHash = await hashPassword(input.password);
      return db.transaction().execute(async (tx) => {
        if (await repo.findByEmail(email.email, tx)) {
          throw new AppError('CONFLICT', `A member with the email ${email.email} already exists`, [
            { path: 'email', message: 'Member emails are unique across the deployment' },
          ]);
        }
        const row = await repo.insert(
          {
            id: uuidv7(),
            teamId,
            email: email.email,
            name: input.name ?? null,
            passwordHash,
            role: input.role,
            ...defaultPermissions(input.role),
            ...(input.permissions ?? {}),
          },
          tx,
        );
        await audit.record(
          {
            actor,
            entityType: 'member',
            entityId: row.id,
            action: 'create',
            changes: { email: { before: null, after: row.email }, role: { before: null, after: row.role } },
          },
          tx,
        );
        return presentMember(row);
      });
    },

    async update(actor: Actor, id: string, patch: MemberPatch) {
      requireTeamManager(actor);
      return db.transaction().execute(async (tx) => {
        // a demotion counts the owners under their locks: parallel demotions cannot all see "another owner left"
        const demoting = !!patch.role && patch.role !== 'owner';
        const owners = demoting ? await repo.lockOwners(actor.teamId, tx) : 0;
        const current = await load(actor, id, tx);
        if (!canManageRole(actor.role, current.role, patch.role)) throw new AppError('FORBIDDEN', 'Only owners can change owners');
        if (current.role === 'owner' && demoting && owners <= 1) {
          throw new AppError('CONFLICT', 'A team needs at least one owner', [{ path: 'role', message: 'This is the last owner' }]);
        }
        const row = await repo.update(
          actor.teamId,
          id,
          {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.role ? { role: patch.role } : {}),
            ...(patch.password ? { passwordHash: await hashPassword(patch.password) } : {}),
            ...(patch.permissions ?? {}),
          },
          tx,
        );
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        const before = presentMember(current);
        const after = presentMember(row!);
        if (before.name !== after.name) changes.name = { before: before.name, after: after.name };
        if (before.role !== after.role) changes.role = { before: before.role, after: after.role };
        for (const k of Object.keys(after.permissions) as (keyof typeof after.permissions)[]) {
          if (before.permissions[k] !== after.permissions[k])
            changes[`permissions.${k}`] = { before: before.permissions[k], after: after.permissions[k] };
        }
        if (patch.password) {
          changes.password = { before: '(hidden)', after: '(changed)' };
          // a new password signs the member out everywhere and revokes their API tokens
          await deps.auth.revokeCredentialsOf(id, tx);
        }
        if (Object.keys(changes).length) await audit.record({ actor, entityType: 'member', entityId: id, action: 'update', changes }, tx);
        return after;
      });
    },

    async remove(actor: Actor, id: string) {
      requireTeamManager(actor);
      await db.transaction().execute(async (tx) => {
        const owners = await repo.lockOwners(actor.teamId, tx);
        const current = await load(actor, id, tx);
        if (!canManageRole(actor.role, current.role)) throw new AppError('FORBIDDEN', 'Only owners can remove owners');
        if (current.id === actor.memberId) throw new AppError('CONFLICT', 'You cannot remove yourself');
        if (current.role === 'owner' && owners <= 1) {
          throw new AppError('CONFLICT', 'A team needs at least one owner');
        }
        await repo.delete(actor.teamId, id, tx);
        // after the delete (the lock order of a job's batch: member, then job); running jobs stop at their next batch
        await jobs.cancelQueuedOf(actor.teamId, id, REMOVED_MEMBER_REASON, tx);
        await audit.record(
          { actor, entityType: 'member', entityId: id, action: 'delete', changes: { email: { before: current.email, after: null } } },
          tx,
        );
      });
    },

    /** A member's API tokens (owners/admins of the team). */
    async listTokens(actor: Actor, memberId: string) {
      requireTeamManager(actor);
      const m = await load(actor, memberId);
      return deps.auth.tokensOf(m.id);
    },

    /** Revokes one API token of a member (owners/admins; an owner's only by an owner, like any change to owners). */
    async revokeToken(actor: Actor, memberId: string, tokenId: string) {
      requireTeamManager(actor);
      await db.transaction().execute(async (tx) => {
        const m = await load(actor, memberId);
        if (!canManageRole(actor.role, m.role)) throw new AppError('FORBIDDEN', "Only owners can revoke an owner's tokens");
        const token = await deps.auth.revokeTokenOf(m.id, tokenId, tx);
        if (!token) throw new AppError('NOT_FOUND', 'Token not found');
        await audit.record(
          { actor, entityType: 'member', entityId: m.id, action: 'token.revoke', changes: { token: { before: token.name, after: null } } },
          tx,
        );
      });
    },

    /** The acting member's own record (any role). */
    async self(actor: Actor) {
      if (!actor.memberId) throw new AppError('NOT_FOUND', 'Not a member');
      return presentMember(await load(actor, actor.memberId));
    },

    findByEmail(email: string) {
      const n = normalizeEmail(email);
      return n.ok ? repo.findByEmail(n.email) : Promise.resolve(undefined);
    },
  };
}
export type MembersService = ReturnType<typeof createMembersService>;
