// "Send portal invitation" as a bulk action of the directory (POST /api/v1/contacts/bulk {action: "invite"}).
import { AppError } from '#shared/errors.ts';
import type { ContactFilter } from '#shared/contact.schema.ts';
import type { Actor } from '../auth/actor.ts';
import type { ContactsService } from '../contacts/contacts.service.ts';
import type { PortalService } from './portal.service.ts';

/** At most this many contacts per bulk invitation: every one gets a mail, so a typo in a filter must not mail the whole directory. */
export const BULK_INVITE_MAX = 10_000;

export function registerBulkInvite(contacts: ContactsService, portal: PortalService) {
  async function idsMatching(actor: Actor, filter: ContactFilter): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await contacts.list(actor, { ...filter, sort: '-createdAt', limit: 500, cursor });
      ids.push(...page.items.map((c) => c.id));
      if (ids.length > BULK_INVITE_MAX) {
        throw new AppError('VALIDATION', `More than ${BULK_INVITE_MAX} contacts match: narrow the filter to send invitations`, [
          { path: 'filter', message: `Matches more than ${BULK_INVITE_MAX} contacts` },
        ]);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  contacts.extendBulk('invite', async (actor, input) => {
    const ids = 'ids' in input ? input.ids : await idsMatching(actor, input.filter);
    const r = await portal.inviteMany(actor, ids);
    return { affected: r.invited };
  });
}
