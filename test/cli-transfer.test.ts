// `kdesk import` and `kdesk export`, run as a user runs them: a separate process on the same database.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, createTestContext, type TestContext, type TestTeam } from './harness.ts';

const run = promisify(execFile);
const bin = path.resolve('bin/kdesk.mjs');
const kdesk = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [bin, ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, timeout: 120_000 });

describe('kdesk import / export', () => {
  let ctx: TestContext;
  let team: TestTeam;
  let dir: string;
  beforeAll(async () => {
    ctx = await createTestContext();
    team = await createTeam(ctx);
    dir = await mkdtemp(path.join(os.tmpdir(), 'kdesk-cli-'));
  });
  afterAll(async () => {
    await ctx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports a file with a mapping file, prints the counts and writes the failed rows next to it', async () => {
    const file = path.join(dir, 'people.csv');
    await writeFile(file, 'mail;First Name;Active\ncli1@example.com;Ada;yes\ncli2@example.com;Bo;maybe\ncli3@example.com;Cy;no\n');
    const mapping = path.join(dir, 'mapping.json');
    await writeFile(mapping, JSON.stringify({ mail: 'primaryEmail' }));
    const { stdout } = await kdesk(['import', file, '--team-of', team.ownerEmail, '--mapping', mapping], { DATABASE_URL: ctx.url });
    expect(stdout).toContain('Imported: 3 of 3 rows — 2 created, 0 updated, 0 unchanged, 1 failed.');
    expect(stdout).toContain(path.join(dir, 'people-errors.csv'));
    const errors = await readFile(path.join(dir, 'people-errors.csv'), 'utf8');
    expect(errors).toContain('cli2@example.com,Bo,maybe,"Active: ""maybe"" is not a yes/no value');
    const rows = await ctx.db
      .selectFrom('contacts')
      .select(['primaryEmail', 'active'])
      .where('teamId', '=', team.teamId)
      .orderBy('primaryEmail')
      .execute();
    expect(rows).toEqual([
      { primaryEmail: 'cli1@example.com', active: true },
      { primaryEmail: 'cli3@example.com', active: false },
    ]);
  });

  it('--dry-run (or KDESK_IMPORT_DRY_RUN) writes nothing', async () => {
    const file = path.join(dir, 'dry.csv');
    await writeFile(file, 'primaryEmail\ndry@example.com\n');
    const { stdout } = await kdesk(['import', file, '--team', team.slug], { DATABASE_URL: ctx.url, KDESK_IMPORT_DRY_RUN: 'true' });
    expect(stdout).toContain('Dry run done: 1 of 1 rows — 1 would be created');
    expect(await ctx.db.selectFrom('contacts').select('id').where('primaryEmail', '=', 'dry@example.com').execute()).toEqual([]);
  });

  it('exports the filtered contacts to a file', async () => {
    const out = path.join(dir, 'out.csv');
    const { stderr } = await kdesk(['export', '--out', out, '--status', 'active', '--team-of', team.ownerEmail], { DATABASE_URL: ctx.url });
    expect(stderr).toContain(`Exported 1 contacts to ${out}.`);
    const text = await readFile(out, 'utf8');
    expect(text.startsWith('\uFEFFid,firstName,lastName,primaryEmail,')).toBe(true);
    expect(text).toContain('cli1@example.com');
    expect(text).not.toContain('cli3@example.com');
  });
});
