// An owner cannot make the server fetch internal addresses through the SSO issuer setting: refused when
// saved (literal addresses and names resolving to them), checked again when the provider is discovered,
// and every connection of the SSO client checks its addresses (endpoints named by a discovery document).
// KDESK_ALLOW_PRIVATE_ISSUERS is off here, as in production.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { guardedFetch, PrivateAddressError } from './sso-fetch.ts';

let ctx: TestContext;
let team: TestTeam;
/** A loopback server that counts the requests it gets: none must arrive. */
let target: { server: http.Server; port: number; hits: number };

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
  const server = http.createServer((_req, res) => {
    target.hits++;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = { server, port: (server.address() as AddressInfo).port, hits: 0 };
});
afterAll(async () => {
  await new Promise<void>((r) => target?.server.close(() => r()));
  await ctx?.close();
});

describe('SSO issuers on internal addresses', () => {
  it('answers 400 at the issuer path for loopback, private, link-local, unique-local and unspecified issuers', async () => {
    const issuers = [
      'https://127.0.0.1',
      `http://127.0.0.1:${target.port}`,
      'https://localhost:8443', // a name: every address it resolves to is checked
      'https://[::1]',
      'https://[::ffff:127.0.0.1]', // IPv4-mapped IPv6
      'https://[::ffff:a9fe:a9fe]',
      'https://2130706433', // 127.0.0.1 written as one number
      'https://10.0.0.8/realms/x',
      'https://172.20.1.1',
      'https://192.168.1.20',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd12:3456::1]',
      'https://[fe80::1]',
      'https://0.0.0.0',
      'https://[::]',
    ];
    for (const issuer of issuers) {
      const res = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/google', { issuer, clientId: 'x', clientSecret: 'y' });
      expect(res.statusCode, `${issuer}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION', details: [{ path: 'issuer', message: expect.any(String) }] });
    }
    expect(await ctx.db.selectFrom('portalSsoConfigs').select('issuer').where('teamId', '=', team.teamId).execute()).toEqual([]);
    expect(target.hits).toBe(0);
  });

  it('still saves a public https issuer', async () => {
    const res = await call(ctx, team.ownerToken, 'PUT', '/api/v1/portal/sso/microsoft', {
      issuer: 'https://login.microsoftonline.com/organizations/v2.0',
      clientId: 'x',
      clientSecret: 'y',
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('checks a stored issuer again when a contact starts sign-in, and never contacts it', async () => {
    const t = await createTeam(ctx);
    // saved before the rule existed (or while private issuers were allowed)
    await ctx.db
      .insertInto('portalSsoConfigs')
      .values({
        teamId: t.teamId,
        provider: 'google',
        issuer: `http://127.0.0.1:${target.port}`,
        clientId: 'x',
        clientSecretEnc: ctx.services.keyring.encrypt('y', `sso:${t.teamId}:google`),
      })
      .execute();
    await call(ctx, t.ownerToken, 'PATCH', '/api/v1/settings', { contactSso: { google: true } });
    const start = await ctx.app.inject({ method: 'GET', url: `/portal/api/${t.slug}/sso/google/start`, headers: { host: 'localhost' } });
    expect(start.statusCode, start.body).toBe(503);
    expect(target.hits).toBe(0);
  });

  it('refuses, at connect time, any request of the SSO client to an internal address, by literal or by name', async () => {
    for (const url of [
      `http://127.0.0.1:${target.port}/token`,
      `http://localhost:${target.port}/jwks`,
      `http://[::ffff:127.0.0.1]:${target.port}/`,
    ]) {
      await expect(guardedFetch(url, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' } as never), url).rejects.toThrow(
        PrivateAddressError,
      );
    }
    expect(target.hits).toBe(0);
  });
});
