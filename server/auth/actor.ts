import type { MemberPermissions, Role } from '#shared/member.schema.ts';
import { AppError } from '#shared/errors.ts';

/** Who is acting: a signed-in member (cookie or API token) or the system (CLI, jobs). */
export interface Actor {
  type: 'member' | 'system';
  via: 'session' | 'token' | 'cli';
  teamId: string;
  memberId: string | null;
  label: string;
  role: Role;
  /** Effective permissions (owners have everything). */
  permissions: MemberPermissions;
  requestId?: string;
  /** The address the request came to (scheme://host): links in mail it causes, also from a job, point there. */
  origin?: string;
}

export const systemActor = (teamId: string, label = 'kdesk CLI'): Actor => ({
  type: 'system',
  via: 'cli',
  teamId,
  memberId: null,
  label,
  role: 'owner',
  permissions: { modifyContacts: true, importContacts: true, exportContacts: true },
});

/** The names the app shows for the member permissions. */
export const permissionNames: Record<keyof MemberPermissions, string> = {
  modifyContacts: 'Modify contacts',
  importContacts: 'Import contacts (bulk)',
  exportContacts: 'Export contacts',
};

export function requirePermission(actor: Actor, permission: keyof MemberPermissions): void {
  if (!actor.permissions[permission]) {
    throw new AppError(
      'FORBIDDEN',
      `Your account is missing the member permission "${permissionNames[permission]}". Ask a team owner or admin to enable it.`,
    );
  }
}

export function requireTeamManager(actor: Actor): void {
  if (actor.role !== 'owner' && actor.role !== 'admin') {
    throw new AppError('FORBIDDEN', 'Only team owners and admins can do this.');
  }
}
