// What a signed-in contact may do on a ticket: "team AND contact" (contact-policy.rules.ts decides),
// and when not, which team setting or contact permission is off. The portal shows the same reasons.
import type { ErrorCode } from '#shared/errors.ts';
import type { TeamSettings } from '#shared/settings.schema.ts';
import { canCloseTickets, canPostComments } from '../contacts/contact-policy.rules.ts';
import type { ContactFields } from '../contacts/contacts.rules.ts';

type PolicyContact = Pick<ContactFields, 'permissions' | 'notifications' | 'primaryEmail' | 'emails'>;

export interface Refusal {
  code: ErrorCode;
  /** the team setting or contact permission that is off */
  missing: 'allowPortalComments' | 'canPostComments' | 'allowContactsCloseTickets' | 'canCloseTickets';
  message: string;
}

export function commentRefusal(team: TeamSettings, c: PolicyContact): Refusal | null {
  if (canPostComments(team, c)) return null;
  if (!team.allowPortalComments) {
    return {
      code: 'ALLOW_PORTAL_COMMENTS_OFF',
      missing: 'allowPortalComments',
      message: 'Comments from the portal are switched off for this team (team setting "allowPortalComments").',
    };
  }
  return {
    code: 'CAN_POST_COMMENTS_OFF',
    missing: 'canPostComments',
    message: 'Your contact record does not allow posting comments (contact permission "canPostComments"). Ask the support team.',
  };
}

export function closeRefusal(team: TeamSettings, c: PolicyContact): Refusal | null {
  if (canCloseTickets(team, c)) return null;
  if (!team.allowContactsCloseTickets) {
    return {
      code: 'ALLOW_CONTACTS_CLOSE_TICKETS_OFF',
      missing: 'allowContactsCloseTickets',
      message: 'Contacts cannot close tickets in this team (team setting "allowContactsCloseTickets").',
    };
  }
  return {
    code: 'CAN_CLOSE_TICKETS_OFF',
    missing: 'canCloseTickets',
    message: 'Your contact record does not allow closing tickets (contact permission "canCloseTickets"). Ask the support team.',
  };
}
