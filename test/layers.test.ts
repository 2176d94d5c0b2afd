// The layer rules of eslint.config.js (scripts/eslint-layers.js), run by ESLint on code as it would sit in the
// repository: SQL only in *.repo.ts and server/db/, no feature importing another feature's repo, no
// migration imported but by migrate.ts.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });
async function layerProblems(filePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId?.startsWith('kdesk/')).map((m) => `${m.ruleId} ${m.line}`);
}

describe('ESLint keeps the layers', () => {
  it('refuses SQL in a service, a route or the CLI, and takes it in a repo or server/db/', async () => {
    const code = [
      "import { sql } from 'kysely';",
      'export const lock = (db: any, id: string) => sql`SELECT 1 FROM teams WHERE id = ${id} FOR UPDATE`.execute(db);',
      "export const teams = (db: any) => db.selectFrom('teams').select('id').execute();",
      "export const raw = (client: any) => client.query('DELETE FROM rate_limits');",
      '',
    ].join('\n');
    const expected = ['kdesk/sql-in-repo 1', 'kdesk/sql-in-repo 2', 'kdesk/sql-in-repo 3', 'kdesk/sql-in-repo 4'];
    expect(await layerProblems('server/teams/teams.service.ts', code)).toEqual(expected);
    expect(await layerProblems('server/contacts/contacts.routes.ts', code)).toEqual(expected);
    expect(await layerProblems('cli/commands/admin.ts', code)).toEqual(expected);
    expect(await layerProblems('server/teams/teams.repo.ts', code)).toEqual([]);
    expect(await layerProblems('server/db/client.ts', code)).toEqual([]);
    // a query() of something that is not SQL text is not flagged
    expect(await layerProblems('server/contacts/search.planner.ts', 'export const f = (m: any) => m.query("smith");\n')).toEqual([]);
  });

  it("refuses a feature importing another feature's repo, but not a type or its own repo", async () => {
    const code = [
      "import { createJobsRepo } from '../jobs/jobs.repo.ts';",
      "import { createFilesRepo } from '#server/imports/files.repo.ts';",
      "import type { MembersRepo } from '../members/members.repo.ts';",
      "import { createExportsRepo } from './exports.repo.ts';",
      "import { createContactWriterRepo } from '../contacts/contacts-writer.repo.ts';",
      'export const all = [createJobsRepo, createFilesRepo, createExportsRepo, createContactWriterRepo] as unknown as MembersRepo[];',
      '',
    ].join('\n');
    expect(await layerProblems('server/exports/exports.service.ts', code)).toEqual([
      'kdesk/no-foreign-repo 1',
      'kdesk/no-foreign-repo 2',
      'kdesk/no-foreign-repo 5',
    ]);
    // the composition root hands repos over
    expect(await layerProblems('server/app.ts', code)).toEqual([]);
  });

  it('refuses importing a migration anywhere but server/db/migrate.ts', async () => {
    const code = "import { STALE_SEARCH_ROWS } from '../db/migrations/0007_cjk_names.ts';\nexport const s = STALE_SEARCH_ROWS;\n";
    expect(await layerProblems('server/contacts/contacts.repo.ts', code)).toEqual(['kdesk/no-migration-import 1']);
    expect(
      await layerProblems('server/db/migrate.ts', "import * as m0007 from './migrations/0007_cjk_names.ts';\nexport const m = m0007;\n"),
    ).toEqual([]);
  });
});
