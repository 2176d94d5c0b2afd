// SQL of the rate limits (rate-limit.ts): one fixed-window counter per key in `rate_limits`.
import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';

export function createRateLimitsRepo(db: Executor) {
  return {
    /** Drops windows older than a day. */
    async dropOld(): Promise<void> {
      await sql`DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'`.execute(db);
    },
    /**
     * Counts one attempt in the key's current window (a new window once the last one is over) and answers
     * the count, which stops at `max + 1` ("used up"), the window and the seconds until it ends: one
     * statement both counts and decides.
     */
    async hit(key: string, max: number, windowSeconds: number): Promise<{ hits: number; windowStart: string; retryAfter: number }> {
      const { rows } = await sql<{ hits: number; windowStart: string; retryAfter: number }>`
          INSERT INTO rate_limits (key, hits, window_start) VALUES (${key}, 1, now())
          ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_start < now() - make_interval(secs => ${windowSeconds}) THEN 1
                        ELSE least(rate_limits.hits + 1, ${max + 1}) END,
            window_start = CASE WHEN rate_limits.window_start < now() - make_interval(secs => ${windowSeconds}) THEN now()
                                ELSE rate_limits.window_start END
          RETURNING hits, window_start::text AS window_start,
            greatest(1, ceil(extract(epoch from (window_start + make_interval(secs => ${windowSeconds}) - now()))))::int AS retry_after`.execute(
        db,
      );
      return rows[0]!;
    },
    /** Gives one attempt back to the window it was counted in (never to a later one). */
    async giveBack(key: string, max: number, windowStart: string): Promise<void> {
      await sql`
          UPDATE rate_limits SET hits = least(hits, ${max}) - 1
          WHERE key = ${key} AND window_start = ${windowStart}::timestamptz AND hits > 0`.execute(db);
    },
    async remove(keys: string[]): Promise<void> {
      await db.deleteFrom('rateLimits').where('key', 'in', keys).execute();
    },
  };
}
