// How common each trigram is in the stored search text, from a sample of the contacts table, so a search
// can look up only its needle's rare part (search-core.rules.ts). Kept per process, refreshed in the
// background when older than `maxAgeMs`; a search never waits for it (without statistics it uses the whole
// needle, as before).
import type { Executor } from '../db/client.ts';
import { createContactsRepo } from './contacts.repo.ts';
import { trigramCounter, type TrigramFrequencies } from './search-core.rules.ts';

export interface SearchStats {
  /** What is known now (null before the first sample); starts a refresh when missing or old. */
  current(): TrigramFrequencies | null;
  /** Samples now (tests, and the first request of a process may want to wait for it). */
  refresh(): Promise<TrigramFrequencies>;
}

export function createSearchStats(db: Executor, o: { sampleRows?: number; maxAgeMs?: number; now?: () => number } = {}): SearchStats {
  const sampleRows = o.sampleRows ?? 20_000;
  const maxAgeMs = o.maxAgeMs ?? 60 * 60 * 1000;
  const now = o.now ?? Date.now;
  const repo = createContactsRepo(db);
  let known: TrigramFrequencies | null = null;
  let takenAt = -Infinity;
  let loading: Promise<TrigramFrequencies> | null = null;

  async function sample(): Promise<TrigramFrequencies> {
    const tableRows = await repo.tableRowsEstimate();
    // whole pages at random (cheap); every page when the table is small or was never analysed
    const percent = tableRows > 0 ? Math.min(100, (100 * sampleRows * 1.5) / tableRows) : 100;
    const rows = await repo.sampleSearchText(percent, sampleRows);
    // ~0.6 s of work for 20,000 rows: done in slices, so the requests this process serves meanwhile wait
    // for a slice (a few ms), not for all of it
    const counter = trigramCounter(tableRows);
    for (let i = 0; i < rows.length; i++) {
      counter.add(rows[i]!.searchText);
      if (i % 500 === 499) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return counter.finish();
  }

  function refresh() {
    loading ??= sample()
      .then((f) => {
        known = f;
        takenAt = now();
        return f;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  return {
    current() {
      if (!loading && now() - takenAt > maxAgeMs) {
        takenAt = now(); // one attempt per period, even if it fails
        refresh().catch(() => {});
      }
      return known;
    },
    refresh,
  };
}
