import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { createContact, ORIGIN, signIn } from '../portal/portal-test-support.ts';
import { createAuditWriter } from '../contacts/contacts.writer.ts';
import { uuidv7 } from '../db/ids.ts';
import { createTicketsRepo } from './tickets.repo.ts';

let ctx: TestContext;
let team: TestTeam;
let t: string;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx, 'Acme Support');
  t = team.ownerToken;
});
afterAll(() => ctx?.close());

async function newTicket(tm: TestTeam, body: Record<string, unknown>) {
  const res = await call(ctx, tm.ownerToken, 'POST', '/api/v1/tickets', { subject: `Printer ${uid()}`, ...body });
  if (res.statusCode !== 201) throw new Error(`newTicket: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; number: number; contactIds: string[]; status: string };
}

/** Mails of one kind to one address, newest last. */
async function mailsTo(to: string, kind?: string) {
  let q = ctx.db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', to);
  if (kind) q = q.where('kind', '=', kind);
  return q.orderBy('id').execute();
}

const portal = (slug: string, cookie: string | null, method: 'GET' | 'POST', path: string, payload?: object) =>
  ctx.app.inject({
    method,
    url: `/portal/api/${slug}${path}`,
    headers: { ...(cookie ? { cookie } : {}), ...(method === 'POST' ? { origin: ORIGIN, host: 'localhost' } : {}) },
    ...(payload ? { payload } : {}),
  });

describe('POST /api/v1/tickets', () => {
  it('numbers tickets per team, makes the requester a ticket contact and links the requester company', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    const first = await newTicket(team, { requesterId: a.id, contactIds: [b.id], priority: 'high' });
    const second = await newTicket(team, { requesterId: b.id });
    expect(second.number).toBe(first.number + 1);
    expect(first).toMatchObject({ requesterId: a.id, contactIds: [a.id, b.id], status: 'open', priority: 'high' });
    const got = await call(ctx, t, 'GET', `/api/v1/tickets/${first.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().contacts.map((c: { id: string; primaryEmail: string }) => c.primaryEmail)).toEqual([a.primaryEmail, b.primaryEmail]);
    // another team numbers from 1
    const other = await createTeam(ctx);
    const oc = await createContact(ctx, other);
    expect((await newTicket(other, { requesterId: oc.id })).number).toBe(1);
  });

  it('answers 400 naming the path for a contact or assignee of another team', async () => {
    const other = await createTeam(ctx);
    const foreign = await createContact(ctx, other);
    const mine = await createContact(ctx, team);
    const res = await call(ctx, t, 'POST', '/api/v1/tickets', { subject: 'x', requesterId: mine.id, contactIds: [foreign.id] });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: 'contactIds.0', message: 'No such contact in this team' }]);
    const agent = await createMember(ctx, other);
    const res2 = await call(ctx, t, 'POST', '/api/v1/tickets', { subject: 'x', requesterId: mine.id, assigneeId: agent.id });
    expect(res2.statusCode).toBe(400);
    expect(res2.json().details[0].path).toBe('assigneeId');
    const res3 = await call(ctx, t, 'POST', '/api/v1/tickets', { subject: '  ', requesterId: mine.id });
    expect(res3.statusCode).toBe(400);
  });
});

describe('GET /api/v1/tickets', () => {
  it('filters by status, assignee, contact and search, pages newest first, and hides other teams', async () => {
    const tm = await createTeam(ctx);
    const agent = await createMember(ctx, tm);
    const c = await createContact(ctx, tm);
    const d = await createContact(ctx, tm);
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        await newTicket(tm, { subject: `Broken screen ${i}`, requesterId: i % 2 ? c.id : d.id, assigneeId: i < 2 ? agent.id : null }),
      );
    }
    await call(ctx, tm.ownerToken, 'PATCH', `/api/v1/tickets/${made[4]!.id}`, { status: 'pending' });
    const list = async (qs: string) => (await call(ctx, tm.ownerToken, 'GET', `/api/v1/tickets?${qs}`)).json();
    expect((await list('')).items.map((x: { id: string }) => x.id)).toEqual(made.map((m) => m.id).reverse());
    expect((await list('status=pending')).items.map((x: { id: string }) => x.id)).toEqual([made[4]!.id]);
    expect((await list('status=open,pending')).total).toBe(5);
    expect((await list(`assigneeId=${agent.id}`)).total).toBe(2);
    expect((await list('assigneeId=none')).total).toBe(3);
    expect((await list(`contactId=${c.id}`)).total).toBe(2);
    expect((await list('q=screen 3')).items.map((x: { number: number }) => x.number)).toEqual([made[3]!.number]);
    expect((await list(`q=%23${made[0]!.number}`)).items.map((x: { id: string }) => x.id)).toEqual([made[0]!.id]);
    const p1 = await list('limit=2');
    const p2 = await list(`limit=2&cursor=${p1.nextCursor}`);
    expect([...p1.items, ...p2.items].map((x: { id: string }) => x.id)).toEqual(
      made
        .slice(1)
        .map((m) => m.id)
        .reverse(),
    );
    expect((await call(ctx, tm.ownerToken, 'GET', '/api/v1/tickets?status=lost')).statusCode).toBe(400);
    // the owner of another team sees none of these, and a ticket id of this team is 404 there
    expect((await call(ctx, t, 'GET', `/api/v1/tickets?contactId=${c.id}`)).json().total).toBe(0);
    expect((await call(ctx, t, 'GET', `/api/v1/tickets/${made[0]!.id}`)).statusCode).toBe(404);
    expect((await call(ctx, t, 'PATCH', `/api/v1/tickets/${made[0]!.id}`, { status: 'closed' })).statusCode).toBe(404);
    expect((await call(ctx, t, 'POST', `/api/v1/tickets/${made[0]!.id}/comments`, { body: 'hi' })).statusCode).toBe(404);
    expect((await call(ctx, t, 'GET', `/api/v1/contacts/${c.id}/tickets`)).statusCode).toBe(404);
    // the contact's page lists their tickets
    const mine = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/${c.id}/tickets`)).json();
    expect(mine.items.map((x: { id: string }) => x.id)).toEqual([made[3]!.id, made[1]!.id]);
  });
});

describe('GET /api/v1/tickets paging', () => {
  it("shows the first page's total on the next pages instead of counting again", async () => {
    const tm = await createTeam(ctx);
    const c = await createContact(ctx, tm);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await newTicket(tm, { requesterId: c.id }));
    const list = async (qs: string) => {
      const res = await call(ctx, tm.ownerToken, 'GET', `/api/v1/tickets?${qs}`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const p1 = await list('limit=2');
    expect(p1).toMatchObject({ total: 3, totalIsEstimate: false });
    // a ticket created meanwhile is not on the next (older) page and does not change the total shown
    await newTicket(tm, { requesterId: c.id });
    const p2 = await list(`limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`);
    expect(p2).toMatchObject({ total: 3, totalIsEstimate: false, nextCursor: null });
    expect(p2.items.map((x: { id: string }) => x.id)).toEqual([made[0]!.id]);
    // a cursor the server did not issue is a 400 naming it
    for (const bad of ['nope.3', `${made[0]!.id}.x`, `${made[0]!.id}.3.e`]) {
      const res = await call(ctx, tm.ownerToken, 'GET', `/api/v1/tickets?cursor=${encodeURIComponent(bad)}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].path).toBe('cursor');
    }
  });
});

describe('ticket numbers', () => {
  it('gives parallel creations distinct consecutive numbers', async () => {
    const tm = await createTeam(ctx);
    const c = await createContact(ctx, tm);
    const made = await Promise.all(Array.from({ length: 12 }, () => newTicket(tm, { requesterId: c.id })));
    expect(made.map((m) => m.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});

describe('request templates across teams', () => {
  it("answers 404 for another team's template, and a portal request cannot use it", async () => {
    const other = await createTeam(ctx);
    const tpl = (await call(ctx, other.ownerToken, 'POST', '/api/v1/request-templates', { name: 'Theirs' })).json();
    for (const [method, body] of [['GET'], ['PATCH', { name: 'Mine now' }], ['DELETE']] as const) {
      expect((await call(ctx, t, method, `/api/v1/request-templates/${tpl.id}`, body)).statusCode).toBe(404);
    }
    const c = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail);
    const res = await portal(team.slug, cookie, 'POST', '/requests', { templateId: tpl.id, fields: { subject: 'x' } });
    expect(res.statusCode).toBe(404);
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/request-templates/${tpl.id}`)).json().name).toBe('Theirs');
  });
});

describe('ticket updates, contacts, comments and history', () => {
  it('records every change in the ticket history and keeps the requester on the ticket', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    const tk = await newTicket(team, { requesterId: a.id });
    const added = await call(ctx, t, 'POST', `/api/v1/tickets/${tk.id}/contacts`, { contactId: b.id });
    expect(added.json().contactIds).toEqual([a.id, b.id]);
    expect((await call(ctx, t, 'DELETE', `/api/v1/tickets/${tk.id}/contacts/${a.id}`)).statusCode).toBe(409);
    expect((await call(ctx, t, 'DELETE', `/api/v1/tickets/${tk.id}/contacts/${b.id}`)).statusCode).toBe(204);
    const closed = await call(ctx, t, 'PATCH', `/api/v1/tickets/${tk.id}`, { status: 'closed' });
    expect(closed.json()).toMatchObject({ status: 'closed', closedAt: expect.any(String) });
    await call(ctx, t, 'POST', `/api/v1/tickets/${tk.id}/comments`, { body: 'internal', public: false });
    const history = (await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}/history`)).json();
    expect(history.items.map((h: { action: string }) => h.action)).toEqual([
      'comment',
      'update',
      'remove_contact',
      'add_contact',
      'create',
    ]);
    expect(history.items[1].changes.status).toEqual({ before: 'open', after: 'closed' });
  });
});

describe('notifications', () => {
  type Kind = 'newTickets' | 'ticketUpdates' | 'newComments';
  const cases: { kind: Kind; teamOn: boolean; contactOn: boolean }[] = [];
  for (const kind of ['newTickets', 'ticketUpdates', 'newComments'] as const) {
    for (const teamOn of [true, false]) for (const contactOn of [true, false]) cases.push({ kind, teamOn, contactOn });
  }

  it.each(cases)('$kind: team $teamOn AND contact $contactOn → mailed only when both allow', async ({ kind, teamOn, contactOn }) => {
    const tm = await createTeam(ctx, `Brand ${uid()}`);
    await call(ctx, tm.ownerToken, 'PATCH', '/api/v1/settings', { notifications: { [kind]: teamOn } });
    const c = await createContact(ctx, tm, { notifications: { [kind]: contactOn } });
    const tk = await newTicket(tm, { requesterId: c.id });
    if (kind === 'ticketUpdates') await call(ctx, tm.ownerToken, 'PATCH', `/api/v1/tickets/${tk.id}`, { status: 'resolved' });
    if (kind === 'newComments') await call(ctx, tm.ownerToken, 'POST', `/api/v1/tickets/${tk.id}/comments`, { body: 'We are on it' });
    const event = { newTickets: 'ticket.created', ticketUpdates: 'ticket.updated', newComments: 'ticket.commented' }[kind];
    const mails = await mailsTo(c.primaryEmail, event);
    expect(mails.length).toBe(teamOn && contactOn ? 1 : 0);
  });

  it('brands mail with the team name, skips private notes and never mails the comment author', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    const tk = await newTicket(team, { requesterId: a.id, contactIds: [b.id] });
    const created = await mailsTo(a.primaryEmail, 'ticket.created');
    expect(created).toHaveLength(1);
    expect(created[0]!.subject).toContain('[Acme Support]');
    expect(created[0]!.htmlBody).toContain('Acme Support');
    await call(ctx, t, 'POST', `/api/v1/tickets/${tk.id}/comments`, { body: 'note to self', public: false });
    expect(await mailsTo(a.primaryEmail, 'ticket.commented')).toHaveLength(0);

    const { cookie } = await signIn(ctx, team.slug, a.primaryEmail);
    const res = await portal(team.slug, cookie, 'POST', `/tickets/${tk.id}/comments`, { body: 'Still broken <b>today</b>' });
    expect(res.statusCode).toBe(201);
    expect(await mailsTo(a.primaryEmail, 'ticket.commented')).toHaveLength(0);
    const toB = await mailsTo(b.primaryEmail, 'ticket.commented');
    expect(toB).toHaveLength(1);
    expect(toB[0]!.textBody).toContain('Still broken <b>today</b>');
    expect(toB[0]!.htmlBody).toContain('Still broken &lt;b&gt;today&lt;/b&gt;');
  });

  it('sends one message per recipient per event: running the fan-out again sends nothing more', async () => {
    const cs = [];
    for (let i = 0; i < 3; i++) cs.push(await createContact(ctx, team));
    const tk = await newTicket(team, { requesterId: cs[0]!.id, contactIds: cs.slice(1).map((c) => c.id) });
    const comment = (await call(ctx, t, 'POST', `/api/v1/tickets/${tk.id}/comments`, { body: 'Fixed?' })).json();
    const event = {
      teamId: team.teamId,
      eventId: comment.id,
      event: 'commented' as const,
      ticket: { id: tk.id, number: tk.number, subject: 'x', status: 'open' },
      authorContactId: null,
      comment: { body: 'Fixed?', authorName: 'Agent' },
      team: await ctx.services.teams.getTeam(team.teamId),
    };
    const again = await ctx.db.transaction().execute((tx) => ctx.services.tickets.notify(tx, event));
    expect(again).toBe(0);
    for (const c of cs) expect(await mailsTo(c.primaryEmail, 'ticket.commented')).toHaveLength(1);
  });
});

describe('portal tickets', () => {
  it('lists only the tickets the contact is on; any other ticket is 404, also another team’s', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    const mine = await newTicket(team, { requesterId: b.id, contactIds: [a.id] });
    const notMine = await newTicket(team, { requesterId: b.id });
    const other = await createTeam(ctx);
    const oc = await createContact(ctx, other);
    const foreign = await newTicket(other, { requesterId: oc.id });
    await call(ctx, t, 'POST', `/api/v1/tickets/${mine.id}/comments`, { body: 'private note', public: false });
    await call(ctx, t, 'POST', `/api/v1/tickets/${mine.id}/comments`, { body: 'public reply' });

    const { cookie } = await signIn(ctx, team.slug, a.primaryEmail);
    const list = await portal(team.slug, cookie, 'GET', '/tickets');
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([mine.id]);
    const page = await portal(team.slug, cookie, 'GET', `/tickets/${mine.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.json().comments.map((c: { body: string }) => c.body)).toEqual(['public reply']);
    for (const id of [notMine.id, foreign.id, 'not-an-id']) {
      expect((await portal(team.slug, cookie, 'GET', `/tickets/${id}`)).statusCode).toBe(404);
      expect((await portal(team.slug, cookie, 'POST', `/tickets/${id}/comments`, { body: 'x' })).statusCode).toBe(404);
      expect((await portal(team.slug, cookie, 'POST', `/tickets/${id}/close`)).statusCode).toBe(404);
    }
    expect((await portal(team.slug, null, 'GET', '/tickets')).statusCode).toBe(401);
  });

  const rules = [
    {
      action: 'comment',
      setting: 'allowPortalComments',
      permission: 'canPostComments',
      codes: ['ALLOW_PORTAL_COMMENTS_OFF', 'CAN_POST_COMMENTS_OFF'],
    },
    {
      action: 'close',
      setting: 'allowContactsCloseTickets',
      permission: 'canCloseTickets',
      codes: ['ALLOW_CONTACTS_CLOSE_TICKETS_OFF', 'CAN_CLOSE_TICKETS_OFF'],
    },
  ] as const;
  for (const rule of rules) {
    for (const teamOn of [true, false]) {
      for (const contactOn of [true, false]) {
        it(`${rule.action}: ${rule.setting} ${teamOn} AND ${rule.permission} ${contactOn}`, async () => {
          const tm = await createTeam(ctx);
          await call(ctx, tm.ownerToken, 'PATCH', '/api/v1/settings', { [rule.setting]: teamOn });
          const c = await createContact(ctx, tm, { permissions: { [rule.permission]: contactOn } });
          const tk = await newTicket(tm, { requesterId: c.id });
          const { cookie } = await signIn(ctx, tm.slug, c.primaryEmail);
          const res =
            rule.action === 'comment'
              ? await portal(tm.slug, cookie, 'POST', `/tickets/${tk.id}/comments`, { body: 'Thanks' })
              : await portal(tm.slug, cookie, 'POST', `/tickets/${tk.id}/close`);
          if (teamOn && contactOn) {
            expect(res.statusCode).toBe(rule.action === 'comment' ? 201 : 200);
          } else {
            expect(res.statusCode).toBe(403);
            expect(res.json().code).toBe(teamOn ? rule.codes[1] : rule.codes[0]);
            expect(res.json().message).toContain(teamOn ? rule.permission : rule.setting);
          }
          const after = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/tickets/${tk.id}`)).json();
          const comments = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/tickets/${tk.id}/comments`)).json().items;
          if (rule.action === 'close') expect(after.status).toBe(teamOn && contactOn ? 'closed' : 'open');
          else expect(comments.length).toBe(teamOn && contactOn ? 1 : 0);
        });
      }
    }
  }

  it('reopens a resolved ticket when the contact replies', async () => {
    const c = await createContact(ctx, team);
    const tk = await newTicket(team, { requesterId: c.id });
    await call(ctx, t, 'PATCH', `/api/v1/tickets/${tk.id}`, { status: 'resolved' });
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail);
    const reply = (await portal(team.slug, cookie, 'POST', `/tickets/${tk.id}/comments`, { body: 'It happened again' })).json();
    const after = (await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}`)).json();
    expect(after).toMatchObject({ status: 'open', closedAt: null, updatedAt: reply.createdAt });
    const history = (await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}/history`)).json();
    expect(history.items[0]).toMatchObject({
      action: 'comment',
      actor: { type: 'system' },
      changes: {
        commentId: { before: null, after: reply.id },
        public: { before: null, after: true },
        status: { before: 'resolved', after: 'open' },
      },
    });
  });

  it('a comment that waited for the ticket mails a contact added meanwhile (the contacts are read again)', async () => {
    const a = await createContact(ctx, team);
    const late = await createContact(ctx, team);
    const tk = await newTicket(team, { requesterId: a.id });
    let reply: Awaited<ReturnType<typeof call>> | undefined;
    await ctx.db.connection().execute(async (conn) => {
      // what adding a contact does: the ticket locked, the contact linked, the ticket touched — not committed yet
      await sql`BEGIN`.execute(conn);
      await sql`SELECT id FROM tickets WHERE id = ${tk.id} FOR UPDATE`.execute(conn);
      await sql`INSERT INTO ticket_contacts (team_id, ticket_id, contact_id, added_at) VALUES (${team.teamId}, ${tk.id}, ${late.id}, now())`.execute(
        conn,
      );
      await sql`UPDATE tickets SET updated_at = now() WHERE id = ${tk.id}`.execute(conn);
      const pending = call(ctx, t, 'POST', `/api/v1/tickets/${tk.id}/comments`, { body: 'Any news?' });
      // the comment now waits for the ticket's lock
      for (;;) {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(conn);
        if (rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await sql`COMMIT`.execute(conn);
      reply = await pending;
    });
    expect(reply!.statusCode).toBe(201);
    expect(await mailsTo(late.primaryEmail, 'ticket.commented')).toHaveLength(1);
    expect(await mailsTo(a.primaryEmail, 'ticket.commented')).toHaveLength(1);
    const history = (await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}/history`)).json();
    expect(history.items.filter((h: { action: string }) => h.action === 'comment')).toHaveLength(1);
  });

  it('a comment planned on a ticket that changed before its write writes nothing (the write checks the row version)', async () => {
    const a = await createContact(ctx, team);
    const tk = await newTicket(team, { requesterId: a.id });
    const repo = createTicketsRepo(ctx.db);
    const audit = createAuditWriter(ctx.db);
    const write = (version: string) => {
      const id = uuidv7();
      return repo.writeComment(
        {
          id,
          teamId: team.teamId,
          ticketId: tk.id,
          body: 'Planned reply',
          isPublic: true,
          authorType: 'member',
          authorName: 'Probe',
          createdAt: new Date(),
        },
        {
          reopen: false,
          audit: (onlyFor) =>
            audit.statement(
              {
                actor: { teamId: team.teamId, type: 'system', id: null, label: null, requestId: null },
                entityType: 'ticket',
                entityId: tk.id,
                action: 'comment',
                changes: { commentId: { before: null, after: id } },
              },
              onlyFor,
            ),
          notify: null,
          expectContacts: [a.id],
          version,
        },
        ctx.db,
      );
    };
    const seen = (await repo.readForComment(team.teamId, tk.id))!;
    expect((await call(ctx, t, 'PATCH', `/api/v1/tickets/${tk.id}`, { priority: 'high' })).statusCode).toBe(200);
    expect(await write(seen.version)).toEqual({ comment: null, mailed: 0 });
    expect((await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}/comments`)).json().items).toEqual([]);
    const history = (await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}/history`)).json();
    expect(history.items.map((h: { action: string }) => h.action)).not.toContain('comment');
    // read again, the same write goes through
    const now = (await repo.readForComment(team.teamId, tk.id))!;
    expect(now.version).not.toBe(seen.version);
    expect((await write(now.version)).comment).toMatchObject({ body: 'Planned reply', ticketId: tk.id });
    expect((await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}/comments`)).json().items).toHaveLength(1);
  });

  it('a public comment records its history entry, one claim and one mail per recipient, none for a private note', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    const quiet = await createContact(ctx, team, { notifications: { newComments: false } });
    const tk = await newTicket(team, { requesterId: a.id, contactIds: [b.id, quiet.id] });
    const note = (await call(ctx, t, 'POST', `/api/v1/tickets/${tk.id}/comments`, { body: 'note', public: false })).json();
    const reply = await call(ctx, t, 'POST', `/api/v1/tickets/${tk.id}/comments`, { body: 'On it' });
    expect(reply.statusCode).toBe(201);
    expect(reply.json()).toMatchObject({ body: 'On it', public: true, author: { type: 'member' } });
    const history = (await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}/history`)).json();
    expect(history.items.slice(0, 2).map((h: { changes: unknown }) => h.changes)).toEqual([
      { commentId: { before: null, after: reply.json().id }, public: { before: null, after: true } },
      { commentId: { before: null, after: note.id }, public: { before: null, after: false } },
    ]);
    const claims = await ctx.db
      .selectFrom('ticketNotifications')
      .select(['contactId', 'kind'])
      .where('eventId', '=', reply.json().id)
      .execute();
    expect(claims.map((c) => c.contactId).sort()).toEqual([a.id, b.id].sort());
    expect(claims.every((c) => c.kind === 'commented')).toBe(true);
    expect(await ctx.db.selectFrom('ticketNotifications').select('contactId').where('eventId', '=', note.id).execute()).toEqual([]);
    for (const c of [a, b]) expect(await mailsTo(c.primaryEmail, 'ticket.commented')).toHaveLength(1);
    expect(await mailsTo(quiet.primaryEmail, 'ticket.commented')).toHaveLength(0);
    const ticket = (await call(ctx, t, 'GET', `/api/v1/tickets/${tk.id}`)).json();
    expect(ticket.updatedAt).toBe(reply.json().createdAt);
  });
});

describe('request templates', () => {
  it('enforces locked fields and availability on the server', async () => {
    const tm = await createTeam(ctx);
    const agent = await createMember(ctx, tm);
    const c = await createContact(ctx, tm, { primaryEmail: `ann-${uid()}@contoso.com` });
    const outsider = await createContact(ctx, tm, { primaryEmail: `bob-${uid()}@fabrikam.com` });
    const tpl = await call(ctx, tm.ownerToken, 'POST', '/api/v1/request-templates', {
      name: 'Hardware request',
      fields: { priority: { default: 'low', locked: true }, subject: { default: 'New laptop' }, model: { default: 'X1', locked: true } },
      availability: { mode: 'domains', domains: ['Contoso.com'] },
      allowChooseAssignee: true,
      assigneeIds: [agent.id],
      allowAddContacts: true,
    });
    expect(tpl.statusCode).toBe(201);
    const tplId = tpl.json().id;
    expect(tpl.json().availability.domains).toEqual(['contoso.com']);

    const { cookie } = await signIn(ctx, tm.slug, c.primaryEmail);
    const offered = (await portal(tm.slug, cookie, 'GET', '/templates')).json().items;
    expect(offered.map((x: { id: string }) => x.id)).toEqual([tplId]);
    expect(offered[0].assignees).toEqual([{ id: agent.id, name: expect.any(String) }]);

    // a crafted request cannot override a locked field
    const crafted = await portal(tm.slug, cookie, 'POST', '/requests', { templateId: tplId, fields: { priority: 'urgent' } });
    expect(crafted.statusCode).toBe(400);
    expect(crafted.json().details).toEqual([{ path: 'fields.priority', message: expect.stringContaining('cannot be changed') }]);
    const craftedCustom = await portal(tm.slug, cookie, 'POST', '/requests', { templateId: tplId, fields: { model: 'Z9' } });
    expect(craftedCustom.statusCode).toBe(400);
    const badAssignee = await portal(tm.slug, cookie, 'POST', '/requests', { templateId: tplId, assigneeId: tm.teamId });
    expect(badAssignee.statusCode).toBe(400);

    const other = `friend-${uid()}@contoso.com`;
    const ok = await portal(tm.slug, cookie, 'POST', '/requests', {
      templateId: tplId,
      fields: { priority: 'low', description: 'Mine is slow' },
      assigneeId: agent.id,
      contactEmails: [other],
    });
    expect(ok.statusCode).toBe(201);
    const made = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/tickets/${ok.json().ticket.id}`)).json();
    expect(made).toMatchObject({
      subject: 'New laptop',
      priority: 'low',
      assigneeId: agent.id,
      templateId: tplId,
      fields: { model: 'X1' },
    });
    expect(made.contacts.map((x: { primaryEmail: string }) => x.primaryEmail)).toEqual([c.primaryEmail, other]);

    // not available to a contact outside the domain: not offered, and refused as if it did not exist
    const { cookie: cookie2 } = await signIn(ctx, tm.slug, outsider.primaryEmail);
    expect((await portal(tm.slug, cookie2, 'GET', '/templates')).json().items).toEqual([]);
    expect((await portal(tm.slug, cookie2, 'POST', '/requests', { templateId: tplId, fields: {} })).statusCode).toBe(404);
  });
});

describe('POST /portal/api/:slug/requests as a visitor', () => {
  it('needs portalTicketCreation "anyone", matches or creates the contact and answers alike either way', async () => {
    const tm = await createTeam(ctx);
    const known = await createContact(ctx, tm);
    const body = (email: string) => ({ name: 'Vera Visitor', email, fields: { subject: 'Cannot log in' } });
    expect((await portal(tm.slug, null, 'POST', '/requests', body(known.primaryEmail))).statusCode).toBe(401);
    expect((await portal(tm.slug, null, 'GET', '')).json().visitorRequests).toBe(false);
    await call(ctx, tm.ownerToken, 'PATCH', '/api/v1/settings', { portalTicketCreation: 'anyone' });
    expect((await portal(tm.slug, null, 'GET', '')).json().visitorRequests).toBe(true);
    const a = await portal(tm.slug, null, 'POST', '/requests', body(known.primaryEmail));
    const newEmail = `vera-${uid()}@example.org`;
    const b = await portal(tm.slug, null, 'POST', '/requests', body(newEmail));
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.body).toBe(b.body);
    expect((await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/${known.id}/tickets`)).json().total).toBe(1);
    const created = await ctx.db
      .selectFrom('contacts')
      .selectAll()
      .where('teamId', '=', tm.teamId)
      .where('primaryEmail', '=', newEmail)
      .execute();
    expect(created.map((c) => [c.firstName, c.lastName])).toEqual([['Vera', 'Visitor']]);
    const bad = await portal(tm.slug, null, 'POST', '/requests', { name: '', email: 'nope', fields: {} });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['email', 'fields.subject', 'name']);
  });

  it('is rate-limited per address before any work', async () => {
    const tm = await createTeam(ctx);
    await call(ctx, tm.ownerToken, 'PATCH', '/api/v1/settings', { portalTicketCreation: 'anyone' });
    const email = `flood-${uid()}@example.org`;
    const codes = [];
    for (let i = 0; i < 6; i++) {
      codes.push((await portal(tm.slug, null, 'POST', '/requests', { name: 'F', email, fields: { subject: `n${i}` } })).statusCode);
    }
    expect(codes).toEqual([202, 202, 202, 202, 202, 429]);
    const tickets = await call(ctx, tm.ownerToken, 'GET', '/api/v1/tickets');
    expect(tickets.json().total).toBe(5);
  });
});

describe('POST /portal/api/:slug/requests signed in', () => {
  it("counts a contact's requests per hour before creating anything", async () => {
    const tm = await createTeam(ctx);
    const c = await createContact(ctx, tm);
    const { cookie } = await signIn(ctx, tm.slug, c.primaryEmail);
    const codes: number[] = [];
    for (let i = 0; i < 31; i++)
      codes.push((await portal(tm.slug, cookie, 'POST', '/requests', { fields: { subject: `r${i}` } })).statusCode);
    expect(codes.filter((x) => x === 201)).toHaveLength(30);
    expect(codes.at(-1)).toBe(429);
    expect((await call(ctx, tm.ownerToken, 'GET', '/api/v1/tickets')).json().total).toBe(30);
  });
});

describe('GET /portal/api/:slug/manifest.webmanifest', () => {
  it('names the installable portal after the team', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: `/portal/api/${team.slug}/manifest.webmanifest` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'Acme Support support',
      short_name: 'Acme Support',
      start_url: `/portal/${team.slug}/?source=pwa`,
    });
  });
});
