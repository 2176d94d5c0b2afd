// The hostile-upload burst shared by test/hostile-uploads.test.ts and `npm run bench:import-hostile`: 16
// teams at once each preview and import one of two hostile XLSX files (a shared-string bomb, cells in the
// last column) against a real `kdesk serve`, while a bystander team keeps asking for /api/health and its
// contacts; then waits for every import to end. Samples the server's process tree for its peak RSS.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createServices } from '../server/app.ts';
import { createDb } from '../server/db/client.ts';
import { writeFarRightColumnXlsx, writeSharedStringBombXlsx } from '../test/hostile-files.ts';
import { uploadImport, type Server } from './import-support.ts';
import { processTree, statusMb } from './lib/proc.ts';

export interface HostileFiles {
  bomb: string;
  farRight: string;
}

/** The two files, written once into the temp folder and reused (the 1 GB bomb takes ~25 s to deflate). */
export async function hostileFiles(): Promise<HostileFiles> {
  const bomb = path.join(os.tmpdir(), 'kdesk-hostile-v2-shared-strings-1000m.xlsx');
  const farRight = path.join(os.tmpdir(), 'kdesk-hostile-v1-xfd-20000.xlsx');
  if (!existsSync(bomb)) await writeSharedStringBombXlsx(`${bomb}.part`).then(() => renameFile(`${bomb}.part`, bomb));
  if (!existsSync(farRight)) await writeFarRightColumnXlsx(`${farRight}.part`).then(() => renameFile(`${farRight}.part`, farRight));
  return { bomb, farRight };
}

async function renameFile(from: string, to: string) {
  const { rename } = await import('node:fs/promises');
  await rename(from, to);
}

/** `n` teams with an owner's API token each (team 0 is the bystander's, not used by the burst). */
export async function createTeams(url: string, n: number): Promise<{ teamId: string; token: string }[]> {
  const db = createDb(url, { max: 2 });
  const services = createServices(db, { sessionTtlHours: 24 });
  const out = [];
  for (let i = 0; i < n; i++) {
    const { team, owner } = await services.teams.createTeamWithOwner({
      name: `Hostile ${i}`,
      ownerEmail: `hostile${i}-${Date.now()}@example.com`,
      ownerPassword: 'hostile password',
    });
    out.push({ teamId: team.id, token: await services.auth.createTokenForMember(owner.id, 'hostile') });
  }
  services.mail.close();
  await db.destroy();
  return out;
}

export interface Outcome {
  file: 'bomb' | 'farRight';
  status: number;
  message: string | null;
  /** For an import that was accepted: how it ended. */
  final?: { status: string; error: string | null };
}

export interface BurstResult {
  previews: Outcome[];
  imports: Outcome[];
  /** Requests of the bystander (health, its contacts) and how many did not answer 200. */
  checks: number;
  failedChecks: string[];
  peakTreeRssMb: number;
  peakProcessRssMb: number;
  seconds: number;
}

const messageOf = (body: Record<string, unknown>) =>
  ((body.details as { message?: string }[] | undefined)?.[0]?.message ?? (body.message as string | undefined)) || null;

export async function runHostileBurst(opts: {
  server: Server;
  files: HostileFiles;
  teams: { token: string }[];
  bystander: { token: string };
  /** Safety net for a server that never ends an import (the burst then reports status 'timeout'). */
  deadlineMs?: number;
}): Promise<BurstResult> {
  const { server, files, bystander } = opts;
  const t0 = performance.now();
  const deadline = Date.now() + (opts.deadlineMs ?? 15 * 60_000);
  let done = false;

  let peakTree = 0;
  let peakProcess = 0;
  const sampler = (async () => {
    while (!done) {
      let sum = 0;
      for (const pid of await processTree(server.proc.pid!)) {
        const rss = await statusMb(pid, 'VmRSS');
        sum += rss;
        peakProcess = Math.max(peakProcess, await statusMb(pid, 'VmHWM'));
      }
      peakTree = Math.max(peakTree, sum);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  let checks = 0;
  const failedChecks: string[] = [];
  const watcher = (async () => {
    while (!done) {
      for (const p of ['/api/health', '/api/v1/contacts?limit=5']) {
        checks++;
        try {
          const r = await fetch(new URL(p, server.base), { headers: { authorization: `Bearer ${bystander.token}` } });
          if (r.status !== 200) failedChecks.push(`${p}: ${r.status}`);
          await r.arrayBuffer();
        } catch (err) {
          failedChecks.push(`${p}: ${(err as Error).message}`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const get = async (p: string, token: string) => {
    const r = await fetch(new URL(p, server.base), { headers: { authorization: `Bearer ${token}` } });
    return (await r.json()) as Record<string, unknown>;
  };
  const send = async (file: 'bomb' | 'farRight', token: string, route: string): Promise<Outcome & { id?: string }> => {
    try {
      const r = await uploadImport(server.base, token, files[file], {}, {}, route);
      return { file, status: r.status, message: r.status < 300 ? null : messageOf(r.body), id: r.body.id };
    } catch (err) {
      return { file, status: 0, message: (err as Error).message };
    }
  };

  const work = opts.teams.map(async (team, i) => {
    const file = i % 2 === 0 ? 'bomb' : 'farRight';
    const [preview, imp] = await Promise.all([
      send(file, team.token, '/api/v1/imports/preview'),
      send(file, team.token, '/api/v1/imports'),
    ]);
    if (imp.status === 202 && imp.id) {
      for (;;) {
        const cur = await get(`/api/v1/imports/${imp.id}`, team.token).catch(() => null);
        if (cur && cur.status !== 'queued' && cur.status !== 'running') {
          imp.final = { status: String(cur.status), error: (cur.error as string | null) ?? null };
          break;
        }
        if (Date.now() > deadline || server.proc.exitCode !== null || server.proc.signalCode !== null) {
          imp.final = { status: Date.now() > deadline ? 'timeout' : 'server exited', error: null };
          break;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    delete preview.id;
    delete imp.id;
    return { preview, imp };
  });
  const results = await Promise.all(work);
  done = true;
  await Promise.all([sampler, watcher]);
  return {
    previews: results.map((r) => r.preview),
    imports: results.map((r) => r.imp),
    checks,
    failedChecks,
    peakTreeRssMb: Math.round(peakTree),
    peakProcessRssMb: Math.round(peakProcess),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}

/** A fresh database on DATABASE_URL's server (the caller drops it). */
export async function scratchDatabase(adminUrl: string) {
  const name = `kdesk_hostile_${Math.random().toString(16).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
