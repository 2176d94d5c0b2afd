// A search's `total` in a team just above the exact-count threshold: the same query answers the same total
// whatever the sort and the page size, exact when the matches are within the threshold, and an estimate
// (flagged) within 2x of the truth above it. The threshold is lowered so a few hundred contacts are enough.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactInput } from '#shared/contact.schema.ts';
import { createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { systemActor } from '../auth/actor.ts';
import { createContactsService } from './contacts.service.ts';
import { createSearchStats } from './search-stats.ts';

let ctx: TestContext;
let team: TestTeam;
const CAP = 200;
const RARE = 20; // contacts of "Aardvark Ltd": first in the company sort, and created first
const COMMON = 250; // contacts named "Common…": above the cap
const TEAM = 320;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx);
  const inputs: ContactInput[] = Array.from({ length: TEAM }, (_, i) => ({
    firstName: i >= RARE && i < RARE + COMMON ? `Common${i}` : `Other${i}`,
    lastName: `Person ${String(i).padStart(3, '0')}`,
    company: i < RARE ? 'Aardvark Ltd' : `Zeta ${i % 7}`,
    primaryEmail: `p${i}@example.com`,
  }));
  // one by one, so creation order (the date sorts) puts the Aardvark contacts first
  for (const input of inputs) {
    const r = await ctx.services.contacts.createMany(systemActor(team.teamId), [input]);
    expect(r.failed).toEqual([]);
  }
  await sql`ANALYZE contacts`.execute(ctx.db);
}, 120_000);
afterAll(() => ctx?.close());

// as set up, then walking less, then a scope too big to count (extrapolated from the newest rows: all of
// them, then a window of 100)
const TUNINGS = [
  {},
  { probeRows: 50, scanBudget: 100 },
  { trustEstimateAbove: 100 },
  { trustEstimateAbove: 100, shareWindow: 100, probeRows: 50, scanBudget: 100 },
];
const SORTS = ['company', '-company', 'lastName', '-lastName', 'createdAt', '-createdAt', 'updatedAt', 'firstName'] as const;
const LIMITS = [1, 5, 10, 19, 20, 21, 50, 100];

async function totals(q: string, tuning: object = {}) {
  const searchStats = createSearchStats(ctx.db);
  await searchStats.refresh();
  const service = createContactsService({
    db: ctx.db,
    teams: ctx.services.teams,
    jobs: ctx.services.jobs,
    tuning: { exactCountCap: CAP, ...tuning },
    searchStats,
  });
  const seen = new Map<string, string[]>();
  for (const sort of SORTS) {
    for (const limit of LIMITS) {
      const page = await service.list(systemActor(team.teamId), { q, status: 'all', sort, limit });
      const key = `${page.total}${page.totalIsEstimate ? ' (estimate)' : ''}`;
      seen.set(key, [...(seen.get(key) ?? []), `${sort}/${limit}`]);
    }
  }
  return seen;
}

describe('search totals in a team just above the exact-count threshold', () => {
  it('answers the exact total of a rare query whatever the sort and the page size', async () => {
    for (const tuning of TUNINGS) {
      expect(Object.fromEntries(await totals('aardvark', tuning)), JSON.stringify(tuning)).toEqual({
        [String(RARE)]: expect.any(Array),
      });
    }
  });

  it('answers the exact count or one estimate within 2x of it, for a query matching more than the threshold', async () => {
    for (const tuning of TUNINGS) {
      const seen = await totals('common', tuning);
      const context = `${JSON.stringify(tuning)}: ${JSON.stringify(Object.fromEntries(seen))}`;
      // the trigram path counts every match it sorts (exact); the sort-index walk counts up to the
      // threshold and then estimates: one estimate for every sort and page size
      const estimates = [...seen.keys()].filter((k) => k.endsWith(' (estimate)'));
      const exact = [...seen.keys()].filter((k) => !k.endsWith(' (estimate)'));
      expect(estimates.length, context).toBeLessThanOrEqual(1);
      expect(
        exact.every((k) => k === String(COMMON)),
        context,
      ).toBe(true);
      for (const key of estimates) {
        const total = Number.parseInt(key, 10);
        expect(total, context).toBeGreaterThan(CAP);
        expect(total, context).toBeGreaterThanOrEqual(COMMON / 2);
        expect(total, context).toBeLessThanOrEqual(COMMON * 2);
      }
    }
  });
});
