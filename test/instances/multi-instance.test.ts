// Several kdesk instances on one PostgreSQL: 2 web-only and 2 worker-only real processes
// (`kdesk serve` with KDESK_SERVICES=web / worker and DATABASE_URL) share 200 jobs of every kind —
// imports, bulk actions, exports, sign-in codes and their mail (to a real SMTP server) — and each is
// done exactly once, none lost. One worker is killed (SIGKILL) mid-way: its jobs are taken over.
// Run by `.ci/run` against the machine's PostgreSQL: npx vitest run --config vitest.instances.config.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, createTestContext, type TestContext, type TestTeam } from '../harness.ts';

const TEAMS = 10;
const ROWS = 300; // 260 to delete (a bulk job: more than 250 rows), 40 to keep
const GONE = 260;
const CODES_PER_TEAM = 6;
const EXPORTS_PER_TEAM = 12;
const root = path.resolve(import.meta.dirname, '../..');

let ctx: TestContext;
const procs: { role: string; child: ChildProcess; port: number; log: string[] }[] = [];
const received: { to: string; raw: string }[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startInstance(role: 'web' | 'worker', secretKey: string) {
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(process.execPath, ['bin/kdesk.mjs', 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: ctx.url,
      KDESK_SERVICES: role,
      PORT: String(port),
      HOST: '127.0.0.1',
      KDESK_WEB_WORKERS: '1',
      KDESK_SECRET_KEY: secretKey,
      KDESK_PUBLIC_URL: 'http://kdesk.test',
      KDESK_TRUST_PROXY: 'true',
      KDESK_WEB_DIR: '/nonexistent',
      KDESK_DB_POOL_SIZE: '4',
      KDESK_JOB_LEASE_SECONDS: '3',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  const ready = role === 'web' ? /kdesk is ready/ : /worker is running/;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start: ${log.join('')}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (ready.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${role} exited (${code}): ${log.join('')}`)));
  });
  const p = { role, child, port, log };
  procs.push(p);
  return p;
}

beforeAll(async () => {
  ctx = await createTestContext();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        for (const to of session.envelope.rcptTo) received.push({ to: to.address, raw: Buffer.concat(chunks).toString() });
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as net.AddressInfo).port;
}, 120_000);

afterAll(async () => {
  await Promise.all(
    procs.map(
      ({ child }) =>
        new Promise<void>((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          child.once('exit', () => r());
          child.kill('SIGTERM');
        }),
    ),
  );
  await new Promise<void>((r) => smtp?.close(() => r()));
  await ctx?.close();
}, 60_000);

const webs = () => procs.filter((p) => p.role === 'web');
let turn = 0;
/** One HTTP call to the next web instance (round robin). */
async function api(token: string | null, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const web = webs()[turn++ % webs().length]!;
  const res = await fetch(`http://127.0.0.1:${web.port}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text), text };
}

async function waitFor<T>(what: () => Promise<T | null>, ms: number, label: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== null) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${label}\n${procs.map((p) => `[${p.role}] ${p.log.join('')}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('2 web and 2 worker instances on one database', () => {
  it('run 200 mixed jobs, each exactly once, none lost, one worker killed on the way', async () => {
    const secretKey = randomBytes(32).toString('hex');
    const teams: (TestTeam & { stayEmails: string[] })[] = [];
    for (let t = 0; t < TEAMS; t++) teams.push({ ...(await createTeam(ctx)), stayEmails: [] });
    await Promise.all([startInstance('web', secretKey), startInstance('web', secretKey)]);
    const workers = await Promise.all([startInstance('worker', secretKey), startInstance('worker', secretKey)]);

    // 10 imports (one per team, 300 rows each)
    const importIds: string[] = [];
    for (const [t, team] of teams.entries()) {
      const lines = ['firstName,lastName,primaryEmail'];
      for (let i = 0; i < ROWS; i++) {
        const gone = i < GONE;
        const email = `${gone ? 'g' : 's'}${i}@t${t}-${team.slug}.example.com`;
        if (!gone) team.stayEmails.push(email);
        lines.push(`P${i},${gone ? 'Goneaway' : 'Staywell'},${email}`);
      }
      const form = new FormData();
      form.append('file', new Blob([lines.join('\n') + '\n']), 'people.csv');
      const res = await api(team.ownerToken, 'POST', '/api/v1/imports', form);
      expect(res.status, res.text).toBe(202);
      importIds.push(res.json().id);
    }
    // one worker dies mid-way through the imports: what it held is taken over by the other
    await new Promise((r) => setTimeout(r, 1500));
    workers[0]!.child.kill('SIGKILL');
    const replacement = startInstance('worker', secretKey);
    for (const [t, team] of teams.entries()) {
      const done = await waitFor(
        async () => {
          const r = (await api(team.ownerToken, 'GET', `/api/v1/imports/${importIds[t]}`)).json();
          return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null;
        },
        180_000,
        `import ${t}`,
      );
      expect(done).toMatchObject({ status: 'succeeded', processed: ROWS, created: ROWS, updated: 0, failed: 0 });
    }
    await replacement;

    // 10 bulk deletes (260 rows each: a job), 60 sign-in codes (mail by SMTP), 120 exports, all at once
    const bulkJobs: { team: number; jobId: string }[] = [];
    const exportJobs: { team: number; jobId: string }[] = [];
    const codeRequests: string[] = [];
    await Promise.all(
      teams.map(async (team, t) => {
        const bulk = await api(team.ownerToken, 'POST', '/api/v1/contacts/bulk', {
          action: 'delete',
          filter: { q: 'Goneaway', status: 'all' },
        });
        expect(bulk.status, bulk.text).toBe(202);
        bulkJobs.push({ team: t, jobId: bulk.json().jobId });
        for (let i = 0; i < CODES_PER_TEAM; i++) {
          const start = await api(
            null,
            'POST',
            `/portal/api/${team.slug}/login/start`,
            { email: team.stayEmails[i] },
            {
              'x-forwarded-for': `10.9.${t}.${i + 1}`,
            },
          );
          expect(start.status, start.text).toBe(200);
          codeRequests.push(team.stayEmails[i]!);
        }
        for (let i = 0; i < EXPORTS_PER_TEAM; i++) {
          const ex = await api(team.ownerToken, 'POST', '/api/v1/exports', { format: 'csv', filter: { q: 'Staywell' } });
          expect(ex.status, ex.text).toBe(202);
          exportJobs.push({ team: t, jobId: ex.json().id });
        }
      }),
    );
    expect(importIds.length + bulkJobs.length + codeRequests.length + exportJobs.length).toBe(200);

    for (const { team, jobId } of bulkJobs) {
      const job = await waitFor(
        async () => {
          const j = (await api(teams[team]!.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
          return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
        },
        180_000,
        `bulk job ${jobId}`,
      );
      expect(job).toMatchObject({ status: 'succeeded', result: { affected: GONE } });
    }
    for (const { team, jobId } of exportJobs) {
      const job = await waitFor(
        async () => {
          const j = (await api(teams[team]!.ownerToken, 'GET', `/api/v1/jobs/${jobId}`)).json();
          return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
        },
        180_000,
        `export job ${jobId}`,
      );
      expect(job).toMatchObject({ status: 'succeeded', result: { rows: ROWS - GONE } });
    }
    // every code mailed exactly once, and every finished export's "file ready" mail to the member who asked
    // exactly once (no message lost, none sent twice)
    const codeMails = () => received.filter((m) => codeRequests.includes(m.to));
    const exportMails = () => received.filter((m) => !codeRequests.includes(m.to));
    await waitFor(
      async () => (codeMails().length >= codeRequests.length && exportMails().length >= exportJobs.length ? true : null),
      120_000,
      'sign-in code and export mail',
    );
    await new Promise((r) => setTimeout(r, 2000)); // a duplicate would arrive now
    expect(
      codeMails()
        .map((m) => m.to)
        .sort(),
    ).toEqual([...codeRequests].sort());
    for (const m of codeMails()) expect(m.raw).toMatch(/sign-in code|code/i);
    // each export job's mail links to that job's file (quoted-printable may break the line: undo soft breaks)
    const linked = exportMails().map((m) => /\/api\/v1\/exports\/([0-9a-f-]{36})\/download/.exec(m.raw.replace(/=\r?\n/g, ''))?.[1]);
    expect(linked.sort()).toEqual(exportJobs.map((e) => e.jobId).sort());

    // and the database agrees: every contact written once, the deleted ones in the trash, nothing left to do
    for (const [t, team] of teams.entries()) {
      const counts = await ctx.db
        .selectFrom('contacts')
        .select((eb) => [eb.fn.countAll<number>().as('all'), eb.fn.count<number>('deletedAt').as('deleted')])
        .where('teamId', '=', team.teamId)
        .executeTakeFirstOrThrow();
      expect(counts, `team ${t}`).toMatchObject({ all: ROWS, deleted: GONE });
    }
    const left = await ctx.db
      .selectFrom('jobs')
      .select(['kind', 'status'])
      .where('status', 'in', ['queued', 'running'])
      .where('teamId', 'is not', null)
      .execute();
    expect(left).toEqual([]);
  }, 600_000);
});
