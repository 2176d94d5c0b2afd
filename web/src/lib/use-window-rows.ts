import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useWindowVirtualizer } from '@tanstack/react-virtual';

/**
 * Window-scrolled virtual rows for a table that loads cursor pages one after another: only the rows in
 * view (plus a margin) are in the DOM, the page keeps its normal scrollbar and sticky header, and the
 * next page is requested while the last `prefetchRows` rows are still below the fold. When more pages
 * exist, one extra row (index === count) stands for "loading more".
 */
export function useWindowRows(opts: {
  count: number;
  rowHeight: number;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  /** no automatic requests (e.g. after a failed page, until the person retries) */
  paused?: boolean;
  prefetchRows?: number;
}) {
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const [scrollMargin, setScrollMargin] = useState(0);

  // where the rows start on the page: the toolbar and banners above them change height
  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (!el) return;
    const top = el.getBoundingClientRect().top + window.scrollY;
    if (Math.abs(top - scrollMargin) > 0.5) setScrollMargin(top);
  });

  const rowCount = opts.count + (opts.hasMore ? 1 : 0);
  const virtualizer = useWindowVirtualizer({
    count: rowCount,
    estimateSize: () => opts.rowHeight,
    overscan: 12,
    scrollMargin,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0];
  const last = items.at(-1);

  const { count, hasMore, loadingMore, loadMore, paused } = opts;
  const prefetch = opts.prefetchRows ?? 30;
  const lastIndex = last?.index ?? -1;
  useEffect(() => {
    if (hasMore && !loadingMore && !paused && lastIndex >= count - prefetch) loadMore();
  }, [lastIndex, count, hasMore, loadingMore, paused, prefetch, loadMore]);

  const paddingTop = first ? first.start - scrollMargin : 0;
  // before the first measurement there are no items yet: keep the list's full height anyway, so a
  // restored scroll position (Back from a contact) is not cut short by a momentarily empty table
  const paddingBottom = last ? Math.max(0, virtualizer.getTotalSize() - (last.end - scrollMargin)) : virtualizer.getTotalSize();
  return { bodyRef, items, paddingTop, paddingBottom, virtualizer };
}
