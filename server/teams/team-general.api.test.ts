// Team settings > General: the name brands the portal, its manifest and every mail; the portal address
// moves and the old one redirects (and stays the team's); the support email is said in mails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, uid, type TestContext } from '../../test/harness.ts';
import { createContact, startLogin } from '../portal/portal-test-support.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

describe('GET|PATCH /api/v1/team', () => {
  it('renames the team and moves its portal address; the old address redirects, pages and API alike', async () => {
    const t = await createTeam(ctx);
    const slug = `acme-${uid()}`;
    const res = await call(ctx, t.ownerToken, 'PATCH', '/api/v1/team', { name: 'Acme Support', slug });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Acme Support', slug, previousSlugs: [t.slug], supportEmail: null });
    expect((await call(ctx, t.ownerToken, 'GET', '/api/v1/me')).json().team).toMatchObject({ name: 'Acme Support', slug });

    const api = await ctx.app.inject({ method: 'GET', url: `/portal/api/${t.slug}` });
    expect(api.statusCode).toBe(308);
    expect(api.headers.location).toBe(`/portal/api/${slug}`);
    const post = await ctx.app.inject({ method: 'POST', url: `/portal/api/${t.slug}/login/start`, payload: { email: 'a@b.test' } });
    expect(post.statusCode).toBe(308);
    expect(post.headers.location).toBe(`/portal/api/${slug}/login/start`);
    const page = await ctx.app.inject({ method: 'GET', url: `/portal/${t.slug}/c/abc?x=1` });
    expect(page.statusCode).toBe(301);
    expect(page.headers.location).toBe(`/portal/${slug}/c/abc?x=1`);
    const info = await ctx.app.inject({ method: 'GET', url: `/portal/api/${slug}` });
    expect(info.json().team).toMatchObject({ name: 'Acme Support', slug });
    const manifest = await ctx.app.inject({ method: 'GET', url: `/portal/api/${slug}/manifest.webmanifest` });
    expect(manifest.json()).toMatchObject({
      name: 'Acme Support support',
      start_url: `/portal/${slug}/?source=pwa`,
      scope: '/portal/',
    });
  });

  it("keeps an old address the team's: no other team takes it, and taking it back ends the redirect", async () => {
    const a = await createTeam(ctx);
    const b = await createTeam(ctx);
    const moved = `moved-${uid()}`;
    await call(ctx, a.ownerToken, 'PATCH', '/api/v1/team', { slug: moved });
    for (const slug of [a.slug, moved]) {
      const taken = await call(ctx, b.ownerToken, 'PATCH', '/api/v1/team', { slug });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().details[0].path).toBe('slug');
    }
    // a new team named like the old address gets another one
    const { team } = await ctx.services.teams.createTeamWithOwner({
      name: a.slug,
      ownerEmail: `o-${uid()}@example.com`,
      ownerPassword: 'a long passphrase',
    });
    expect(team.slug).not.toBe(a.slug);
    const back = await call(ctx, a.ownerToken, 'PATCH', '/api/v1/team', { slug: a.slug });
    expect(back.json()).toMatchObject({ slug: a.slug, previousSlugs: [moved] });
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/${a.slug}` })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/${moved}` })).headers.location).toBe(`/portal/api/${a.slug}`);
  });

  it('refuses bad values with their path and changes nothing', async () => {
    const t = await createTeam(ctx);
    const before = (await call(ctx, t.ownerToken, 'GET', '/api/v1/team')).json();
    for (const [body, path] of [
      [{ slug: 'Not A Slug' }, 'slug'],
      [{ slug: 'api' }, 'slug'],
      [{ slug: 'x' }, 'slug'],
      [{ name: '   ' }, 'name'],
      [{ supportEmail: 'not-an-email' }, 'supportEmail'],
      [{ defaultPhoneRegion: 'XX' }, 'defaultPhoneRegion'],
    ] as const) {
      const res = await call(ctx, t.ownerToken, 'PATCH', '/api/v1/team', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].path).toBe(path);
    }
    expect((await call(ctx, t.ownerToken, 'GET', '/api/v1/team')).json()).toEqual(before);
  });

  it('lets owners change it, admins read it, agents neither', async () => {
    const t = await createTeam(ctx);
    const admin = await createMember(ctx, t, { role: 'admin' });
    const agent = await createMember(ctx, t);
    expect((await call(ctx, admin.token, 'GET', '/api/v1/team')).statusCode).toBe(200);
    expect((await call(ctx, admin.token, 'PATCH', '/api/v1/team', { name: 'Admin was here' })).statusCode).toBe(403);
    expect((await call(ctx, agent.token, 'GET', '/api/v1/team')).statusCode).toBe(403);
    expect((await call(ctx, agent.token, 'PATCH', '/api/v1/team', { name: 'Agent was here' })).statusCode).toBe(403);
    expect((await call(ctx, t.ownerToken, 'GET', '/api/v1/team')).json().name).toBe(t.slug.replace('team-', 'Team '));
  });

  it('brands every mail with the new name and says the support email', async () => {
    const t = await createTeam(ctx);
    const slug = `globex-${uid()}`;
    await call(ctx, t.ownerToken, 'PATCH', '/api/v1/team', {
      name: 'Globex Help',
      slug,
      supportEmail: 'Help@Globex.example',
      defaultPhoneRegion: 'DE',
    });
    expect((await call(ctx, t.ownerToken, 'GET', '/api/v1/settings')).json().defaultPhoneRegion).toBe('DE');
    const contact = await createContact(ctx, t);
    await startLogin(ctx, slug, { email: contact.primaryEmail });
    await ctx.services.portal.processLoginRequests();
    await call(ctx, t.ownerToken, 'POST', '/api/v1/members/invitations', { email: `new-${uid()}@example.com` });
    const mails = (await call(ctx, t.ownerToken, 'GET', '/api/v1/mailbox/messages')).json().items as {
      kind: string;
      subject: string;
      text: string;
      html: string;
    }[];
    const code = mails.find((m) => m.kind === 'portal.code')!;
    const invitation = mails.find((m) => m.kind === 'member.invitation')!;
    expect(code.subject).toBe('Your Globex Help sign-in code');
    expect(invitation.subject).toBe('Join Globex Help on kdesk');
    for (const m of [code, invitation]) {
      expect(m.text).toContain('Questions? Write to help@globex.example.');
      expect(m.html).toContain('Globex Help');
      expect(m.html).toContain('help@globex.example');
    }
    expect(code.text).toContain(`/portal/${slug}`);
  });
});
