import { describe, expect, it } from 'vitest';
import {
  columnSortState,
  defaultDirectoryState,
  describeSort,
  nextSort,
  parseDirectoryState,
  toContactFilter,
  toListQuery,
  writeDirectoryState,
} from './directory-state.ts';

const parse = (qs: string) => parseDirectoryState(new URLSearchParams(qs));

describe('directory state in the URL', () => {
  it('reads search, filters and sort, and writes them back without the defaults', () => {
    const s = parse('q=J%C3%B6rg&status=inactive&verified=unverified&sort=-company');
    expect(s).toEqual({ q: 'Jörg', status: 'inactive', verified: 'unverified', sort: '-company' });
    expect(writeDirectoryState(s).toString()).toBe('q=J%C3%B6rg&status=inactive&verified=unverified&sort=-company');
    expect(writeDirectoryState(defaultDirectoryState).toString()).toBe('');
  });

  it('falls back to the defaults for values it does not know', () => {
    expect(parse('status=deleted&verified=maybe&sort=password')).toEqual(defaultDirectoryState);
    expect(parse('sort=--lastName').sort).toBe(defaultDirectoryState.sort);
  });

  it('keeps other query parameters and drops an empty search', () => {
    const p = writeDirectoryState({ ...defaultDirectoryState, q: '   ' }, new URLSearchParams('q=old&tab=2'));
    expect(p.toString()).toBe('tab=2');
  });

  it('turns the view into the list query and the bulk filter', () => {
    const s = parse('q=%20acme%20&verified=verified');
    expect(toContactFilter(s)).toEqual({ q: 'acme', status: 'active', verified: true });
    expect(toListQuery(s, 100)).toEqual({ q: 'acme', status: 'active', verified: true, sort: '-createdAt', limit: 100 });
    expect(toContactFilter(parse('status=all&verified=unverified'))).toEqual({ status: 'all', verified: false });
  });
});

describe('sorting by column', () => {
  it('flips the sorted column and starts others in their natural direction', () => {
    expect(nextSort('-createdAt', 'name')).toBe('lastName');
    expect(nextSort('lastName', 'name')).toBe('-lastName');
    expect(nextSort('-lastName', 'name')).toBe('lastName');
    expect(nextSort('lastName', 'updated')).toBe('-updatedAt');
    expect(nextSort('-updatedAt', 'updated')).toBe('updatedAt');
    expect(nextSort('updatedAt', 'email')).toBe('primaryEmail');
  });

  it('keeps a first-name sort on the name column', () => {
    expect(columnSortState('firstName', 'name')).toBe('asc');
    expect(nextSort('firstName', 'name')).toBe('-firstName');
    expect(columnSortState('-company', 'company')).toBe('desc');
    expect(columnSortState('-company', 'name')).toBeNull();
  });

  it('describes the sort for people', () => {
    expect(describeSort('-createdAt')).toBe('Created, newest first');
    expect(describeSort('lastName')).toBe('Last name, A to Z');
  });
});
