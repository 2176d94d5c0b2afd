import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/harness.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

describe('first start bootstrap', () => {
  it('creates exactly one team and owner even when several instances start at once, and prints a generated password', async () => {
    const cfg = { teamName: 'Support', adminEmail: null, adminPassword: null };
    const results = await Promise.all([
      ctx.services.teams.bootstrap(cfg),
      ctx.services.teams.bootstrap(cfg),
      ctx.services.teams.bootstrap(cfg),
    ]);
    const made = results.filter((r) => r !== null);
    expect(made).toHaveLength(1);
    expect(await ctx.db.selectFrom('teams').select('id').execute()).toHaveLength(1);
    const { generatedPassword, owner } = made[0]!;
    expect(generatedPassword).toMatch(/^[\w-]{20}$/);
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: owner.email, password: generatedPassword },
    });
    expect(login.statusCode).toBe(200);
    // a later start changes nothing
    expect(
      await ctx.services.teams.bootstrap({ teamName: 'Other', adminEmail: 'x@example.com', adminPassword: 'another password' }),
    ).toBeNull();
  });
});
