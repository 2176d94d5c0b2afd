// When an export job finishes, the member who asked gets a mail with the download link, pointing at the
// address their request came to (no KDESK_PUBLIC_URL here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
  await call(ctx, team.ownerToken, 'PATCH', '/api/v1/team', { name: 'Initech Support', supportEmail: 'help@initech.example' });
  for (const n of ['Ada', 'Grace', 'Linus']) await call(ctx, team.ownerToken, 'POST', '/api/v1/contacts', { firstName: n });
});
afterAll(() => ctx?.close());

const mails = async () =>
  (await call(ctx, team.ownerToken, 'GET', '/api/v1/mailbox/messages')).json().items as {
    kind: string;
    to: string;
    subject: string;
    text: string;
  }[];

describe('export job mail', () => {
  it('mails the member who asked a download link on the address they used', async () => {
    const agent = await createMember(ctx, team);
    await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { name: 'Peter Gibbons' });
    const job = await call(ctx, agent.token, 'POST', '/api/v1/exports', { filter: {}, format: 'csv' }, { host: 'help.initech.example' });
    expect(job.statusCode).toBe(202);
    expect((await mails()).filter((m) => m.kind === 'export.ready')).toEqual([]);
    await ctx.runJobs();
    const ready = (await mails()).filter((m) => m.kind === 'export.ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ to: agent.email, subject: 'Your Initech Support contact export is ready' });
    const url = `http://help.initech.example/api/v1/exports/${job.json().id}/download`;
    expect(ready[0]!.text).toContain(`Download it: ${url}`);
    expect(ready[0]!.text).toContain('your export of 3 contacts');
    expect(ready[0]!.text).toMatch(/^Hello Peter Gibbons,/);
    const file = await call(ctx, agent.token, 'GET', new URL(url).pathname);
    expect(file.statusCode).toBe(200);
    expect(file.body).toContain('Grace');
  });

  it('mails nobody for a job that did not finish', async () => {
    const agent = await createMember(ctx, team);
    await call(ctx, agent.token, 'POST', '/api/v1/exports', { filter: {}, format: 'csv' });
    await call(ctx, team.ownerToken, 'PATCH', `/api/v1/members/${agent.id}`, { permissions: { exportContacts: false } });
    await ctx.runJobs();
    expect((await mails()).filter((m) => m.kind === 'export.ready' && m.to === agent.email)).toEqual([]);
  });
});
