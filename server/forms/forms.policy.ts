// Who may be assigned a form: an active contact with portal access, while the team portal is on
// (canBeAssignedForms decides; this names the first reason it says no, for the API and the web app).
import type { AssignmentRefusalCode } from '#shared/form.schema.ts';
import type { TeamSettings } from '#shared/settings.schema.ts';
import { canBeAssignedForms } from '../contacts/contact-policy.rules.ts';
import type { ContactFields } from '../contacts/contacts.rules.ts';
import type { Actor } from '../auth/actor.ts';
import { requirePermission, requireTeamManager } from '../auth/actor.ts';

type PolicyContact = Pick<ContactFields, 'permissions' | 'notifications' | 'primaryEmail' | 'emails'>;

/** null: the contact may be assigned forms; otherwise the reason, team first (it refuses everyone). */
export function assignmentRefusal(
  team: Pick<TeamSettings, 'portalEnabled'>,
  c: Pick<PolicyContact, 'permissions'>,
): AssignmentRefusalCode | null {
  if (!team.portalEnabled) return 'portal_disabled';
  if (!c.permissions.active) return 'contact_inactive';
  if (!c.permissions.portalAccess) return 'no_portal_access';
  return null;
}

/** Consistency with the contact policy every other feature uses (a refusal exactly when it says no). */
export function mayBeAssigned(team: TeamSettings, c: PolicyContact): boolean {
  return canBeAssignedForms(team, c);
}

/** Building, changing and deleting forms: team owners and admins. */
export const requireFormBuilder = (actor: Actor) => requireTeamManager(actor);
/** Assigning a form is an action on contacts: the member permission "Modify contacts". */
export const requireAssigner = (actor: Actor) => requirePermission(actor, 'modifyContacts');
