// The cloud sources' HTTP: Retry-After (seconds or a date) is waited out, Google's 403 rate-limit reasons are
// retried but its other 403s are not, retries are bounded, and the run's abort signal ends a wait at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudRequest, isGoogleRateLimit, retryAfterMs } from './cloud-http.ts';
import { DirectoryError } from './source.ts';

let answers: { status: number; body: unknown; headers?: Record<string, string> }[] = [];
let served = 0;
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    served++;
    const a = answers.shift() ?? { status: 200, body: { ok: true } };
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const opts = { timeoutMs: 5000, service: 'Test API', backoffMs: 5, allowPrivateAddresses: true };
const quota = (reason: string) => ({ error: { code: 403, message: 'Quota exceeded', errors: [{ reason, domain: 'usageLimits' }] } });

describe('cloudRequest', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('waits out 429 with Retry-After and 503, and answers the first good answer', async () => {
    answers = [
      { status: 429, body: {}, headers: { 'retry-after': '1' } },
      { status: 503, body: {}, headers: { 'retry-after': '0' } },
    ];
    served = 0;
    const t0 = Date.now();
    const r = await cloudRequest(url, {}, opts);
    expect(r.status).toBe(200);
    expect(served).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950); // the second it was asked to wait
  });

  it("retries Google's rate-limit 403s, not its other 403s", async () => {
    expect(isGoogleRateLimit(403, quota('userRateLimitExceeded'))).toBe(true);
    expect(isGoogleRateLimit(403, quota('quotaExceeded'))).toBe(true);
    expect(isGoogleRateLimit(403, quota('forbidden'))).toBe(false);
    answers = [{ status: 403, body: quota('userRateLimitExceeded') }];
    expect((await cloudRequest(url, {}, opts)).status).toBe(200);
    answers = [{ status: 403, body: quota('forbidden') }];
    expect((await cloudRequest(url, {}, opts)).status).toBe(403);
  });

  it('gives up after bounded retries with a plain message', async () => {
    answers = Array.from({ length: 5 }, () => ({ status: 429, body: {} }));
    served = 0;
    const err = await cloudRequest(url, {}, { ...opts, maxRetries: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryError);
    expect((err as DirectoryError).problem).toMatchObject({ code: 'unavailable_source' });
    expect(served).toBe(3);
    answers = [];
  });

  it("stops waiting when the run's signal aborts", async () => {
    answers = [{ status: 429, body: {}, headers: { 'retry-after': '30' } }];
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(new Error('cancelled')), 100);
    await expect(cloudRequest(url, {}, { ...opts, signal: ac.signal })).rejects.toThrow('cancelled');
    expect(Date.now() - t0).toBeLessThan(5000);
    answers = [];
  });
});
