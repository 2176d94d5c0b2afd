// Contact Sync connections over the API: CRUD, write-only secrets encrypted at rest, team isolation,
// who may manage them, validation before any write, Test connection in plain words and the preview,
// against a real OpenLDAP slapd (test/support/slapd.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adDefaultMapping, openldapDefaultMapping } from '#shared/sync.ts';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { describeLdap } from '../../test/support/describe-ldap.ts';
import { adUser, openLdapUser } from '../../test/support/directory-ldif.ts';
import { startSlapd, type Slapd } from '../../test/support/slapd.ts';
import { createContact, signIn } from '../portal/portal-test-support.ts';
import { normalizeDn } from './ldap.rules.ts';

const PASSWORD = 'correct-bind-password-7Q';
const BASE = '/api/v1/sync/connections';

let ctx: TestContext;
let team: TestTeam;
let t: string;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx, 'Sync Co');
  t = team.ownerToken;
});
afterAll(() => ctx?.close());

/** A connection body (the directory need not exist for CRUD). */
function body(over: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) {
  return {
    name: `Corp AD ${uid()}`,
    description: 'Head office',
    source: 'ldap',
    settings: {
      url: 'ldap://dir.example.com:389',
      bindDn: 'CN=svc-kdesk,OU=Service,DC=example,DC=com',
      bindPassword: PASSWORD,
      baseDn: 'OU=Staff,DC=example,DC=com',
      userFilter: '(objectClass=user)',
      ...settings,
    },
    mapping: adDefaultMapping,
    ...over,
  };
}

async function create(tm: TestTeam = team, over: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) {
  const res = await call(ctx, tm.ownerToken, 'POST', BASE, body(over, settings));
  if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; name: string; version: number; settings: Record<string, unknown>; secretsSet: string[] };
}

const rowOf = (id: string) => ctx.db.selectFrom('syncConnections').selectAll().where('id', '=', id).executeTakeFirst();
const auditOf = (id: string) =>
  ctx.db.selectFrom('auditLog').selectAll().where('entityType', '=', 'sync_connection').where('entityId', '=', id).orderBy('id').execute();

describe('POST/GET/PATCH/DELETE /api/v1/sync/connections', () => {
  it('creates, reads, lists, changes and deletes a connection, with audit rows', async () => {
    const res = await call(ctx, t, 'POST', BASE, body({ name: 'Head office AD', status: 'draft' }));
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(res.headers.location).toBe(`${BASE}/${c.id}`);
    expect(c).toMatchObject({
      name: 'Head office AD',
      source: 'ldap',
      status: 'draft',
      secretsSet: ['bindPassword'],
      scope: { mode: 'all' },
      schedule: null,
      lastRun: null,
      settings: { url: 'ldap://dir.example.com:389', idAttribute: 'objectGUID', pageSize: 1000, incremental: 'none' },
    });
    expect((await call(ctx, t, 'GET', `${BASE}/${c.id}`)).json()).toEqual(c);

    const patched = await call(ctx, t, 'PATCH', `${BASE}/${c.id}`, {
      name: 'HQ AD',
      status: 'enabled',
      scope: { mode: 'pattern', pattern: { filter: '(l=Berlin)' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'HQ AD', status: 'enabled', version: c.version + 1, scope: { mode: 'pattern' } });

    // search by name, source and status
    const q = async (text: string) =>
      (await call(ctx, t, 'GET', `${BASE}?q=${encodeURIComponent(text)}`)).json().items.map((x: { id: string }) => x.id);
    const other = await create(team, { name: `Zeta ${uid()}` });
    expect(await q('HQ')).toEqual([c.id]);
    expect(await q('active directory')).toEqual(expect.arrayContaining([c.id, other.id]));
    expect(await q('enabled')).toContain(c.id);
    expect(await q('enabled')).not.toContain(other.id);
    expect(await q('draft')).toContain(other.id);

    expect((await call(ctx, t, 'DELETE', `${BASE}/${c.id}`)).statusCode).toBe(204);
    expect((await call(ctx, t, 'GET', `${BASE}/${c.id}`)).statusCode).toBe(404);
    expect((await call(ctx, t, 'DELETE', `${BASE}/${c.id}`)).statusCode).toBe(404);

    const audit = await auditOf(c.id);
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'delete']);
    expect(audit[1]!.changes).toMatchObject({
      name: { before: 'Head office AD', after: 'HQ AD' },
      status: { before: 'draft', after: 'enabled' },
    });
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('never answers a secret and stores it encrypted; leaving it out of a change keeps it, "" clears it', async () => {
    const c = await create();
    const answers = [JSON.stringify(c), (await call(ctx, t, 'GET', `${BASE}/${c.id}`)).body, (await call(ctx, t, 'GET', BASE)).body];
    for (const a of answers) {
      expect(a).not.toContain(PASSWORD);
      expect(a).not.toContain('"bindPassword":');
    }
    const row = (await rowOf(c.id))!;
    expect(row.settings).not.toHaveProperty('bindPassword');
    expect(row.secrets.bindPassword).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    // the ciphertext is bound to its connection: it cannot be moved to another row
    expect(ctx.services.keyring.decrypt(row.secrets.bindPassword!, `sync_connection:${c.id}:bindPassword`)).toBe(PASSWORD);
    expect(() => ctx.services.keyring.decrypt(row.secrets.bindPassword!, `sync_connection:${uid()}:bindPassword`)).toThrow();

    // settings without the password: the stored one stays
    const kept = await call(ctx, t, 'PATCH', `${BASE}/${c.id}`, {
      settings: { ...body().settings, bindPassword: undefined, pageSize: 100 },
    });
    expect(kept.statusCode).toBe(200);
    expect(kept.json()).toMatchObject({ secretsSet: ['bindPassword'], settings: { pageSize: 100 } });
    expect((await rowOf(c.id))!.secrets.bindPassword).toBe(row.secrets.bindPassword);
    // a new one is encrypted afresh; the audit row says it changed, not what it is
    await call(ctx, t, 'PATCH', `${BASE}/${c.id}`, { settings: { ...body().settings, bindPassword: 'another-secret-99' } });
    const changed = (await rowOf(c.id))!;
    expect(changed.secrets.bindPassword).not.toBe(row.secrets.bindPassword);
    const audit = await auditOf(c.id);
    expect(audit.at(-1)!.changes).toMatchObject({ 'settings.bindPassword': { before: '(set)', after: '(changed)' } });
    expect(JSON.stringify(audit)).not.toMatch(/another-secret-99|correct-bind-password/);
    // "" clears it, and an anonymous bind needs no password
    const cleared = await call(ctx, t, 'PATCH', `${BASE}/${c.id}`, { settings: { ...body().settings, bindDn: '', bindPassword: '' } });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().secretsSet).toEqual([]);
  });

  it('schedules runs of an enabled connection with a schedule, and stops when it is a draft or deleted', async () => {
    const c = await create(team, { status: 'enabled', schedule: '@every 1h' });
    const schedule = () => ctx.db.selectFrom('schedules').selectAll().where('name', '=', `sync:${c.id}`).executeTakeFirst();
    expect(await schedule()).toMatchObject({ kind: 'sync.run', cron: '@every 1h', teamId: team.teamId, payload: { connectionId: c.id } });
    await call(ctx, t, 'PATCH', `${BASE}/${c.id}`, { status: 'draft' });
    expect(await schedule()).toBeUndefined();
    await call(ctx, t, 'PATCH', `${BASE}/${c.id}`, { status: 'enabled', schedule: '0 6 * * 1-5' });
    expect(await schedule()).toMatchObject({ cron: '0 6 * * 1-5' });
    await call(ctx, t, 'DELETE', `${BASE}/${c.id}`);
    expect(await schedule()).toBeUndefined();
  });

  it('answers 409 for a name the team uses already (any case)', async () => {
    const c = await create();
    const res = await call(ctx, t, 'POST', BASE, body({ name: c.name.toUpperCase() }));
    expect(res.statusCode).toBe(409);
    expect(res.json().details).toEqual([{ path: 'name', message: 'Choose another name' }]);
  });
});

describe('who may manage connections', () => {
  it("answers 404 for another team's connection, whatever the method", async () => {
    const other = await createTeam(ctx);
    const theirs = await create(other, { name: 'Theirs' });
    for (const [method, payload] of [['GET'], ['PATCH', { name: 'Mine now' }], ['DELETE']] as const) {
      expect((await call(ctx, t, method, `${BASE}/${theirs.id}`, payload)).statusCode).toBe(404);
    }
    // nor can their stored password be borrowed by a test or preview
    for (const path of ['test', 'preview']) {
      const res = await call(ctx, t, 'POST', `${BASE}/${path}`, {
        ...body(),
        id: theirs.id,
        settings: { ...body().settings, bindPassword: undefined },
      });
      expect(res.statusCode).toBe(404);
    }
    expect((await call(ctx, t, 'GET', BASE)).json().items.map((x: { id: string }) => x.id)).not.toContain(theirs.id);
    expect((await call(ctx, other.ownerToken, 'GET', `${BASE}/${theirs.id}`)).json().name).toBe('Theirs');
    expect((await call(ctx, t, 'GET', `${BASE}/not-an-id`)).statusCode).toBe(404);
  });

  it('lets owners and admins in; agents get 403, contacts and strangers 401', async () => {
    const c = await create();
    const admin = await createMember(ctx, team, { role: 'admin' });
    expect((await call(ctx, admin.token, 'GET', `${BASE}/${c.id}`)).statusCode).toBe(200);
    expect((await call(ctx, admin.token, 'POST', BASE, body())).statusCode).toBe(201);
    const agent = await createMember(ctx, team, { role: 'agent', permissions: { modifyContacts: true, importContacts: true } });
    for (const [method, url, payload] of [
      ['GET', BASE],
      ['POST', BASE, body()],
      ['GET', `${BASE}/${c.id}`],
      ['PATCH', `${BASE}/${c.id}`, { name: 'x' }],
      ['DELETE', `${BASE}/${c.id}`],
      ['POST', `${BASE}/test`, body()],
      ['POST', `${BASE}/preview`, body()],
    ] as const) {
      const res = await call(ctx, agent.token, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    expect((await call(ctx, null, 'GET', BASE)).statusCode).toBe(401);
    await call(ctx, t, 'PATCH', '/api/v1/settings', { portalEnabled: true });
    const contact = await createContact(ctx, team);
    const { cookie } = await signIn(ctx, team.slug, contact.primaryEmail);
    const asContact = await ctx.app.inject({ method: 'GET', url: BASE, headers: { cookie } });
    expect(asContact.statusCode).toBe(401);
    expect((await rowOf(c.id))!.name).toBe(c.name);
  });
});

describe('POST /api/v1/sync/connections/test and /preview limits', () => {
  it('answers 429 with Retry-After after 30 tests and previews a minute per team, other teams unaffected', async () => {
    const tm = await createTeam(ctx);
    const port = await closedPort();
    const payload = body({}, { url: `ldap://127.0.0.1:${port}` });
    const answers = [];
    for (let i = 0; i < 30; i++)
      answers.push((await call(ctx, tm.ownerToken, 'POST', `${BASE}/${i % 2 ? 'test' : 'preview'}`, payload)).statusCode);
    expect(answers.every((c) => c === 200)).toBe(true);
    const refused = await call(ctx, tm.ownerToken, 'POST', `${BASE}/test`, payload);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(ctx, t, 'POST', `${BASE}/test`, payload)).statusCode).toBe(200);
  });
});

describe('validation before any write', () => {
  const count = async () =>
    Number(
      (
        await ctx.db
          .selectFrom('syncConnections')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('teamId', '=', team.teamId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('answers 400 with the field path and stores nothing', async () => {
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [body({ mapping: { lastName: 'sn' } }), 'mapping.primaryEmail'],
      [body({ mapping: { primaryEmail: 'mail' } }), 'mapping.firstName'],
      [body({ mapping: { ...adDefaultMapping, shoeSize: 'x' } }), 'mapping.shoeSize'],
      [body({ mapping: { ...adDefaultMapping, company: 'not an attribute!' } }), 'mapping.company'],
      [body({}, { url: 'http://dir.example.com' }), 'settings.url'],
      [body({}, { baseDn: '' }), 'settings.baseDn'],
      [body({}, { userFilter: '(&(objectClass=user)(mail=*)' }), 'settings.userFilter'],
      [body({}, { bindPassword: undefined }), 'settings.bindPassword'],
      [body({}, { pageSize: 0 }), 'settings.pageSize'],
      [body({}, { bindPasword: 'typo' }), 'settings.bindPasword'],
      [body({ scope: { mode: 'list', groups: [] } }), 'scope.groups'],
      [body({ scope: { mode: 'pattern', pattern: { filter: 'l=Berlin)(' } } }), 'scope.pattern.filter'],
      [body({ schedule: 'every tuesday' }), 'schedule'],
      [
        { ...body(), source: 'google', settings: { adminEmail: 'admin@example.com', serviceAccountKey: '{}' } },
        'settings.serviceAccountKey',
      ],
      [body({ name: '' }), 'name'],
    ];
    for (const [payload, path] of cases) {
      const res = await call(ctx, t, 'POST', BASE, payload);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(400);
      expect(
        res.json().details.map((d: { path: string }) => d.path),
        `${path}: ${res.body}`,
      ).toContain(path);
    }
    expect(await count()).toBe(before);
  });

  it('refuses a bad mapping or filter on change and keeps the stored connection as it was', async () => {
    const c = await create();
    const before = await rowOf(c.id);
    for (const [patch, path] of [
      [{ mapping: { firstName: 'givenName' } }, 'mapping.primaryEmail'],
      [{ settings: { ...body().settings, userFilter: '(objectClass=user' } }, 'settings.userFilter'],
      [{ settings: { ...body().settings, url: 'ftp://x' } }, 'settings.url'],
      [{ name: 'Renamed', schedule: '61 * * * *' }, 'schedule'],
    ] as const) {
      const res = await call(ctx, t, 'PATCH', `${BASE}/${c.id}`, patch);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await rowOf(c.id)).toEqual(before);
    expect((await auditOf(c.id)).map((a) => a.action)).toEqual(['create']);
  });
});

/** A loopback port where nothing listens. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describeLdap('Test connection and preview against slapd', () => {
  let s: Slapd;
  beforeAll(async () => {
    s = await startSlapd({ directory: { adUsers: 120, openLdapUsers: 30 } });
  }, 60_000);
  afterAll(() => s?.stop());

  const adBody = (settings: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
    body(over, { url: s.url, bindDn: s.bindDn, bindPassword: s.bindPassword, baseDn: s.usersDn, ...settings });
  const olBody = (settings: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
    body(
      { mapping: openldapDefaultMapping, ...over },
      {
        url: s.url,
        bindDn: s.bindDn,
        bindPassword: s.bindPassword,
        baseDn: s.peopleDn,
        userFilter: '(objectClass=inetOrgPerson)',
        idAttribute: 'entryUUID',
        ...settings,
      },
    );
  const test = async (payload: object) => {
    const res = await call(ctx, t, 'POST', `${BASE}/test`, payload);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('says all is well and counts the people in scope', async () => {
    const r = await test(adBody());
    expect(r).toMatchObject({ ok: true, problem: null, usersFound: 120, countIsLowerBound: false });
    expect(r.steps.map((x: { step: string; ok: boolean }) => [x.step, x.ok])).toEqual([
      ['connect', true],
      ['bind', true],
      ['baseDn', true],
      ['filter', true],
      ['users', true],
    ]);
    expect(r.steps.at(-1).message).toBe('120 user(s) match');

    // list: the members of Loop A and the nested Loop B (users 10-29); pattern: a filter on top of the user filter
    const loop = await test(adBody({}, { scope: { mode: 'list', groups: [`CN=Loop A,${s.groupsDn}`] } }));
    expect(loop).toMatchObject({ ok: true, usersFound: 20 });
    expect(loop.steps.find((x: { step: string }) => x.step === 'scope')).toEqual({
      step: 'scope',
      ok: true,
      message: 'Read the members of 1 group(s)',
    });
    const city = adUser(s.options, 0).l;
    const inCity = Array.from({ length: 120 }, (_, i) => adUser(s.options, i)).filter((u) => u.l === city).length;
    expect(await test(adBody({}, { scope: { mode: 'pattern', pattern: { filter: `(l=${city})` } } }))).toMatchObject({
      ok: true,
      usersFound: inCity,
    });
  });

  it('says in plain words what is wrong', async () => {
    const port = await closedPort();
    const cases: [object, string, RegExp][] = [
      [
        adBody({ url: `ldap://127.0.0.1:${port}` }),
        'unreachable',
        new RegExp(`^Cannot reach 127\\.0\\.0\\.1:${port}: nothing accepts connections there`),
      ],
      [
        adBody({ url: 'ldap://no-such-host.invalid:389' }),
        'unreachable',
        /^Cannot reach no-such-host\.invalid:389: the host name does not resolve/,
      ],
      [
        adBody({ bindPassword: 'wrong password' }),
        'bind',
        /^The directory refused to sign in as "cn=admin,dc=kdesk,dc=test": the bind DN or the password is wrong\.$/,
      ],
      [
        adBody({ baseDn: 'OU=Nowhere,dc=kdesk,dc=test' }),
        'base_dn',
        /^The base DN "OU=Nowhere,dc=kdesk,dc=test" was not found in the directory/,
      ],
      [adBody({ userFilter: '(&(objectClass=user)(mail=*)' }), 'filter', /^The filter "\(&\(objectClass=user\)\(mail=\*\)" is not valid/],
      [
        adBody({ userFilter: '(&(objectClass=user)(sn=Nobody-at-all))' }),
        'no_users',
        /^No users match the filter \(&\(objectClass=user\)\(sn=Nobody-at-all\)\) under OU=Staff/,
      ],
      [
        adBody({ url: s.url.replace('ldap://', 'ldaps://') }),
        'tls',
        /^TLS problem with 127\.0\.0\.1:\d+: it does not speak TLS on this port/,
      ],
      [adBody({ idAttribute: 'entryUUIDx' }), 'id_attribute', /^The users found have no entryUUIDx attribute/],
    ];
    for (const [payload, code, message] of cases) {
      const r = await test(payload);
      expect(r.ok, JSON.stringify(r)).toBe(false);
      expect(r.problem.code, JSON.stringify(r)).toBe(code);
      expect(r.problem.message).toMatch(message);
    }
    const list = await test(adBody({}, { scope: { mode: 'list', groups: [`CN=No Such Group,${s.groupsDn}`] } }));
    expect(list.problem).toEqual({
      code: 'group',
      message: `The group "CN=No Such Group,${s.groupsDn}" does not exist in the directory.`,
      field: 'scope.groups',
    });
  });

  it('tests a saved connection with its stored password when the body leaves it out', async () => {
    const res = await call(ctx, t, 'POST', BASE, adBody());
    const c = res.json();
    const withoutPassword = { ...adBody({ bindPassword: undefined }), id: c.id };
    expect((await test(withoutPassword)).ok).toBe(true);
    // without the id there is no password to use
    const anonymous = await test(adBody({ bindPassword: undefined }));
    expect(anonymous.problem.code).toBe('bind');
  });

  it('previews the first 20 Active Directory users as contacts: GUID ids, disabled accounts, escaped DNs', async () => {
    const res = await call(ctx, t, 'POST', `${BASE}/preview`, adBody({ pageSize: 7 }));
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    expect(p.problem).toBeNull();
    expect(p.items).toHaveLength(20);
    expect(p.more).toBe(true);
    const users = Array.from({ length: 120 }, (_, i) => adUser(s.options, i));
    const byGuid = new Map(users.map((u) => [u.guid, u]));
    for (const item of p.items) {
      const u = byGuid.get(item.syncId);
      expect(u, item.syncId).toBeDefined();
      expect(normalizeDn(item.dn)).toBe(normalizeDn(u!.dn));
      expect(item.disabled).toBe(u!.disabled);
      expect(item.contact).toMatchObject({
        firstName: u!.givenName,
        lastName: u!.sn,
        primaryEmail: u!.mail,
        jobTitle: u!.title,
        address: { city: u!.l },
        permissions: { active: !u!.disabled },
      });
      expect(item.reportsTo === null ? null : normalizeDn(item.reportsTo)).toBe(u!.managerDn ? normalizeDn(u!.managerDn) : null);
    }
    // among the first 20: a disabled account (user 3) and a CN with an escaped comma (user 0: "Lee, Ana 0")
    const first20 = new Set(p.items.map((i: { syncId: string }) => i.syncId));
    expect(first20.has(users[3]!.guid) && users[3]!.disabled).toBe(true);
    const u0 = p.items.find((i: { syncId: string }) => i.syncId === users[0]!.guid);
    expect(u0.dn).toMatch(/^cn=[^,]+(\\,|\\2C) [^,]+ 0,/i);
    expect(u0.contact.permissions.active).toBe(true);
    // nothing was written
    expect(
      await ctx.db.selectFrom('contacts').select('id').where('teamId', '=', team.teamId).where('directorySyncId', 'is not', null).execute(),
    ).toEqual([]);
  });

  it('previews OpenLDAP people keyed by entryUUID (an editor body without name or mapping: the OpenLDAP defaults)', async () => {
    const { name: _name, mapping: _mapping, ...unsaved } = olBody();
    const res = await call(ctx, t, 'POST', `${BASE}/preview`, unsaved);
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    expect(p.problem).toBeNull();
    expect(p.items).toHaveLength(20);
    for (const item of p.items) expect(item.syncId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const people = new Map(Array.from({ length: 30 }, (_, i) => openLdapUser(s.options, i)).map((u) => [normalizeDn(u.dn), u]));
    for (const item of p.items) {
      const u = people.get(normalizeDn(item.dn))!;
      expect(item.contact).toMatchObject({ firstName: u.givenName, lastName: u.sn, primaryEmail: u.mail, division: u.ou });
    }
  });

  it('answers a preview that cannot read the directory with the problem in plain words', async () => {
    const p = (await call(ctx, t, 'POST', `${BASE}/preview`, adBody({ bindPassword: 'nope' }))).json();
    expect(p.items).toEqual([]);
    expect(p.problem).toMatchObject({ code: 'bind', field: 'settings.bindPassword' });
  });

  it('validates the body of a test like a save (400 with the path)', async () => {
    const res = await call(ctx, t, 'POST', `${BASE}/test`, adBody({ url: 'dir.example.com' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().details.map((d: { path: string }) => d.path)).toContain('settings.url');
  });
});

describe('Test connection over TLS (a real TLS handshake with a self-signed certificate)', () => {
  let server: tls.Server;
  let port: number;
  let cert: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kdesk-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=dir.example.com',
        '-addext',
        'subjectAltName=DNS:dir.example.com',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    // answers the handshake, then hangs up: enough for the certificate checks that come first
    server = tls.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the certificate is not trusted, or was issued for another host', async () => {
    const untrusted = (await call(ctx, t, 'POST', `${BASE}/test`, body({}, { url: `ldaps://127.0.0.1:${port}` }))).json();
    expect(untrusted.problem).toEqual({
      code: 'tls',
      message: `TLS problem with 127.0.0.1:${port}: its certificate is not signed by a CA kdesk trusts: add the CA certificate under TLS, or (tests only) turn off certificate checks.`,
      field: 'settings.tls',
    });
    expect(untrusted.steps).toEqual([{ step: 'connect', ok: false, message: untrusted.problem.message }]);
    const otherHost = (
      await call(
        ctx,
        t,
        'POST',
        `${BASE}/test`,
        body({}, { url: `ldaps://127.0.0.1:${port}`, tls: { rejectUnauthorized: true, ca: cert } }),
      )
    ).json();
    expect(otherHost.problem).toMatchObject({
      code: 'tls',
      message: `TLS problem with 127.0.0.1:${port}: its certificate was issued for another host name.`,
    });
  });
});
