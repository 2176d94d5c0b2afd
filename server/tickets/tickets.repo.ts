// SQL of tickets, their contacts, comments, sent notifications and request templates. Every query is
// scoped by team. Contacts and members are only read here (their own features write them).
import { CompiledQuery, sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import { compiledOnce } from '../db/compiled.ts';
import type { Executor } from '../db/client.ts';
import type { WakeSql } from '../jobs/jobs.repo.ts';
import type { ContactRow, RequestTemplatesTable, TicketCommentsTable, TicketStatus, TicketsTable } from '../db/schema.ts';

export interface TicketFilter {
  status?: TicketStatus[];
  assigneeId?: string | 'none';
  contactId?: string;
  companyId?: string;
  /** a pattern for ILIKE on the subject (already escaped), and/or a ticket number */
  pattern?: string;
  number?: number;
}

/** What a notification needs of a ticket's live contact (recipientsOf). */
export type NotifiableRow = Pick<
  ContactRow,
  | 'id'
  | 'primaryEmail'
  | 'emails'
  | 'notifyNewTickets'
  | 'notifyTicketUpdates'
  | 'notifyNewComments'
  | 'notifyFormAssignments'
  | 'active'
  | 'portalAccess'
  | 'canPostComments'
  | 'canCloseTickets'
>;

export function createTicketsRepo(db: Executor) {
  // the ticket with what its notification mails need of the team (parameters: team, ticket)
  const withTeam = () =>
    db
      .selectFrom('tickets as t')
      .innerJoin('teams as tm', 'tm.id', 't.teamId')
      .selectAll('t')
      .select(['tm.name as teamName', 'tm.slug as teamSlug', 'tm.settings as teamSettings', 'tm.memberOrigin as teamMemberOrigin'])
      .where('t.teamId', '=', '')
      .where('t.id', '=', '');
  // run by every change of a ticket: compiled once
  const lockQuery = () => withTeam().forUpdate('t');
  const locked = compiledOnce(lockQuery);
  // what a notification needs of the ticket's live contacts (NotifiableRow, in the order they were added, as json)
  const notifiableJson = sql<NotifiableRow[]>`(SELECT coalesce(json_agg(json_build_object(
            'id', c.id, 'primaryEmail', c.primary_email, 'emails', c.emails, 'notifyNewTickets', c.notify_new_tickets,
            'notifyTicketUpdates', c.notify_ticket_updates, 'notifyNewComments', c.notify_new_comments,
            'notifyFormAssignments', c.notify_form_assignments, 'active', c.active, 'portalAccess', c.portal_access,
            'canPostComments', c.can_post_comments, 'canCloseTickets', c.can_close_tickets)
            ORDER BY tc.added_at, tc.contact_id), '[]')
          FROM ticket_contacts tc JOIN contacts c ON c.id = tc.contact_id
          WHERE tc.team_id = t.team_id AND tc.ticket_id = t.id AND c.deleted_at IS NULL)`;
  // a comment's lock, with the ticket's live contacts. They are read with this statement's snapshot, which may
  // predate the lock when it had to wait: writeComment checks them again under the lock (`expectContacts`).
  const lockedForComment = compiledOnce(() => lockQuery().select(notifiableJson.as('notifiable')));
  // a comment's optimistic read, without a lock: the same, with the row version (xmin) that writeComment's
  // `version` expects. Any change of the ticket (its contacts' included: they touch it) makes a new version.
  const readForComment = compiledOnce(() =>
    withTeam()
      .select(notifiableJson.as('notifiable'))
      .select(sql<string>`t.xmin::text`.as('version')),
  );
  // run by every notifying event that has not read them with the ticket: compiled once (parameters: team, ticket)
  const notifiable = compiledOnce(() =>
    db.selectFrom('tickets as t').select(notifiableJson.as('notifiable')).where('t.teamId', '=', '').where('t.id', '=', ''),
  );
  type PageRow = Awaited<ReturnType<ReturnType<typeof withNames>['execute']>>[number];
  function listBase(tx: Executor, teamId: string, f: TicketFilter) {
    let q = tx.selectFrom('tickets as t').where('t.teamId', '=', teamId);
    if (f.status?.length) q = q.where('t.status', 'in', f.status);
    if (f.assigneeId === 'none') q = q.where('t.assigneeId', 'is', null);
    else if (f.assigneeId) q = q.where('t.assigneeId', '=', f.assigneeId);
    if (f.companyId) q = q.where('t.companyId', '=', f.companyId);
    if (f.contactId) {
      const contactId = f.contactId;
      q = q.where('t.id', 'in', (eb) =>
        eb.selectFrom('ticketContacts').select('ticketId').where('teamId', '=', teamId).where('contactId', '=', contactId),
      );
    }
    if (f.pattern !== undefined || f.number !== undefined) {
      const { pattern, number } = f;
      q = q.where((eb) =>
        eb.or([
          ...(pattern !== undefined ? [eb('t.subject', 'ilike', pattern)] : []),
          ...(number !== undefined ? [eb('t.number', '=', number)] : []),
        ]),
      );
    }
    return q;
  }

  const listColumns = [
    't.id',
    't.teamId',
    't.number',
    't.subject',
    't.description',
    't.status',
    't.priority',
    't.requesterId',
    't.assigneeId',
    't.companyId',
    't.templateId',
    't.customFields',
    't.createdAt',
    't.updatedAt',
    't.closedAt',
  ] as const;

  function withNames<Q extends ReturnType<typeof listBase>>(q: Q) {
    return q
      .leftJoin('contacts as rc', 'rc.id', 't.requesterId')
      .leftJoin('members as m', 'm.id', 't.assigneeId')
      .select(listColumns)
      .select([
        'rc.firstName as requesterFirstName',
        'rc.lastName as requesterLastName',
        'rc.primaryEmail as requesterEmail',
        'm.name as assigneeName',
        'm.email as assigneeEmail',
        // comma-separated text, split by withContactIds: pg's array parser costs more per request than the page's query
        sql<string>`coalesce((SELECT string_agg(tc.contact_id::text, ',' ORDER BY tc.added_at, tc.contact_id) FROM ticket_contacts tc WHERE tc.ticket_id = t.id), '')`.as(
          'contactIds',
        ),
      ]);
  }

  /** The contacts' ids as a list (they are uuids: no comma inside one). */
  function withContactIds<R extends { contactIds: string }>(rows: R[]): (Omit<R, 'contactIds'> & { contactIds: string[] })[] {
    const out = rows as unknown as (Omit<R, 'contactIds'> & { contactIds: string[] })[];
    for (let i = 0; i < rows.length; i++) out[i]!.contactIds = rows[i]!.contactIds ? rows[i]!.contactIds.split(',') : [];
    return out;
  }

  type ListShape = 'page' | 'pageCounted' | 'count' | 'estimate';
  /**
   * The list's statements compiled once per shape (which filters are given, how many statuses, a cursor or
   * not), not per request: Kysely's builder and compiler cost more CPU than running the page. The query is
   * built once with a placeholder in place of each value; a request maps the placeholders to its values.
   */
  const compiledLists = new Map<string, { sql: string; slots: string[] }>();
  function listStatement(kind: ListShape, teamId: string, f: TicketFilter, o: { limit?: number; beforeId?: string; cap?: number }) {
    const values = new Map<string, unknown>();
    const slot = (name: string, v: unknown) => {
      values.set(name, v);
      return name;
    };
    const pf: TicketFilter = {
      status: f.status?.length ? f.status.map((st, i) => slot(`\u0000status${i}`, st) as TicketStatus) : undefined,
      assigneeId: f.assigneeId === 'none' ? 'none' : f.assigneeId ? slot('\u0000assignee', f.assigneeId) : undefined,
      contactId: f.contactId ? slot('\u0000contact', f.contactId) : undefined,
      companyId: f.companyId ? slot('\u0000company', f.companyId) : undefined,
      pattern: f.pattern !== undefined ? slot('\u0000pattern', f.pattern) : undefined,
      number: f.number !== undefined ? (slot('\u0000number', f.number) as unknown as number) : undefined,
    };
    const pTeam = slot('\u0000team', teamId);
    const pLimit = o.limit !== undefined ? slot('\u0000limit', o.limit) : undefined;
    const pBefore = o.beforeId ? slot('\u0000before', o.beforeId) : undefined;
    const pCap = o.cap !== undefined ? slot('\u0000cap', o.cap + 1) : undefined;
    const key = `${kind}|${[...values.keys()].join('|')}|${pf.assigneeId === 'none' ? 'none' : ''}`;
    let c = compiledLists.get(key);
    if (!c) {
      let compiled: CompiledQuery;
      if (kind === 'page' || kind === 'pageCounted') {
        let q = withNames(listBase(db, pTeam, pf));
        if (pBefore) q = q.where('t.id', '<', pBefore);
        if (kind === 'pageCounted') {
          // every match up to the cap, not only those before the cursor; an uncorrelated subquery runs once
          const inner = listBase(db, pTeam, pf)
            .select(sql`1`.as('one'))
            .limit(pCap as unknown as number);
          q = q.select((eb) =>
            eb
              .selectFrom(inner.as('x'))
              .select((eb2) => eb2.fn.countAll<number>().as('n'))
              .as('listTotal'),
          ) as unknown as typeof q;
        }
        compiled = q
          .orderBy('t.id', 'desc')
          .limit(pLimit as unknown as number)
          .compile();
      } else if (kind === 'count') {
        const inner = listBase(db, pTeam, pf)
          .select(sql`1`.as('one'))
          .limit(pCap as unknown as number);
        compiled = db
          .selectFrom(inner.as('x'))
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .compile();
      } else {
        const q = listBase(db, pTeam, pf)
          .select(sql`1`.as('one'))
          .compile();
        compiled = CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${q.sql}`, [...q.parameters]);
      }
      if (compiled.parameters.some((p) => typeof p !== 'string' || !values.has(p))) {
        throw new Error('tickets list: a value was compiled into the statement instead of a placeholder');
      }
      c = { sql: compiled.sql, slots: compiled.parameters as string[] };
      // the shapes are few (a status list is at most 100 characters); a bound all the same
      if (compiledLists.size >= 500) compiledLists.clear();
      compiledLists.set(key, c);
    }
    return CompiledQuery.raw(
      c.sql,
      c.slots.map((s) => values.get(s)),
    );
  }

  return {
    /** The team's next ticket number; the counter row is locked until the caller's transaction ends. */
    async nextNumber(teamId: string, tx: Executor): Promise<number> {
      const r = await sql<{ lastNumber: number }>`
        INSERT INTO ticket_counters (team_id, last_number) VALUES (${teamId}, 1)
        ON CONFLICT (team_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
        RETURNING last_number`.execute(tx);
      return r.rows[0]!.lastNumber;
    },

    insert(row: Insertable<TicketsTable>, tx: Executor = db) {
      return tx.insertInto('tickets').values(row).returningAll().executeTakeFirstOrThrow();
    },

    /** Adds contacts to a ticket; returns the ids that were not on it yet. */
    async addContacts(teamId: string, ticketId: string, contactIds: string[], at: Date, tx: Executor = db): Promise<string[]> {
      if (!contactIds.length) return [];
      const rows = await tx
        .insertInto('ticketContacts')
        .values(contactIds.map((contactId) => ({ teamId, ticketId, contactId, addedAt: at })))
        .onConflict((oc) => oc.columns(['ticketId', 'contactId']).doNothing())
        .returning('contactId')
        .execute();
      return rows.map((r) => r.contactId);
    },

    async removeContact(teamId: string, ticketId: string, contactId: string, tx: Executor = db): Promise<boolean> {
      const r = await tx
        .deleteFrom('ticketContacts')
        .where('teamId', '=', teamId)
        .where('ticketId', '=', ticketId)
        .where('contactId', '=', contactId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async isOnTicket(teamId: string, ticketId: string, contactId: string, tx: Executor = db): Promise<boolean> {
      const r = await tx
        .selectFrom('ticketContacts')
        .select('contactId')
        .where('teamId', '=', teamId)
        .where('ticketId', '=', ticketId)
        .where('contactId', '=', contactId)
        .executeTakeFirst();
      return r !== undefined;
    },

    async find(teamId: string, id: string, tx: Executor = db) {
      const rows = await withNames(listBase(tx, teamId, {}))
        .where('t.id', '=', id)
        .execute();
      return withContactIds(rows)[0];
    },

    /** Locks the ticket until the caller's transaction ends; with what its notification mails need of the team. */
    async lock(teamId: string, id: string, tx: Executor) {
      return (await locked(tx, [teamId, id]))[0];
    },

    /** `lock`, with the ticket's live contacts as a notification needs them (`notifiable`), in one statement. */
    async lockForComment(teamId: string, id: string, tx: Executor) {
      return (await lockedForComment(tx, [teamId, id]))[0];
    },

    /** `lockForComment` without the lock, with the ticket row's `version` for writeComment's optimistic write. */
    async readForComment(teamId: string, id: string, tx: Executor = db) {
      return (await readForComment(tx, [teamId, id]))[0];
    },

    update(teamId: string, id: string, set: Partial<Insertable<TicketsTable>>, tx: Executor = db) {
      return tx.updateTable('tickets').set(set).where('teamId', '=', teamId).where('id', '=', id).execute();
    },

    /** Newest first, keyset-paged on id (UUIDv7). */
    /** A page; with `countCap`, also how many match the filter (all of them, up to `countCap` + 1): `counted`,
     *  null when the page is empty. */
    async page(teamId: string, f: TicketFilter, o: { limit: number; beforeId?: string; countCap?: number }, tx: Executor = db) {
      const counting = o.countCap !== undefined;
      const r = await tx.executeQuery<PageRow & { listTotal?: number }>(
        listStatement(counting ? 'pageCounted' : 'page', teamId, f, { limit: o.limit, beforeId: o.beforeId, cap: o.countCap }),
      );
      const counted = counting && r.rows.length ? Number(r.rows[0]!.listTotal) : null;
      return { rows: withContactIds(r.rows), counted };
    },

    /** How many match, counted up to `cap` + 1 (so a huge scope costs at most that many index rows). */
    async count(teamId: string, f: TicketFilter, cap: number, tx: Executor = db): Promise<number> {
      const r = await tx.executeQuery<{ n: number }>(listStatement('count', teamId, f, { cap }));
      return Number(r.rows[0]!.n);
    },

    /** The planner's estimate of how many match (EXPLAIN: no row is read). */
    async estimate(teamId: string, f: TicketFilter, tx: Executor = db): Promise<number> {
      const r = await tx.executeQuery<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(listStatement('estimate', teamId, f, {}));
      return Math.round(r.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows']);
    },

    /** A contact's tickets (the portal list): only tickets the contact is on. */
    contactPage(teamId: string, contactId: string, o: { limit: number; beforeId?: string }, tx: Executor = db) {
      let q = tx
        .selectFrom('ticketContacts as tc')
        .innerJoin('tickets as t', 't.id', 'tc.ticketId')
        .leftJoin('contacts as rc', 'rc.id', 't.requesterId')
        .where('tc.teamId', '=', teamId)
        .where('tc.contactId', '=', contactId)
        .select(['t.id', 't.number', 't.subject', 't.description', 't.status', 't.priority', 't.createdAt', 't.updatedAt'])
        .select(['rc.firstName as requesterFirstName', 'rc.lastName as requesterLastName', 'rc.primaryEmail as requesterEmail']);
      if (o.beforeId) q = q.where('tc.ticketId', '<', o.beforeId);
      return q.orderBy('tc.ticketId', 'desc').limit(o.limit).execute();
    },

    /** The contacts of a ticket with what the ticket view and the notifications need. */
    ticketContacts(teamId: string, ticketId: string, tx: Executor = db) {
      return tx
        .selectFrom('ticketContacts as tc')
        .innerJoin('contacts as c', 'c.id', 'tc.contactId')
        .where('tc.teamId', '=', teamId)
        .where('tc.ticketId', '=', ticketId)
        .where('c.deletedAt', 'is', null)
        .selectAll('c')
        .orderBy('tc.addedAt')
        .orderBy('tc.contactId')
        .execute();
    },

    /** What a notification needs of the ticket's live contacts (recipientsOf), in the order they were added. */
    async notifiableContacts(teamId: string, ticketId: string, tx: Executor = db): Promise<NotifiableRow[]> {
      return (await notifiable(tx, [teamId, ticketId]))[0]?.notifiable ?? [];
    },

    /**
     * A comment in one statement: the comment, its ticket's `updatedAt` (and a reopening), its audit row
     * (`audit`, the audit writer's SQL), and for a notifying comment the claims of (event, contact) — ON
     * CONFLICT DO NOTHING — and the mails of the contacts actually claimed (`notify.mails`, the mail
     * service's SQL, given the claimed ids). Answers the comment and how many mails were written.
     */
    async writeComment(
      row: Omit<Insertable<TicketCommentsTable>, 'createdAt'> & { id: string; teamId: string; ticketId: string; createdAt: Date },
      o: {
        reopen: boolean;
        /** the audit writer's SQL of the comment's audit row, for the ticket ids in the named CTE's `id` */
        audit: (onlyFor: string) => RawBuilder<unknown>;
        notify: {
          kind: string;
          contactIds: string[];
          mails: (claimed: RawBuilder<unknown>) => RawBuilder<unknown>;
          /** the mail sender's wake when mails were written (the job engine's SQL), or null */
          wake: WakeSql | null;
        } | null;
        /** The ids of the ticket's live contacts the recipients were chosen from, in order: when they are not the
         *  ticket's live contacts any more, nothing is written and `comment` is null (read them again, retry). */
        expectContacts: string[] | null;
        /** Without the ticket's lock: the row version read (readForComment). When the ticket changed since, nothing
         *  is written and `comment` is null. The UPDATE that checks it waits for a concurrent writer and then sees
         *  the row as that writer left it, so a change committed while this statement waited is caught too. */
        version?: string;
      },
      tx: Executor,
    ): Promise<{ comment: Selectable<TicketCommentsTable> | null; mailed: number }> {
      const n = o.notify;
      // the ticket's id when its live contacts are still those expected (always without an expectation)
      const guard =
        o.expectContacts === null
          ? sql`SELECT ${row.ticketId}::uuid AS id`
          : sql`SELECT ${row.ticketId}::uuid AS id
              WHERE (SELECT coalesce(string_agg(c.id::text, ',' ORDER BY tc.added_at, tc.contact_id), '')
                     FROM ticket_contacts tc JOIN contacts c ON c.id = tc.contact_id
                     WHERE tc.team_id = ${row.teamId}::uuid AND tc.ticket_id = ${row.ticketId}::uuid AND c.deleted_at IS NULL)
                    = ${o.expectContacts.join(',')}::text`;
      const r = await sql<Selectable<TicketCommentsTable> & { mailed: number; woken?: unknown }>`
        WITH ok AS (${guard}),
        touched AS (
          UPDATE tickets SET updated_at = ${row.createdAt}::timestamptz${o.reopen ? sql`, status = 'open', closed_at = NULL` : sql``}
          WHERE team_id = ${row.teamId}::uuid AND id IN (SELECT id FROM ok)${o.version !== undefined ? sql` AND xmin = ${o.version}::xid` : sql``}
          RETURNING id),
        audited AS (${o.audit('touched')}),
        ${
          n
            ? sql`claimed AS (
          INSERT INTO ticket_notifications (team_id, event_id, contact_id, kind, created_at)
          SELECT ${row.teamId}::uuid, ${row.id}::uuid, c, ${n.kind}::text, ${row.createdAt}::timestamptz FROM unnest(${n.contactIds}::uuid[]) AS c
          WHERE EXISTS (SELECT 1 FROM touched)
          ON CONFLICT (event_id, contact_id) DO NOTHING
          RETURNING contact_id),
        mailed AS (${n.mails(sql`SELECT contact_id FROM claimed`)}),${
          n.wake
            ? sql`
        woken AS (${n.wake.insert(sql`SELECT 1 FROM mailed`)}),`
            : sql``
        }`
            : sql``
        }
        c AS (
          INSERT INTO ticket_comments (id, team_id, ticket_id, body, is_public, author_type, author_member_id, author_contact_id,
                                       author_name, created_at)
          SELECT ${row.id}::uuid, ${row.teamId}::uuid, touched.id, ${row.body}::text, ${row.isPublic}::boolean,
                 ${row.authorType}::text, ${row.authorMemberId ?? null}::uuid, ${row.authorContactId ?? null}::uuid,
                 ${row.authorName}::text, ${row.createdAt}::timestamptz FROM touched
          RETURNING *)
        SELECT c.*, ${n ? sql`(SELECT count(*) FROM mailed)` : sql`0`}::int AS mailed${n?.wake ? sql`, ${n.wake.notify('woken')} AS woken` : sql``}
        FROM c`.execute(tx);
      if (!r.rows.length) return { comment: null, mailed: 0 };
      const { mailed, woken: _, ...comment } = r.rows[0]!;
      return { comment, mailed };
    },

    /** Live (not deleted) contacts of the team among `ids`. */
    liveContacts(teamId: string, ids: string[], tx: Executor = db) {
      if (!ids.length) return Promise.resolve([]);
      return tx
        .selectFrom('contacts')
        .select(['id', 'companyId', 'primaryEmail', 'firstName', 'lastName'])
        .where('teamId', '=', teamId)
        .where('id', 'in', ids)
        .where('deletedAt', 'is', null)
        .execute();
    },

    /** Every member of the team (who a ticket may be assigned to). */
    allMembers(teamId: string, tx: Executor = db) {
      return tx
        .selectFrom('members')
        .select(['id', 'name', 'email'])
        .where('teamId', '=', teamId)
        .orderBy('name')
        .orderBy('email')
        .limit(5000)
        .execute();
    },

    members(teamId: string, ids: string[], tx: Executor = db) {
      if (!ids.length) return Promise.resolve([]);
      return tx.selectFrom('members').select(['id', 'name', 'email']).where('teamId', '=', teamId).where('id', 'in', ids).execute();
    },

    /** The newest `limit` comments, oldest first. */
    async comments(teamId: string, ticketId: string, o: { publicOnly: boolean; limit: number }, tx: Executor = db) {
      let q = tx.selectFrom('ticketComments').selectAll().where('teamId', '=', teamId).where('ticketId', '=', ticketId);
      if (o.publicOnly) q = q.where('isPublic', '=', true);
      return (await q.orderBy('id', 'desc').limit(o.limit).execute()).reverse();
    },

    /**
     * Records that `eventId` notifies these contacts; returns only those not recorded before, so a
     * fan-out that runs again for the same event mails nobody twice.
     */
    async claimNotifications(teamId: string, eventId: string, kind: string, contactIds: string[], at: Date, tx: Executor) {
      if (!contactIds.length) return [];
      // one statement of fixed shape whatever the number of recipients (prepared once per connection)
      const r = await sql<{ contactId: string }>`
        INSERT INTO ticket_notifications (team_id, event_id, contact_id, kind, created_at)
        SELECT ${teamId}::uuid, ${eventId}::uuid, c, ${kind}, ${at}::timestamptz FROM unnest(${contactIds}::uuid[]) AS c
        ON CONFLICT (event_id, contact_id) DO NOTHING
        RETURNING contact_id`.execute(tx);
      return r.rows.map((x) => x.contactId);
    },

    // --- request templates ---

    templates(teamId: string, tx: Executor = db) {
      return tx.selectFrom('requestTemplates').selectAll().where('teamId', '=', teamId).orderBy('name').orderBy('id').limit(1000).execute();
    },
    template(teamId: string, id: string, tx: Executor = db) {
      return tx.selectFrom('requestTemplates').selectAll().where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
    },
    insertTemplate(row: Insertable<RequestTemplatesTable>, tx: Executor = db) {
      return tx.insertInto('requestTemplates').values(row).returningAll().executeTakeFirstOrThrow();
    },
    updateTemplate(teamId: string, id: string, set: Partial<Insertable<RequestTemplatesTable>>, tx: Executor = db) {
      return tx
        .updateTable('requestTemplates')
        .set(set)
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },
    async deleteTemplate(teamId: string, id: string, tx: Executor = db) {
      const r = await tx.deleteFrom('requestTemplates').where('teamId', '=', teamId).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
export type TicketsRepo = ReturnType<typeof createTicketsRepo>;
