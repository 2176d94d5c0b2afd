// npm run bench:start — how long `kdesk serve` takes from process start to listening, and the resident memory
// of each of its processes (the primary, each web worker, the job worker child) once it is idle.
// Runs the build (dist/kdesk.js, `npm run build` first) unless BENCH_ENTRY says otherwise
// (BENCH_ENTRY=bin/kdesk.mjs: the TypeScript sources through tsx); BENCH_SERVER_DIR runs another checkout.
// Uses DATABASE_URL's server when set (in a fresh database, dropped afterwards), otherwise an embedded
// PostgreSQL. BENCH_RUNS starts (3), BENCH_WEB_WORKERS (2), BENCH_SETTLE_S idle seconds before sampling (5).
// Last line: one JSON object (medians over the runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { log, setupDatabase } from './import-support.ts';
import { loadAvgLine, processTree, procText, statusMb } from './lib/proc.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WEB_WORKERS = Number(process.env.BENCH_WEB_WORKERS ?? 2);
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 5);
const ENTRY = process.env.BENCH_ENTRY ?? 'dist/kdesk.js';
const DIR = path.resolve(process.env.BENCH_SERVER_DIR ?? '.');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
/** The node processes under `root` (itself included), each with its role and resident memory in MB. */
async function tree(root: number) {
  const procs = [];
  for (const pid of await processTree(root)) {
    const cmd = await procText(pid, 'cmdline');
    if (cmd === null || !cmd.includes('node')) continue; // gone meanwhile, or the embedded PostgreSQL's processes
    const env = await procText(pid, 'environ');
    if (env === null) continue;
    const role = pid === root ? 'primary' : env.includes('KDESK_JOBS_PROCESS=1') ? 'job worker' : 'web worker';
    procs.push({ pid, role, rss: Math.round(await statusMb(pid, 'VmRSS')) });
  }
  return procs;
}

async function startOnce(url: string) {
  const port = 30000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [ENTRY, 'serve'], {
    cwd: DIR,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      KDESK_WEB_WORKERS: String(WEB_WORKERS),
      NODE_OPTIONS: '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).includes('kdesk is ready') && resolve());
      child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    const readyMs = Math.round(performance.now() - started);
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    if (!health.ok) throw new Error(`/api/health answered ${health.status}`);
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    const procs = await tree(child.pid!);
    return { readyMs, procs };
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

async function main() {
  if (!existsSync(path.join(DIR, ENTRY))) throw new Error(`${path.join(DIR, ENTRY)} is missing (npm run build)`);
  const bench = await setupDatabase();
  try {
    const runs: Awaited<ReturnType<typeof startOnce>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await startOnce(bench.url);
      log(`run ${i + 1}: ready in ${r.readyMs} ms; RSS ${r.procs.map((p) => `${p.role} ${p.rss} MB`).join(', ')}`);
      runs.push(r);
    }
    const byRole = (role: string) => median(runs.flatMap((r) => r.procs.filter((p) => p.role === role).map((p) => p.rss)));
    console.log(
      JSON.stringify({
        entry: ENTRY,
        web_workers: WEB_WORKERS,
        ready_ms: median(runs.map((r) => r.readyMs)),
        primary_rss_mb: byRole('primary'),
        web_worker_rss_mb: byRole('web worker'),
        job_worker_rss_mb: byRole('job worker'),
        total_rss_mb: median(runs.map((r) => r.procs.reduce((s, p) => s + p.rss, 0))),
        load_avg_1m: Number(loadAvgLine().split(' ')[0]),
      }),
    );
  } finally {
    await bench.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
