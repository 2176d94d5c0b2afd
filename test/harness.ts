// Test helpers: a fresh database per test file (copied from the migrated template), the real app
// driven with inject(), and shortcuts to make teams, members and tokens.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp, createServices, type AppDeps, type Services } from '../server/app.ts';
import { createDb, type Db } from '../server/db/client.ts';
import { defaultImportConfig, type ImportConfig } from '../server/config.ts';
import { jobHandlers } from '../server/jobs/handlers.ts';
import { createJobRunner } from '../server/jobs/runner.ts';
import { checkAgainstOpenApi } from './openapi-conformance.ts';

export interface TestContext {
  app: FastifyInstance;
  db: Db;
  services: Services;
  url: string;
  /** Runs queued jobs until none is left; answers how many ran. */
  runJobs(): Promise<number>;
  close(): Promise<void>;
}

export const uid = () => randomBytes(5).toString('hex');

export function databaseUrl(database: string): string {
  const u = new URL(inject('dbAdminUrl'));
  u.pathname = `/${database}`;
  return u.toString();
}

/** A new database copied from the migrated template. */
export async function createTestDatabase(): Promise<string> {
  const name = `${inject('dbPrefix')}_${uid()}`;
  const admin = new pg.Client({ connectionString: inject('dbAdminUrl') });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
        break;
      } catch (err) {
        // the template is briefly busy while another file copies it
        if (attempt > 20 || (err as { code?: string }).code !== '55006') throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return databaseUrl(name);
}

export const testConfig: Omit<AppDeps['config'], 'publicUrl'> & { publicUrl: string | null } = {
  publicUrl: null,
  secureCookies: false,
  sessionTtlHours: 24,
  trustProxy: false,
  webDir: '/nonexistent',
  logLevel: 'silent',
  smtpUrl: null,
  secretKey: randomBytes(32).toString('hex'),
  // the Graph and Google fakes listen on loopback
  allowPrivateDirectoryUrls: true,
};

/** The real app on a fresh database; `config` may set SMTP_URL, a clock (`now`), cookie, portal and import options. */
export async function createTestContext(
  config: Partial<Omit<AppDeps['config'], 'imports'>> & { imports?: Partial<ImportConfig> } = {},
): Promise<TestContext> {
  const url = await createTestDatabase();
  const db = createDb(url, { max: 5 });
  const imports = { ...defaultImportConfig, ...config.imports };
  const full = { ...testConfig, ...config, imports };
  const services = createServices(db, full);
  const app = await buildApp({ db, config: full, services });
  checkAgainstOpenApi(app);
  await app.ready();
  return {
    app,
    db,
    services,
    url,
    runJobs: () => createJobRunner({ db, handlers: jobHandlers(services), log: () => {} }).runUntilIdle(),
    async close() {
      services.mail.close();
      await app.close();
      await db.destroy();
    },
  };
}

export interface TestTeam {
  teamId: string;
  slug: string;
  ownerEmail: string;
  ownerPassword: string;
  ownerToken: string;
}

/** A team with its owner and an API token for the owner. */
export async function createTeam(ctx: TestContext, name = `Team ${uid()}`): Promise<TestTeam> {
  const ownerEmail = `owner-${uid()}@example.com`;
  const ownerPassword = 'correct horse battery';
  const { team, owner } = await ctx.services.teams.createTeamWithOwner({ name, ownerEmail, ownerPassword });
  const ownerToken = await ctx.services.auth.createTokenForMember(owner.id, 'test');
  return { teamId: team.id, slug: team.slug, ownerEmail, ownerPassword, ownerToken };
}

/** Adds a member through the API and returns a token for them. */
export async function createMember(
  ctx: TestContext,
  team: TestTeam,
  input: { role?: 'owner' | 'admin' | 'agent'; permissions?: Record<string, boolean> } = {},
): Promise<{ id: string; email: string; password: string; token: string }> {
  const email = `member-${uid()}@example.com`;
  const password = 'member password 1';
  const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/members', {
    email,
    password,
    role: input.role ?? 'agent',
    permissions: input.permissions,
  });
  if (res.statusCode !== 201) throw new Error(`createMember: ${res.statusCode} ${res.body}`);
  const id = res.json().id as string;
  return { id, email, password, token: await ctx.services.auth.createTokenForMember(id, 'test') };
}

/** One API call with a bearer token. */
export function call(
  ctx: TestContext,
  token: string | null,
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return ctx.app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
}
