// The search planner: how a directory listing or search finds its page and its total (README: "How a
// search runs"). It chooses between walking the sort index, one walk over a small scope and the trigram
// index, and how a total is counted or estimated; the SQL of each path is in contacts.repo.ts.
import type { ContactFilter, ContactListQuery } from '#shared/contact.schema.ts';
import type { Db } from '../db/client.ts';
import type { Cursor } from './cursor.rules.ts';
import type { ContactsRepo, IndexLookup, ListedRow, ScopeFilter, SortField, SortSpec } from './contacts.repo.ts';
import { likePattern, parseSearch } from './search.rules.ts';
import { coreTrigrams, teamInIndex } from './search-core.rules.ts';
import { createSearchStats, type SearchStats } from './search-stats.ts';

/** Above this many rows `total` is the planner's estimate (flagged), so listing stays fast. */
const DEFAULT_EXACT_COUNT_CAP = 10_000;
/** A search first walks the sort index this far looking for a page of matches (see repo.scanPage); the
 *  walk is index-only for the default and name sorts (migration 0006), about 1 µs per row. */
const DEFAULT_SCAN_BUDGET = 20_000;
/** The walk first looks at this many rows; with too few matches there it goes to the trigram index. */
const PROBE_ROWS = 3_000;
/** In a scope too big to count, a common search's total is extrapolated from this many of its newest rows. */
const SHARE_WINDOW = 5_000;
/** Relative costs of looking at one more row of the sort index (index-only, ~2 µs) and of fetching one
 *  match from the table on the trigram path (~5 µs), measured on the bench data. */
const WALK_ROW_COST = 2;
const MATCH_ROW_COST = 5;

function parseSort(sort: string): SortSpec {
  const desc = sort.startsWith('-');
  return { field: (desc ? sort.slice(1) : sort) as SortField, desc };
}
export function scopeOf(f: Omit<ContactFilter, 'q'>, ids?: string[]): ScopeFilter {
  return { status: f.status, verified: f.verified, companyId: f.companyId, ...(ids ? { ids } : {}) };
}
export const patternOf = (q: string | undefined) => {
  const needle = parseSearch(q);
  return needle ? likePattern(needle) : undefined;
};

/** How hard a search tries (tests lower them to exercise every path with little data). */
export interface SearchTuning {
  scanBudget?: number;
  probeRows?: number;
  exactCountCap?: number;
  coreTrigrams?: number;
  trustEstimateAbove?: number;
  shareWindow?: number;
}

export function createSearchPlanner(deps: {
  db: Db;
  repo: ContactsRepo;
  tuning?: SearchTuning;
  /** trigram statistics for choosing what the trigram index looks up (default: sampled by this planner) */
  searchStats?: SearchStats;
}) {
  const { db, repo } = deps;
  // how hard a search tries (tests lower them to exercise every path with little data)
  const SCAN_BUDGET = deps.tuning?.scanBudget ?? DEFAULT_SCAN_BUDGET;
  const EXACT_COUNT_CAP = deps.tuning?.exactCountCap ?? DEFAULT_EXACT_COUNT_CAP;
  // a scope the planner puts above this many rows is not counted at all (its total is an estimate anyway)
  const TRUST_ESTIMATE_ABOVE = deps.tuning?.trustEstimateAbove ?? 4 * EXACT_COUNT_CAP;
  const searchStats = deps.searchStats ?? createSearchStats(db);
  /**
   * What the trigram index looks up for a search in a scope of `scopeRows`: the needle's rare trigrams
   * (substring searches only; prefixes keep their pattern), with or without the team's posting list.
   */
  const coreOf = (q: string | undefined, scopeRows: number): (IndexLookup & { needleShare: number }) | null => {
    const needle = parseSearch(q);
    const stats = searchStats.current();
    if (!needle || needle.mode !== 'substring' || !stats) return null;
    const core = coreTrigrams(needle.needle, stats, { maxTrigrams: deps.tuning?.coreTrigrams });
    return core && { trigrams: core.trigrams, teamInIndex: teamInIndex(core, scopeRows, stats.tableRows), needleShare: core.needleShare };
  };
  /**
   * A search's total, the same for every sort and page size. In a scope of up to TRUST_ESTIMATE_ABOVE rows:
   * exact up to EXACT_COUNT_CAP matches (the count stops there), else the planner's estimate, kept within the
   * scope. In a bigger scope (never counted) counting a common needle's matches would cost more than the page
   * (a million-contact team: ~80 ms for "smith"), so the share of matches among the scope's newest
   * SHARE_WINDOW rows is extrapolated; the matches are counted only when that says they are within the cap.
   */
  async function countMatches(
    teamId: string,
    f: ScopeFilter,
    pattern: string,
    core: IndexLookup | null,
    scope: { total: number; estimate: boolean },
  ): Promise<{ total: number; estimate: boolean }> {
    if (scope.estimate && scope.total > TRUST_ESTIMATE_ABOVE) {
      const w = await repo.matchShare(teamId, f, { pattern, window: deps.tuning?.shareWindow ?? SHARE_WINDOW });
      const extrapolated = w.rows ? Math.round((scope.total * w.hits) / w.rows) : 0;
      if (extrapolated > EXACT_COUNT_CAP) return { total: extrapolated, estimate: true };
    }
    const n = await repo.count(teamId, { ...f, pattern, core }, EXACT_COUNT_CAP);
    return n.estimate ? { total: Math.max(EXACT_COUNT_CAP + 1, Math.min(n.total, scope.total)), estimate: true } : n;
  }

  return {
    /** A page of the directory (one row more than the limit when another page follows) and its total. */
    async page(
      teamId: string,
      q: ContactListQuery,
      after?: Pick<Cursor, 'k' | 'id'>,
    ): Promise<{ rows: ListedRow[]; total: { total: number; estimate: boolean } }> {
      const sort = parseSort(q.sort);
      const f = scopeOf(q);
      const pattern = patternOf(q.q);
      const want = q.limit + 1;
      let rows: ListedRow[];
      let total: { total: number; estimate: boolean };
      if (!pattern) {
        [rows, total] = await Promise.all([
          repo.page(teamId, f, { sort, limit: want, after }),
          repo.count(teamId, f, EXACT_COUNT_CAP, db, { trustEstimateAbove: TRUST_ESTIMATE_ABOVE }),
        ]);
      } else {
        const scope = await repo.count(teamId, f, EXACT_COUNT_CAP, db, { trustEstimateAbove: TRUST_ESTIMATE_ABOVE });
        if (!scope.estimate && scope.total <= SCAN_BUDGET) {
          // a small scope (a small team): one walk over all of it gives the page and the exact total; it
          // never reads the trigram index, whose posting lists hold every team's rows
          const all = await repo.walkAll(teamId, f, { sort, limit: want, after, pattern, budget: SCAN_BUDGET });
          // past the last match the page is empty and says nothing of the total
          const counted = all.length || !after ? all : await repo.walkAll(teamId, f, { sort, limit: 1, pattern, budget: SCAN_BUDGET });
          rows = all;
          total = { total: counted[0]?.fullCount ?? 0, estimate: false };
        } else {
          // probe the first rows of the walk; walk further only when what it found says a page is near
          const probe = Math.min(deps.tuning?.probeRows ?? PROBE_ROWS, SCAN_BUDGET);
          let scanned = await repo.scanPage(teamId, f, { sort, limit: want, after, pattern, budget: probe });
          // walk on when the rows still to walk for a page cost less than fetching every match from the
          // table; matches may cluster at the start of the sort order, so the sampled statistics bound the density
          const core = coreOf(q.q, scope.total);
          const density = Math.min(scanned.length / probe, core?.needleShare ?? 1);
          const walkRows = density ? (want - scanned.length) / density : Infinity;
          const walkOn = walkRows <= SCAN_BUDGET - probe && walkRows * WALK_ROW_COST < density * scope.total * MATCH_ROW_COST;
          if (scanned.length < want && SCAN_BUDGET > probe && walkOn) {
            // go on from the probe's last match (the probe found one: density > 0), not from the start again
            const last = scanned.at(-1)!;
            const more = await repo.scanPage(teamId, f, {
              sort,
              limit: want - scanned.length,
              after: { k: last.sortValue, id: last.id },
              pattern,
              budget: SCAN_BUDGET - Number(last.rn),
            });
            scanned = [...scanned, ...more.map((r) => ({ ...r, rn: Number(r.rn) + Number(last.rn) }))];
          }
          if (scanned.length === want) {
            // matches are common: the page came from the sort index. The total is counted, never
            // extrapolated from the walk: matches cluster in sort order, so the walk's density would
            // depend on the sort and the page size
            rows = scanned;
            total = await countMatches(teamId, f, pattern, core, scope);
          } else {
            const matched = await repo.matchPage(teamId, f, { sort, limit: want, after, pattern, core });
            rows = matched;
            total = matched.length
              ? { total: matched[0]!.fullCount, estimate: false }
              : await countMatches(teamId, f, pattern, core, scope);
          }
        }
      }
      return { rows, total };
    },
  };
}

export type SearchPlanner = ReturnType<typeof createSearchPlanner>;
