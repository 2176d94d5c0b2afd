import type { MemberPermissions, Role } from '#shared/member.schema.ts';

export function defaultPermissions(role: Role): MemberPermissions {
  return role === 'agent'
    ? { modifyContacts: true, importContacts: false, exportContacts: true }
    : { modifyContacts: true, importContacts: true, exportContacts: true };
}

/** Owners always hold every permission; everyone else holds what was granted. */
export function effectivePermissions(m: { role: Role } & MemberPermissions): MemberPermissions {
  if (m.role === 'owner') return { modifyContacts: true, importContacts: true, exportContacts: true };
  return { modifyContacts: m.modifyContacts, importContacts: m.importContacts, exportContacts: m.exportContacts };
}

/** Whether `actorRole` may give `target` the role `newRole` (or edit/remove it when newRole is undefined). */
export function canManageRole(actorRole: Role, targetRole: Role, newRole?: Role): boolean {
  if (actorRole === 'owner') return true;
  if (actorRole !== 'admin') return false;
  // admins manage agents and admins, never owners, and cannot create owners
  return targetRole !== 'owner' && newRole !== 'owner';
}
