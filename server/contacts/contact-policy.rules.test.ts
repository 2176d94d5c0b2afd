import { describe, expect, it } from 'vitest';
import { defaultTeamSettings, type TeamSettings } from '#shared/settings.schema.ts';
import {
  canBeAssignedForms,
  canCloseTickets,
  canPostComments,
  canSignInToPortal,
  canUseSso,
  shouldNotify,
  type NotificationKind,
} from './contact-policy.rules.ts';
import { emptyContact, type ContactFields } from './contacts.rules.ts';

const team = (p: Partial<TeamSettings> = {}): TeamSettings => ({ ...defaultTeamSettings, ...p });
const contact = (p: Partial<ContactFields['permissions']> = {}, n: Partial<ContactFields['notifications']> = {}): ContactFields => {
  const c = emptyContact();
  c.primaryEmail = 'c@example.com';
  Object.assign(c.permissions, p);
  Object.assign(c.notifications, n);
  return c;
};

describe('portal capabilities need the team setting AND the contact permission', () => {
  const cases: [string, (t: TeamSettings, c: ContactFields) => boolean, Partial<TeamSettings>, Partial<ContactFields['permissions']>][] = [
    ['sign in', canSignInToPortal, { portalEnabled: false }, { portalAccess: false }],
    ['post comments', canPostComments, { allowPortalComments: false }, { canPostComments: false }],
    ['close tickets', canCloseTickets, { allowContactsCloseTickets: false }, { canCloseTickets: false }],
  ];
  for (const [name, fn, teamOff, contactOff] of cases) {
    it(`${name}: allowed only when both allow it`, () => {
      expect(fn(team(), contact())).toBe(true);
      expect(fn(team(teamOff), contact())).toBe(false);
      expect(fn(team(), contact(contactOff))).toBe(false);
      expect(fn(team(teamOff), contact(contactOff))).toBe(false);
    });
  }

  it('an inactive contact can do nothing in the portal', () => {
    const c = contact({ active: false });
    expect([canSignInToPortal(team(), c), canPostComments(team(), c), canCloseTickets(team(), c), canBeAssignedForms(team(), c)]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('a contact without a primary email cannot sign in', () => {
    const c = contact();
    c.primaryEmail = null;
    expect(canSignInToPortal(team(), c)).toBe(false);
  });

  it('forms are assigned only with the portal on and portal access', () => {
    expect(canBeAssignedForms(team(), contact())).toBe(true);
    expect(canBeAssignedForms(team({ portalEnabled: false }), contact())).toBe(false);
    expect(canBeAssignedForms(team(), contact({ portalAccess: false }))).toBe(false);
  });

  it('SSO needs the provider switched on for the team', () => {
    expect(canUseSso(team(), 'google', contact())).toBe(false);
    expect(canUseSso(team({ contactSso: { google: true, microsoft: false } }), 'google', contact())).toBe(true);
    expect(canUseSso(team({ contactSso: { google: true, microsoft: false } }), 'microsoft', contact())).toBe(false);
  });
});

describe('shouldNotify', () => {
  const kinds: NotificationKind[] = ['newTickets', 'ticketUpdates', 'newComments', 'formAssignments'];
  for (const kind of kinds) {
    it(`${kind}: sent only when the team rule and the contact preference allow it`, () => {
      expect(shouldNotify(team(), contact(), kind)).toBe(true);
      expect(shouldNotify(team({ notifications: { ...defaultTeamSettings.notifications, [kind]: false } }), contact(), kind)).toBe(false);
      expect(shouldNotify(team(), contact({}, { [kind]: false }), kind)).toBe(false);
    });
  }
  it('never to an inactive contact or one without any email', () => {
    expect(shouldNotify(team(), contact({ active: false }), 'newTickets')).toBe(false);
    const c = contact();
    c.primaryEmail = null;
    expect(shouldNotify(team(), c, 'newTickets')).toBe(false);
    c.emails = { billing: 'b@example.com' };
    expect(shouldNotify(team(), c, 'newTickets')).toBe(true);
  });
});
