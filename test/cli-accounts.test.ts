// The CLI's account commands under the one password policy, run as a user runs them.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, uid, type TestContext, type TestTeam } from './harness.ts';

const run = promisify(execFile);
const bin = path.resolve('bin/kdesk.mjs');

let ctx: TestContext;
let team: TestTeam;
beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
});
afterAll(() => ctx?.close());

function kdesk(args: string[]) {
  return run(process.execPath, [bin, ...args], {
    env: { ...process.env, DATABASE_URL: ctx.url, LOG_LEVEL: 'warn' },
    timeout: 120_000,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}
const signIn = (email: string, password: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

describe('kdesk admin (password policy)', () => {
  it('create-member refuses a one-character or common password with the reason, and creates nobody', async () => {
    const email = `weak-${uid()}@example.com`;
    for (const password of ['x', 'password123']) {
      const r = await kdesk(['admin', 'create-member', '--email', email, '--password', password, '--team-of', team.ownerEmail]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/password: (A password needs at least 10 characters|This password is one of the most commonly used)/);
    }
    expect(await ctx.db.selectFrom('members').select('id').where('email', '=', email).execute()).toEqual([]);
  });

  it('reset-password sets a given or generated password and ends the sessions and tokens', async () => {
    const given = await kdesk(['admin', 'reset-password', '--email', team.ownerEmail, '--password', 'cli chosen passphrase']);
    expect(given.stdout).toMatch(/Set a new password/);
    expect((await signIn(team.ownerEmail, 'cli chosen passphrase')).statusCode).toBe(200);
    expect((await call(ctx, team.ownerToken, 'GET', '/api/v1/me')).statusCode).toBe(401);

    const generated = await kdesk(['admin', 'reset-password', '--email', team.ownerEmail]);
    const password = /: (\S{20})\n$/.exec(generated.stdout)![1]!;
    expect((await signIn(team.ownerEmail, password)).statusCode).toBe(200);
    expect((await signIn(team.ownerEmail, 'cli chosen passphrase')).statusCode).toBe(401);

    const weak = await kdesk(['admin', 'reset-password', '--email', team.ownerEmail, '--password', 'short']);
    expect(weak.code).toBe(1);
    expect((await signIn(team.ownerEmail, password)).statusCode).toBe(200);
  });

  it('--version prints the package version', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    expect((await kdesk(['--version'])).stdout).toBe(`${version}\n`);
  });
});
