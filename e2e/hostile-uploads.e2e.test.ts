// Hostile uploads against the real server (`kdesk serve`, 2 web workers and its job worker): 16 teams at
// once preview and import a shared-string bomb (~5.6 MB unpacking to 1 GB) or a sheet with a cell in its
// last column on every row. The server must keep answering a bystander team, no web worker may die, and
// every import must end (refused with a reason, failed with a reason, or done), never be claimed forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeams, hostileFiles, runHostileBurst, type BurstResult, type HostileFiles } from '../bench/hostile-run.ts';
import { setupDatabase, startServer, type BenchDb, type Server } from '../bench/import-support.ts';

let bench: BenchDb;
let server: Server | null = null;
let files: HostileFiles;
let teams: { token: string }[];

beforeAll(async () => {
  files = await hostileFiles();
  bench = await setupDatabase();
  teams = await createTeams(bench.url, 16);
  server = await startServer(bench.url, {
    KDESK_WEB_WORKERS: '2',
    KDESK_JOB_LEASE_SECONDS: '2',
    KDESK_WORKER_HEAP_MB: '192',
    KDESK_IMPORT_PREVIEW_HEAP_MB: '128',
  });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await bench?.cleanup();
}, 120_000);

describe('16 teams uploading hostile XLSX files at once', () => {
  let r: BurstResult;
  beforeAll(async () => {
    r = await runHostileBurst({ server: server!, files, teams, bystander: { token: bench.token }, deadlineMs: 40 * 60_000 });
    const { previews, imports, ...figures } = r;
    console.log(JSON.stringify({ ...figures, failedChecks: r.failedChecks.length, previews, imports }));
  }, 45 * 60_000);

  it('keeps answering /api/health and another team, and no web worker dies', () => {
    expect(r.checks).toBeGreaterThan(0);
    expect(r.failedChecks).toEqual([]);
    expect(server!.stderr()).not.toMatch(/web worker \d+ exited/);
    expect(server!.proc.exitCode).toBeNull();
    expect(server!.proc.signalCode).toBeNull();
  });

  it('answers every preview, the bomb with 400 on the file', () => {
    for (const p of r.previews) expect(p.status, `${p.file}: ${p.message}`).toBeGreaterThanOrEqual(200);
    for (const p of r.previews) expect(p.status, `${p.file}: ${p.message}`).toBeLessThan(500);
    for (const p of r.previews.filter((x) => x.file === 'bomb')) {
      expect(p.status).toBe(400);
      expect(p.message).toBeTruthy();
    }
  });

  it('ends every import: refused or failed with a reason, or done; none is left claimed', () => {
    for (const i of r.imports) {
      const where = `${i.file}: ${i.status} ${i.message ?? ''} ${JSON.stringify(i.final ?? null)}`;
      if (i.status === 202) {
        expect(['succeeded', 'failed'], where).toContain(i.final?.status);
        if (i.final?.status === 'failed') expect(i.final.error, where).toBeTruthy();
      } else {
        expect(i.status, where).toBeGreaterThanOrEqual(400);
        expect(i.status, where).toBeLessThan(500);
        expect(i.message, where).toBeTruthy();
      }
    }
  });
});
