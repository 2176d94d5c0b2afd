// "Send me a code" must not reveal whether an email belongs to a contact: 200 requests each for known,
// unknown, another team's and inactive emails give the same status, body shape, headers and cookies,
// and take the same time (medians printed; the bound is loose, this machine is shared).
import { performance } from 'node:perf_hooks';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../auth/actor.ts';
import { createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';

const N = 200;
let ctx: TestContext;
let team: TestTeam;
const groups: Record<'known' | 'unknown' | 'foreign' | 'inactive', string[]> = { known: [], unknown: [], foreign: [], inactive: [] };

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
  const other = await createTeam(ctx);
  const run = uid();
  for (let i = 0; i < N; i++) {
    groups.known.push(`known-${run}-${i}@example.com`);
    groups.unknown.push(`unknown-${run}-${i}@example.com`);
    groups.foreign.push(`foreign-${run}-${i}@example.com`);
    groups.inactive.push(`inactive-${run}-${i}@example.com`);
  }
  const mk = (emails: string[], active = true) => emails.map((e) => ({ firstName: 'E', primaryEmail: e, permissions: { active } }));
  await ctx.services.contacts.createMany(systemActor(team.teamId), [...mk(groups.known), ...mk(groups.inactive, false)]);
  await ctx.services.contacts.createMany(systemActor(other.teamId), mk(groups.foreign));
}, 120_000);
afterAll(() => ctx?.close());

const shape = (v: unknown): unknown =>
  v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v;
const headersOf = (r: LightMyRequestResponse) => {
  const { 'x-request-id': _id, date: _date, ...rest } = r.headers;
  return rest;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

describe('POST /portal/api/:teamSlug/login/start enumeration', () => {
  it(`answers ${N} known, unknown, foreign and inactive emails alike`, async () => {
    const names = Object.keys(groups) as (keyof typeof groups)[];
    const results = Object.fromEntries(names.map((n) => [n, [] as { res: LightMyRequestResponse; ms: number }[]])) as Record<
      keyof typeof groups,
      { res: LightMyRequestResponse; ms: number }[]
    >;
    // warm-up, then interleaved so drift of the machine affects every group alike
    for (let i = 0; i < 20; i++) {
      await ctx.app.inject({
        method: 'POST',
        url: `/portal/api/${team.slug}/login/start`,
        remoteAddress: `10.99.0.${i}`,
        payload: { email: `warm-${i}@example.com` },
      });
    }
    for (let i = 0; i < N; i++) {
      // rotate the order each round, so no group is always first
      for (let k = 0; k < names.length; k++) {
        const g = (i + k) % names.length;
        const name = names[g]!;
        const t0 = performance.now();
        const res = await ctx.app.inject({
          method: 'POST',
          url: `/portal/api/${team.slug}/login/start`,
          remoteAddress: `10.${100 + g}.${i >> 8}.${i & 255}`,
          payload: { email: groups[name][i] },
        });
        results[name].push({ res, ms: performance.now() - t0 });
      }
    }

    const ref = results.known[0]!.res;
    for (const name of names) {
      for (const { res } of results[name]) {
        expect(res.statusCode).toBe(200);
        expect(shape(res.json())).toEqual(shape(ref.json()));
        expect(res.json().expiresInSeconds).toBe(600);
        expect(headersOf(res)).toEqual(headersOf(ref));
        expect(res.cookies).toEqual([]);
      }
    }

    const medians = Object.fromEntries(names.map((n) => [n, Number(median(results[n].map((r) => r.ms)).toFixed(3))]));
    console.log(`login/start median latency (ms) over ${N} requests each:`, JSON.stringify(medians));
    const values = Object.values(medians);
    // same work on every path; a leak (a second query, a mail sent inline) would add milliseconds
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(Math.max(2, 0.4 * Math.min(...values)));

    // and yet only the known, active contacts get a code
    const out = await ctx.services.portal.processLoginRequests({ limit: 10_000 });
    expect(out.issued).toBe(N);
    const mailed = await ctx.db.selectFrom('mailOutbox').select('toAddress').where('kind', '=', 'portal.code').execute();
    expect(new Set(mailed.map((m) => m.toAddress))).toEqual(new Set(groups.known));
  }, 180_000);
});
