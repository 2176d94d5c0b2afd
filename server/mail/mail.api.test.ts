import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { JOBS_CHANNEL } from '../jobs/jobs.repo.ts';
import { codeSentTo, createContact, startLogin, testClock } from '../portal/portal-test-support.ts';

/** A real SMTP server on loopback; `fail` makes it answer 451 to every message. */
async function smtpServer() {
  const received: { from: string; to: string[]; raw: string }[] = [];
  const state = { fail: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.fail) {
          const err = Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 });
          return done(err);
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, received, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('mail delivery by SMTP', () => {
  const clock = testClock();
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let ctx: TestContext;
  let team: TestTeam;

  beforeAll(async () => {
    smtp = await smtpServer();
    ctx = await createTestContext({ now: clock.now, smtpUrl: smtp.url, mailMaxAttempts: 4, mailFrom: 'Help <help@kdesk.test>' });
    team = await createTeam(ctx, 'Acme <Support> & Co');
  });
  afterAll(async () => {
    await ctx?.close();
    await smtp?.close();
  });

  it('delivers an invitation with a text and an HTML part, branded and escaped', async () => {
    const c = await createContact(ctx, team);
    await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/invite`);
    expect(await ctx.services.mail.deliverDue()).toMatchObject({ sent: 1 });
    const m = smtp.received.find((x) => x.to.includes(c.primaryEmail))!;
    expect(m.from).toBe('help@kdesk.test');
    expect(m.raw).toMatch(/Content-Type: text\/plain/);
    expect(m.raw).toMatch(/Content-Type: text\/html/);
    const html = m.raw.slice(m.raw.indexOf('Content-Type: text/html'));
    const text = m.raw.slice(m.raw.indexOf('Content-Type: text/plain'), m.raw.indexOf('Content-Type: text/html'));
    expect(html).toContain('Acme &lt;Support&gt; &amp; Co');
    expect(html).not.toContain('<Support>');
    expect(text).toContain('Acme <Support> & Co invites you');
    const row = await ctx.db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', c.primaryEmail).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(row.sentAt).toEqual(clock.now());
  });

  it("a ticket comment queues the sender and wakes it in the comment's own statement; the mail goes out", async () => {
    const c = await createContact(ctx, team);
    const tk = await call(ctx, team.ownerToken, 'POST', '/api/v1/tickets', { subject: 'Printer jam', requesterId: c.id });
    expect(tk.statusCode).toBe(201);
    await ctx.services.mail.deliverDue();
    // what the sender's run would have taken: no wake waits before the comment
    await ctx.db.deleteFrom('jobs').where('kind', '=', 'mail.deliver').where('status', '=', 'queued').execute();
    const queued = () => ctx.db.selectFrom('jobs').select('id').where('kind', '=', 'mail.deliver').where('status', '=', 'queued').execute();
    const listener = new pg.Client({ connectionString: ctx.url });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (n) => heard.push(String(n.payload)));
      await listener.query(`LISTEN ${JOBS_CHANNEL}`);
      const res = await call(ctx, team.ownerToken, 'POST', `/api/v1/tickets/${tk.json().id}/comments`, {
        body: 'A new drum is on its way',
      });
      expect(res.statusCode).toBe(201);
      expect(await queued()).toHaveLength(1);
      await expect.poll(() => heard).toContain('mail.deliver');
    } finally {
      await listener.end();
    }
    expect(await ctx.services.mail.deliverDue()).toMatchObject({ sent: 1 });
    const m = smtp.received.filter((x) => x.to.includes(c.primaryEmail)).at(-1)!;
    expect(m.raw).toContain('A new drum is on its way');
  });

  it('retries a failing server with exponential backoff, records the error, then delivers', async () => {
    smtp.state.fail = true;
    const c = await createContact(ctx, team);
    await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/invite`);
    const row = () => ctx.db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', c.primaryEmail).executeTakeFirstOrThrow();

    const t0 = clock.now().getTime();
    expect(await ctx.services.mail.deliverDue()).toMatchObject({ retry: 1, sent: 0 });
    let r = await row();
    expect(r).toMatchObject({ status: 'pending', attempts: 1 });
    expect(r.lastError).toContain('451');
    expect(r.nextAttemptAt.getTime() - t0).toBe(30_000);

    // not due yet: nothing is tried
    clock.advance(29_000);
    expect(await ctx.services.mail.deliverDue()).toMatchObject({ retry: 0, sent: 0 });
    clock.advance(1000);
    await ctx.services.mail.deliverDue();
    r = await row();
    expect(r.attempts).toBe(2);
    expect(r.nextAttemptAt.getTime() - clock.now().getTime()).toBe(60_000);

    clock.advance(60_000);
    await ctx.services.mail.deliverDue();
    r = await row();
    expect(r.attempts).toBe(3);
    expect(r.nextAttemptAt.getTime() - clock.now().getTime()).toBe(120_000);

    smtp.state.fail = false;
    clock.advance(120_000);
    expect(await ctx.services.mail.deliverDue()).toMatchObject({ sent: 1 });
    r = await row();
    expect(r).toMatchObject({ status: 'sent', attempts: 4, lastError: null });
    expect(smtp.received.filter((x) => x.to.includes(c.primaryEmail))).toHaveLength(1);
  });

  it('gives up after the last attempt and keeps the reason', async () => {
    smtp.state.fail = true;
    const c = await createContact(ctx, team);
    await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/invite`);
    for (let i = 0; i < 4; i++) {
      await ctx.services.mail.deliverDue();
      clock.advance(24 * 3600_000);
    }
    const r = await ctx.db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', c.primaryEmail).executeTakeFirstOrThrow();
    expect(r).toMatchObject({ status: 'failed', attempts: 4 });
    expect(r.lastError).toMatch(/Mailbox temporarily unavailable.*451/);
    smtp.state.fail = false;
    expect(await ctx.services.mail.deliverDue()).toMatchObject({ sent: 0 });
  });

  it('mails a sign-in code, then removes the code from the stored copy', async () => {
    const c = await createContact(ctx, team);
    await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.40.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    await ctx.services.mail.deliverDue();
    const m = smtp.received.find((x) => x.to.includes(c.primaryEmail))!;
    expect(m.raw).toContain(`${code.slice(0, 3)} ${code.slice(3)}`);
    const r = await ctx.db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', c.primaryEmail).executeTakeFirstOrThrow();
    expect(r.status).toBe('sent');
    expect(r.textBody + r.htmlBody).not.toContain(code.slice(3));
  });

  it('never shows members a code meant for SMTP delivery, even while it waits', async () => {
    const c = await createContact(ctx, team);
    await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.43.0.1');
    const code = (await codeSentTo(ctx, c.primaryEmail))!;
    const items = (await call(ctx, team.ownerToken, 'GET', '/api/v1/mailbox/messages')).json().items;
    const m = items.find((x: { to: string }) => x.to === c.primaryEmail);
    expect(m).toMatchObject({ kind: 'portal.code', status: 'pending', text: expect.stringContaining('not shown here') });
    expect(m.text + m.html).not.toContain(code.slice(3));
    await ctx.services.mail.deliverDue();
  });

  it('does not send a sign-in code that expired while the server was failing', async () => {
    smtp.state.fail = true;
    const c = await createContact(ctx, team);
    await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.41.0.1');
    await ctx.services.portal.processLoginRequests();
    await ctx.services.mail.deliverDue();
    smtp.state.fail = false;
    clock.advance(11 * 60_000);
    expect(await ctx.services.mail.deliverDue()).toMatchObject({ discarded: 1, sent: 0 });
    const r = await ctx.db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', c.primaryEmail).executeTakeFirstOrThrow();
    expect(r.status).toBe('failed');
    expect(r.lastError).toContain('Expired');
  });

  it('sends each message once when two senders run at the same time', async () => {
    const contacts = await Promise.all(Array.from({ length: 6 }, () => createContact(ctx, team)));
    await ctx.services.portal.inviteMany(
      (await import('../auth/actor.ts')).systemActor(team.teamId),
      contacts.map((c) => c.id),
    );
    const before = smtp.received.length;
    const [a, b] = await Promise.all([ctx.services.mail.deliverDue({ limit: 4 }), ctx.services.mail.deliverDue({ limit: 4 })]);
    expect(a.sent + b.sent).toBe(6);
    expect(smtp.received.length - before).toBe(6);
  });
});

describe('GET /api/v1/mailbox/messages (no SMTP_URL)', () => {
  let ctx: TestContext;
  let team: TestTeam;
  beforeAll(async () => {
    ctx = await createTestContext();
    team = await createTeam(ctx);
  });
  afterAll(() => ctx?.close());

  it('keeps mail in the team mailbox, newest first, paged, for owners and admins only', async () => {
    const contacts = [];
    for (let i = 0; i < 3; i++) contacts.push(await createContact(ctx, team));
    for (const c of contacts) await call(ctx, team.ownerToken, 'POST', `/api/v1/contacts/${c.id}/invite`);
    const page1 = await call(ctx, team.ownerToken, 'GET', '/api/v1/mailbox/messages?limit=2');
    expect(page1.statusCode).toBe(200);
    expect(page1.headers['cache-control']).toBe('no-store');
    const body = page1.json();
    expect(body.smtpConfigured).toBe(false);
    expect(body.items.map((m: { to: string }) => m.to)).toEqual([contacts[2]!.primaryEmail, contacts[1]!.primaryEmail]);
    expect(body.items[0]).toMatchObject({ status: 'kept', kind: 'portal.invitation', subject: expect.stringContaining('invites you') });
    expect(body.items[0].text).toContain('/c/');
    expect(body.items[0].html).toContain('<a href="http://');
    expect(body.items[0].createdAt).toEqual(expect.any(String));
    const page2 = (await call(ctx, team.ownerToken, 'GET', `/api/v1/mailbox/messages?limit=2&cursor=${body.nextCursor}`)).json();
    expect(page2.items.map((m: { to: string }) => m.to)).toEqual([contacts[0]!.primaryEmail]);
    expect(page2.nextCursor).toBeNull();

    const admin = await createMember(ctx, team, { role: 'admin' });
    expect((await call(ctx, admin.token, 'GET', '/api/v1/mailbox/messages')).json().items).toHaveLength(3);
    const agent = await createMember(ctx, team, { role: 'agent' });
    expect((await call(ctx, agent.token, 'GET', '/api/v1/mailbox/messages')).statusCode).toBe(403);
    expect((await call(ctx, null, 'GET', '/api/v1/mailbox/messages')).statusCode).toBe(401);
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/mailbox/messages?cursor=zzz')).statusCode).toBe(400);
  });

  it("never shows another team's mail", async () => {
    const other = await createTeam(ctx);
    const c = await createContact(ctx, other);
    await call(ctx, other.ownerToken, 'POST', `/api/v1/contacts/${c.id}/invite`);
    const mine = (await call(ctx, team.ownerToken, 'GET', '/api/v1/mailbox/messages?limit=200')).json().items;
    expect(mine.map((m: { to: string }) => m.to)).not.toContain(c.primaryEmail);
    const theirs = (await call(ctx, other.ownerToken, 'GET', '/api/v1/mailbox/messages')).json().items;
    expect(theirs.map((m: { to: string }) => m.to)).toEqual([c.primaryEmail]);
  });

  it('shows sign-in codes so a fresh install works end to end', async () => {
    const c = await createContact(ctx, team);
    await startLogin(ctx, team.slug, { email: c.primaryEmail }, '10.42.0.1');
    await ctx.services.portal.processLoginRequests();
    const items = (await call(ctx, team.ownerToken, 'GET', '/api/v1/mailbox/messages')).json().items;
    expect(items[0]).toMatchObject({ to: c.primaryEmail, kind: 'portal.code', status: 'kept' });
    expect(items[0].text).toMatch(/^ {4}[A-Z0-9]{3} [A-Z0-9]{4}$/m);
  });
});
