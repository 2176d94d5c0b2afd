// Links in mail point at the address the request that caused the mail came to, also when a job or the
// periodic task writes the mail later (KDESK_PUBLIC_URL unset, as on a fresh install).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { startLogin } from './portal-test-support.ts';

const HOST = 'help.acme.test:8080';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

async function mailsTo(to: string[], kind: string) {
  return ctx.db
    .selectFrom('mailOutbox')
    .select(['toAddress', 'textBody', 'htmlBody'])
    .where('kind', '=', kind)
    .where('toAddress', 'in', to)
    .execute();
}

function expectLinksTo(mails: { textBody: string; htmlBody: string }[], prefix: string) {
  expect(mails.length).toBeGreaterThan(0);
  for (const m of mails) {
    expect(m.textBody).toContain(prefix);
    expect(m.textBody).not.toMatch(/localhost/);
    expect(m.htmlBody).not.toMatch(/localhost/);
  }
}

describe('links in mail written later', () => {
  it('points a bulk invitation run as a job at the address the request came to', async () => {
    const emails = Array.from({ length: 260 }, (_, i) => `job${i}@links.test`);
    const r = await ctx.services.contacts.createMany(
      systemActor(team.teamId),
      emails.map((e, i) => ({ firstName: 'Linked', lastName: `Job ${i}`, primaryEmail: e })),
    );
    expect(r.failed).toEqual([]);
    const res = await call(
      ctx,
      team.ownerToken,
      'POST',
      '/api/v1/contacts/bulk',
      { action: 'invite', filter: { q: 'linked job' } },
      { host: HOST },
    );
    expect(res.statusCode, res.body).toBe(202);
    await ctx.runJobs();
    const mails = await mailsTo(emails, 'portal.invitation');
    expect(mails).toHaveLength(260);
    expectLinksTo(mails, `http://${HOST}/portal/${team.slug}/c/`);
  });

  it('points a small bulk invitation, done at once, at the address the request came to', async () => {
    const emails = ['now1@links.test', 'now2@links.test'];
    const ids: string[] = [];
    for (const e of emails)
      ids.push((await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Now', primaryEmail: e })).json().id);
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts/bulk', { action: 'invite', ids }, { host: HOST });
    expect(res.json()).toEqual({ affected: 2 });
    expectLinksTo(await mailsTo(emails, 'portal.invitation'), `http://${HOST}/portal/${team.slug}/c/`);
  });

  // a sign-in request is unauthenticated: its Host header is the sender's to choose, so a code mail
  // must never link there (a look-alike site would collect the code)
  it('points the sign-in code mail at the address a member of the team signed in at, whatever Host the sign-in request sent', async () => {
    const signIn = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { host: HOST },
      payload: { email: team.ownerEmail, password: team.ownerPassword },
    });
    expect(signIn.statusCode, signIn.body).toBe(200);
    const email = 'code@links.test';
    await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Code', primaryEmail: email });
    const res = await startLogin(ctx, team.slug, { email }, '10.0.0.9', { host: 'kdesk-login.evil.test' });
    expect(res.statusCode, res.body).toBe(200);
    await ctx.services.portal.processLoginRequests();
    const mails = await mailsTo([email], 'portal.code');
    expectLinksTo(mails, `http://${HOST}/portal/${team.slug}`);
    for (const m of mails) expect(m.textBody + m.htmlBody).not.toContain('evil.test');
  });

  it('mails the code without a link when no address is trusted yet, never to the Host the request sent', async () => {
    const fresh = await createTeam(ctx);
    const email = `nolink-${fresh.slug}@links.test`;
    await call(ctx, fresh.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'No', lastName: 'Link', primaryEmail: email });
    const res = await startLogin(ctx, fresh.slug, { email }, '10.0.0.10', { host: 'kdesk-login.evil.test' });
    expect(res.statusCode, res.body).toBe(200);
    await ctx.services.portal.processLoginRequests();
    const [m] = await mailsTo([email], 'portal.code');
    expect(m, 'the code mail').toBeDefined();
    expect(m!.textBody).toMatch(/sign-in code/);
    expect(m!.textBody + m!.htmlBody).not.toContain('evil.test');
    expect(m!.htmlBody).not.toContain('href');
  });
});
