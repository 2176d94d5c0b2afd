import { AppError } from '#shared/errors.ts';
import type { Executor } from '../db/client.ts';
import { createRateLimitsRepo } from './rate-limit.repo.ts';

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

/** A counted attempt: which window it was counted in, so a refund never touches a later window. */
export interface Taken {
  key: string;
  max: number;
  windowStart: string;
}

/** Fixed-window counters in PostgreSQL, so every instance sees the same count. */
export function createRateLimiter(db: Executor) {
  const repo = createRateLimitsRepo(db);
  const limiter = {
    /**
     * Counts one attempt against every limit before the work is done; when one of them is used up, the
     * limits already counted are given back and the answer says how long to wait. One statement per
     * limit both counts and decides, so a burst of parallel requests gets exactly `max` through.
     */
    async attempt(limits: Limit[]): Promise<{ ok: true; taken: Taken[] } | { ok: false; retryAfter: number }> {
      // old windows are dropped now and then, so the table stays as small as the traffic of a day
      if (Math.random() < 0.01) await repo.dropOld();
      const taken: Taken[] = [];
      for (const l of limits) {
        // hits stops at max + 1 ("used up"), so a refund knows how many were let through
        const row = await repo.hit(l.key, l.max, l.windowSeconds);
        if (row.hits > l.max) {
          await limiter.refund(taken);
          return { ok: false, retryAfter: row.retryAfter };
        }
        taken.push({ key: l.key, max: l.max, windowStart: row.windowStart });
      }
      return { ok: true, taken };
    },

    /** `attempt`, answering 429 with Retry-After when a limit is used up. */
    async take(limits: Limit[], message: string): Promise<Taken[]> {
      const r = await limiter.attempt(limits);
      if (!r.ok) {
        throw new AppError('RATE_LIMITED', message, { retryAfterSeconds: r.retryAfter }, { 'Retry-After': String(r.retryAfter) });
      }
      return r.taken;
    },

    /** Gives back attempts that turned out not to count (a right password, a right code). */
    async refund(taken: Taken[]): Promise<void> {
      for (const t of taken) {
        await repo.giveBack(t.key, t.max, t.windowStart);
      }
    },

    async reset(keys: string[]): Promise<void> {
      if (keys.length) await repo.remove(keys);
    },
  };
  return limiter;
}
