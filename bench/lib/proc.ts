// What the benches read of processes from Linux /proc: CPU time (of a process, of its tree, of PostgreSQL's
// processes when PostgreSQL runs on this machine), resident memory, the load average. A process that is gone
// (or a machine without /proc) reads as null or 0, as each function says, never as an error.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** The text of /proc/<pid>/<file> (stat, comm, cmdline, environ, status), or null when the process is gone. */
export async function procText(pid: number, file: string): Promise<string | null> {
  return readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => null);
}

/** The pid and its descendants (the web workers and the job worker of `kdesk serve`). */
export async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    const tasks = await readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    for (const t of tasks) {
      const kids = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      out.push(...kids.split(' ').filter(Boolean).map(Number));
    }
  }
  return out;
}

/**
 * User + system CPU time in ms a process has used so far, with its descendants' (those alive now) when
 * `withChildren`; null when the process is gone. Its utime and stime are the 14th and 15th fields of
 * /proc/<pid>/stat, in clock ticks (USER_HZ = 100, so a tick is 10 ms).
 */
export async function cpuMsOf(pid: number, withChildren = false): Promise<number | null> {
  const own = await cpuMsOfOne(pid);
  if (own === null || !withChildren) return own;
  let ms = own;
  for (const p of (await processTree(pid)).slice(1)) ms += (await cpuMsOfOne(p)) ?? 0;
  return ms;
}

async function cpuMsOfOne(pid: number): Promise<number | null> {
  const stat = await procText(pid, 'stat');
  if (!stat) return null;
  // the fields after the command name, which may itself hold spaces and parentheses
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * This machine's PostgreSQL processes (command name `postgres`: the postmaster, its backends, WAL writer,
 * checkpointer, autovacuum), each with its command line, which for a backend names its user and database
 * (`postgres: <user> <database> <host>(<port>) idle`). Empty when PostgreSQL runs elsewhere.
 */
export async function postgresProcesses(): Promise<{ pid: number; cmdline: string }[]> {
  const out: { pid: number; cmdline: string }[] = [];
  for (const d of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if ((await procText(pid, 'comm'))?.trim() !== 'postgres') continue;
    const cmdline = await procText(pid, 'cmdline');
    if (cmdline !== null) out.push({ pid, cmdline });
  }
  return out;
}

/** A field of /proc/<pid>/status in MB (VmRSS, VmHWM); 0 for a process that is gone. */
export async function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const s = (await procText(pid, 'status')) ?? '';
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(s);
  return m ? Number(m[1]) / 1024 : 0;
}

/** /proc/loadavg: the 1, 5 and 15 minute load averages, running/all tasks, the last pid. */
export const loadAvgLine = () => readFileSync('/proc/loadavg', 'utf8').trim();
