import { describe, expect, it } from 'vitest';
import { coreTrigrams, countTrigrams, innerTrigrams, teamInIndex } from './search-core.rules.ts';

describe('innerTrigrams', () => {
  it('takes three consecutive letters or digits, never across a separator', () => {
    expect(innerTrigrams('@abadan.com.tr').sort()).toEqual(['aba', 'ada', 'bad', 'com', 'dan']);
    expect(innerTrigrams('김민준 김')).toEqual(['김민준']);
    expect(innerTrigrams('a.b c')).toEqual([]);
    expect(innerTrigrams('5551234')).toEqual(['555', '551', '512', '123', '234']);
  });
});

describe('coreTrigrams', () => {
  // 10,000 rows: nearly every one has "com"; "abadan" is in 3 of them
  const docs = [
    ...Array.from({ length: 9_000 }, (_, i) => ` \u0001 person${i} \u0001 p${i}@example.com`),
    ...Array.from({ length: 997 }, (_, i) => ` \u0001 other${i} \u0001 o${i}@mail.org`),
    ' \u0001 ayla \u0001 ayla@abadan.com.tr',
    ' \u0001 deniz \u0001 deniz@abadan.com.tr',
    ' \u0001 emre \u0001 emre@abadan.com.tr',
  ];
  const freq = countTrigrams(docs, 1_000_000);

  it('looks up the rare part of an email domain and leaves "com" to the filter', () => {
    const core = coreTrigrams('@abadan.com.tr', freq)!.trigrams;
    expect(core).not.toContain('com');
    expect(core.length).toBeGreaterThan(0);
    expect(core.every((t) => 'abadan'.includes(t))).toBe(true);
  });

  it('combines several common trigrams when together they are rare (phone digits)', () => {
    const phones = Array.from({ length: 5_000 }, (_, i) => ` \u0001 ${String((i * 7_919_357) % 10_000_000_000).padStart(10, '5')}`);
    const f = countTrigrams(phones, 1_000_000);
    expect(coreTrigrams('5551234567', f)!.trigrams.length).toBeGreaterThan(1);
  });

  it('uses the whole needle without statistics or without any inner trigram', () => {
    expect(coreTrigrams('@abadan.com.tr', null)).toBeNull();
    expect(coreTrigrams('a.b', freq)).toBeNull();
  });

  it('respects a maximum number of trigrams', () => {
    expect(coreTrigrams('person12', freq, { maxTrigrams: 1 })!.trigrams).toHaveLength(1);
  });

  it("leaves a big team's posting list out when the core finds few rows of other teams", () => {
    const rare = coreTrigrams('abadan', freq)!;
    expect(teamInIndex(rare, 1_000_000, 2_000_000)).toBe(false);
    const common = coreTrigrams('person', freq)!;
    expect(teamInIndex(common, 1_000_000, 2_000_000)).toBe(true);
    expect(teamInIndex(common, 5_000, 2_000_000)).toBe(true);
    expect(teamInIndex(null, 1_000_000, 2_000_000)).toBe(true);
  });
});
