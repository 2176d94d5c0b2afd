// Row selection of the directory and the Trash. Either chosen rows (ids), or "every contact matching the
// filter", which a bulk action sends as `filter` so it reaches rows that were never loaded into the page.
import type { ContactFilter } from '../../lib/api.ts';

export type Selection = { kind: 'ids'; ids: ReadonlySet<string> } | { kind: 'matching' };

export const noSelection: Selection = { kind: 'ids', ids: new Set() };

export const isSelected = (sel: Selection, id: string) => sel.kind === 'matching' || sel.ids.has(id);

export const isEmpty = (sel: Selection) => sel.kind === 'ids' && sel.ids.size === 0;

/** How many contacts an action would reach (`total` = contacts matching the filter). */
export const selectedCount = (sel: Selection, total: number) => (sel.kind === 'matching' ? total : sel.ids.size);

/** Checks or unchecks one row; unchecking a row of "all matching" keeps the other loaded rows checked. */
export function toggleRow(sel: Selection, id: string, loadedIds: readonly string[]): Selection {
  if (sel.kind === 'matching') return { kind: 'ids', ids: new Set(loadedIds.filter((x) => x !== id)) };
  const ids = new Set(sel.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { kind: 'ids', ids };
}

/** Shift-click: sets every row between the last clicked one and this one to `checked`. */
export function setRange(sel: Selection, rangeIds: readonly string[], checked: boolean, loadedIds: readonly string[]): Selection {
  const ids = new Set(sel.kind === 'matching' ? loadedIds : sel.ids);
  for (const id of rangeIds) {
    if (checked) ids.add(id);
    else ids.delete(id);
  }
  return { kind: 'ids', ids };
}

/** State of the header checkbox, over the rows loaded so far. */
export function headerState(sel: Selection, loadedIds: readonly string[]): 'all' | 'some' | 'none' {
  if (sel.kind === 'matching') return loadedIds.length ? 'all' : 'none';
  if (sel.ids.size === 0 || loadedIds.length === 0) return 'none';
  let n = 0;
  for (const id of loadedIds) if (sel.ids.has(id)) n++;
  if (n === loadedIds.length) return 'all';
  return n > 0 || sel.ids.size > 0 ? 'some' : 'none';
}

/** Header checkbox click: all loaded rows, or none when they were all checked. */
export function toggleAllLoaded(sel: Selection, loadedIds: readonly string[]): Selection {
  return headerState(sel, loadedIds) === 'all' ? noSelection : { kind: 'ids', ids: new Set(loadedIds) };
}

/** Offer "Select all N matching" when every loaded row is checked but more rows match than are loaded. */
export function canSelectAllMatching(sel: Selection, loadedIds: readonly string[], total: number, totalIsEstimate: boolean): boolean {
  return sel.kind === 'ids' && headerState(sel, loadedIds) === 'all' && (totalIsEstimate || total > loadedIds.length);
}

/** What a bulk endpoint receives: the ids, or the filter of the list for "all matching". */
export function bulkTarget<F = ContactFilter>(sel: Selection, filter: F): { ids: string[] } | { filter: F } {
  return sel.kind === 'matching' ? { filter } : { ids: [...sel.ids] };
}
