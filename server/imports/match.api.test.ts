// Rows with neither an id nor a primary email: counted by every run (dry run included), and matched by a
// phone or the directory sync id when the import asks for it, so a re-import no longer duplicates them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTeam, createTestContext, type TestContext, type TestTeam } from '../../test/harness.ts';
import { importFile } from './import-test-utils.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ imports: { batchRows: 2 } });
});
afterAll(() => ctx?.close());

const contactsOf = (teamId: string) =>
  ctx.db.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('deletedAt', 'is', null).orderBy('id').execute();

// a phone list exported from a PBX: names and numbers, no emails
const phoneList = 'firstName,lastName,phones\nAmira,Haddad,+1 415 555 0101\nBao,Nguyen,(415) 555-0102\nCarla,Ruiz,415.555.0103\n';

describe('POST /api/v1/imports — rows with neither id nor primary email', () => {
  let team: TestTeam;
  beforeAll(async () => {
    team = await createTeam(ctx);
    await call(ctx, team.ownerToken, 'PATCH', '/api/v1/settings', { defaultPhoneRegion: 'US' });
  });

  it('counts them in the dry run and in the import; without matchBy a re-import duplicates them', async () => {
    const dry = await importFile(ctx, team, 'phones.csv', phoneList, { dryRun: 'true' });
    expect(dry).toMatchObject({ status: 'succeeded', dryRun: true, created: 3, unkeyed: 3, matchBy: null });
    const first = await importFile(ctx, team, 'phones.csv', phoneList);
    expect(first).toMatchObject({ created: 3, unkeyed: 3 });
    const again = await importFile(ctx, team, 'phones.csv', phoneList, { dryRun: 'true' });
    expect(again).toMatchObject({ created: 3, unkeyed: 3 });
    expect(await contactsOf(team.teamId)).toHaveLength(3);
  });

  it('with matchBy=phone finds each contact by its number in any format: nothing is created twice', async () => {
    const edited = phoneList.replace('Bao,Nguyen', 'Bao,Nguyen-Tran').replace('+1 415 555 0101', '415-555-0101');
    const imp = await importFile(ctx, team, 'phones.csv', edited, { matchBy: 'phone' });
    // Amira's number is written another way (phones are kept as typed), Bao's name changed, Carla is the same
    expect(imp).toMatchObject({ status: 'succeeded', matchBy: 'phone', created: 0, updated: 2, unchanged: 1, unkeyed: 3 });
    const contacts = await contactsOf(team.teamId);
    expect(contacts).toHaveLength(3);
    expect(contacts.map((c) => c.lastName)).toContain('Nguyen-Tran');
    expect(contacts.find((c) => c.firstName === 'Amira')!.phones).toEqual({ phone: '415-555-0101' });
  });

  it('fails a row whose number several contacts hold, naming them, and writes nothing for it', async () => {
    const other = await createTeam(ctx);
    const a = await call(ctx, other.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Desk', phones: { work: '+1 415 555 0199' } });
    const b = await call(ctx, other.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Front', phones: { main: '+14155550199' } });
    const imp = await importFile(ctx, other, 'shared.csv', 'firstName,phones\nReception,+1 415 555 0199\n', { matchBy: 'phone' });
    expect(imp).toMatchObject({ failed: 1, created: 0, updated: 0 });
    const rows = (await call(ctx, other.ownerToken, 'GET', `/api/v1/imports/${imp.id}/rows`)).json().items;
    const ids = [a.json().id, b.json().id].sort();
    expect(rows[0].error).toBe(`phone: matches 2 contacts (${ids.join(', ')}); add an id or primary email column to say which one`);
    expect((await contactsOf(other.teamId)).map((c) => c.firstName).sort()).toEqual(['Desk', 'Front']);
  });

  it("with matchBy=directorySyncId updates the synced contact, never another team's", async () => {
    const mine = await createTeam(ctx);
    const theirs = await createTeam(ctx);
    const created = await call(ctx, mine.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Olu', lastName: 'Ade' });
    const foreign = await call(ctx, theirs.ownerToken, 'POST', '/api/v1/contacts', { firstName: 'Not', lastName: 'Mine' });
    for (const [id, syncId] of [
      [created.json().id, 'ad-77'],
      [foreign.json().id, 'ad-77'],
    ])
      await ctx.db.updateTable('contacts').set({ directorySyncId: syncId }).where('id', '=', id).execute();

    const imp = await importFile(ctx, mine, 'synced.csv', 'directorySyncId,firstName,lastName,company\nad-77,Olu,Ade,Initech\n', {
      matchBy: 'directorySyncId',
    });
    expect(imp).toMatchObject({ updated: 1, created: 0, failed: 0, unkeyed: 1 });
    expect((await contactsOf(mine.teamId)).map((c) => c.company)).toEqual(['Initech']);
    expect((await contactsOf(theirs.teamId)).map((c) => c.company)).toEqual([null]);
  });

  it('refuses a matchBy that is not a key, naming the field', async () => {
    const res = await call(ctx, team.ownerToken, 'POST', '/api/v1/imports', {
      uploadId: '00000000-0000-7000-8000-000000000000',
      matchBy: 'shoeSize',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toMatchObject({ path: 'matchBy' });
  });
});
