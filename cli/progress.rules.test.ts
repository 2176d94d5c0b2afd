import { describe, expect, it } from 'vitest';
import { etaText, formatDuration } from './progress.rules.ts';

describe('CLI progress: time left', () => {
  it('extrapolates the average rate since the start', () => {
    // 10,000 of 100,000 rows in 20 s: 90,000 more at 500 rows/s
    expect(etaText({ startedAt: 0, startValue: 0, value: 10_000, total: 100_000, now: 20_000 })).toBe('about 3 min left');
    // resumed at 50,000: only the rows done here count for the rate
    expect(etaText({ startedAt: 0, startValue: 50_000, value: 60_000, total: 100_000, now: 10_000 })).toBe('about 40 s left');
  });
  it('says so while it cannot know, and when it is done', () => {
    expect(etaText({ startedAt: 0, startValue: 0, value: 0, total: 100, now: 5000 })).toBe('estimating time left…');
    expect(etaText({ startedAt: 0, startValue: 0, value: 10, total: null, now: 5000 })).toBe('estimating time left…');
    expect(etaText({ startedAt: 0, startValue: 0, value: 100, total: 100, now: 5000 })).toBe('done');
  });
  it('formats durations for people', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(130)).toBe('2 min 10 s');
    expect(formatDuration(7260)).toBe('2 h 1 min');
  });
});
