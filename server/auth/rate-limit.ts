import { sql } from 'kysely';
import { AppError } from '#shared/errors.ts';
import type { Executor } from '../db/client.ts';

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

/** Fixed-window counters in PostgreSQL, so every instance sees the same count. */
export function createRateLimiter(db: Executor) {
  return {
    /** Throws 429 with Retry-After when any of the limits is already used up. */
    async check(limits: Limit[], message: string): Promise<void> {
      if (!limits.length) return;
      const rows = await db
        .selectFrom('rateLimits')
        .select(['key', 'hits', sql<number>`extract(epoch from (now() - window_start))::int`.as('age')])
        .where(
          'key',
          'in',
          limits.map((l) => l.key),
        )
        .execute();
      let retryAfter = 0;
      for (const row of rows) {
        const limit = limits.find((l) => l.key === row.key)!;
        if (row.age < limit.windowSeconds && row.hits >= limit.max) retryAfter = Math.max(retryAfter, limit.windowSeconds - row.age);
      }
      if (retryAfter > 0) {
        throw new AppError('RATE_LIMITED', message, { retryAfterSeconds: retryAfter }, { 'Retry-After': String(retryAfter) });
      }
    },

    async hit(limits: Limit[]): Promise<void> {
      // old windows are dropped now and then, so the table stays as small as the traffic of a day
      if (Math.random() < 0.01) await sql`DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'`.execute(db);
      for (const l of limits) {
        await sql`
          INSERT INTO rate_limits (key, hits, window_start) VALUES (${l.key}, 1, now())
          ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_start < now() - make_interval(secs => ${l.windowSeconds}) THEN 1 ELSE rate_limits.hits + 1 END,
            window_start = CASE WHEN rate_limits.window_start < now() - make_interval(secs => ${l.windowSeconds}) THEN now() ELSE rate_limits.window_start END`.execute(
          db,
        );
      }
    },

    async reset(keys: string[]): Promise<void> {
      if (keys.length) await db.deleteFrom('rateLimits').where('key', 'in', keys).execute();
    },
  };
}
