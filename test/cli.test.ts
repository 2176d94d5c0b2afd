// The kdesk CLI, run as a user runs it: a separate process against the same database.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestContext, uid, type TestContext } from './harness.ts';

const run = promisify(execFile);
const bin = path.resolve('bin/kdesk.mjs');

function kdesk(args: string[], env: Record<string, string | undefined>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, LOG_LEVEL: 'warn' };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return run(process.execPath, [bin, ...args], { env: childEnv, timeout: 120_000 });
}

describe('kdesk admin and demo commands (DATABASE_URL)', () => {
  let ctx: TestContext;
  const owner = `cli-owner-${uid()}@example.com`;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx?.close());
  const env = () => ({ DATABASE_URL: ctx.url });

  it('create-team adds a team with its owner who can sign in', async () => {
    const { stdout } = await kdesk(
      ['admin', 'create-team', '--name', 'Acme Support', '--owner-email', owner, '--owner-password', 'cli owner password'],
      env(),
    );
    expect(stdout).toMatch(/Created team "Acme Support" \(slug acme-support/);
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: owner, password: 'cli owner password' },
    });
    expect(login.json()).toMatchObject({ member: { role: 'owner' }, team: { name: 'Acme Support' } });
  });

  it('create-member and create-token: the token alone is printed and works with the member permissions', async () => {
    const agent = `cli-agent-${uid()}@example.com`;
    await kdesk(
      ['admin', 'create-member', '--email', agent, '--password', 'agent password 1', '--team-of', owner, '--no-modify-contacts'],
      env(),
    );
    const { stdout } = await kdesk(['admin', 'create-token', '--email', agent], env());
    expect(stdout).toMatch(/^kdt_[\w-]{43}\n$/);
    const token = stdout.trim();
    expect((await call(ctx, token, 'GET', '/api/v1/me')).json().member).toMatchObject({
      email: agent,
      role: 'agent',
      permissions: { modifyContacts: false },
    });
    expect((await call(ctx, token, 'POST', '/api/v1/contacts', { firstName: 'x' })).statusCode).toBe(403);
  });

  it('demo fills the team with varied, valid contacts', async () => {
    const { stdout } = await kdesk(['demo', '--contacts', '120', '--team-of', owner], env());
    expect(stdout).toContain('Created 120 demo contacts');
    const token = (await kdesk(['admin', 'create-token', '--email', owner], env())).stdout.trim();
    const page = (await call(ctx, token, 'GET', '/api/v1/contacts?limit=500')).json();
    expect(page.total).toBe(120);
    const names = page.items.map((c: { lastName: string }) => c.lastName).join(' ');
    expect(names).toMatch(/[\uac00-\ud7af]/); // Korean
    expect(names).toMatch(/[À-ÿğışİ]/); // accented or Turkish
    expect(
      page.items.some((c: { emails: object; phones: object }) => Object.keys(c.emails).length > 1 && Object.keys(c.phones).length > 1),
    ).toBe(true);
  });

  it('exits non-zero with a readable message on bad input', async () => {
    const err = await kdesk(
      ['admin', 'create-team', '--name', 'X', '--owner-email', 'not-an-email', '--owner-password', 'long enough pw'],
      env(),
    ).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('ownerEmail');
  });
});

describe('kdesk CLI with the embedded database', () => {
  let dataDir: string;
  let server: ChildProcess | null = null;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kdesk-cli-'));
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await rm(dataDir, { recursive: true, force: true });
  });
  const env = () => ({ DATABASE_URL: undefined, KDESK_DATA_DIR: dataDir, KDESK_PG_PORT: undefined });

  it('works while the server runs and after it stopped', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    server = spawn(process.execPath, [bin, 'serve'], {
      env: {
        ...process.env,
        ...env(),
        DATABASE_URL: '',
        PORT: String(port),
        KDESK_ADMIN_EMAIL: 'boss@example.com',
        KDESK_ADMIN_PASSWORD: 'boss password 1',
        LOG_LEVEL: 'warn',
        KDESK_WEB_DIR: '/nonexistent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout!.on('data', (d) => (out += d));
    server.stderr!.on('data', (d) => (out += d));
    for (let i = 0; i < 600 && !out.includes('kdesk is ready'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('kdesk is ready');

    // while the server runs, the CLI uses the same embedded PostgreSQL
    const token = (await kdesk(['admin', 'create-token', '--email', 'boss@example.com'], env())).stdout.trim();
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { member: { email: string } }).member.email).toBe('boss@example.com');

    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));

    // with the server stopped, the CLI starts the database itself and stops it again
    const { stdout } = await kdesk(['demo', '--contacts', '5'], env());
    expect(stdout).toContain('Created 5 demo contacts');
  }, 180_000);
});
