// How far a search's `total` is from the truth in the million-contact team of bench:search (run that once to
// seed it): for queries of every class, the total the API answers for every sort and page size against the
// exact number of matches (strpos over the stored text, no index). In-process, no HTTP: it measures counts,
// not speed. Last line: JSON with the worst ratio and how many totals depended on the sort or page size.
import { createServices } from '../server/app.ts';
import { systemActor } from '../server/auth/actor.ts';
import { foldText, parseSearch } from '../server/contacts/search.rules.ts';
import { openBenchDatabase } from './lib/bench-db.ts';
import { existingBenchTeams } from './seed.ts';
import pg from 'pg';

const QUERIES = [
  'Smith',
  'Garcia',
  'ma',
  'jo',
  'ja',
  'mueller-partners',
  'abadan',
  'Yılmaz',
  'Müller',
  'César',
  '효원',
  '김',
  '佐藤',
  'xethma',
];
const SORTS = ['-createdAt', 'lastName', '-lastName', 'company', 'updatedAt', 'firstName'];
const LIMITS = [10, 25, 50, 100];

async function main() {
  const bench = await openBenchDatabase({
    databaseUrl: process.env.DATABASE_URL || null,
    dataDir: process.env.BENCH_DATA_DIR || '.data/bench',
  });
  const pgc = new pg.Client({ connectionString: bench.url });
  await pgc.connect();
  try {
    const big = (await existingBenchTeams(bench.db)).find((t) => t.index === 0);
    if (!big) throw new Error('no bench team: run npm run bench:search once to seed it');
    const services = createServices(bench.db, { sessionTtlHours: 24 });
    const actor = systemActor(big.id);
    let worst = 1;
    let varying = 0;
    let estimated = 0;
    for (const q of QUERIES) {
      const needle = parseSearch(q)!;
      // the oracle: a plain substring (or word-start) test of the folded needle
      const probe = needle.mode === 'substring' ? needle.needle : ` ${needle.needle}`;
      const { rows } = await pgc.query<{ n: number }>(
        `SELECT count(*)::int n FROM contacts WHERE team_id = $1 AND deleted_at IS NULL AND strpos(search_text, $2) > 0`,
        [big.id, probe],
      );
      const truth = rows[0]!.n;
      const seen = new Set<string>();
      for (const sort of SORTS) {
        for (const limit of LIMITS) {
          const page = await services.contacts.list(actor, { q, status: 'all', sort, limit } as never);
          seen.add(`${page.total}${page.totalIsEstimate ? '~' : ''}`);
          if (page.totalIsEstimate) estimated++;
          if (truth && page.total) worst = Math.max(worst, page.total / truth, truth / page.total);
        }
      }
      if (seen.size > 1) varying++;
      console.log(`${JSON.stringify(q)} (${foldText(q)}): exact ${truth}; answered ${[...seen].join(', ')}`);
    }
    console.log(
      JSON.stringify({
        queries: QUERIES.length,
        answers: QUERIES.length * SORTS.length * LIMITS.length,
        estimated,
        worst_ratio: Number(worst.toFixed(2)),
        queries_whose_total_varies: varying,
      }),
    );
  } finally {
    await pgc.end();
    await bench.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
