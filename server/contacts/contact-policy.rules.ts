// "Team AND contact": a capability works only when the team setting and the contact's own permission
// allow it; a notification is sent only when the team rule and the contact's preference allow it.
import type { TeamSettings } from '#shared/settings.schema.ts';
import type { ContactFields } from './contacts.rules.ts';

export type NotificationKind = keyof TeamSettings['notifications'];
type PolicyContact = Pick<ContactFields, 'permissions' | 'notifications' | 'primaryEmail' | 'emails'>;

export function canSignInToPortal(team: TeamSettings, c: PolicyContact): boolean {
  return team.portalEnabled && c.permissions.active && c.permissions.portalAccess && c.primaryEmail !== null;
}

/**
 * Why the contact cannot sign in to the portal (so gets no contact link and no invitation), or null when
 * it can: the same rule as canSignInToPortal, in words for the person who asked.
 */
export function portalSignInRefusal(team: TeamSettings, c: PolicyContact): string | null {
  if (!team.portalEnabled) return 'The team portal is switched off';
  if (c.primaryEmail === null) return 'The contact has no primary email';
  if (!c.permissions.active) return 'The contact is inactive';
  if (!c.permissions.portalAccess) return 'The contact has no portal access';
  return null;
}

export function canPostComments(team: TeamSettings, c: PolicyContact): boolean {
  return canSignInToPortal(team, c) && team.allowPortalComments && c.permissions.canPostComments;
}

export function canCloseTickets(team: TeamSettings, c: PolicyContact): boolean {
  return canSignInToPortal(team, c) && team.allowContactsCloseTickets && c.permissions.canCloseTickets;
}

/** Forms can be assigned only to active contacts with portal access while the team portal is on. */
export function canBeAssignedForms(team: TeamSettings, c: PolicyContact): boolean {
  return team.portalEnabled && c.permissions.active && c.permissions.portalAccess;
}

export function shouldNotify(team: TeamSettings, c: PolicyContact, kind: NotificationKind): boolean {
  const reachable = c.primaryEmail !== null || Object.keys(c.emails).length > 0;
  return team.notifications[kind] && c.notifications[kind] && c.permissions.active && reachable;
}

export function canUseSso(team: TeamSettings, provider: 'google' | 'microsoft', c: PolicyContact): boolean {
  return team.contactSso[provider] && canSignInToPortal(team, c);
}
