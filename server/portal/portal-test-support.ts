// Shared steps of the portal API tests: a movable clock, contacts, asking for a code and reading it
// from the built-in mailbox, and signing in.
import type { LightMyRequestResponse } from 'fastify';
import { call, type TestContext, type TestTeam, uid } from '../../test/harness.ts';

export const ORIGIN = 'http://localhost';

export function testClock() {
  let t = Date.now();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

export async function createContact(ctx: TestContext, team: TestTeam, input: Record<string, unknown> = {}) {
  const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', {
    firstName: 'Pat',
    lastName: `Portal ${uid()}`,
    primaryEmail: `pat-${uid()}@example.com`,
    ...input,
  });
  if (res.statusCode !== 201) throw new Error(`createContact: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; primaryEmail: string; version: number };
}

export function startLogin(ctx: TestContext, slug: string, body: object, ip = '10.0.0.1', headers: Record<string, string> = {}) {
  return ctx.app.inject({ method: 'POST', url: `/portal/api/${slug}/login/start`, remoteAddress: ip, headers, payload: body });
}

export function verify(ctx: TestContext, slug: string, requestId: string, code: string, ip = '10.0.0.1', cookie?: string) {
  return ctx.app.inject({
    method: 'POST',
    url: `/portal/api/${slug}/login/verify`,
    remoteAddress: ip,
    headers: cookie ? { cookie, origin: ORIGIN, host: 'localhost' } : {},
    payload: { requestId, code },
  });
}

/** The code in the newest sign-in mail to `to`, read from the outbox (the built-in mailbox). */
export async function codeSentTo(ctx: TestContext, to: string): Promise<string | null> {
  await ctx.services.portal.processLoginRequests();
  const row = await ctx.db
    .selectFrom('mailOutbox')
    .select('textBody')
    .where('toAddress', '=', to)
    .where('kind', '=', 'portal.code')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const m = row && /^ {4}([A-Z0-9]{3}) ([A-Z0-9]{4})$/m.exec(row.textBody);
  return m ? `${m[1]}${m[2]}` : null;
}

export const cookieOf = (res: LightMyRequestResponse, name = 'kdesk_portal') => {
  const c = res.cookies.find((x) => x.name === name);
  if (!c) throw new Error(`no ${name} cookie in ${res.statusCode} ${res.body}`);
  return `${c.name}=${c.value}`;
};

/** Asks for a code, reads it from the mailbox and signs in; returns the cookie. */
export async function signIn(ctx: TestContext, slug: string, email: string, ip = '10.0.0.1') {
  const start = await startLogin(ctx, slug, { email }, ip);
  if (start.statusCode !== 200) throw new Error(`start: ${start.statusCode} ${start.body}`);
  const code = await codeSentTo(ctx, email);
  if (!code) throw new Error(`no code mailed to ${email}`);
  const res = await verify(ctx, slug, start.json().requestId, code, ip);
  if (res.statusCode !== 200) throw new Error(`verify: ${res.statusCode} ${res.body}`);
  return { cookie: cookieOf(res), res };
}

export function me(ctx: TestContext, slug: string, cookie: string) {
  return ctx.app.inject({ method: 'GET', url: `/portal/api/${slug}/me`, headers: { cookie } });
}
