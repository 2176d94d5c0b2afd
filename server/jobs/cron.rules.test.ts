import { describe, expect, it } from 'vitest';
import { nextRun, parseCron } from './cron.rules.ts';

const at = (s: string) => new Date(s);

describe('cron schedules', () => {
  it('runs an @every schedule the interval after the run it follows', () => {
    expect(nextRun('@every 30s', at('2026-01-01T00:00:10Z')).toISOString()).toBe('2026-01-01T00:00:40.000Z');
    expect(nextRun('@every 5m', at('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-01T00:05:00.000Z');
  });

  it('finds the next minute, hour, day and month of a five-field schedule', () => {
    expect(nextRun('*/15 * * * *', at('2026-01-01T10:07:30Z')).toISOString()).toBe('2026-01-01T10:15:00.000Z');
    expect(nextRun('0 3 * * *', at('2026-01-01T03:00:00Z')).toISOString()).toBe('2026-01-02T03:00:00.000Z');
    expect(nextRun('30 9 1 * *', at('2026-01-15T00:00:00Z')).toISOString()).toBe('2026-02-01T09:30:00.000Z');
    expect(nextRun('@daily', at('2026-12-31T23:59:59Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('treats day of week 0 and 7 as Sunday, and either restricted day field as enough', () => {
    // 2026-01-01 is a Thursday
    expect(nextRun('0 0 * * 7', at('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-04T00:00:00.000Z');
    expect(nextRun('0 0 2 * 0', at('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(nextRun('0 8 * * 1-5', at('2026-01-02T09:00:00Z')).toISOString()).toBe('2026-01-05T08:00:00.000Z');
  });

  it('takes a seconds field when given six fields', () => {
    expect(nextRun('*/10 * * * * *', at('2026-01-01T00:00:01Z')).toISOString()).toBe('2026-01-01T00:00:10.000Z');
  });

  it('says what is wrong with a bad schedule', () => {
    expect(() => parseCron('* * *')).toThrow(/5 or 6/);
    expect(() => parseCron('61 * * * *')).toThrow(/minute/);
    expect(() => parseCron('@every 0s')).toThrow(/at least 1s/);
    expect(() => nextRun('0 0 31 2 *', at('2026-01-01T00:00:00Z'))).toThrow(/never due/);
  });
});
