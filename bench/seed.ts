// npm run bench:seed -- --contacts N --teams T [--big-team-contacts M] [--small-team-contacts S] [--database-url U]
//
// Fills a database with realistic contacts quickly: worker threads generate rows (bench/lib/contact-gen.ts)
// and build them with the application's row builder (bench/lib/copy-rows.ts), while this thread streams
// them to PostgreSQL with COPY, with every index of the schema in place. Teams and their owners are made
// by the teams service. Default database: an embedded PostgreSQL in .data/bench (never the dev database).
// Prints the teams (id, slug, owner, size) and API tokens for the biggest and smallest team; the last
// stdout line is one JSON object.
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createServices } from '../server/app.ts';
import { createUniverse, prng } from './lib/contact-gen.ts';
import { buildRow, snakeCase } from './lib/copy-rows.ts';
import { fmt, loadAverage, openBenchDatabase, withClient, type BenchDatabase } from './lib/bench-db.ts';
import { cpuMsOf } from './lib/proc.ts';
import type { ChunkResult, SeedWorkerData } from './seed-worker.ts';

export const BENCH_PASSWORD = 'bench password';
export const TEAM_PREFIX = 'Bench ';
/** Team names carry their index and size, so a later run can tell what is already seeded. */
export const teamName = (i: number, size: number) => `${TEAM_PREFIX}${String(i).padStart(3, '0')} (${size})`;
export const ownerEmail = (i: number) => `owner-${String(i).padStart(3, '0')}@bench.example.com`;

export interface SeedOptions {
  contacts: number;
  teams: number;
  bigTeamContacts?: number;
  smallTeamContacts?: number;
  databaseUrl?: string | null;
  dataDir?: string | null;
  seed: number;
  workers: number;
  /** drop what an earlier run seeded first (embedded: the whole bench database) */
  replace: boolean;
  log?: (line: string) => void;
}

export interface SeededTeam {
  index: number;
  id: string;
  slug: string;
  name: string;
  size: number;
  ownerEmail: string;
  ownerId: string;
}
export interface SeedResult {
  teams: SeededTeam[];
  rows: number;
  copySeconds: number;
  rowsPerSecond: number;
  /** CPU per row, microseconds: this process (generator threads included) and the PostgreSQL backend */
  nodeUsPerRow: number;
  pgUsPerRow: number;
  cpuBoundRowsPerSecond: number;
  vacuumSeconds: number;
  load: { before: number; after: number };
}

/** Team sizes: the first team gets `big`, the last one `small`, the others share the rest evenly. */
export function teamSizes(o: Pick<SeedOptions, 'contacts' | 'teams' | 'bigTeamContacts' | 'smallTeamContacts'>): number[] {
  const { contacts: n, teams: t } = o;
  if (!Number.isInteger(n) || n < 1) throw new Error('--contacts must be a positive whole number');
  if (!Number.isInteger(t) || t < 1 || t > 10_000) throw new Error('--teams must be between 1 and 10,000');
  const sizes = new Array<number>(t).fill(0);
  let rest = n;
  let from = 0;
  let to = t;
  if (o.bigTeamContacts !== undefined) {
    if (o.bigTeamContacts > n) throw new Error('--big-team-contacts cannot exceed --contacts');
    if (t === 1 && o.bigTeamContacts !== n) throw new Error('with one team, --big-team-contacts must equal --contacts');
    sizes[0] = o.bigTeamContacts;
    rest -= o.bigTeamContacts;
    from = 1;
  }
  if (o.smallTeamContacts !== undefined && to - from >= 2) {
    if (o.smallTeamContacts > rest) throw new Error('--small-team-contacts does not fit in what is left of --contacts');
    sizes[t - 1] = o.smallTeamContacts;
    rest -= o.smallTeamContacts;
    to = t - 1;
  }
  const share = to - from;
  if (share === 0 && rest > 0) throw new Error('the team sizes do not add up to --contacts');
  for (let i = from; i < to; i++) sizes[i] = Math.floor(rest / share) + (i - from < rest % share ? 1 : 0);
  return sizes;
}

/** Bench teams already in the database, by index. */
export async function existingBenchTeams(db: BenchDatabase['db']) {
  const rows = await db
    .selectFrom('teams')
    .leftJoin('members', (j) => j.onRef('members.teamId', '=', 'teams.id').on('members.role', '=', 'owner'))
    .select(['teams.id', 'teams.name', 'teams.slug', 'members.email', 'members.id as ownerId'])
    .where('teams.name', 'like', `${TEAM_PREFIX}%`)
    .orderBy('teams.name')
    .execute();
  return rows.flatMap((r) => {
    const m = /^Bench (\d{3}) \((\d+)\)$/.exec(r.name);
    return m
      ? [{ index: Number(m[1]), size: Number(m[2]), id: r.id, slug: r.slug, name: r.name, ownerEmail: r.email!, ownerId: r.ownerId! }]
      : [];
  });
}

async function dropBenchData(bench: BenchDatabase, log: (s: string) => void): Promise<BenchDatabase> {
  if (bench.embedded) {
    // the bench cluster holds nothing else: a new database is much faster than deleting 2M rows
    log('dropping the bench database');
    await bench.close();
    return openBenchDatabase({ dataDir: bench.dataDir, fresh: true });
  }
  log(`deleting the teams named "${TEAM_PREFIX}..." and their contacts`);
  await bench.db.deleteFrom('teams').where('name', 'like', `${TEAM_PREFIX}%`).execute();
  return bench;
}

export async function seed(o: SeedOptions): Promise<SeedResult> {
  const log = o.log ?? ((s: string) => console.error(s));
  const sizes = teamSizes(o);
  let bench = await openBenchDatabase({ databaseUrl: o.databaseUrl, dataDir: o.dataDir, fresh: o.replace });
  try {
    if ((await existingBenchTeams(bench.db)).length) {
      if (!o.replace) throw new Error(`this database already has bench teams ("${TEAM_PREFIX}..."): pass --replace to seed again`);
      bench = await dropBenchData(bench, log);
    }
    const services = createServices(bench.db, { sessionTtlHours: 24 * 30 });

    // teams and owners through the teams service (the same path as `kdesk admin create-team`)
    const t0 = performance.now();
    const teams: SeededTeam[] = [];
    const regions: string[] = [];
    for (const [index, size] of sizes.entries()) {
      const { team, owner } = await services.teams.createTeamWithOwner({
        name: teamName(index, size),
        ownerEmail: ownerEmail(index),
        ownerPassword: BENCH_PASSWORD,
        ownerName: `Bench owner ${index}`,
      });
      teams.push({ index, id: team.id, slug: team.slug, name: team.name, size, ownerEmail: owner.email, ownerId: owner.id });
      regions.push((await services.teams.getSettings(team.id)).defaultPhoneRegion);
    }
    log(`created ${teams.length} teams in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // the COPY columns: what buildRow produces, checked against the table
    const now = Date.now();
    const sample = createUniverse(o.seed, now).chunk(0, [0], new Map(), 0, 1)[0]!;
    const keys = Object.keys(buildRow(sample, teams[0]!.id, regions[0]!));
    const columns = keys.map(snakeCase);
    const known = await withClient(bench.url, async (c) => {
      const { rows } = await c.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'contacts'`,
      );
      return new Set(rows.map((r) => r.column_name));
    });
    const unknown = columns.filter((c) => !known.has(c));
    if (unknown.length) throw new Error(`the row builder produced columns the contacts table does not have: ${unknown.join(', ')}`);

    const load = { before: await loadAverage(), after: 0 };
    const copy = await copyContacts({ url: bench.url, seed: o.seed, now, sizes, teams, regions, keys, columns, workers: o.workers, log });
    load.after = await loadAverage();

    // a settled table, as autovacuum would leave it: visibility map set (index-only scans), GIN pending
    // list merged, statistics for the planner
    const v0 = performance.now();
    await withClient(bench.url, (c) => c.query('VACUUM (ANALYZE) contacts'));
    const vacuumSeconds = (performance.now() - v0) / 1000;
    log(`VACUUM (ANALYZE) contacts: ${vacuumSeconds.toFixed(1)} s`);
    return {
      teams,
      rows: copy.rows,
      copySeconds: copy.seconds,
      rowsPerSecond: copy.rows / copy.seconds,
      nodeUsPerRow: copy.nodeUsPerRow,
      pgUsPerRow: copy.pgUsPerRow,
      cpuBoundRowsPerSecond: copy.cpuBoundRowsPerSecond,
      vacuumSeconds,
      load,
    };
  } finally {
    await bench.close();
  }
}

const CHUNK_ROWS = 2_000;
/** One COPY statement (one transaction) per this many rows, so an interruption keeps what was written. */
const COPY_BATCH_CHUNKS = 50;
const AHEAD_PER_WORKER = 3;

async function copyContacts(o: {
  url: string;
  seed: number;
  now: number;
  sizes: number[];
  teams: SeededTeam[];
  regions: string[];
  keys: string[];
  columns: string[];
  workers: number;
  log: (s: string) => void;
}): Promise<{ rows: number; seconds: number; nodeUsPerRow: number; pgUsPerRow: number; cpuBoundRowsPerSecond: number }> {
  const total = o.sizes.reduce((a, b) => a + b, 0);
  // which team each row belongs to, shuffled: teams' rows are interleaved in the table as in real life
  const schedule = new Uint16Array(total);
  for (let i = 0, k = 0; i < o.sizes.length; i++) schedule.fill(i, k, (k += o.sizes[i]!));
  const r = prng(o.seed ^ 0x5eed);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = schedule[i]!;
    schedule[i] = schedule[j]!;
    schedule[j] = t;
  }
  const chunks = Math.ceil(total / CHUNK_ROWS);
  const threads = Math.max(1, Math.min(o.workers, chunks));

  const entry = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed-worker.ts')).href;
  const bootstrap = new URL('./lib/ts-worker.mjs', import.meta.url);
  const results = new Map<number, string>();
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const nextRequest = new Array<number>(threads).fill(0).map((_, t) => t);
  const workers = Array.from({ length: threads }, (_, thread) => {
    const w = new Worker(bootstrap, {
      workerData: {
        entry,
        seed: o.seed,
        now: o.now,
        teamIds: o.teams.map((t) => t.id),
        regions: o.regions,
        keys: o.keys,
        thread,
        threads,
      } satisfies SeedWorkerData,
    });
    w.on('message', (m: ChunkResult & { error?: string }) => {
      if (m.error) failure ??= new Error(`generator thread ${thread}: ${m.error}`);
      else results.set(m.index, m.text);
      notify();
    });
    w.on('error', (err) => {
      failure ??= err;
      notify();
    });
    return w;
  });
  const request = (thread: number) => {
    const index = nextRequest[thread]!;
    if (index >= chunks) return;
    nextRequest[thread] = index + threads;
    workers[thread]!.postMessage({ index, teams: schedule.slice(index * CHUNK_ROWS, Math.min(total, (index + 1) * CHUNK_ROWS)) });
  };
  for (let t = 0; t < threads; t++) for (let k = 0; k < AHEAD_PER_WORKER; k++) request(t);

  async function take(index: number): Promise<string> {
    for (;;) {
      if (failure) throw failure;
      const text = results.get(index);
      if (text !== undefined) {
        results.delete(index);
        request(index % threads);
        return text;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  const bar = new cliProgress.SingleBar(
    {
      format: 'contacts {bar} {percentage}% | {value}/{total} | {rate} rows/s | eta {eta_formatted}',
      noTTYOutput: true,
      notTTYSchedule: 15_000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  let pgCpuMs: number;
  // CPU spent per row by this process (all threads) and by the PostgreSQL backend: unlike rows/s, these do
  // not depend on what else runs on the machine
  const backendPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // only when PostgreSQL runs on this machine: a remote backend's pid means nothing in our /proc
  const local = ['localhost', '127.0.0.1', '::1', '[::1]', ''].includes(new URL(o.url).hostname);
  // utime + stime, in clock ticks of 10 ms (USER_HZ = 100)
  const backendCpuMs = async () => (local ? ((await cpuMsOf(backendPid)) ?? NaN) : NaN);
  const cpu0 = process.cpuUsage();
  const pgCpu0 = await backendCpuMs();
  const start = performance.now();
  let written = 0;
  bar.start(total, 0, { rate: '-' });
  try {
    // loading settings for this session only; the table and its indexes are untouched
    await client.query('SET synchronous_commit = off');
    const sqlText = `COPY contacts (${o.columns.join(', ')}) FROM STDIN`;
    for (let first = 0; first < chunks; first += COPY_BATCH_CHUNKS) {
      const last = Math.min(chunks, first + COPY_BATCH_CHUNKS);
      const texts = async function* () {
        for (let i = first; i < last; i++) {
          const text = await take(i);
          yield text;
          written += Math.min(CHUNK_ROWS, total - i * CHUNK_ROWS);
          bar.update(written, { rate: fmt(Math.round(written / ((performance.now() - start) / 1000))) });
        }
      };
      await pipeline(Readable.from(texts()), client.query(copyFrom(sqlText)));
    }
    pgCpuMs = (await backendCpuMs()) - pgCpu0;
  } finally {
    bar.stop();
    await client.end().catch(() => {});
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const seconds = (performance.now() - start) / 1000;
  const nodeCpu = process.cpuUsage(cpu0);
  const nodeUsPerRow = (nodeCpu.user + nodeCpu.system) / written;
  const pgUsPerRow = (pgCpuMs * 1000) / written;
  const cores = os.availableParallelism();
  const cpuBound = Number.isFinite(pgUsPerRow) ? Math.round((cores * 1e6) / (nodeUsPerRow + pgUsPerRow)) : NaN;
  o.log(
    `COPY: ${fmt(written)} rows in ${seconds.toFixed(1)} s = ${fmt(Math.round(written / seconds))} rows/s (${threads} generator thread${threads > 1 ? 's' : ''}, load ${os.loadavg()[0]!.toFixed(2)})`,
  );
  o.log(
    `CPU per row: generating and building ${Math.round(nodeUsPerRow)} µs, PostgreSQL ${Math.round(pgUsPerRow)} µs` +
      (Number.isFinite(cpuBound) ? ` → at most ~${fmt(cpuBound)} rows/s on ${cores} idle cores` : ''),
  );
  return { rows: written, seconds, nodeUsPerRow, pgUsPerRow, cpuBoundRowsPerSecond: cpuBound };
}

async function main() {
  const program = new Command('bench:seed')
    .description('fill a database with realistic contacts (COPY, all indexes in place)')
    .addOption(new Option('--contacts <n>', 'contacts in all teams').env('BENCH_CONTACTS').default('100000'))
    .addOption(new Option('--teams <n>', 'number of teams').env('BENCH_TEAMS').default('1'))
    .addOption(
      new Option('--big-team-contacts <n>', 'contacts of the first team (the others share the rest)').env('BENCH_BIG_TEAM_CONTACTS'),
    )
    .addOption(new Option('--small-team-contacts <n>', 'contacts of the last team').env('BENCH_SMALL_TEAM_CONTACTS'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL to fill (default: embedded, in --data-dir)').env('DATABASE_URL'))
    .addOption(new Option('--data-dir <dir>', 'data directory of the embedded PostgreSQL').env('BENCH_DATA_DIR').default('.data/bench'))
    .addOption(new Option('--seed <n>', 'random seed').env('BENCH_SEED').default('42'))
    .addOption(
      new Option('--workers <n>', 'generator threads').env('BENCH_WORKERS').default(String(Math.max(1, os.availableParallelism() - 1))),
    )
    .addOption(new Option('--replace', 'drop an earlier bench seed first'))
    .parse();
  const a = program.opts<Record<string, string | boolean | undefined>>();
  const num = (name: string, v: unknown) => {
    const n = Number(String(v).replaceAll('_', ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${String(v)}"`);
    return n;
  };
  const opts: SeedOptions = {
    contacts: num('contacts', a.contacts),
    teams: num('teams', a.teams),
    bigTeamContacts: a.bigTeamContacts !== undefined ? num('big-team-contacts', a.bigTeamContacts) : undefined,
    smallTeamContacts: a.smallTeamContacts !== undefined ? num('small-team-contacts', a.smallTeamContacts) : undefined,
    databaseUrl: (a.databaseUrl as string | undefined) || null,
    dataDir: a.dataDir as string,
    seed: num('seed', a.seed),
    workers: Math.max(1, num('workers', a.workers)),
    replace: Boolean(a.replace),
  };
  const result = await seed(opts);

  // API tokens for the biggest and the smallest team (owners' password: BENCH_PASSWORD)
  const bench = await openBenchDatabase({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const tokens: Record<string, string> = {};
  try {
    const services = createServices(bench.db, { sessionTtlHours: 24 * 30 });
    const bySize = [...result.teams].sort((x, y) => y.size - x.size);
    for (const t of new Set([bySize[0]!, bySize.at(-1)!]))
      tokens[t.slug] = await services.auth.createTokenForMember(t.ownerId, 'bench:seed');
  } finally {
    await bench.close();
  }
  console.error(`\n${'team'.padEnd(22)} ${'slug'.padEnd(22)} ${'id'.padEnd(36)} ${'contacts'.padStart(9)}  owner`);
  for (const t of result.teams) {
    console.error(`${t.name.padEnd(22)} ${t.slug.padEnd(22)} ${t.id} ${fmt(t.size).padStart(9)}  ${t.ownerEmail}`);
  }
  console.error(`\nowners' password: "${BENCH_PASSWORD}"`);
  for (const [slug, token] of Object.entries(tokens)) console.error(`API token for ${slug}: ${token}`);
  if (!opts.databaseUrl) {
    const file = path.resolve(opts.dataDir!, 'bench-teams.json');
    await writeFile(file, JSON.stringify({ teams: result.teams, tokens, password: BENCH_PASSWORD }, null, 2));
    console.error(`(also in ${file})`);
  }
  console.log(
    JSON.stringify({
      rows: result.rows,
      teams: result.teams.length,
      copy_s: Math.round(result.copySeconds * 10) / 10,
      rows_per_s: Math.round(result.rowsPerSecond),
      node_cpu_us_per_row: Math.round(result.nodeUsPerRow),
      pg_cpu_us_per_row: Math.round(result.pgUsPerRow),
      cpu_bound_rows_per_s: result.cpuBoundRowsPerSecond,
      vacuum_analyze_s: Math.round(result.vacuumSeconds * 10) / 10,
      workers: opts.workers,
      load_before: result.load.before,
      load_after: result.load.after,
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
