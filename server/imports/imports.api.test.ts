import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { importFile, parseCsv, postImport, runnerFor } from './import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ imports: { batchRows: 3 } });
});
afterAll(() => ctx?.close());

describe('POST /api/v1/imports', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
  });

  it('imports a CSV: 202 with the import, then counts of what was written', async () => {
    const csv =
      'firstName,lastName,primaryEmail,phones,contactIsActive\r\nJane,Doe,jane@example.com,+1 555 0100,yes\r\nBob,Roe,bob@example.com,,no\r\n';
    const res = await postImport(ctx, team.ownerToken, { name: 'people.csv', content: csv });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued', mode: 'upsert', dryRun: false, format: 'csv', encoding: 'utf-8', delimiter: ',' });
    await runnerFor(ctx).drain();
    const done = (await call(ctx, team.ownerToken, 'GET', `/api/v1/imports/${res.json().id}`)).json();
    expect(done).toMatchObject({ status: 'succeeded', total: 2, processed: 2, created: 2, updated: 0, unchanged: 0, failed: 0 });
    const list = (await call(ctx, team.ownerToken, 'GET', '/api/v1/contacts?limit=10')).json();
    const jane = list.items.find((c: { primaryEmail: string }) => c.primaryEmail === 'jane@example.com');
    expect(jane).toMatchObject({ firstName: 'Jane', phones: { phone: '+1 555 0100' }, permissions: { active: true }, version: 1 });
    const history = (await call(ctx, team.ownerToken, 'GET', `/api/v1/contacts/${jane.id}/history`)).json();
    expect(history.items[0]).toMatchObject({ action: 'create', actor: { label: expect.stringContaining('(import)') } });

    // the same file again: nothing changes
    const again = await importFile(ctx, team, 'people.csv', csv);
    expect(again).toMatchObject({ status: 'succeeded', created: 0, updated: 0, unchanged: 2, failed: 0 });
  });

  it('reports failed rows with reasons and serves them as errors.csv', async () => {
    const csv = 'firstName,primaryEmail,contactIsActive\nAnn,ann@example.com,maybe\nZed,not-an-email,yes\nOk,ok@example.com,1\n';
    const imp = await importFile(ctx, team, 'bad.csv', csv);
    expect(imp).toMatchObject({ status: 'succeeded', created: 1, failed: 2 });
    const errs = await call(ctx, team.ownerToken, 'GET', `/api/v1/imports/${imp.id}/errors.csv`);
    expect(errs.headers['content-type']).toContain('text/csv');
    expect(parseCsv(errs.body)).toEqual([
      ['firstName', 'primaryEmail', 'contactIsActive', 'error'],
      ['Ann', 'ann@example.com', 'maybe', 'contactIsActive: "maybe" is not a yes/no value (use true/false, yes/no, 1/0, y/n or on/off)'],
      ['Zed', 'not-an-email', 'yes', 'primaryEmail: Email address must look like name@example.com'],
    ]);
  });
});
