import { describe, expect, it } from 'vitest';
import { defaultTeamSettings, type TeamSettings } from '#shared/settings.schema.ts';
import {
  applyTemplate,
  normaliseDomains,
  recipientsOf,
  renderTicketMail,
  splitName,
  templateAvailableTo,
  type NotifiableContact,
} from './tickets.rules.ts';
import { closeRefusal, commentRefusal } from './tickets.policy.ts';

const contact = (over: Partial<NotifiableContact> = {}): NotifiableContact => ({
  id: 'c1',
  primaryEmail: 'ann@example.com',
  emails: {},
  notifications: { newTickets: true, ticketUpdates: true, newComments: true, formAssignments: true },
  permissions: { active: true, portalAccess: true, canPostComments: true, canCloseTickets: true },
  ...over,
});
const team = (over: Partial<TeamSettings> = {}): TeamSettings => ({ ...defaultTeamSettings, ...over });

describe('applyTemplate', () => {
  const tpl = {
    fields: {
      priority: { default: 'low', locked: true },
      subject: { default: 'Laptop', locked: false },
      model: { default: 'X1', locked: true },
    },
  };

  it('keeps locked defaults, takes unlocked values, and accepts a locked value sent unchanged', () => {
    expect(applyTemplate(tpl, { subject: 'My laptop', priority: 'low' })).toEqual({
      ok: true,
      value: { subject: 'My laptop', description: '', priority: 'low', custom: { model: 'X1' } },
    });
  });

  it('refuses a locked field given another value and a key the template does not name', () => {
    const r = applyTemplate(tpl, { priority: 'urgent', model: 'Z9', color: 'red' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.details.map((d) => d.path).sort()).toEqual(['fields.color', 'fields.model', 'fields.priority']);
  });

  it('without a template needs a subject and a known priority', () => {
    const r = applyTemplate(null, { priority: 'asap' });
    expect(!r.ok && r.details.map((d) => d.path).sort()).toEqual(['fields.priority', 'fields.subject']);
  });
});

describe('templateAvailableTo', () => {
  const me = { id: 'c1', primaryEmail: 'ann@contoso.com' };
  it.each([
    [{ mode: 'everyone' as const, contactIds: [], domains: [] }, me, true],
    [{ mode: 'everyone' as const, contactIds: [], domains: [] }, null, true],
    [{ mode: 'contacts' as const, contactIds: ['c1'], domains: [] }, me, true],
    [{ mode: 'contacts' as const, contactIds: ['c2'], domains: [] }, me, false],
    [{ mode: 'contacts' as const, contactIds: ['c1'], domains: [] }, null, false],
    [{ mode: 'domains' as const, contactIds: [], domains: ['contoso.com'] }, me, true],
    [{ mode: 'domains' as const, contactIds: [], domains: ['contoso.co'] }, me, false],
    [{ mode: 'domains' as const, contactIds: [], domains: ['contoso.com'] }, null, false],
  ])('%o for %o → %s', (a, c, expected) => {
    expect(templateAvailableTo(a, c)).toBe(expected);
  });

  it('normalises template domains like email domains', () => {
    expect(normaliseDomains(['@Bücher.DE', 'bücher.de'])).toEqual({ ok: true, value: ['xn--bcher-kva.de'] });
    expect(normaliseDomains(['not a domain']).ok).toBe(false);
  });
});

describe('recipientsOf (team rule AND contact preference)', () => {
  const events = [
    ['created', 'newTickets'],
    ['updated', 'ticketUpdates'],
    ['commented', 'newComments'],
  ] as const;
  for (const [event, kind] of events) {
    for (const teamOn of [true, false]) {
      for (const contactOn of [true, false]) {
        it(`${event}: team ${kind} ${teamOn} AND contact ${contactOn}`, () => {
          const settings = team({ notifications: { ...defaultTeamSettings.notifications, [kind]: teamOn } });
          const c = contact({ notifications: { ...contact().notifications, [kind]: contactOn } });
          expect(recipientsOf(settings, event, [c], null).length).toBe(teamOn && contactOn ? 1 : 0);
        });
      }
    }
  }

  it('skips the author, inactive and unreachable contacts, and mails one address once', () => {
    const people = [
      contact({ id: 'author', primaryEmail: 'a@x.com' }),
      contact({ id: 'off', primaryEmail: 'o@x.com', permissions: { ...contact().permissions, active: false } }),
      contact({ id: 'none', primaryEmail: null }),
      contact({ id: 'labeled', primaryEmail: null, emails: { work: 'w@x.com' } }),
      contact({ id: 'dup', primaryEmail: 'w@x.com' }),
    ];
    expect(recipientsOf(team(), 'commented', people, 'author')).toEqual([{ contactId: 'labeled', address: 'w@x.com' }]);
  });
});

describe('portal refusals name what is off', () => {
  it.each([
    [true, true, null, null],
    [false, true, 'allowPortalComments', 'allowContactsCloseTickets'],
    [true, false, 'canPostComments', 'canCloseTickets'],
    [false, false, 'allowPortalComments', 'allowContactsCloseTickets'],
  ])('team %s, contact %s', (teamOn, contactOn, comment, close) => {
    const s = team({ allowPortalComments: teamOn, allowContactsCloseTickets: teamOn });
    const c = contact({ permissions: { active: true, portalAccess: true, canPostComments: contactOn, canCloseTickets: contactOn } });
    expect(commentRefusal(s, c)?.missing ?? null).toBe(comment);
    expect(closeRefusal(s, c)?.missing ?? null).toBe(close);
  });
});

describe('renderTicketMail', () => {
  it('brands the subject and escapes values in HTML', () => {
    const m = renderTicketMail({
      teamName: 'Acme & Co',
      event: 'commented',
      ticket: { number: 7, subject: 'Help\nnow', status: 'open' },
      comment: { body: '<script>x</script>', authorName: 'Sam' },
      url: 'https://help.example.com/portal/acme/tickets/1',
    });
    expect(m.subject).toBe('[Acme & Co] New reply on #7: Help now');
    expect(m.html).toContain('&lt;script&gt;');
    expect(m.html).not.toContain('<script>');
    expect(m.text).toContain('https://help.example.com/portal/acme/tickets/1');
  });

  it('splits a visitor name', () => {
    expect(splitName(' Ada  King Lovelace ')).toEqual({ firstName: 'Ada King', lastName: 'Lovelace' });
    expect(splitName('Cher')).toEqual({ firstName: 'Cher', lastName: null });
  });
});
