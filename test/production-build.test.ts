// The production build (`npm run build`, scripts/build.mjs): the compiled server and CLI run with plain Node,
// no tsx, on an empty database — migrations, the demo command (a chunk of its own), an import whose mapping
// step reads the file in the preview thread, an export, and `serve` with its job worker child.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseUrl } from './harness.ts';

const run = promisify(execFile);

describe('the production build', () => {
  let out: string;
  let dbName: string;
  let url: string;
  let server: ChildProcess | null = null;
  const admin = () => new pg.Client({ connectionString: inject('dbAdminUrl') });

  beforeAll(async () => {
    // inside the checkout, so that the build's imports find node_modules
    await mkdir('.tmp', { recursive: true });
    out = await mkdtemp(path.resolve('.tmp/build-'));
    await run(process.execPath, ['scripts/build.mjs', 'server', '--outdir', out], { timeout: 120_000 });
    // an empty database: the build's own migrations create the schema
    dbName = `${inject('dbPrefix')}_build_${randomBytes(4).toString('hex')}`;
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${dbName}`);
    await c.end();
    url = databaseUrl(dbName);
  }, 180_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    if (out) await rm(out, { recursive: true, force: true });
    if (dbName) {
      const c = admin();
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    }
  });

  // plain Node: no loader, no --import, nothing of tsx in the environment
  const kdesk = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [path.join(out, 'kdesk.js'), ...args], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: url, LOG_LEVEL: 'warn', ...env },
      timeout: 120_000,
    });

  it('is JavaScript that imports no TypeScript and leaves the demo data generator (faker) to a chunk of its own', async () => {
    const files = (await readdir(out)).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['kdesk.js', 'head-thread.js']));
    const main = await readFile(path.join(out, 'kdesk.js'), 'utf8');
    expect(main).not.toMatch(/from ["'][^"']+\.ts["']|tsx\/esm/);
    expect(main).not.toContain('@faker-js/faker');
    const withFaker = [];
    for (const f of files) if ((await readFile(path.join(out, f), 'utf8')).includes('@faker-js/faker')) withFaker.push(f);
    expect(withFaker).toHaveLength(1);
    expect(withFaker[0]).toMatch(/^chunk-/);
  });

  it('migrates an empty database, creates a team, fills it with demo contacts, imports and exports a file', async () => {
    expect((await kdesk(['migrate'])).stdout).toContain('Database is at the latest schema');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const applied = (await c.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')).rows.map((r) => r.name);
    await c.end();
    const sources = (await readdir('server/db/migrations')).filter((f) => /^\d{4}_.*\.ts$/.test(f) && !f.endsWith('.test.ts'));
    expect(applied).toEqual(sources.map((f) => f.replace(/\.ts$/, '')).sort());
    await kdesk(['admin', 'create-team', '--name', 'Built', '--owner-email', 'built@example.com', '--owner-password', 'built password 1']);
    expect((await kdesk(['demo', '--contacts', '15', '--team-of', 'built@example.com'])).stdout).toContain('Created 15 demo contacts');

    const file = path.join(out, 'people.csv');
    await writeFile(file, 'mail;First Name;Active\nbuilt1@example.com;Ada;yes\nbuilt2@example.com;Bo;maybe\n');
    await writeFile(path.join(out, 'mapping.json'), JSON.stringify({ mail: 'primaryEmail' }));
    const imported = await kdesk(['import', file, '--team-of', 'built@example.com', '--mapping', path.join(out, 'mapping.json')]);
    expect(imported.stdout).toContain('Imported: 2 of 2 rows — 1 created, 0 updated, 0 unchanged, 1 failed.');

    const exported = await kdesk(['export', '--out', path.join(out, 'all.csv'), '--team-of', 'built@example.com']);
    expect(exported.stderr).toContain('Exported 16 contacts');
    expect(await readFile(path.join(out, 'all.csv'), 'utf8')).toContain('built1@example.com');
  }, 180_000);

  it('serves the API; a preview is read in its thread and an import runs in the job worker child', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    server = spawn(process.execPath, [path.join(out, 'kdesk.js'), 'serve'], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        DATABASE_URL: url,
        PORT: String(port),
        HOST: '127.0.0.1',
        KDESK_WEB_WORKERS: '1',
        KDESK_SERVICES: 'web,worker',
        KDESK_WEB_DIR: '/nonexistent',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    server.stdout!.on('data', (d) => (log += d));
    server.stderr!.on('data', (d) => (log += d));
    for (let i = 0; i < 600 && !log.includes('kdesk is ready'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(log).toContain('kdesk is ready');

    const token = (await kdesk(['admin', 'create-token', '--email', 'built@example.com'])).stdout.trim();
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${token}` };
    const form = new FormData();
    form.append('file', new Blob(['Email,First Name\nserved1@example.com,Cy\nserved2@example.com,Di\n']), 'people.csv');
    const preview = await fetch(`${base}/api/v1/imports/preview`, { method: 'POST', headers: auth, body: form });
    const head = (await preview.json()) as { headers: string[]; uploadId: string };
    expect(preview.status, JSON.stringify(head)).toBe(200);
    expect(head.headers).toEqual(['Email', 'First Name']);

    const started = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ uploadId: head.uploadId }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let state = { status: 'queued' };
    for (let i = 0; i < 300 && (state.status === 'queued' || state.status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await (await fetch(`${base}/api/v1/imports/${id}`, { headers: auth })).json()) as { status: string };
    }
    expect(state).toMatchObject({ status: 'succeeded' });
    const found = (await (await fetch(`${base}/api/v1/contacts?q=served`, { headers: auth })).json()) as {
      items: { primaryEmail: string }[];
    };
    expect(found.items.map((c) => c.primaryEmail).sort()).toEqual(['served1@example.com', 'served2@example.com']);
  }, 120_000);
});
