// The HTTP packages whose dependencies package.json pins for Node 20 (`overrides`: cookie 1 under
// @fastify/cookie and light-my-request, content-disposition 2 under @fastify/static), over real HTTP:
// the session cookie's attributes and its parsing, the built web app's files, and a download's file name.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createServices } from '../server/app.ts';
import { createDb, type Db } from '../server/db/client.ts';
import { createTestDatabase, testConfig } from './harness.ts';

describe('cookies, static files and downloads over HTTP', () => {
  let web: string;
  let db: Db;
  let app: FastifyInstance;
  let base: string;
  const owner = { email: 'http-owner@example.com', password: 'http owner password' };

  beforeAll(async () => {
    web = await mkdtemp(path.join(os.tmpdir(), 'kdesk-web-'));
    await mkdir(path.join(web, 'assets'));
    await writeFile(path.join(web, 'index.html'), '<!doctype html><title>KDesk App</title>');
    await writeFile(path.join(web, 'portal.html'), '<!doctype html><title>Portal</title>');
    await writeFile(path.join(web, 'assets', 'app-1a2b3c.js'), 'console.log("app")');
    db = createDb(await createTestDatabase(), { max: 3 });
    const config = { ...testConfig, webDir: web };
    const services = createServices(db, config);
    await services.teams.createTeamWithOwner({ name: 'HTTP', ownerEmail: owner.email, ownerPassword: owner.password });
    app = await buildApp({ db, config, services });
    // what @fastify/static's reply.download() writes (content-disposition)
    app.get('/api/test-download', (_req, reply) => reply.download('assets/app-1a2b3c.js', 'Übersicht "März".js'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    if (web) await rm(web, { recursive: true, force: true });
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ and reads it back', async () => {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify(owner),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('kdesk_session='))!;
    expect(setCookie).toMatch(/^kdesk_session=[^;]+; /);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Expires=\w{3}, \d{2} \w{3} \d{4} /);
    const session = setCookie.split(';')[0]!;
    // among other cookies, in any order
    const me = await fetch(`${base}/api/v1/me`, { headers: { cookie: `theme=dark; ${session}; other=a%20b` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { member: { email: string } }).member.email).toBe(owner.email);
  });

  it('serves the built web app: hashed assets cached for a year, pages not cached, app routes answer index.html', async () => {
    const asset = await fetch(`${base}/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log("app")');
    const route = await fetch(`${base}/contacts/123`);
    expect(route.headers.get('cache-control')).toBe('no-cache');
    expect(await route.text()).toContain('<title>KDesk App</title>');
    expect(await (await fetch(`${base}/portal/acme`)).text()).toContain('<title>Portal</title>');
    expect((await fetch(`${base}/api/nothing-here`)).status).toBe(404);
  });

  it('names a download with an ASCII fallback and the UTF-8 file name', async () => {
    const res = await fetch(`${base}/api/test-download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="?bersicht \\"M?rz\\".js"; filename*=UTF-8''%C3%9Cbersicht%20%22M%C3%A4rz%22.js`,
    );
  });
});
