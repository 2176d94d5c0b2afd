// Reading an upload's start (preview, the mapping step of a new import) is bounded: in a thread with its own
// heap limit, a few at once per team, and an answer of bounded size.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { writeSharedStringBombXlsx } from '../../test/hostile-files.ts';
import { createImportsRepo } from './imports.repo.ts';
import { postImport } from './import-test-utils.ts';

let ctx: TestContext;
let tmp: string;
beforeAll(async () => {
  ctx = await createTestContext({ imports: { previewHeapMb: 64, previewsPerTeam: 2 } });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kdesk-isolation-'));
});
afterAll(async () => {
  await ctx?.close();
  await rm(tmp, { recursive: true, force: true });
});

const preview = (team: TestTeam, name: string, content: Buffer | string) =>
  postImport(ctx, team.ownerToken, { name, content }, {}, {}, '/api/v1/imports/preview');

describe('POST /api/v1/imports/preview — bounded work', () => {
  let team: TestTeam;
  let other: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
    other = await createTeam(ctx);
  });

  it('answers 400 on the file when its shared strings need more memory than a preview may use, and goes on answering', async () => {
    // 128 MB of shared strings in a ~0.7 MB file; the preview thread has 64 MB of heap here
    const file = path.join(tmp, 'bomb.xlsx');
    await writeSharedStringBombXlsx(file, 128 * 1024 * 1024);
    const res = await preview(team, 'bomb.xlsx', await readFile(file));
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('file');
    expect((await call(ctx, null, 'GET', '/api/health')).statusCode).toBe(200);
    expect((await call(ctx, other.ownerToken, 'GET', '/api/v1/contacts')).statusCode).toBe(200);
    // the next preview gets a new thread
    const ok = await preview(team, 'people.csv', 'firstName,primaryEmail\nJane,jane@example.com\n');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().sampleRows).toEqual([['Jane', 'jane@example.com']]);
  });

  it('answers long cells cut to 200 characters, and says the sample is truncated', async () => {
    const long = 'x'.repeat(100_000);
    const csv = 'firstName,notes\n' + Array.from({ length: 20 }, (_, i) => `Jane${i},${long}`).join('\n') + '\n';
    const res = await preview(team, 'long.csv', csv);
    expect(res.statusCode).toBe(200);
    expect(res.body.length).toBeLessThan(64 * 1024);
    const body = res.json();
    expect(body.sampleTruncated).toBe(true);
    expect(body.sampleRows).toHaveLength(20);
    expect(body.sampleRows[0]).toEqual(['Jane0', 'x'.repeat(200)]);
    const short = await preview(team, 'short.csv', 'firstName,notes\nJane,hello\n');
    expect(short.json().sampleTruncated).toBe(false);
  });

  it('answers 400 for a header row of more than 1,000 columns', async () => {
    const header = Array.from({ length: 1500 }, (_, i) => `c${i}`).join(',');
    const res = await preview(team, 'wide.csv', `primaryEmail,${header}\njane@example.com\n`);
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toMatchObject({ path: 'file', message: expect.stringMatching(/1501 (cells|columns)/) });
  });

  it('answers 429 with Retry-After while the team has two uploads being read; other teams are not blocked', async () => {
    // two previews of this team hold their slots (another instance, say)
    const repo = createImportsRepo(ctx.db);
    const holders = ['018f0000-0000-7000-8000-000000000001', '018f0000-0000-7000-8000-000000000002'];
    for (const h of holders) expect(await ctx.db.transaction().execute((tx) => repo.takePreviewSlot(team.teamId, h, 2, 60, tx))).toBe(true);
    const csv = 'firstName,primaryEmail\nJane,jane@example.com\n';
    const busy = await preview(team, 'people.csv', csv);
    expect(busy.statusCode).toBe(429);
    expect(busy.headers['retry-after']).toBe('5');
    const busyImport = await postImport(ctx, team.ownerToken, { name: 'people.csv', content: csv });
    expect(busyImport.statusCode).toBe(429);
    expect((await preview(other, 'people.csv', csv)).statusCode).toBe(200);
    // a holder that died frees its slot when it expires
    await sql`UPDATE import_preview_slots SET expires_at = now() - interval '1 second' WHERE holder = ${holders[0]}`.execute(ctx.db);
    expect((await preview(team, 'people.csv', csv)).statusCode).toBe(200);
    await repo.releasePreviewSlot(holders[1]!);
  });

  it('gives out exactly as many slots as the team may have to a burst of 16 at once', async () => {
    const repo = createImportsRepo(ctx.db);
    const burst = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        ctx.db
          .transaction()
          .execute((tx) =>
            repo.takePreviewSlot(other.teamId, `018f0000-0000-7000-8000-0000000001${String(i).padStart(2, '0')}`, 2, 60, tx),
          ),
      ),
    );
    expect(burst.filter(Boolean)).toHaveLength(2);
    await sql`DELETE FROM import_preview_slots WHERE team_id = ${other.teamId}`.execute(ctx.db);
  });
});
