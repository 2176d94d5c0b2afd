import { describe, expect, it } from 'vitest';
import {
  bulkTarget,
  canSelectAllMatching,
  headerState,
  isSelected,
  noSelection,
  selectedCount,
  setRange,
  toggleAllLoaded,
  toggleRow,
  type Selection,
} from './selection.ts';

const loaded = ['a', 'b', 'c', 'd'];
const ids = (...x: string[]): Selection => ({ kind: 'ids', ids: new Set(x) });
const idsOf = (s: Selection) => (s.kind === 'ids' ? [...s.ids].sort() : 'matching');

describe('directory selection', () => {
  it('checks and unchecks single rows', () => {
    const one = toggleRow(noSelection, 'b', loaded);
    expect(idsOf(one)).toEqual(['b']);
    expect(headerState(one, loaded)).toBe('some');
    expect(idsOf(toggleRow(one, 'b', loaded))).toEqual([]);
    expect(headerState(toggleRow(one, 'b', loaded), loaded)).toBe('none');
  });

  it('selects every loaded row from the header, and none on the second click', () => {
    const all = toggleAllLoaded(ids('a'), loaded);
    expect(idsOf(all)).toEqual(loaded);
    expect(headerState(all, loaded)).toBe('all');
    expect(idsOf(toggleAllLoaded(all, loaded))).toEqual([]);
  });

  it('offers "all matching" only when more contacts match than are loaded', () => {
    const all = ids(...loaded);
    expect(canSelectAllMatching(all, loaded, 4, false)).toBe(false);
    expect(canSelectAllMatching(all, loaded, 1234, false)).toBe(true);
    expect(canSelectAllMatching(all, loaded, 4, true)).toBe(true);
    expect(canSelectAllMatching(ids('a', 'b'), loaded, 1234, false)).toBe(false);
  });

  it('sends ids for chosen rows and the filter for all matching', () => {
    expect(bulkTarget(ids('a', 'c'), { status: 'active' })).toEqual({ ids: ['a', 'c'] });
    expect(bulkTarget({ kind: 'matching' }, { q: 'acme', status: 'all' })).toEqual({ filter: { q: 'acme', status: 'all' } });
    expect(selectedCount({ kind: 'matching' }, 1234)).toBe(1234);
    expect(selectedCount(ids('a'), 1234)).toBe(1);
  });

  it('leaves "all matching" for the loaded rows minus the one unchecked', () => {
    const sel = toggleRow({ kind: 'matching' }, 'c', loaded);
    expect(idsOf(sel)).toEqual(['a', 'b', 'd']);
    expect(isSelected({ kind: 'matching' }, 'never-loaded')).toBe(true);
  });

  it('checks or unchecks a shift-click range', () => {
    expect(idsOf(setRange(ids('a'), ['b', 'c', 'd'], true, loaded))).toEqual(loaded);
    expect(idsOf(setRange(ids(...loaded), ['b', 'c'], false, loaded))).toEqual(['a', 'd']);
  });
});
