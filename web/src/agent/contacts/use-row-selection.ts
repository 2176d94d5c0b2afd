// Row selection state of a paged list (the directory, the Trash): checkbox and Shift-click ranges over the
// loaded rows, the header checkbox, "all matching", and a reset whenever the list's filter changes.
import { useCallback, useEffect, useRef, useState } from 'react';
import { headerState, noSelection, setRange, toggleAllLoaded, toggleRow, type Selection } from './selection.ts';

export function useRowSelection(loadedIds: readonly string[], filterKey: string) {
  const [selection, setSelection] = useState<Selection>(noSelection);
  const lastClicked = useRef<number | null>(null);

  // a new search or filter starts with nothing selected (a new sort keeps the selection)
  useEffect(() => {
    setSelection(noSelection);
    lastClicked.current = null;
  }, [filterKey]);

  const onToggleRow = useCallback(
    (id: string, index: number, shiftKey: boolean) => {
      setSelection((sel) => {
        if (shiftKey && lastClicked.current !== null && lastClicked.current !== index) {
          const [from, to] = [Math.min(lastClicked.current, index), Math.max(lastClicked.current, index)];
          const checked = !(sel.kind === 'matching' || (sel.kind === 'ids' && sel.ids.has(id)));
          return setRange(sel, loadedIds.slice(from, to + 1), checked, loadedIds);
        }
        return toggleRow(sel, id, loadedIds);
      });
      lastClicked.current = index;
    },
    [loadedIds],
  );

  const onToggleAll = useCallback(() => setSelection((sel) => toggleAllLoaded(sel, loadedIds)), [loadedIds]);
  const clear = useCallback(() => setSelection(noSelection), []);
  /** A row that left the list (deleted, restored): it is no longer part of a chosen-rows selection. */
  const drop = useCallback(
    (id: string) => setSelection((sel) => (sel.kind === 'ids' && sel.ids.has(id) ? toggleRow(sel, id, loadedIds) : sel)),
    [loadedIds],
  );

  return { selection, setSelection, onToggleRow, onToggleAll, clear, drop, headerCheck: headerState(selection, loadedIds) };
}
