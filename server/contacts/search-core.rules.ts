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
  /** for each trigram, the sampled rows (by index, ascending) that hold it */
  postings: Map<string, Int32Array>;
}

/** Counts trigrams one row at a time (so a caller can yield between rows), then freezes the postings. */
export function trigramCounter(tableRows: number) {
  const lists = new Map<string, number[]>();
  let rows = 0;
  return {
    add(doc: string) {
      for (const t of innerTrigrams(doc)) {
        const list = lists.get(t);
        if (list) list.push(rows);
        else lists.set(t, [rows]);
      }
      rows++;
    },
    finish(): TrigramFrequencies {
      const postings = new Map<string, Int32Array>();
      for (const [t, list] of lists) postings.set(t, Int32Array.from(list));
      return { rows, tableRows: Math.max(tableRows, rows), postings };
    },
  };
}

export function countTrigrams(docs: Iterable<string>, tableRows: number): TrigramFrequencies {
  const counter = trigramCounter(tableRows);
  for (const doc of docs) counter.add(doc);
  return counter.finish();
}

function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out: number[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return Int32Array.from(out);
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
  /** the expected share of all rows that hold every one of them */
  fraction: number;
  /** the expected share of all rows that hold every trigram of the needle (an upper bound of its matches) */
  needleShare: number;
}

/**
 * The trigrams worth looking up for `needle` (a substring search), rarest first, or null when the whole
 * needle should go to the index as it is (no statistics yet, or no trigram inside it). Word-boundary
 * trigrams ("om ", " co") are never chosen: they are the most common of all. Takes trigrams, rarest first,
 * whose reads cost less than the candidate rows they are expected to remove (the first is always taken).
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
  const none = new Int32Array(0);
  const listOf = (t: string) => freq.postings.get(t) ?? none;
  // a trigram never seen in the sample is rare, but not known to be absent
  const fraction = (t: string) => Math.max(listOf(t).length, 0.5) / freq.rows;
  const ranked = all.map((t) => ({ t, f: fraction(t) })).sort((a, b) => a.f - b.f || (a.t < b.t ? -1 : 1));
  const chosen = [ranked[0]!];
  // the sampled rows holding every chosen trigram: trigrams of one word go together, so their combined
  // share is measured on the sample, not multiplied; below the sample's resolution it is extrapolated
  let holding = listOf(ranked[0]!.t);
  let share = ranked[0]!.f;
  for (const next of ranked.slice(1)) {
    if (o.maxTrigrams !== undefined && chosen.length >= o.maxTrigrams) break;
    const narrowed = holding.length ? intersect(holding, listOf(next.t)) : none;
    const nextShare = narrowed.length ? narrowed.length / freq.rows : Math.min(share * next.f, share / 2);
    const reads = next.f * freq.tableRows * costs.postingEntry;
    const saved = (share - nextShare) * freq.tableRows * costs.candidateRow;
    if (reads >= saved) continue;
    chosen.push(next);
    holding = narrowed;
    share = nextShare;
  }
  // every trigram of the needle, for an estimate of how many rows match (below the sample's resolution:
  // half a sampled row)
  let everyTrigram = listOf(ranked[0]!.t);
  for (const r of ranked.slice(1)) everyTrigram = everyTrigram.length ? intersect(everyTrigram, listOf(r.t)) : everyTrigram;
  const needleShare = Math.min(share, Math.max(everyTrigram.length, 0.5) / freq.rows);
  return { trigrams: chosen.map((c) => c.t), fraction: share, needleShare };
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
