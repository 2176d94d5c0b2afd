// npm run bench:search — directory search at scale, through the HTTP API of the real server.
//
// Data: one team of 1,000,000 contacts, 99 teams sharing 999,000 and one team of 1,000 (2,000,000 rows),
// seeded by bench/seed.ts into the bench database (embedded PostgreSQL in .data/bench, or DATABASE_URL)
// unless a run already did (found by the team names). Then `kdesk serve` runs as a child process and
// this process sends a fixed query mix, sequentially (latency, not throughput), sorted by last name,
// limit 50: per class p50/p95/p99 in the big team, the same queries in the 1,000-contact team, creating
// and updating contacts, and the best raw SQL for the same queries (pg, no HTTP, no count) for the ratio.
// It checks result pages against an independent oracle. Last line of stdout: one JSON object.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import type { Contact, ContactPage } from '#shared/contact.schema.ts';
import { createServices } from '../server/app.ts';
import { phonesE164 } from '../server/contacts/contacts.rules.ts';
import { matchesSearch, parseSearch, sortKeys, likePattern } from '../server/contacts/search.rules.ts';
import { createUniverse } from './lib/contact-gen.ts';
import { fmt, loadAverage, openBenchDatabase } from './lib/bench-db.ts';
import { existingBenchTeams, seed, teamName, teamSizes, type SeedOptions } from './seed.ts';

const envInt = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]!.replaceAll('_', '')) : fallback);
// the layout (the same variables as bench:seed, for trying the bench on less data)
const LAYOUT = {
  contacts: envInt('BENCH_CONTACTS', 2_000_000),
  teams: envInt('BENCH_TEAMS', 101),
  bigTeamContacts: envInt('BENCH_BIG_TEAM_CONTACTS', 1_000_000),
  smallTeamContacts: envInt('BENCH_SMALL_TEAM_CONTACTS', 1_000),
};
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300); // measured requests per class
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30); // per class, not measured
const WRITES = Number(process.env.BENCH_WRITES ?? 200); // creates, and as many updates
const RAW_RUNS = Number(process.env.BENCH_RAW_REQUESTS ?? 100); // raw SQL runs per class
const PORT = 30000 + Math.floor(Math.random() * 20000);
const TARGETS = { p50: 20, p95: 50, p99: 150, small_p95: 10, write_p95: 10 };

const log = (s: string) => console.error(s);
const load = () => os.loadavg()[0]!.toFixed(2);

type QueryClass = { name: string; queries: string[] };

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s.at(-1) ?? NaN) };
}

async function ensureSeeded(o: { databaseUrl: string | null; dataDir: string }) {
  const sizes = teamSizes(LAYOUT);
  const bench = await openBenchDatabase(o);
  let present: Awaited<ReturnType<typeof existingBenchTeams>>;
  try {
    present = await existingBenchTeams(bench.db);
  } finally {
    await bench.close();
  }
  const complete =
    sizes.every((size, i) => present.some((t) => t.index === i && t.name === teamName(i, size))) && present.length === sizes.length;
  if (complete) {
    log(`reusing the seeded data (${present.length} bench teams)`);
    return;
  }
  log(present.length ? 'the bench data is not the expected layout: seeding it again' : 'seeding (this takes a while)');
  const opts: SeedOptions = {
    ...LAYOUT,
    databaseUrl: o.databaseUrl,
    dataDir: o.dataDir,
    seed: 42,
    workers: Math.max(1, os.availableParallelism()),
    replace: present.length > 0,
  };
  const r = await seed(opts);
  log(`seeded ${fmt(r.rows)} contacts: ${fmt(Math.round(r.rowsPerSecond))} rows/s (load ${r.load.before} → ${r.load.after})`);
}

/** Concrete queries for each class, picked from the seeded data so each has real matches. */
async function pickQueries(c: pg.Client, team: string): Promise<QueryClass[]> {
  const q = async <T>(text: string, values: unknown[] = [team]) => (await c.query(text, values)).rows as T[];
  const live = `team_id = $1 AND deleted_at IS NULL`;

  const common = await q<{ last_name: string; n: number }>(
    `SELECT last_name, count(*)::int n FROM contacts WHERE ${live} AND last_name ~ '^[A-Za-z]+$' GROUP BY 1 ORDER BY 2 DESC LIMIT 3`,
  );
  const rare = await q<{ last_name: string }>(
    `SELECT last_name FROM contacts WHERE ${live} AND last_name ~ '^[A-Z][a-z]{9,}$'
     GROUP BY 1 HAVING count(*) BETWEEN 1 AND 5 ORDER BY md5(last_name) LIMIT 6`,
  );
  const prefixes = await q<{ p: string }>(
    `SELECT lower(left(first_name, 2)) p FROM contacts WHERE ${live} AND first_name ~ '^[A-Z][a-z]'
     GROUP BY 1 ORDER BY count(*) DESC LIMIT 6`,
  );
  const usPhones = await q<{ e: string; typed: string }>(
    `SELECT e, (SELECT value FROM json_each_text(phones) LIMIT 1) typed FROM contacts, unnest(phones_e164) e
     WHERE ${live} AND e LIKE '+1__________' ORDER BY md5(id::text) LIMIT 3`,
  );
  const intlPhones = await q<{ typed: string }>(
    `SELECT p.value typed FROM contacts, json_each_text(phones) p
     WHERE ${live} AND p.value ~ '^\\+(49|33|82|81|90|7) ' ORDER BY md5(id::text) LIMIT 3`,
  );
  const domains = await q<{ d: string; n: number }>(
    `WITH d AS (SELECT split_part(primary_email, '@', 2) d, count(*)::int n FROM contacts WHERE ${live} AND primary_email IS NOT NULL GROUP BY 1)
     (SELECT * FROM d WHERE d !~ '(gmail|outlook|yahoo|hotmail|icloud|proton|aol|naver|daum|kakao|qq|163|mail|yandex|gmx|web|orange|free|laposte|t-online|telefonica|otenet|docomo)'
      ORDER BY n DESC LIMIT 1)
     UNION ALL (SELECT * FROM d WHERE n BETWEEN 80 AND 120 ORDER BY d LIMIT 1)
     UNION ALL (SELECT * FROM d WHERE n BETWEEN 3 AND 6 ORDER BY d LIMIT 1)`,
  );
  const korean = await q<{ first_name: string; last_name: string }>(
    `SELECT first_name, last_name FROM contacts WHERE ${live} AND first_name ~ '^[가-힣]{2}$' AND last_name ~ '^[가-힣]$'
     GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 3`,
  );
  const accented = await q<{ last_name: string }>(
    `SELECT last_name FROM contacts WHERE ${live} AND last_name ~ '^[A-Za-zÀ-ÿİıŞşĞğ]+$' AND last_name ~ '[^A-Za-z]'
     GROUP BY 1 ORDER BY count(*) DESC LIMIT 4`,
  );
  const accentedFirst = await q<{ first_name: string }>(
    `SELECT first_name FROM contacts WHERE ${live} AND first_name ~ '^[A-Za-zÀ-ÿİıŞşĞğ]+$' AND first_name ~ '[^A-Za-z]'
     GROUP BY 1 ORDER BY count(*) DESC LIMIT 2`,
  );
  const scripts = await q<{ last_name: string }>(
    `(SELECT last_name FROM contacts WHERE ${live} AND last_name ~ '^[\\u4e00-\\u9fff]{2}$' AND first_name ~ '[\\u3040-\\u30ff]' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)
     UNION ALL (SELECT last_name FROM contacts WHERE ${live} AND last_name ~ '^[А-Яа-яЁё]+$' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)
     UNION ALL (SELECT last_name FROM contacts WHERE ${live} AND last_name ~ '^[Α-Ωα-ωά-ώΆ-Ώ]+$' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)`,
  );
  const us = (e: string) => {
    const d = e.slice(2);
    return [
      `+1 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
      `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`,
      d,
      `${d.slice(3, 6)}-${d.slice(6)}`,
    ];
  };
  return [
    { name: 'rare_substring', queries: rare.map((r) => r.last_name.toLowerCase().slice(2, 8)) },
    { name: 'common_surname', queries: common.map((r) => r.last_name) },
    { name: 'prefix_2_chars', queries: prefixes.map((r) => r.p) },
    { name: 'phone', queries: [...usPhones.flatMap((r) => us(r.e)), ...intlPhones.map((r) => r.typed)] },
    { name: 'email_domain', queries: domains.flatMap((r) => [`@${r.d}`, r.d.split('.')[0]!]) },
    {
      name: 'korean',
      queries: [...korean.map((r) => r.first_name), korean[0] ? `${korean[0].first_name} ${korean[0].last_name}` : '', '김'],
    },
    {
      name: 'accented',
      queries: [...accented.flatMap((r) => [r.last_name, withoutAccents(r.last_name)]), ...accentedFirst.map((r) => r.first_name)],
    },
    { name: 'other_scripts', queries: scripts.map((r) => r.last_name) },
  ].map((c) => ({ ...c, queries: [...new Set(c.queries.filter(Boolean))] }));
}
// "Çelik" → "celik": what someone without the accent keys types (the folding under test is the app's)
const withoutAccents = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .replace(/ß/g, 'ss')
    .toLowerCase();

async function startServer(url: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, ['bin/kdesk.mjs', 'serve'], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', KDESK_WEB_DIR: '/nonexistent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d) => String(d).includes('kdesk is ready') && resolve());
    server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return server;
}

function client(token: string) {
  const base = `http://127.0.0.1:${PORT}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    async timed<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<{ ms: number; json: T }> {
      const t0 = performance.now();
      const res = await fetch(base + path, {
        method,
        headers: { ...headers, ...extra },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const ms = performance.now() - t0;
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
      return { ms, json: JSON.parse(text) as T };
    },
  };
}
type Api = ReturnType<typeof client>;
const searchPath = (q: string, cursor?: string) =>
  `/api/v1/contacts?sort=lastName&limit=50&q=${encodeURIComponent(q)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** Sequential searches: `warmup` unmeasured, then `n` measured, cycling through the class's queries. */
async function runClass(api: Api, c: QueryClass, n: number, warmup: number) {
  for (let i = 0; i < warmup; i++) await api.timed('GET', searchPath(c.queries[i % c.queries.length]!));
  const samples: number[] = [];
  const perQuery = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const q = c.queries[i % c.queries.length]!;
    const { ms } = await api.timed('GET', searchPath(q));
    samples.push(ms);
    perQuery.set(q, [...(perQuery.get(q) ?? []), ms]);
  }
  const byQuery = [...perQuery].map(([q, t]) => `${JSON.stringify(q)} ${stats(t).p50}`).join(', ');
  return { samples, byQuery };
}

// ---- correctness: pages against an oracle that uses neither LIKE nor the trigram index, and the app's own
// matching rules (matchesSearch, sortKeys) applied to what the API returned ----
const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
async function oracle(c: pg.Client, team: string, q: string, limit: number, offset = 0) {
  const needle = parseSearch(q)!;
  const probe = needle.mode === 'substring' ? needle.needle : ` ${needle.needle}`;
  // strpos: no index can serve it, so this reads every row of the team
  const { rows } = await c.query<{ id: string; n: number }>(
    `SELECT id, count(*) OVER ()::int n FROM contacts WHERE team_id = $1 AND deleted_at IS NULL AND strpos(search_text, $2) > 0
     ORDER BY sk_last, id LIMIT $3 OFFSET $4`,
    [team, probe, limit, offset],
  );
  return { ids: rows.map((r) => r.id), total: rows[0]?.n ?? 0 };
}
async function checkPage(api: Api, c: pg.Client, team: string, q: string, problems: string[]) {
  const needle = parseSearch(q)!;
  const page1 = (await api.timed<ContactPage>('GET', searchPath(q))).json;
  const where = `q=${JSON.stringify(q)}`;
  const keyOf = (x: Contact) => sortKeys(x).skLast;
  const check = (items: Contact[], label: string) => {
    for (const [i, item] of items.entries()) {
      if (!matchesSearch(item, phonesE164(item.phones, 'US'), needle))
        problems.push(`${where} ${label}: item ${i} (${item.id}) does not match`);
      if (i > 0) {
        const prev = items[i - 1]!;
        const cmp = byteCompare(keyOf(prev), keyOf(item)) || byteCompare(prev.id, item.id);
        if (cmp >= 0) problems.push(`${where} ${label}: items ${i - 1} and ${i} are out of order`);
      }
    }
  };
  check(page1.items, 'page 1');
  const o1 = await oracle(c, team, q, 50);
  if (page1.items.map((x) => x.id).join() !== o1.ids.join()) problems.push(`${where} page 1 differs from the oracle's first 50`);
  // an estimate is allowed for large results (flagged); an exact total must be exact
  if (!page1.totalIsEstimate && page1.total !== o1.total) problems.push(`${where}: total ${page1.total} but the oracle counts ${o1.total}`);
  let page2Ok = true;
  if (page1.nextCursor) {
    const page2 = (await api.timed<ContactPage>('GET', searchPath(q, page1.nextCursor))).json;
    check(page2.items, 'page 2');
    const o2 = await oracle(c, team, q, 50, 50);
    if (page2.items.map((x) => x.id).join() !== o2.ids.join()) {
      problems.push(`${where} page 2 differs from the oracle's rows 51-100`);
      page2Ok = false;
    }
  }
  return { q, total: o1.total, estimate: page1.totalIsEstimate, apiTotal: page1.total, page2Ok };
}

// ---- raw SQL: the better of the two plans the repo chooses between, per query, without HTTP or count ----
async function rawSql(c: pg.Client, team: string, classes: QueryClass[]) {
  const plans = {
    // walk the (team_id, sk_last, id) index in order and filter
    walk: ['SET enable_bitmapscan = off', 'SET enable_seqscan = off'],
    // trigram bitmap, then a top-N sort of the matches
    bitmap: ['SET enable_indexscan = off', 'SET enable_seqscan = off'],
  };
  const sqlText = `SELECT *, sk_last::text AS sort_value FROM contacts WHERE team_id = $1 AND deleted_at IS NULL AND search_text LIKE $2
                   ORDER BY sk_last, id LIMIT 51`;
  const run = async (plan: keyof typeof plans, pattern: string, timeoutMs = 0) => {
    await c.query('RESET ALL');
    if (timeoutMs) await c.query(`SET statement_timeout = ${Math.ceil(timeoutMs)}`);
    for (const s of plans[plan]) await c.query(s);
    const t0 = performance.now();
    await c.query(sqlText, [team, pattern]);
    return performance.now() - t0;
  };
  const out: Record<string, { samples: number[]; choice: Record<string, string> }> = {};
  for (const cl of classes) {
    const choice: Record<string, keyof typeof plans> = {};
    for (const q of cl.queries) {
      const pattern = likePattern(parseSearch(q)!);
      // median of 3; a plan slower than `limitMs` (a walk for a rare pattern reads the whole team) is out
      const timeOf = async (plan: keyof typeof plans, limitMs: number) => {
        const t: number[] = [];
        try {
          for (let i = 0; i < 3; i++) t.push(await run(plan, pattern, limitMs));
        } catch {
          return Infinity;
        }
        return t.sort((a, b) => a - b)[1]!;
      };
      const walk = await timeOf('walk', 1000);
      const bitmap = await timeOf('bitmap', Number.isFinite(walk) ? Math.max(200, walk * 3) : 30_000);
      choice[q] = walk < bitmap ? 'walk' : 'bitmap';
    }
    const samples: number[] = [];
    for (let i = 0; i < RAW_RUNS; i++) {
      const q = cl.queries[i % cl.queries.length]!;
      samples.push(await run(choice[q]!, likePattern(parseSearch(q)!)));
    }
    out[cl.name] = { samples, choice };
  }
  await c.query('RESET ALL');
  return out;
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL || null;
  const dataDir = process.env.BENCH_DATA_DIR || '.data/bench';
  await ensureSeeded({ databaseUrl, dataDir });

  const bench = await openBenchDatabase({ databaseUrl, dataDir });
  let server: ChildProcess | null = null;
  const pgc = new pg.Client({ connectionString: bench.url });
  await pgc.connect();
  try {
    const teams = await existingBenchTeams(bench.db);
    const big = teams.find((t) => t.index === 0)!;
    const small = teams.find((t) => t.index === LAYOUT.teams - 1)!;
    const services = createServices(bench.db, { sessionTtlHours: 24 });
    const bigToken = await services.auth.createTokenForMember(big.ownerId, 'bench:search');
    const smallToken = await services.auth.createTokenForMember(small.ownerId, 'bench:search');
    const counts = (
      await pgc.query<{ team_id: string; n: number }>(
        `SELECT team_id, count(*)::int n FROM contacts WHERE team_id = ANY($1) AND deleted_at IS NULL GROUP BY 1`,
        [[big.id, small.id]],
      )
    ).rows;
    const live = (id: string) => counts.find((r) => r.team_id === id)?.n ?? 0;
    log(`big team ${big.slug}: ${fmt(live(big.id))} live contacts; small team ${small.slug}: ${fmt(live(small.id))}`);

    const classes = await pickQueries(pgc, big.id);
    for (const c of classes) {
      const n: string[] = [];
      for (const q of c.queries) {
        const r = await pgc.query<{ n: number }>(
          `SELECT count(*)::int n FROM contacts WHERE team_id = $1 AND deleted_at IS NULL AND search_text LIKE $2`,
          [big.id, likePattern(parseSearch(q)!)],
        );
        n.push(`${JSON.stringify(q)} ${fmt(r.rows[0]!.n)}`);
      }
      log(`  ${c.name.padEnd(15)} ${n.join(', ')}`);
      if (!c.queries.length) throw new Error(`no query found for the class ${c.name}: is the data seeded as expected?`);
    }

    server = await startServer(bench.url);
    const bigApi = client(bigToken);
    const smallApi = client(smallToken);

    // correctness first (also warms the caches a little)
    const problems: string[] = [];
    const checked = [];
    for (const c of classes) checked.push(await checkPage(bigApi, pgc, big.id, c.queries[0]!, problems));
    for (const c of classes) checked.push(await checkPage(smallApi, pgc, small.id, c.queries[0]!, problems));
    log(
      `correctness: ${checked.length} first pages (and second pages where there are more) against the oracle: ${problems.length ? 'PROBLEMS' : 'all match'}`,
    );
    for (const p of problems) log(`  ✗ ${p}`);

    // search latency, big team, per class
    const perClass: Record<string, ReturnType<typeof stats> & { load: string }> = {};
    const all: number[] = [];
    for (const c of classes) {
      const { samples, byQuery } = await runClass(bigApi, c, REQUESTS, WARMUP);
      all.push(...samples);
      perClass[c.name] = { ...stats(samples), load: load() };
      log(
        `  big   ${c.name.padEnd(15)} p50 ${perClass[c.name]!.p50} p95 ${perClass[c.name]!.p95} p99 ${perClass[c.name]!.p99} ms (load ${load()})`,
      );
      log(`        p50 per query: ${byQuery}`);
    }
    const smallAll: number[] = [];
    const smallPerClass: Record<string, ReturnType<typeof stats>> = {};
    for (const c of classes) {
      const { samples } = await runClass(smallApi, c, Math.ceil(REQUESTS / 3), Math.ceil(WARMUP / 3));
      smallAll.push(...samples);
      smallPerClass[c.name] = stats(samples);
    }
    const smallLoad = load();
    // the floor under the same conditions: the small team's first page without a search (HTTP, auth, JSON)
    const floor: number[] = [];
    for (let i = 0; i < Math.ceil(REQUESTS / 3) + 10; i++) {
      const { ms } = await smallApi.timed('GET', '/api/v1/contacts?sort=lastName&limit=50');
      if (i >= 10) floor.push(ms);
    }
    const floorStats = stats(floor);

    // writes with every index in place: create, then update what was created
    const gen = createUniverse(4242, Date.now());
    const inputs = gen.chunk(0, new Uint16Array(WRITES + 20), new Map(), 0, 1).map((g, i) => ({
      ...g.input,
      primaryEmail: `bench-write-${process.pid}-${Date.now()}-${i}@write.bench.example.com`,
    }));
    const creates: number[] = [];
    const updates: number[] = [];
    const created: Contact[] = [];
    for (const [i, input] of inputs.entries()) {
      const r = await bigApi.timed<Contact>('POST', '/api/v1/contacts', input);
      if (i >= 20) creates.push(r.ms);
      created.push(r.json);
    }
    for (const [i, c] of created.entries()) {
      const r = await bigApi.timed<Contact>(
        'PATCH',
        `/api/v1/contacts/${c.id}`,
        { jobTitle: `Updated ${i}`, phones: { ...c.phones, other: `+1 (415) 555-${String(1000 + i).slice(-4)}` } },
        { 'if-match': `"${c.version}"` },
      );
      if (i >= 20) updates.push(r.ms);
    }
    // clean up: the written contacts go (they would shift the next run's data)
    await pgc.query(`DELETE FROM contacts WHERE team_id = $1 AND id = ANY($2)`, [big.id, created.map((c) => c.id)]);
    const writeLoad = load();

    // raw SQL for the same mix (big team)
    const raw = await rawSql(pgc, big.id, classes);
    const rawAll = Object.values(raw).flatMap((r) => r.samples);
    const rawLoad = load();

    const overall = stats(all);
    const smallStats = stats(smallAll);
    const writes = stats([...creates, ...updates]);
    const rawStats = stats(rawAll);

    log(
      `\nsearch, sorted by last name, limit 50, sequential requests over HTTP (2,000,000 contacts, 101 teams; ${os.availableParallelism()} cores)`,
    );
    log(`| class | queries | big team p50 / p95 / p99 ms | load | 1,000-contact team p95 ms | raw SQL p50 / p95 ms (plan) |`);
    log(`|---|---|---|---|---|---|`);
    for (const c of classes) {
      const b = perClass[c.name]!;
      const r = stats(raw[c.name]!.samples);
      const plans = [...new Set(Object.values(raw[c.name]!.choice))].join('+');
      log(
        `| ${c.name} | ${c.queries.map((q) => `\`${q}\``).join(' ')} | ${b.p50} / ${b.p95} / ${b.p99} | ${b.load} | ${smallPerClass[c.name]!.p95} | ${r.p50} / ${r.p95} (${plans}) |`,
      );
    }
    log(
      `| all | | ${overall.p50} / ${overall.p95} / ${overall.p99} | | ${smallStats.p95} (load ${smallLoad}) | ${rawStats.p50} / ${rawStats.p95} (load ${rawLoad}) |`,
    );
    log(`floor: the 1,000-contact team's first page without q: p50 ${floorStats.p50} p95 ${floorStats.p95} ms (load ${smallLoad})`);
    log(
      `writes (load ${writeLoad}): create p50 ${stats(creates).p50} p95 ${stats(creates).p95} ms, update p50 ${stats(updates).p50} p95 ${stats(updates).p95} ms`,
    );
    const verdict = (name: string, value: number, target: number) => `${name} ${value} ms ${value <= target ? '≤' : '>'} ${target} ms`;
    log(
      [
        verdict('p50', overall.p50, TARGETS.p50),
        verdict('p95', overall.p95, TARGETS.p95),
        verdict('p99', overall.p99, TARGETS.p99),
        verdict('small team p95', smallStats.p95, TARGETS.small_p95),
        verdict('write p95', writes.p95, TARGETS.write_p95),
      ].join('; '),
    );
    if (problems.length) log(`${problems.length} correctness problem(s), see above`);

    console.log(
      JSON.stringify({
        p50_ms: overall.p50,
        p95_ms: overall.p95,
        p99_ms: overall.p99,
        small_team_p95_ms: smallStats.p95,
        write_p95_ms: writes.p95,
        raw_sql_p95_ms: rawStats.p95,
        raw_sql_p50_ms: rawStats.p50,
        small_team_no_query_p95_ms: floorStats.p95,
        create_p95_ms: stats(creates).p95,
        update_p95_ms: stats(updates).p95,
        per_class: Object.fromEntries(Object.entries(perClass).map(([k, v]) => [k, { p50: v.p50, p95: v.p95, p99: v.p99 }])),
        correctness_problems: problems.length,
        requests_per_class: REQUESTS,
        load_1m: await loadAverage(),
      }),
    );
    if (problems.length) process.exitCode = 2;
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await pgc.end().catch(() => {});
    await bench.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
