// Tickets for members (the KDesk App and the API) and for contacts (the portal). The service owns the
// transactions: a ticket, its contacts, its audit entries and the notification mails of the event are
// written together, so a mail exists exactly when its event does, once per recipient.
import { AppError, type ErrorDetail } from '#shared/errors.ts';
import type { HistoryEntry } from '#shared/contact.schema.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { TeamSettings } from '#shared/settings.schema.ts';
import type {
  Comment,
  CommentInput,
  PortalRequestInput,
  PortalTemplate,
  PortalTicket,
  PortalTicketDetail,
  PortalTicketPage,
  RequestTemplate,
  RequestTemplateInput,
  RequestTemplatePatch,
  Ticket,
  TicketDetail,
  TicketInput,
  TicketListQuery,
  TicketPage,
  TicketPatch,
} from '#shared/ticket.schema.ts';
import { TICKET_CONTACTS_MAX } from '#shared/ticket.schema.ts';
import type { Actor } from '../auth/actor.ts';
import { createAuditWriter, type Changes } from '../contacts/contacts.writer.ts';
import { createRateLimiter } from '../auth/rate-limit.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow, RequestTemplateRow, TicketCommentRow } from '../db/schema.ts';
import type { ContactsService } from '../contacts/contacts.service.ts';
import { notificationsOf, permissionsOf, rowToFields } from '../contacts/contacts.presenter.ts';
import type { MailService } from '../mail/mail.service.ts';
import type { WakeSql } from '../jobs/jobs.repo.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { readSettings } from '../teams/teams.rules.ts';
import { createTicketsRepo, type NotifiableRow, type TicketFilter } from './tickets.repo.ts';
import { closeRefusal, commentRefusal, type Refusal } from './tickets.policy.ts';
import {
  applyTemplate,
  displayName,
  normaliseDomains,
  recipientsOf,
  renderTicketMail,
  splitName,
  templateAvailableTo,
  type TicketEvent,
} from './tickets.rules.ts';

/** Above this many matches a list's total is flagged as an estimate (counting stops there). */
const COUNT_CAP = 10_000;
/** A filter the planner puts above this many tickets is not counted at all: however rough the estimate,
 *  the total is above COUNT_CAP (counting 10,000 index rows costs more than the page itself). */
const TRUST_ESTIMATE_ABOVE = 2 * COUNT_CAP;
/** How long a web process keeps a filter's estimate, and for how many filters at most. */
const ESTIMATE_KEEP_MS = 10_000;
const ESTIMATES_KEPT_MAX = 1_000;
/** A conversation shows its newest comments, at most this many (`olderOmitted` says when there were more). */
const COMMENTS_MAX = 1_000;
const PORTAL_PAGE = 50;
/** Visitor requests (portalTicketCreation "anyone"): per address and per IP, per hour. */
const VISITOR_LIMITS = { perEmail: 5, perIp: 20, windowSeconds: 3600 };
/** Signed-in contacts: requests per contact per hour (each may mail up to 20 added people). */
const CONTACT_REQUESTS_PER_HOUR = 30;

/** What a notification mail needs of the team. */
interface TeamForMail {
  name: string;
  slug: string;
  settings: Record<string, unknown>;
  memberOrigin: string | null;
}
/** An event on a ticket that may mail its contacts. */
interface TicketNotice {
  teamId: string;
  event: TicketEvent;
  ticket: { id: string; number: number; subject: string; status: string };
  authorContactId: string | null;
  comment?: { body: string; authorName: string };
  changes?: string[];
  /** Read with `tx` (with the locked ticket) or before the transaction: a second pooled connection
   *  taken inside one could wait forever once every connection holds such a transaction. */
  team: TeamForMail;
}
/** The team read with a locked ticket (repo.lock), in the event's transaction. */
const teamOfLocked = (r: {
  teamName: string;
  teamSlug: string;
  teamSettings: Record<string, unknown>;
  teamMemberOrigin: string | null;
}) => ({
  name: r.teamName,
  slug: r.teamSlug,
  settings: r.teamSettings,
  memberOrigin: r.teamMemberOrigin,
});
type Listed = Awaited<ReturnType<ReturnType<typeof createTicketsRepo>['page']>>['rows'][number];

/** Who acts in the portal: the signed-in contact and their team (what portal.session returns). */
export interface PortalContext {
  contact: ContactRow;
  team: { id: string; name: string; slug: string; settings: TeamSettings };
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const nameOr = (first: string | null, last: string | null, email: string | null) =>
  first || last || email ? displayName({ firstName: first, lastName: last, primaryEmail: email }) : null;

function presentTicket(r: Listed): Ticket {
  return {
    id: r.id,
    number: r.number,
    subject: r.subject,
    description: r.description,
    status: r.status,
    priority: r.priority,
    requesterId: r.requesterId,
    assigneeId: r.assigneeId,
    contactIds: r.contactIds,
    companyId: r.companyId,
    templateId: r.templateId,
    fields: r.customFields,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    closedAt: r.closedAt ? iso(r.closedAt) : null,
    requesterName: nameOr(r.requesterFirstName, r.requesterLastName, r.requesterEmail),
    assigneeName: r.assigneeName ?? r.assigneeEmail ?? null,
  };
}

function presentComment(c: TicketCommentRow): Comment {
  return {
    id: c.id,
    body: c.body,
    public: c.isPublic,
    author: { type: c.authorType, id: c.authorType === 'member' ? c.authorMemberId : c.authorContactId, name: c.authorName },
    createdAt: iso(c.createdAt),
  };
}

function presentTemplate(t: RequestTemplateRow): RequestTemplate {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    fields: Object.fromEntries(Object.entries(t.fields).map(([k, f]) => [k, { default: f.default ?? null, locked: f.locked }])),
    availability: t.availability,
    allowChooseAssignee: t.allowChooseAssignee,
    assigneeIds: t.assigneeIds,
    allowAddContacts: t.allowAddContacts,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** The actor written to the audit log for something a contact did in the portal. */
function contactActor(p: PortalContext, requestId?: string): Actor {
  const c = p.contact;
  return {
    type: 'system',
    via: 'cli',
    teamId: p.team.id,
    memberId: null,
    label: `Contact ${displayName(c)}${c.primaryEmail ? ` <${c.primaryEmail}>` : ''} (${c.id}, portal)`,
    role: 'agent',
    permissions: { modifyContacts: false, importContacts: false, exportContacts: false },
    requestId,
  };
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

function filterOf(q: Pick<TicketListQuery, 'status' | 'assigneeId' | 'contactId' | 'companyId' | 'q'>): TicketFilter {
  const text = q.q?.trim();
  const f: TicketFilter = { status: q.status, assigneeId: q.assigneeId, contactId: q.contactId, companyId: q.companyId };
  if (text) {
    f.pattern = `%${likeEscape(text)}%`;
    const n = /^#?(\d{1,9})$/.exec(text);
    if (n) f.number = Number(n[1]);
  }
  return f;
}

function beforeIdOf(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  if (!isUuid(cursor)) {
    throw new AppError('VALIDATION', 'Invalid query', [
      { path: 'cursor', message: 'Not a cursor this server issued; start again without a cursor' },
    ]);
  }
  return cursor;
}

interface Total {
  total: number;
  estimate: boolean;
}

/**
 * An agent list's cursor: the last ticket's id and the total the first page counted (`<id>.<total>`,
 * `e` after an estimate), so the next pages show the same total without counting again. A bare id (an
 * older cursor) is accepted; its page is counted.
 */
function listCursorOf(cursor: string | undefined): { beforeId?: string; total?: Total } {
  if (cursor === undefined) return {};
  const m = /^([^.]+)\.(\d{1,7})(e?)$/.exec(cursor);
  if (!m) return { beforeId: beforeIdOf(cursor) };
  const total = Number(m[2]);
  return { beforeId: beforeIdOf(m[1]), total: { total: Math.min(total, COUNT_CAP), estimate: m[3] === 'e' } };
}
const listCursor = (id: string, t: Total) => `${id}.${t.total}${t.estimate ? 'e' : ''}`;

export function createTicketsService(deps: {
  db: Db;
  teams: Pick<TeamsService, 'getTeam'>;
  mail: Pick<MailService, 'enqueueMany' | 'fanOutStatement' | 'wakeSender' | 'wakeStatement'>;
  contacts: Pick<ContactsService, 'findOrCreateByEmail'>;
  now: () => Date;
  /** Links in notification mails: this address, else the address members of the team last signed in at. */
  publicUrl: string | null;
}) {
  const { db, teams, mail, contacts, now } = deps;
  const repo = createTicketsRepo(db);
  const audit = createAuditWriter(db);
  const limiter = createRateLimiter(db);

  async function load(teamId: string, id: string) {
    const row = isUuid(id) ? await repo.find(teamId, id) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'Ticket not found');
    return row;
  }

  async function lockTicket(teamId: string, id: string, tx: Executor) {
    const row = isUuid(id) ? await repo.lock(teamId, id, tx) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'Ticket not found');
    return row;
  }

  /** Contacts of this team that are not deleted; a foreign or unknown id is a 400 naming its path. */
  async function requireContacts(teamId: string, ids: { id: string; path: string }[], tx: Executor = db) {
    const found = await repo.liveContacts(teamId, ids.map((i) => i.id).filter(isUuid), tx);
    const byId = new Map(found.map((c) => [c.id, c]));
    const details = ids.filter((i) => !byId.has(i.id)).map((i) => ({ path: i.path, message: 'No such contact in this team' }));
    if (details.length) throw new AppError('VALIDATION', 'Invalid ticket', details);
    return byId;
  }

  async function requireMember(teamId: string, id: string | null, path: string, tx: Executor = db) {
    if (id === null) return;
    const [m] = await repo.members(teamId, [id], tx);
    if (!m) throw new AppError('VALIDATION', 'Invalid ticket', [{ path, message: 'No such member in this team' }]);
  }

  /** Who is mailed about an event (the team rule AND each contact's preference, never its author) and the
   *  mail they get; read with `tx`, after the ticket's lock. */
  async function planNotification(
    tx: Executor,
    p: TicketNotice & {
      /** the ticket's live contacts when already read (repo.lockForComment) */
      people?: NotifiableRow[];
    },
  ) {
    const team = p.team;
    const settings = readSettings(team.settings);
    const people = p.people ?? (await repo.notifiableContacts(p.teamId, p.ticket.id, tx));
    const recipients = recipientsOf(
      settings,
      p.event,
      people.map((c) => ({
        id: c.id,
        primaryEmail: c.primaryEmail,
        emails: c.emails ?? {},
        notifications: notificationsOf(c),
        permissions: permissionsOf(c),
      })),
      p.authorContactId,
    );
    if (!recipients.length) return { recipients, rendered: null };
    const base = deps.publicUrl ?? team.memberOrigin ?? null;
    const url = base ? `${base.replace(/\/$/, '')}/portal/${encodeURIComponent(team.slug)}/tickets/${p.ticket.id}` : null;
    const rendered = renderTicketMail({
      teamName: team.name,
      event: p.event,
      ticket: p.ticket,
      comment: p.comment,
      changes: p.changes,
      url,
    });
    return { recipients, rendered };
  }

  /**
   * Mails the ticket's contacts about an event, in the event's transaction: the team rule AND each
   * contact's preference decide (recipientsOf), the author of the event is skipped, and each
   * (event, contact) is claimed once, so running this again for the same event sends nothing more.
   */
  async function notify(tx: Executor, p: TicketNotice & { eventId: string }): Promise<number> {
    const { recipients, rendered } = await planNotification(tx, p);
    if (!rendered) return 0;
    const fresh = new Set(
      await repo.claimNotifications(
        p.teamId,
        p.eventId,
        p.event,
        recipients.map((r) => r.contactId),
        now(),
        tx,
      ),
    );
    const mails = recipients
      .filter((r) => fresh.has(r.contactId))
      .map((r) => ({ teamId: p.teamId, kind: `ticket.${p.event}`, to: r.address, ...rendered }));
    await mail.enqueueMany(mails, tx);
    return mails.length;
  }

  /**
   * The planner's estimate for a filter, kept per process for ESTIMATE_KEEP_MS: it only decides whether a
   * list is counted, and the statistics it comes from change only when the table is analysed.
   */
  const estimates = new Map<string, { rows: number; until: number }>();
  async function estimateOf(teamId: string, f: TicketFilter): Promise<number> {
    const key = `${teamId}|${f.status?.join(',') ?? ''}|${f.assigneeId ?? ''}|${f.contactId ?? ''}|${f.companyId ?? ''}`;
    const t = Date.now();
    const kept = estimates.get(key);
    if (kept && kept.until > t) return kept.rows;
    const rows = await repo.estimate(teamId, f);
    if (estimates.size >= ESTIMATES_KEPT_MAX) estimates.clear();
    estimates.set(key, { rows, until: t + ESTIMATE_KEEP_MS });
    return rows;
  }

  async function list(teamId: string, q: TicketListQuery): Promise<TicketPage> {
    const f = filterOf(q);
    const cursor = listCursorOf(q.cursor);
    // the first page counts (exact up to COUNT_CAP, above it COUNT_CAP flagged as an estimate); the next ones
    // carry its total in their cursor. A filter the planner puts far above the cap is not counted (a subject
    // search always is: its estimate is too rough to trust).
    let total = cursor.total;
    if (!total && f.pattern === undefined && (await estimateOf(teamId, f)) > TRUST_ESTIMATE_ABOVE) {
      total = { total: COUNT_CAP, estimate: true };
    }
    // the count rides on the page's statement (one round trip); an empty page after a bare-id cursor counts apart
    const { rows, counted } = await repo.page(teamId, f, {
      limit: q.limit + 1,
      beforeId: cursor.beforeId,
      countCap: total ? undefined : COUNT_CAP,
    });
    if (!total) {
      const n = counted ?? (cursor.beforeId ? await repo.count(teamId, f, COUNT_CAP) : 0);
      total = { total: Math.min(n, COUNT_CAP), estimate: n > COUNT_CAP };
    }
    const items = rows.slice(0, q.limit);
    return {
      items: items.map(presentTicket),
      nextCursor: rows.length > q.limit ? listCursor(items.at(-1)!.id, total) : null,
      total: total.total,
      totalIsEstimate: total.estimate,
    };
  }

  /** Creates a ticket with its contacts, audit entry and "new ticket" mails, in one transaction. */
  async function createTicket(
    actor: Actor,
    t: {
      subject: string;
      description: string;
      status: Ticket['status'];
      priority: Ticket['priority'];
      requesterId: string;
      assigneeId: string | null;
      contactIds: string[];
      companyId: string | null;
      templateId: string | null;
      custom: Record<string, unknown>;
    },
    authorContactId: string | null,
  ): Promise<string> {
    const id = uuidv7();
    const contactIds = [t.requesterId, ...t.contactIds.filter((c) => c !== t.requesterId)];
    if (contactIds.length > TICKET_CONTACTS_MAX) {
      throw new AppError('VALIDATION', 'Invalid ticket', [
        { path: 'contactIds', message: `At most ${TICKET_CONTACTS_MAX} contacts on a ticket` },
      ]);
    }
    const team = await teams.getTeam(actor.teamId);
    await db.transaction().execute(async (tx) => {
      const at = now();
      const number = await repo.nextNumber(actor.teamId, tx);
      const row = await repo.insert(
        {
          id,
          teamId: actor.teamId,
          number,
          subject: t.subject,
          description: t.description,
          status: t.status,
          priority: t.priority,
          requesterId: t.requesterId,
          assigneeId: t.assigneeId,
          companyId: t.companyId,
          templateId: t.templateId,
          customFields: JSON.stringify(t.custom),
          createdAt: at,
          updatedAt: at,
          closedAt: t.status === 'closed' ? at : null,
        },
        tx,
      );
      await repo.addContacts(actor.teamId, id, [...new Set(contactIds)], at, tx);
      const changes: Changes = {};
      for (const k of ['number', 'subject', 'status', 'priority', 'requesterId', 'assigneeId', 'templateId'] as const) {
        changes[k] = { before: null, after: row[k] };
      }
      changes.contactIds = { before: null, after: contactIds };
      await audit.record({ actor, entityType: 'ticket', entityId: id, action: 'create', changes }, tx);
      await notify(tx, { teamId: actor.teamId, eventId: id, event: 'created', ticket: row, authorContactId, team });
    });
    return id;
  }

  type CommentAuthor = { type: 'member' | 'contact'; id: string | null; name: string };
  type CommentTicket = NonNullable<Awaited<ReturnType<typeof repo.lockForComment>>>;

  /**
   * A comment: one statement writes the comment, the ticket's touch, the audit row, the notification claims and
   * the mails (repo.writeComment), with the recipients planned from the ticket as read before it.
   *
   * First without a transaction or lock: the ticket is read with its contacts and row version, then written
   * only if the ticket is still that version (any change of the ticket or of its contacts makes a new one).
   * When it changed in between, the comment is written again in a transaction that locks the ticket first.
   */
  async function addComment(
    actor: Actor,
    ticketId: string,
    c: { body: string; isPublic: boolean; author: CommentAuthor },
    reopen: boolean,
  ) {
    const seen = isUuid(ticketId) ? await repo.readForComment(actor.teamId, ticketId) : undefined;
    if (!seen) throw new AppError('NOT_FOUND', 'Ticket not found');
    const id = uuidv7();
    // the mail sender is woken inside the comment's statement (or, without the job engine's SQL, right after it)
    const wake = mail.wakeStatement();
    const first = await writeComment(db, actor, id, seen, c, reopen, { people: seen.notifiable, version: seen.version, wake });
    if (first.comment) {
      if (first.mailed && !wake) await mail.wakeSender(db);
      return presentComment(first.comment);
    }
    return db.transaction().execute(async (tx) => {
      const ticket = await repo.lockForComment(actor.teamId, ticketId, tx);
      if (!ticket) throw new AppError('NOT_FOUND', 'Ticket not found');
      let done = await writeComment(tx, actor, id, ticket, c, reopen, { people: ticket.notifiable, wake });
      // the ticket's contacts changed while this waited for the lock (their changes take it): read them again
      if (!done.comment) done = await writeComment(tx, actor, id, ticket, c, reopen, { people: undefined, wake });
      if (!done.comment) throw new Error('ticket comment: not written');
      if (done.mailed && !wake) await mail.wakeSender(tx);
      return presentComment(done.comment);
    });
  }

  /** One attempt of a comment on `ticket` as read (locked in `tx`, or at `version`); nothing written when the
   *  ticket's live contacts are not `people` any more or the ticket is not at `version`. */
  async function writeComment(
    tx: Executor,
    actor: Actor,
    id: string,
    ticket: CommentTicket,
    c: { body: string; isPublic: boolean; author: CommentAuthor },
    reopen: boolean,
    o: { people: NotifiableRow[] | undefined; version?: string; wake: WakeSql | null },
  ) {
    const at = now();
    const ticketId = ticket.id;
    // a contact who answers a resolved or closed ticket opens it again (as in Freshdesk)
    const reopened = reopen && (ticket.status === 'resolved' || ticket.status === 'closed');
    const changes: Changes = { commentId: { before: null, after: id }, public: { before: null, after: c.isPublic } };
    if (reopened) changes.status = { before: ticket.status, after: 'open' };
    // the contacts were read before the write (in the lock's snapshot or without a lock): checked again in it
    const people = c.isPublic ? o.people : undefined;
    const plan = c.isPublic
      ? await planNotification(tx, {
          teamId: actor.teamId,
          event: 'commented',
          ticket: { ...ticket, status: reopened ? 'open' : ticket.status },
          authorContactId: c.author.type === 'contact' ? c.author.id : null,
          comment: { body: c.body, authorName: c.author.name },
          team: teamOfLocked(ticket),
          people,
        })
      : null;
    const rendered = plan?.rendered;
    return repo.writeComment(
      {
        id,
        teamId: actor.teamId,
        ticketId,
        body: c.body,
        isPublic: c.isPublic,
        authorType: c.author.type,
        authorMemberId: c.author.type === 'member' ? c.author.id : null,
        authorContactId: c.author.type === 'contact' ? c.author.id : null,
        authorName: c.author.name,
        createdAt: at,
      },
      {
        reopen: reopened,
        audit: (onlyFor) => audit.statement({ actor, entityType: 'ticket', entityId: ticketId, action: 'comment', changes }, onlyFor),
        notify:
          plan && rendered
            ? {
                kind: 'commented',
                contactIds: plan.recipients.map((r) => r.contactId),
                mails: (claimed) =>
                  mail.fanOutStatement(
                    { teamId: actor.teamId, kind: 'ticket.commented', ...rendered },
                    plan.recipients.map((r) => ({ address: r.address, key: r.contactId })),
                    claimed,
                  ),
                wake: o.wake,
              }
            : null,
        expectContacts: people ? people.map((p) => p.id) : null,
        version: o.version,
      },
      tx,
    );
  }

  async function changeTicket(actor: Actor, id: string, patch: TicketPatch, authorContactId: string | null): Promise<void> {
    if (patch.assigneeId !== undefined) await requireMember(actor.teamId, patch.assigneeId, 'assigneeId');
    await db.transaction().execute(async (tx) => {
      const before = await lockTicket(actor.teamId, id, tx);
      const team = teamOfLocked(before);
      const changes: Changes = {};
      for (const k of ['subject', 'description', 'status', 'priority', 'assigneeId'] as const) {
        if (patch[k] !== undefined && patch[k] !== before[k]) changes[k] = { before: before[k], after: patch[k] };
      }
      if (!Object.keys(changes).length) return;
      const at = now();
      const closing = patch.status !== undefined && patch.status !== before.status;
      await repo.update(
        actor.teamId,
        id,
        {
          ...patch,
          updatedAt: at,
          ...(closing ? { closedAt: patch.status === 'closed' ? at : null } : {}),
        },
        tx,
      );
      await audit.record({ actor, entityType: 'ticket', entityId: id, action: 'update', changes }, tx);
      // contacts hear about what they can see change: status, priority, subject (not the assignee or notes)
      const told: string[] = [];
      if (changes.status) told.push(`Status: ${String(changes.status.before)} → ${String(changes.status.after)}`);
      if (changes.priority) told.push(`Priority: ${String(changes.priority.before)} → ${String(changes.priority.after)}`);
      if (changes.subject) told.push(`Subject: ${String(changes.subject.after)}`);
      if (told.length) {
        await notify(tx, {
          teamId: actor.teamId,
          eventId: uuidv7(),
          event: 'updated',
          ticket: { ...before, subject: patch.subject ?? before.subject, status: patch.status ?? before.status },
          authorContactId,
          changes: told,
          team,
        });
      }
    });
  }

  async function detail(teamId: string, id: string): Promise<TicketDetail> {
    const row = await load(teamId, id);
    const people = await repo.ticketContacts(teamId, id);
    return {
      ...presentTicket(row),
      contacts: people.map((c) => ({
        id: c.id,
        name: displayName(c),
        primaryEmail: c.primaryEmail,
        company: c.company,
        jobTitle: c.jobTitle,
        phones: c.phones,
      })),
    };
  }

  function portalTicketOf(r: {
    id: string;
    number: number;
    subject: string;
    description: string;
    status: Ticket['status'];
    priority: Ticket['priority'];
    createdAt: Date;
    updatedAt: Date;
    requesterFirstName: string | null;
    requesterLastName: string | null;
    requesterEmail: string | null;
  }): PortalTicket {
    return {
      id: r.id,
      number: r.number,
      subject: r.subject,
      description: r.description,
      status: r.status,
      priority: r.priority,
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
      requesterName: nameOr(r.requesterFirstName, r.requesterLastName, r.requesterEmail),
    };
  }

  /** A ticket the signed-in contact is on; any other (another contact's, another team's, unknown) is 404. */
  async function portalLoad(p: PortalContext, id: string) {
    if (!isUuid(id) || !(await repo.isOnTicket(p.team.id, id, p.contact.id))) throw new AppError('NOT_FOUND', 'Ticket not found');
    return load(p.team.id, id);
  }

  const refuse = (r: Refusal) => new AppError(r.code, r.message, { missing: r.missing });

  async function validateTemplateInput(
    teamId: string,
    t: { availability?: RequestTemplateInput['availability']; assigneeIds?: string[] },
  ): Promise<{ domains?: string[] }> {
    const details: ErrorDetail[] = [];
    let domains: string[] | undefined;
    if (t.availability) {
      const d = normaliseDomains(t.availability.domains);
      if (!d.ok) details.push(...d.details);
      else domains = d.value;
      const ids = t.availability.contactIds;
      const found = new Set((await repo.liveContacts(teamId, ids)).map((c) => c.id));
      ids.forEach((cid, i) => {
        if (!found.has(cid)) details.push({ path: `availability.contactIds.${i}`, message: 'No such contact in this team' });
      });
    }
    if (t.assigneeIds) {
      const found = new Set((await repo.members(teamId, t.assigneeIds)).map((m) => m.id));
      t.assigneeIds.forEach((mid, i) => {
        if (!found.has(mid)) details.push({ path: `assigneeIds.${i}`, message: 'No such member in this team' });
      });
    }
    if (details.length) throw new AppError('VALIDATION', 'Invalid request template', details);
    return { domains };
  }

  return {
    notify,

    list: (actor: Actor, q: TicketListQuery) => list(actor.teamId, q),

    /** Members a ticket can be assigned to (every member of the team may work tickets). */
    async assignees(actor: Actor): Promise<{ items: { id: string; name: string; email: string }[] }> {
      return { items: (await repo.allMembers(actor.teamId)).map((m) => ({ id: m.id, name: m.name ?? m.email, email: m.email })) };
    },

    get: (actor: Actor, id: string) => detail(actor.teamId, id),

    async create(actor: Actor, input: TicketInput): Promise<TicketDetail> {
      const byId = await requireContacts(actor.teamId, [
        { id: input.requesterId, path: 'requesterId' },
        ...input.contactIds.map((id, i) => ({ id, path: `contactIds.${i}` })),
      ]);
      await requireMember(actor.teamId, input.assigneeId, 'assigneeId');
      const id = await createTicket(
        actor,
        {
          ...input,
          companyId: byId.get(input.requesterId)!.companyId,
          templateId: null,
          custom: {},
        },
        null,
      );
      return detail(actor.teamId, id);
    },

    async update(actor: Actor, id: string, patch: TicketPatch): Promise<TicketDetail> {
      await changeTicket(actor, id, patch, null);
      return detail(actor.teamId, id);
    },

    async addContact(actor: Actor, id: string, contactId: string): Promise<TicketDetail> {
      await requireContacts(actor.teamId, [{ id: contactId, path: 'contactId' }]);
      await db.transaction().execute(async (tx) => {
        await lockTicket(actor.teamId, id, tx);
        const people = await repo.ticketContacts(actor.teamId, id, tx);
        if (people.length >= TICKET_CONTACTS_MAX && !people.some((c) => c.id === contactId)) {
          throw new AppError('CONFLICT', `A ticket has at most ${TICKET_CONTACTS_MAX} contacts`);
        }
        const added = await repo.addContacts(actor.teamId, id, [contactId], now(), tx);
        if (added.length) {
          await repo.update(actor.teamId, id, { updatedAt: now() }, tx);
          await audit.record(
            {
              actor,
              entityType: 'ticket',
              entityId: id,
              action: 'add_contact',
              changes: { contactId: { before: null, after: contactId } },
            },
            tx,
          );
        }
      });
      return detail(actor.teamId, id);
    },

    async removeContact(actor: Actor, id: string, contactId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const t = await lockTicket(actor.teamId, id, tx);
        if (t.requesterId === contactId) throw new AppError('CONFLICT', 'The requester stays a contact of the ticket');
        if (!isUuid(contactId) || !(await repo.removeContact(actor.teamId, id, contactId, tx))) {
          throw new AppError('NOT_FOUND', 'That contact is not on this ticket');
        }
        await repo.update(actor.teamId, id, { updatedAt: now() }, tx);
        await audit.record(
          {
            actor,
            entityType: 'ticket',
            entityId: id,
            action: 'remove_contact',
            changes: { contactId: { before: contactId, after: null } },
          },
          tx,
        );
      });
    },

    async comments(actor: Actor, id: string): Promise<{ items: Comment[]; olderOmitted: boolean }> {
      await load(actor.teamId, id);
      const rows = await repo.comments(actor.teamId, id, { publicOnly: false, limit: COMMENTS_MAX + 1 });
      return { items: rows.slice(-COMMENTS_MAX).map(presentComment), olderOmitted: rows.length > COMMENTS_MAX };
    },

    comment(actor: Actor, id: string, input: CommentInput): Promise<Comment> {
      return addComment(
        actor,
        id,
        {
          body: input.body,
          isPublic: input.public,
          author: { type: 'member', id: actor.memberId, name: actor.label.replace(/ <[^>]*>$/, '') },
        },
        false,
      );
    },

    async history(
      actor: Actor,
      id: string,
      q: { limit: number; cursor?: string },
    ): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
      await load(actor.teamId, id);
      if (q.cursor !== undefined && !/^\d{1,19}$/.test(q.cursor)) {
        throw new AppError('VALIDATION', 'Invalid query', [
          { path: 'cursor', message: 'Not a history cursor; start again without a cursor' },
        ]);
      }
      const rows = await audit.list(actor.teamId, 'ticket', id, { limit: q.limit + 1, beforeId: q.cursor });
      const items = rows.slice(0, q.limit);
      return {
        items: items.map((r) => ({
          at: iso(r.at),
          actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
          action: r.action,
          changes: r.changes as HistoryEntry['changes'],
        })),
        nextCursor: rows.length > q.limit ? String(items.at(-1)!.id) : null,
      };
    },

    async contactTickets(actor: Actor, contactId: string, q: TicketListQuery): Promise<TicketPage> {
      const found = isUuid(contactId) ? await repo.liveContacts(actor.teamId, [contactId]) : [];
      if (!found.length) throw new AppError('NOT_FOUND', 'Contact not found');
      return list(actor.teamId, { ...q, contactId });
    },

    // --- request templates (members) ---

    async templates(actor: Actor): Promise<{ items: RequestTemplate[] }> {
      return { items: (await repo.templates(actor.teamId)).map(presentTemplate) };
    },

    async template(actor: Actor, id: string): Promise<RequestTemplate> {
      const t = isUuid(id) ? await repo.template(actor.teamId, id) : undefined;
      if (!t) throw new AppError('NOT_FOUND', 'Request template not found');
      return presentTemplate(t);
    },

    async createTemplate(actor: Actor, input: RequestTemplateInput): Promise<RequestTemplate> {
      const { domains } = await validateTemplateInput(actor.teamId, input);
      const at = now();
      const id = uuidv7();
      const row = await db.transaction().execute(async (tx) => {
        const r = await repo.insertTemplate(
          {
            id,
            teamId: actor.teamId,
            name: input.name,
            description: input.description,
            fields: JSON.stringify(input.fields),
            availability: JSON.stringify({ ...input.availability, domains: domains ?? [] }),
            allowChooseAssignee: input.allowChooseAssignee,
            assigneeIds: input.assigneeIds,
            allowAddContacts: input.allowAddContacts,
            createdAt: at,
            updatedAt: at,
          },
          tx,
        );
        await audit.record(
          { actor, entityType: 'request_template', entityId: id, action: 'create', changes: { name: { before: null, after: input.name } } },
          tx,
        );
        return r;
      });
      return presentTemplate(row);
    },

    async updateTemplate(actor: Actor, id: string, patch: RequestTemplatePatch): Promise<RequestTemplate> {
      const { domains } = await validateTemplateInput(actor.teamId, patch);
      const before = isUuid(id) ? await repo.template(actor.teamId, id) : undefined;
      if (!before) throw new AppError('NOT_FOUND', 'Request template not found');
      const row = await db.transaction().execute(async (tx) => {
        const r = await repo.updateTemplate(
          actor.teamId,
          id,
          {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.description !== undefined ? { description: patch.description } : {}),
            ...(patch.fields !== undefined ? { fields: JSON.stringify(patch.fields) } : {}),
            ...(patch.availability !== undefined
              ? { availability: JSON.stringify({ ...patch.availability, domains: domains ?? [] }) }
              : {}),
            ...(patch.allowChooseAssignee !== undefined ? { allowChooseAssignee: patch.allowChooseAssignee } : {}),
            ...(patch.assigneeIds !== undefined ? { assigneeIds: patch.assigneeIds } : {}),
            ...(patch.allowAddContacts !== undefined ? { allowAddContacts: patch.allowAddContacts } : {}),
            updatedAt: now(),
          },
          tx,
        );
        if (!r) throw new AppError('NOT_FOUND', 'Request template not found');
        const changes: Changes = {};
        for (const k of Object.keys(patch) as (keyof RequestTemplatePatch)[]) changes[k] = { before: before[k], after: r[k] };
        await audit.record({ actor, entityType: 'request_template', entityId: id, action: 'update', changes }, tx);
        return r;
      });
      return presentTemplate(row);
    },

    async deleteTemplate(actor: Actor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (!isUuid(id) || !(await repo.deleteTemplate(actor.teamId, id, tx)))
          throw new AppError('NOT_FOUND', 'Request template not found');
        await audit.record({ actor, entityType: 'request_template', entityId: id, action: 'delete', changes: {} }, tx);
      });
    },

    // --- portal ---

    async portalList(p: PortalContext, cursor: string | undefined): Promise<PortalTicketPage> {
      const rows = await repo.contactPage(p.team.id, p.contact.id, { limit: PORTAL_PAGE + 1, beforeId: beforeIdOf(cursor) });
      const items = rows.slice(0, PORTAL_PAGE);
      return { items: items.map(portalTicketOf), nextCursor: rows.length > PORTAL_PAGE ? items.at(-1)!.id : null };
    },

    async portalGet(p: PortalContext, id: string): Promise<PortalTicketDetail> {
      const row = await portalLoad(p, id);
      const [comments, people] = await Promise.all([
        repo.comments(p.team.id, id, { publicOnly: true, limit: COMMENTS_MAX + 1 }),
        repo.ticketContacts(p.team.id, id),
      ]);
      const fields = rowToFields(p.contact);
      const cr = commentRefusal(p.team.settings, fields);
      const cl = closeRefusal(p.team.settings, fields);
      return {
        ...portalTicketOf({ ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) }),
        olderOmitted: comments.length > COMMENTS_MAX,
        comments: comments.slice(-COMMENTS_MAX).map((c) => {
          const { public: _, ...rest } = presentComment(c);
          return rest;
        }),
        contacts: people.map((c) => ({ id: c.id, name: displayName(c) })),
        can: { comment: cr === null, close: cl === null && row.status !== 'closed' },
        refusals: { comment: cr?.message ?? null, close: cl?.message ?? null },
      };
    },

    async portalComment(p: PortalContext, id: string, body: string, requestId?: string): Promise<Comment> {
      await portalLoad(p, id);
      const refusal = commentRefusal(p.team.settings, rowToFields(p.contact));
      if (refusal) throw refuse(refusal);
      return addComment(
        contactActor(p, requestId),
        id,
        { body, isPublic: true, author: { type: 'contact', id: p.contact.id, name: displayName(p.contact) } },
        true,
      );
    },

    async portalClose(p: PortalContext, id: string, requestId?: string): Promise<PortalTicketDetail> {
      await portalLoad(p, id);
      const refusal = closeRefusal(p.team.settings, rowToFields(p.contact));
      if (refusal) throw refuse(refusal);
      await changeTicket(contactActor(p, requestId), id, { status: 'closed' }, p.contact.id);
      return this.portalGet(p, id);
    },

    /** The templates offered to this contact (or, signed out, to everyone). */
    async portalTemplates(teamId: string, contact: ContactRow | null): Promise<{ items: PortalTemplate[] }> {
      const rows = (await repo.templates(teamId)).filter((t) => templateAvailableTo(t.availability, contact));
      const memberIds = [...new Set(rows.filter((t) => t.allowChooseAssignee).flatMap((t) => t.assigneeIds))];
      const names = new Map((await repo.members(teamId, memberIds)).map((m) => [m.id, m.name ?? m.email]));
      return {
        items: rows.map((t) => {
          const v = presentTemplate(t);
          return {
            id: v.id,
            name: v.name,
            description: v.description,
            fields: v.fields,
            allowChooseAssignee: v.allowChooseAssignee,
            assignees: v.allowChooseAssignee ? v.assigneeIds.filter((m) => names.has(m)).map((m) => ({ id: m, name: names.get(m)! })) : [],
            allowAddContacts: v.allowAddContacts && contact !== null,
          };
        }),
      };
    },

    /**
     * A request from the portal: a signed-in contact (`p`), or with portalTicketCreation "anyone" a
     * visitor giving name and email (`team` only). A visitor's answer is the same whether the email
     * belonged to a contact or not.
     */
    async portalRequest(
      who: { session: PortalContext } | { team: { id: string; slug: string; settings: TeamSettings }; ip: string },
      input: PortalRequestInput,
      requestId?: string,
    ): Promise<{ ticket: PortalTicket | null }> {
      const team = 'session' in who ? who.session.team : who.team;
      if (!team.settings.portalEnabled) throw new AppError('PORTAL_DISABLED', 'The portal of this team is switched off');
      const requester: ContactRow | null = 'session' in who ? who.session.contact : null;
      const details: ErrorDetail[] = [];
      let visitorEmail: string | null = null;
      if (!requester) {
        if (team.settings.portalTicketCreation !== 'anyone') {
          throw new AppError(
            'UNAUTHENTICATED',
            'Sign in to submit a request: this team takes requests from signed-in contacts only (portalTicketCreation).',
          );
        }
        const norm = normalizeEmail(input.email ?? '');
        if (!norm.ok) details.push({ path: 'email', message: norm.message });
        else visitorEmail = norm.email;
        if (!input.name?.trim()) details.push({ path: 'name', message: 'Tell us your name' });
        if (input.contactEmails?.length) details.push({ path: 'contactEmails', message: 'Sign in to add other people to a request' });
      }
      const template = input.templateId ? await repo.template(team.id, input.templateId) : undefined;
      if (input.templateId && (!template || !templateAvailableTo(template.availability, requester))) {
        throw new AppError('NOT_FOUND', 'Request template not found');
      }
      const applied = applyTemplate(template ?? null, input.fields);
      if (!applied.ok) details.push(...applied.details);
      if (input.assigneeId && !(template?.allowChooseAssignee && template.assigneeIds.includes(input.assigneeId))) {
        details.push({ path: 'assigneeId', message: 'This request form does not let you choose that person' });
      }
      const others: string[] = [];
      if (input.contactEmails?.length && requester) {
        if (!template?.allowAddContacts)
          details.push({ path: 'contactEmails', message: 'This request form does not let you add other people' });
        input.contactEmails.forEach((e, i) => {
          const n = normalizeEmail(e);
          if (!n.ok) details.push({ path: `contactEmails.${i}`, message: n.message });
          else if (!others.includes(n.email) && n.email !== requester?.primaryEmail) others.push(n.email);
        });
      }
      if (details.length) throw new AppError('VALIDATION', 'Invalid request', details);
      const values = applied.ok ? applied.value : null;
      const system: Actor = {
        type: 'system',
        via: 'cli',
        teamId: team.id,
        memberId: null,
        label: 'portal request',
        role: 'owner',
        permissions: { modifyContacts: true, importContacts: false, exportContacts: false },
        requestId,
      };
      let requesterId: string;
      if (!requester) {
        // counted before any work; the same limits whether the address is known or not
        await limiter.take(
          [
            {
              key: `portal-request:ip:${'ip' in who ? who.ip : ''}`,
              max: VISITOR_LIMITS.perIp,
              windowSeconds: VISITOR_LIMITS.windowSeconds,
            },
            {
              key: `portal-request:email:${team.id}:${visitorEmail}`,
              max: VISITOR_LIMITS.perEmail,
              windowSeconds: VISITOR_LIMITS.windowSeconds,
            },
          ],
          'Too many requests from here; try again later.',
        );
        requesterId = (await contacts.findOrCreateByEmail(system, { email: visitorEmail!, ...splitName(input.name ?? '') })).id;
      } else {
        await limiter.take(
          [{ key: `portal-request:contact:${requester.id}`, max: CONTACT_REQUESTS_PER_HOUR, windowSeconds: 3600 }],
          'You have sent many requests in the last hour; try again later.',
        );
        requesterId = requester.id;
      }
      const otherIds: string[] = [];
      for (const email of others) otherIds.push((await contacts.findOrCreateByEmail(system, { email })).id);
      const [req] = await repo.liveContacts(team.id, [requesterId]);
      const actor: Actor =
        'session' in who
          ? contactActor(who.session, requestId)
          : {
              ...system,
              label: `Visitor <${visitorEmail}> (portal)`,
              permissions: { modifyContacts: false, importContacts: false, exportContacts: false },
            };
      const id = await createTicket(
        actor,
        {
          subject: values!.subject,
          description: values!.description,
          status: 'open',
          priority: values!.priority,
          requesterId,
          assigneeId: input.assigneeId ?? null,
          contactIds: otherIds,
          companyId: req?.companyId ?? null,
          templateId: template?.id ?? null,
          custom: values!.custom,
        },
        null,
      );
      if (!('session' in who)) return { ticket: null };
      const row = await load(team.id, id);
      return { ticket: portalTicketOf({ ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) }) };
    },
  };
}
export type TicketsService = ReturnType<typeof createTicketsService>;
