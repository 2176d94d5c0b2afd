import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type {
  Invitation,
  InvitationAccept,
  InvitationCreate,
  InvitationPreview,
  Member,
  MemberCreate,
  MemberPatch,
} from '#shared/member.schema.ts';
import type { Db, Executor, Tx } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { MemberInvitationsTable, MemberRow } from '../db/schema.ts';
import type { Selectable } from 'kysely';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import { hashPassword, hashSecret, newSecret } from '../auth/secrets.ts';
import { requireGoodPassword } from '../auth/password.rules.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { MailService } from '../mail/mail.service.ts';
import { renderMemberInvitationMail } from '../mail/mail.rules.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import type { JobsRepo } from '../jobs/jobs.repo.ts';
import { DEACTIVATED_MEMBER_REASON, REMOVED_MEMBER_REASON } from '../jobs/jobs.service.ts';
import { createMembersRepo } from './members.repo.ts';
import { canManageRole, defaultPermissions } from './members.rules.ts';

const INVALID_INVITATION = 'This invitation link is not valid any more: it was used, renewed or revoked, or it expired. Ask for a new one.';

export function presentMember(m: MemberRow): Member {
  return {
    id: m.id,
    teamId: m.teamId,
    email: m.email,
    name: m.name,
    role: m.role,
    permissions: { modifyContacts: m.modifyContacts, importContacts: m.importContacts, exportContacts: m.exportContacts },
    status: m.deactivatedAt ? 'deactivated' : 'active',
    lastSignInAt: m.lastSignInAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
  };
}

/** How long an invitation link works. */
export const INVITATION_DAYS = 7;

type InvitationRow = Selectable<MemberInvitationsTable>;

function presentInvitation(i: InvitationRow, now: Date): Invitation {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    permissions: { modifyContacts: i.modifyContacts, importContacts: i.importContacts, exportContacts: i.exportContacts },
    status: i.expiresAt > now ? 'pending' : 'expired',
    invitedBy: i.invitedByLabel,
    expiresAt: i.expiresAt.toISOString(),
    createdAt: i.createdAt.toISOString(),
  };
}

export function createMembersService(deps: {
  db: Db;
  auth: Pick<AuthService, 'revokeCredentialsOf' | 'tokensOf' | 'revokeTokenOf'>;
  /** the jobs feature's repo (handed over by createServices): removing or deactivating a member cancels their queued jobs */
  jobs: Pick<JobsRepo, 'cancelQueuedOf'>;
  mail?: Pick<MailService, 'enqueue'>;
  /** Where invitation links point: KDESK_PUBLIC_URL, else the address of the inviting request, else this. */
  links?: { publicUrl: string | null; fallbackBaseUrl: string };
  now?: () => Date;
}) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const linkBase = (actor: Actor) =>
    (deps.links?.publicUrl ?? actor.origin ?? deps.links?.fallbackBaseUrl ?? 'http://localhost:3000').replace(/\/$/, '');
  const repo = createMembersRepo(db);
  const audit = createAuditWriter(db);
  const { jobs } = deps;

  async function sendInvitation(actor: Actor, row: InvitationRow, token: string, tx: Tx) {
    if (!deps.mail) return;
    const brand = await repo.teamBrand(row.teamId, tx);
    const m = renderMemberInvitationMail({
      teamName: brand.name,
      supportEmail: brand.supportEmail,
      inviter: actor.type === 'member' ? actor.label.replace(/ <[^>]*>$/, '') : null,
      role: row.role,
      url: `${linkBase(actor)}/invite/${encodeURIComponent(token)}`,
      days: INVITATION_DAYS,
    });
    await deps.mail.enqueue({ teamId: row.teamId, kind: 'member.invitation', to: row.email, ...m }, tx);
  }

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
      requireGoodPassword(input.password, email.email);
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
        // a demotion or deactivation counts the active owners under their locks: parallel ones cannot
        // all see "another owner is left"
        const demoting = (!!patch.role && patch.role !== 'owner') || patch.active === false;
        const owners = demoting ? await repo.lockOwners(actor.teamId, tx) : 0;
        const current = await load(actor, id, tx);
        if (!canManageRole(actor.role, current.role, patch.role)) throw new AppError('FORBIDDEN', 'Only owners can change owners');
        if (patch.active === false && current.id === actor.memberId) {
          throw new AppError('CONFLICT', 'You cannot deactivate yourself', [{ path: 'active', message: 'Ask another owner or admin' }]);
        }
        const losesOwner = current.role === 'owner' && !current.deactivatedAt && demoting;
        if (losesOwner && owners <= 1) {
          throw new AppError('CONFLICT', 'A team needs at least one active owner', [
            { path: patch.active === false ? 'active' : 'role', message: 'This is the last owner' },
          ]);
        }
        if (patch.password) requireGoodPassword(patch.password, current.email);
        const deactivating = patch.active === false && !current.deactivatedAt;
        const reactivating = patch.active === true && !!current.deactivatedAt;
        const row = await repo.update(
          actor.teamId,
          id,
          {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.role ? { role: patch.role } : {}),
            ...(patch.password ? { passwordHash: await hashPassword(patch.password) } : {}),
            ...(patch.permissions ?? {}),
            ...(deactivating ? { deactivatedAt: now() } : reactivating ? { deactivatedAt: null } : {}),
          },
          tx,
        );
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        const before = presentMember(current);
        const after = presentMember(row!);
        if (before.name !== after.name) changes.name = { before: before.name, after: after.name };
        if (before.role !== after.role) changes.role = { before: before.role, after: after.role };
        if (before.status !== after.status) changes.status = { before: before.status, after: after.status };
        for (const k of Object.keys(after.permissions) as (keyof typeof after.permissions)[]) {
          if (before.permissions[k] !== after.permissions[k])
            changes[`permissions.${k}`] = { before: before.permissions[k], after: after.permissions[k] };
        }
        if (patch.password) changes.password = { before: '(hidden)', after: '(changed)' };
        // a new password or a deactivation signs the member out everywhere and revokes their API tokens
        if (patch.password || deactivating) await deps.auth.revokeCredentialsOf(id, tx);
        // their queued jobs do not start; running ones stop at their next batch (the member is re-read there)
        if (deactivating) await jobs.cancelQueuedOf(actor.teamId, id, DEACTIVATED_MEMBER_REASON, tx);
        if (Object.keys(changes).length) await audit.record({ actor, entityType: 'member', entityId: id, action: 'update', changes }, tx);
        return after;
      });
    },

    /** The acting member changes their own name (any role). */
    async updateSelf(actor: Actor, patch: { name: string | null }) {
      if (!actor.memberId) throw new AppError('FORBIDDEN', 'Only members have a profile');
      return db.transaction().execute(async (tx) => {
        const current = await load(actor, actor.memberId!, tx);
        const name = patch.name?.trim() || null;
        const row = await repo.update(actor.teamId, current.id, { name }, tx);
        if (current.name !== name) {
          await audit.record(
            {
              actor,
              entityType: 'member',
              entityId: current.id,
              action: 'update',
              changes: { name: { before: current.name, after: name } },
            },
            tx,
          );
        }
        return presentMember(row!);
      });
    },

    // ---- invitations ----

    async listInvitations(actor: Actor): Promise<Invitation[]> {
      requireTeamManager(actor);
      const at = now();
      return (await repo.openInvitations(actor.teamId)).map((i) => presentInvitation(i, at));
    },

    /**
     * Invites `email` to the team: a one-time link by mail, valid INVITATION_DAYS. Inviting an address
     * with an open invitation renews it (new link, new role and permissions); the old link stops working.
     */
    async invite(actor: Actor, input: InvitationCreate): Promise<Invitation> {
      requireTeamManager(actor);
      if (!canManageRole(actor.role, input.role, input.role)) throw new AppError('FORBIDDEN', 'Only owners can invite owners');
      const email = normalizeEmail(input.email);
      if (!email.ok) throw new AppError('VALIDATION', 'Invalid invitation', [{ path: 'email', message: email.message }]);
      return db.transaction().execute(async (tx) => {
        if (await repo.findByEmail(email.email, tx)) {
          throw new AppError('CONFLICT', `${email.email} is already a member`, [
            { path: 'email', message: 'This address already belongs to a member (of this or another team)' },
          ]);
        }
        const token = newSecret('kdi');
        const at = now();
        const fields = {
          role: input.role,
          ...defaultPermissions(input.role),
          ...(input.permissions ?? {}),
          tokenHash: hashSecret(token),
          invitedBy: actor.memberId,
          invitedByLabel: actor.label,
          expiresAt: new Date(at.getTime() + INVITATION_DAYS * 86_400_000),
        };
        const open = await repo.findOpenInvitationByEmail(actor.teamId, email.email, tx);
        const row = open
          ? await repo.updateInvitation(open.id, fields, tx)
          : await repo.insertInvitation({ id: uuidv7(), teamId: actor.teamId, email: email.email, ...fields }, tx);
        await sendInvitation(actor, row, token, tx);
        await audit.record(
          {
            actor,
            entityType: 'invitation',
            entityId: row.id,
            action: open ? 'invitation.renew' : 'invitation.create',
            changes: { email: { before: null, after: row.email }, role: { before: open?.role ?? null, after: row.role } },
          },
          tx,
        );
        return presentInvitation(row, at);
      });
    },

    /** Sends the invitation again with a new link (the previous one stops working) and a new 7 days. */
    async resendInvitation(actor: Actor, id: string): Promise<Invitation> {
      requireTeamManager(actor);
      return db.transaction().execute(async (tx) => {
        const open = isUuid(id) ? await repo.findInvitation(actor.teamId, id, tx) : undefined;
        if (!open) throw new AppError('NOT_FOUND', 'Invitation not found');
        if (!canManageRole(actor.role, open.role)) throw new AppError('FORBIDDEN', 'Only owners can invite owners');
        const token = newSecret('kdi');
        const at = now();
        const row = await repo.updateInvitation(
          open.id,
          { tokenHash: hashSecret(token), expiresAt: new Date(at.getTime() + INVITATION_DAYS * 86_400_000) },
          tx,
        );
        await sendInvitation(actor, row, token, tx);
        await audit.record({ actor, entityType: 'invitation', entityId: row.id, action: 'invitation.resend', changes: {} }, tx);
        return presentInvitation(row, at);
      });
    },

    async revokeInvitation(actor: Actor, id: string): Promise<void> {
      requireTeamManager(actor);
      await db.transaction().execute(async (tx) => {
        const open = isUuid(id) ? await repo.findInvitation(actor.teamId, id, tx) : undefined;
        if (!open) throw new AppError('NOT_FOUND', 'Invitation not found');
        if (!canManageRole(actor.role, open.role)) throw new AppError('FORBIDDEN', "Only owners can revoke an owner's invitation");
        await repo.updateInvitation(open.id, { revokedAt: now() }, tx);
        await audit.record(
          {
            actor,
            entityType: 'invitation',
            entityId: open.id,
            action: 'invitation.revoke',
            changes: { email: { before: open.email, after: null } },
          },
          tx,
        );
      });
    },

    /** What the invitation page shows; 404 for a link that was used, revoked, renewed or has expired. */
    async previewInvitation(token: string): Promise<InvitationPreview> {
      const i = await repo.invitationByToken(hashSecret(token), now());
      if (!i) throw new AppError('NOT_FOUND', INVALID_INVITATION);
      return { email: i.email, teamName: i.teamName, role: i.role, expiresAt: i.expiresAt.toISOString() };
    },

    /** Accepts an invitation: creates the member (once: parallel accepts of one link make one member). */
    async acceptInvitation(token: string, input: InvitationAccept): Promise<MemberRow> {
      const tokenHash = hashSecret(token);
      const preview = await repo.invitationByToken(tokenHash, now());
      if (!preview) throw new AppError('NOT_FOUND', INVALID_INVITATION);
      requireGoodPassword(input.password, preview.email);
      const passwordHash = await hashPassword(input.password);
      return db.transaction().execute(async (tx) => {
        const inv = await repo.claimInvitation(tokenHash, now(), tx);
        if (!inv) throw new AppError('NOT_FOUND', INVALID_INVITATION);
        if (await repo.findByEmail(inv.email, tx)) {
          throw new AppError('CONFLICT', `${inv.email} is already a member: sign in instead`);
        }
        const row = await repo.insert(
          {
            id: uuidv7(),
            teamId: inv.teamId,
            email: inv.email,
            name: input.name,
            passwordHash,
            role: inv.role,
            modifyContacts: inv.modifyContacts,
            importContacts: inv.importContacts,
            exportContacts: inv.exportContacts,
            lastSignInAt: now(),
          },
          tx,
        );
        await repo.updateInvitation(inv.id, { memberId: row.id }, tx);
        const self: Actor = {
          type: 'member',
          via: 'session',
          teamId: row.teamId,
          memberId: row.id,
          label: `${row.name} <${row.email}>`,
          role: row.role,
          permissions: { modifyContacts: row.modifyContacts, importContacts: row.importContacts, exportContacts: row.exportContacts },
        };
        await audit.record(
          {
            actor: self,
            entityType: 'member',
            entityId: row.id,
            action: 'invitation.accept',
            changes: { email: { before: null, after: row.email }, role: { before: null, after: row.role } },
          },
          tx,
        );
        return row;
      });
    },

    async remove(actor: Actor, id: string) {
      requireTeamManager(actor);
      await db.transaction().execute(async (tx) => {
        const owners = await repo.lockOwners(actor.teamId, tx);
        const current = await load(actor, id, tx);
        if (!canManageRole(actor.role, current.role)) throw new AppError('FORBIDDEN', 'Only owners can remove owners');
        if (current.id === actor.memberId) throw new AppError('CONFLICT', 'You cannot remove yourself');
        if (current.role === 'owner' && !current.deactivatedAt && owners <= 1) {
          throw new AppError('CONFLICT', 'A team needs at least one active owner');
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

    /** Where to mail a member, and the team's name and support address for the mail (undefined: gone or deactivated). */
    async recipient(teamId: string, memberId: string, tx?: Executor) {
      const m = await repo.findById(teamId, memberId, tx);
      if (!m || m.deactivatedAt) return undefined;
      const brand = await repo.teamBrand(teamId, tx);
      return { email: m.email, memberName: m.name, teamName: brand.name, supportEmail: brand.supportEmail };
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
