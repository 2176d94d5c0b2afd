import { describe, expect, it } from 'vitest';
import { KeyRegistry } from './key-registry.ts';
import { idKey } from './rows.rules.ts';

describe('KeyRegistry (the import duplicate check)', () => {
  it('answers like a Map for a hundred thousand keys, through several growths', () => {
    const r = new KeyRegistry();
    const m = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const key = i % 2 ? `eperson${i}@example.com` : idKey(`0190a1b2-c3d4-7e5f-8a6b-${i.toString(16).padStart(12, '0')}`);
      r.set(key, i + 2);
      m.set(key, i + 2);
    }
    expect(r.size).toBe(m.size);
    for (const [k, v] of m) expect(r.get(k)).toBe(v);
    expect(r.get('eperson1@example.co')).toBeUndefined();
    expect(r.has('eperson100001@example.com')).toBe(false);
    // set again: replaces the row, as Map.set does, without a second entry
    r.set('eperson1@example.com', 7);
    expect(r.get('eperson1@example.com')).toBe(7);
    expect(r.size).toBe(100_000);
    // 16 bytes a slot, at most 70 % full
    expect(r.bytes).toBeLessThanOrEqual((100_000 / 0.7) * 2 * 16);
  });

  it('keeps row 0 and tells keys that differ only in case or by one byte apart', () => {
    const r = new KeyRegistry();
    r.set('eA@x.com', 0);
    expect(r.get('eA@x.com')).toBe(0);
    expect(r.get('ea@x.com')).toBeUndefined();
    expect(r.get('eA@x.co')).toBeUndefined();
    expect(r.has('')).toBe(false);
  });
});
