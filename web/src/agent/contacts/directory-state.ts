// What the directory shows (search, filters, sort) lives in the URL query string, so reload, Back and
// shared links land on the same view. Pure functions: parsed, written and tested without a browser.
import { contactSortKeys, type ContactFilter, type ContactListQuery, type ContactSort, type ContactSortKey } from '../../lib/api.ts';

export type StatusFilter = 'active' | 'inactive' | 'all';
export type VerifiedFilter = 'any' | 'verified' | 'unverified';

export interface DirectoryState {
  q: string;
  status: StatusFilter;
  verified: VerifiedFilter;
  sort: ContactSort;
  /** Only the contacts of one company (its id; a company page links here); absent: any. */
  companyId?: string;
}

export const defaultDirectoryState: DirectoryState = { q: '', status: 'active', verified: 'any', sort: '-createdAt' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const statuses: readonly StatusFilter[] = ['active', 'inactive', 'all'];
const verifiedValues: readonly VerifiedFilter[] = ['any', 'verified', 'unverified'];

export function isContactSort(s: string): s is ContactSort {
  return (contactSortKeys as readonly string[]).includes(s.startsWith('-') ? s.slice(1) : s);
}

/** Reads the view from the URL; anything unknown falls back to the default (a hand-edited URL never breaks the page). */
export function parseDirectoryState(params: URLSearchParams): DirectoryState {
  const status = params.get('status') as StatusFilter | null;
  const verified = params.get('verified') as VerifiedFilter | null;
  const sort = params.get('sort');
  const companyId = params.get('companyId');
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    status: status && statuses.includes(status) ? status : defaultDirectoryState.status,
    verified: verified && verifiedValues.includes(verified) ? verified : defaultDirectoryState.verified,
    sort: sort && isContactSort(sort) ? sort : defaultDirectoryState.sort,
    ...(companyId && UUID.test(companyId) ? { companyId } : {}),
  };
}

/** Writes the view into a copy of `base`, leaving defaults out so plain /contacts stays plain. */
export function writeDirectoryState(state: DirectoryState, base = new URLSearchParams()): URLSearchParams {
  const p = new URLSearchParams(base);
  const set = (key: keyof DirectoryState, value: string) => {
    if (value === '' || value === (defaultDirectoryState[key] ?? '')) p.delete(key);
    else p.set(key, value);
  };
  set('q', state.q.trim());
  set('status', state.status);
  set('verified', state.verified);
  set('sort', state.sort);
  set('companyId', state.companyId ?? '');
  return p;
}

/** The filter part of the view, as the list and the bulk endpoint take it. */
export function toContactFilter(state: DirectoryState): ContactFilter {
  const filter: ContactFilter = { status: state.status };
  const q = state.q.trim();
  if (q) filter.q = q;
  if (state.verified !== 'any') filter.verified = state.verified === 'verified';
  if (state.companyId) filter.companyId = state.companyId;
  return filter;
}

export function toListQuery(state: DirectoryState, limit: number): Omit<ContactListQuery, 'cursor'> {
  return { ...toContactFilter(state), sort: state.sort, limit };
}

export const hasFilters = (state: DirectoryState) =>
  state.status !== defaultDirectoryState.status || state.verified !== 'any' || !!state.companyId;

// Columns and the sort keys behind them. The name column sorts by last name unless the URL asks for
// first name (?sort=firstName), then it keeps that.
export type SortColumn = 'name' | 'company' | 'email' | 'created' | 'updated';
const columnKeys: Record<SortColumn, readonly ContactSortKey[]> = {
  name: ['lastName', 'firstName'],
  company: ['company'],
  email: ['primaryEmail'],
  created: ['createdAt'],
  updated: ['updatedAt'],
};
// dates start newest first, text A to Z
const startsDescending: ReadonlySet<SortColumn> = new Set(['created', 'updated']);

export function sortKey(sort: ContactSort): ContactSortKey {
  return (sort.startsWith('-') ? sort.slice(1) : sort) as ContactSortKey;
}

export function sortDirection(sort: ContactSort): 'asc' | 'desc' {
  return sort.startsWith('-') ? 'desc' : 'asc';
}

/** 'asc' or 'desc' when `column` is the sorted one, else null. */
export function columnSortState(sort: ContactSort, column: SortColumn): 'asc' | 'desc' | null {
  return columnKeys[column].includes(sortKey(sort)) ? sortDirection(sort) : null;
}

/** The sort after clicking a column header: the same column flips, another column starts in its natural direction. */
export function nextSort(current: ContactSort, column: SortColumn): ContactSort {
  const state = columnSortState(current, column);
  if (state) {
    const key = sortKey(current);
    return state === 'asc' ? `-${key}` : key;
  }
  const key = columnKeys[column][0]!;
  return startsDescending.has(column) ? `-${key}` : key;
}

export const sortLabels: Record<ContactSortKey, { label: string; asc: string; desc: string }> = {
  lastName: { label: 'Last name', asc: 'A to Z', desc: 'Z to A' },
  firstName: { label: 'First name', asc: 'A to Z', desc: 'Z to A' },
  company: { label: 'Company', asc: 'A to Z', desc: 'Z to A' },
  primaryEmail: { label: 'Primary email', asc: 'A to Z', desc: 'Z to A' },
  createdAt: { label: 'Created', asc: 'oldest first', desc: 'newest first' },
  updatedAt: { label: 'Updated', asc: 'oldest first', desc: 'newest first' },
};

export function describeSort(sort: ContactSort): string {
  const l = sortLabels[sortKey(sort)];
  return `${l.label}, ${sortDirection(sort) === 'asc' ? l.asc : l.desc}`;
}
