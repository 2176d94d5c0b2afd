// Which part of a search needle the trigram index should look up.
//
// pg_trgm turns `search_text LIKE '%@abadan.com.tr%'` into every trigram of the needle and reads every one
// of their posting lists, including "com" and "om ", which nearly every row has: ~4,000 index pages for
// 118 matches. Looking up only the needle's rare trigrams (`LIKE '%aba%' AND LIKE '%dan%'`) and checking
// the whole needle on the few rows they leave gives the same rows for a fraction of the reads. Which
// trigrams are rare comes from a sample of the stored search text (searchStats), refreshed now and then.

/** A word character as pg_trgm sees it (letters and digits; everything else separates words). */
const WORD = /^[\p{L}\p{N}]$/u;

/** The trigrams made of three consecutive word characters: what `LIKE '%abc%'` looks up, and nothing else. */
export function innerTrigrams(text: string): string[] {
  const chars = [...text];
  const out = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) {
    const a = chars[i]!;
    const b = chars[i + 1]!;
    const c = chars[i + 2]!;
    if (WORD.test(a) && WORD.test(b) && WORD.test(c)) out.add(a + b + c);
  }
  return [...out];
}

export interface TrigramFrequencies {
  /** rows sampled */
  rows: number;
  /** how many live rows the table holds (for turning fractions into posting-list lengths) */
  tableRows: number;
  /** in how many sampled rows each trigram occurs */
  counts: Map<string, number>;
}

export function countTrigrams(docs: Iterable<string>, tableRows: number): TrigramFrequencies {
  const counts = new Map<string, number>();
  let rows = 0;
  for (const doc of docs) {
    rows++;
    for (const t of innerTrigrams(doc)) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return { rows, tableRows: Math.max(tableRows, rows), counts };
}

/**
 * Relative costs in the trigram path, measured on the bench database (README "Directory at a million
 * contacts"): reading one entry of a posting list (~10 ns), and fetching and re-checking one candidate row
 * (~4 µs).
 */
export const CORE_COSTS = { postingEntry: 1, candidateRow: 400 };

export interface Core {
  /** the trigrams to look up, rarest first */
  trigrams: string[];
  /** the expected share of all rows that hold every one of them (trigrams taken as independent) */
  fraction: number;
}

/**
 * The trigrams worth looking up for `needle` (a substring search), rarest first, or null when the whole
 * needle should go to the index as it is (no statistics yet, or no trigram inside it). Word-boundary
 * trigrams ("om ", " co") are never chosen: they are the most common of all. Adds trigrams while the
 * reads they cost are less than the candidate rows they are expected to remove (the first is always taken).
 */
export function coreTrigrams(
  needle: string,
  freq: TrigramFrequencies | null,
  o: { maxTrigrams?: number; costs?: typeof CORE_COSTS } = {},
): Core | null {
  if (!freq || !freq.rows) return null;
  const all = innerTrigrams(needle);
  if (!all.length) return null;
  const costs = o.costs ?? CORE_COSTS;
  // a trigram never seen in the sample is rare, but not known to be absent
  const fraction = (t: string) => Math.max(freq.counts.get(t) ?? 0, 0.5) / freq.rows;
  const ranked = all.map((t) => ({ t, f: fraction(t) })).sort((a, b) => a.f - b.f || (a.t < b.t ? -1 : 1));
  const chosen = [ranked[0]!];
  let share = ranked[0]!.f;
  for (const next of ranked.slice(1)) {
    if (o.maxTrigrams !== undefined && chosen.length >= o.maxTrigrams) break;
    const reads = next.f * freq.tableRows * costs.postingEntry;
    const saved = share * freq.tableRows * (1 - next.f) * costs.candidateRow;
    if (reads >= saved) break;
    chosen.push(next);
    share *= next.f;
  }
  return { trigrams: chosen.map((c) => c.t), fraction: share };
}

/**
 * Whether the team should be part of the trigram index lookup. The index holds each team's rows as one
 * more posting list (team_id is its first column); for a team with a large share of the table, reading
 * that list costs more than fetching the few other teams' rows a rare core finds.
 */
export function teamInIndex(core: Core | null, teamRows: number, tableRows: number, costs = CORE_COSTS): boolean {
  if (!core || tableRows <= 0) return true;
  const otherTeamsCandidates = core.fraction * Math.max(0, tableRows - teamRows);
  return teamRows * costs.postingEntry <= otherTeamsCandidates * costs.candidateRow;
}
