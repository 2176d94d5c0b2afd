// The table shell the directory and the Trash share: sticky header, window-scrolled virtual rows over
// cursor pages, skeleton rows while the first page loads, a "loading more" row, and the selection cells
// (header checkbox, row checkbox) and banners ("select all N matching").
import { useCallback, type ReactNode } from 'react';
import { Alert, Anchor, Button, Checkbox, Group, Loader, Skeleton, Table, Text } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useWindowRows } from '../../lib/use-window-rows.ts';
import { formatCount, formatTotal } from '../../lib/format.ts';
import { canSelectAllMatching, noSelection, type Selection } from './selection.ts';

export const ROW_HEIGHT = 53;
export const CHECK_CELL = 'kd-check-cell';

export function SpanRow(props: {
  classes: readonly string[];
  height?: number;
  children?: ReactNode;
  index?: number;
  measure?: (el: Element | null) => void;
}) {
  // the content goes in the first column that is always shown after a checkbox column
  const at = props.classes[0] === CHECK_CELL ? 1 : 0;
  return (
    <tr
      aria-hidden={props.children ? undefined : true}
      style={props.height ? { height: props.height } : undefined}
      className={props.children ? 'kd-vrow' : 'kd-spacer'}
      data-index={props.index}
      ref={props.measure}
    >
      {props.classes.map((cls, i) => (
        <td key={i} className={cls}>
          {i === at ? props.children : null}
        </td>
      ))}
    </tr>
  );
}

/** The row after the last loaded one while more pages exist. */
export function MoreRow(props: { failed: boolean; retry: () => void; what: string }) {
  return (
    <Group gap="sm" wrap="nowrap" className="kd-more">
      {props.failed ? (
        <>
          <Text size="sm" c="red">
            Could not load more {props.what}.
          </Text>
          <Button size="compact-sm" variant="light" onClick={props.retry}>
            Try again
          </Button>
        </>
      ) : (
        <>
          <Loader size="xs" />
          <Text size="sm" c="dimmed">
            Loading more {props.what}…
          </Text>
        </>
      )}
    </Group>
  );
}

/** A placeholder row: a square under a checkbox column, avatar and line in the name column, lines elsewhere. */
function SkeletonRow(props: { classes: readonly string[]; widths?: readonly string[] }) {
  const check = props.classes[0] === CHECK_CELL;
  const rest = props.classes.slice(check ? 2 : 1);
  return (
    <Table.Tr className="kd-vrow">
      {check && (
        <Table.Td className={CHECK_CELL}>
          <Skeleton height={14} width={14} radius="sm" />
        </Table.Td>
      )}
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Skeleton circle height={32} />
          <Skeleton height={10} width="60%" />
        </Group>
      </Table.Td>
      {rest.map((cls, i) => (
        <Table.Td key={i} className={cls}>
          <Skeleton height={10} width={props.widths?.[i] ?? '60%'} />
        </Table.Td>
      ))}
    </Table.Tr>
  );
}

export interface PagedRows {
  /** first page still loading: show skeleton rows */
  pending: boolean;
  /** showing the previous search's rows while the new one loads */
  stale: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMoreFailed: boolean;
  loadMore: () => void;
}

/** What an infinite query of cursor pages tells the table. */
interface PagedQuery {
  isPending: boolean;
  isPlaceholderData: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** The paging state of a list's infinite query, as the table takes it. */
export function usePagedRows(list: PagedQuery): PagedRows {
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const stale = list.isPlaceholderData;
  return {
    pending: list.isPending,
    stale,
    hasMore: hasNextPage && !stale,
    loadingMore: isFetchingNextPage,
    loadMoreFailed: list.isFetchNextPageError,
    loadMore,
  };
}

/** Just the paging fields of a component's props, to hand on to DirectoryTable. */
export const pagingOf = ({ pending, stale, hasMore, loadingMore, loadMoreFailed, loadMore }: PagedRows): PagedRows => ({
  pending,
  stale,
  hasMore,
  loadingMore,
  loadMoreFailed,
  loadMore,
});

/** A failed first page (a failed later page shows in the table's last row instead), with Try again. */
export function ListLoadError(props: {
  title: string;
  list: { isError: boolean; isFetchNextPageError: boolean; error: Error | null; refetch: () => Promise<unknown> };
}) {
  const { list } = props;
  if (!list.isError || list.isFetchNextPageError) return null;
  return (
    <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title={props.title} mb="md" role="alert">
      <Group justify="space-between">
        <Text size="sm">{list.error?.message}</Text>
        <Button size="xs" variant="white" color="red" onClick={() => void list.refetch()}>
          Try again
        </Button>
      </Group>
    </Alert>
  );
}

/**
 * A table of contact rows loaded page by page. `classes` are the responsive classes of the columns in
 * order (with CHECK_CELL first when rows can be selected): rows that span the table get one cell per
 * column with the same class, because a colSpan would count hidden columns on narrow windows.
 */
export function DirectoryTable<T>(
  props: PagedRows & {
    label: string;
    /** "contacts", "deleted contacts": for the loading-more row */
    what: string;
    items: readonly T[];
    classes: readonly string[];
    /** the header row's cells */
    header: ReactNode;
    renderRow: (item: T, index: number, measure: (el: Element | null) => void) => ReactNode;
    skeletonRows: number;
    /** widths of the skeleton lines after the name column */
    skeletonWidths?: readonly string[];
    highlightOnHover?: boolean;
  },
) {
  const { items, classes } = props;
  const rows = useWindowRows({
    count: items.length,
    rowHeight: ROW_HEIGHT,
    hasMore: props.hasMore,
    loadingMore: props.loadingMore,
    loadMore: props.loadMore,
    paused: props.loadMoreFailed,
  });
  return (
    <Table
      className="kd-directory"
      layout="fixed"
      highlightOnHover={props.highlightOnHover}
      stickyHeader
      stickyHeaderOffset="var(--app-shell-header-height, 60px)"
      verticalSpacing={0}
      horizontalSpacing="sm"
      aria-label={props.label}
      aria-busy={props.pending || props.stale}
      aria-rowcount={props.hasMore ? -1 : items.length + 1}
    >
      <Table.Thead>
        <Table.Tr>{props.header}</Table.Tr>
      </Table.Thead>
      <Table.Tbody ref={rows.bodyRef} style={{ opacity: props.stale ? 0.55 : 1, transition: 'opacity 120ms' }}>
        {props.pending ? (
          Array.from({ length: props.skeletonRows }, (_, i) => <SkeletonRow key={i} classes={classes} widths={props.skeletonWidths} />)
        ) : (
          <>
            {rows.paddingTop > 0 && <SpanRow classes={classes} height={rows.paddingTop} />}
            {rows.items.map((v) => {
              const item = items[v.index];
              if (item === undefined) {
                return (
                  <SpanRow key="more" classes={classes} index={v.index} measure={rows.virtualizer.measureElement}>
                    <MoreRow failed={props.loadMoreFailed} retry={props.loadMore} what={props.what} />
                  </SpanRow>
                );
              }
              return props.renderRow(item, v.index, rows.virtualizer.measureElement);
            })}
            {rows.paddingBottom > 0 && <SpanRow classes={classes} height={rows.paddingBottom} />}
          </>
        )}
      </Table.Tbody>
    </Table>
  );
}

/** The header checkbox: every loaded row, or none. */
export function SelectAllHeader(props: { what: string; state: 'all' | 'some' | 'none'; onToggle: () => void; disabled: boolean }) {
  return (
    <Table.Th w={44} className={CHECK_CELL}>
      <Checkbox
        size="xs"
        aria-label={`Select all loaded ${props.what}`}
        checked={props.state === 'all'}
        indeterminate={props.state === 'some'}
        onChange={props.onToggle}
        disabled={props.disabled}
      />
    </Table.Th>
  );
}

/** A row's checkbox; the cell swallows the click so the row's own click (open the contact) does not fire. */
export function RowCheckCell(props: { name: string; selected: boolean; onToggle: (shiftKey: boolean) => void }) {
  return (
    <Table.Td className={CHECK_CELL} onClick={(e) => e.stopPropagation()}>
      <Checkbox
        size="xs"
        aria-label={`Select ${props.name}`}
        checked={props.selected}
        onChange={() => {}}
        onClick={(e) => props.onToggle(e.shiftKey)}
      />
    </Table.Td>
  );
}

/**
 * Above the rows: "All 100 contacts loaded here are selected. Select all 1,234 matching contacts" while
 * more rows match than are loaded, and "All 1,234 contacts (matching “x”) are selected. Clear selection"
 * once they are.
 */
export function SelectionBanners(props: {
  selection: Selection;
  loadedIds: readonly string[];
  total: number;
  totalIsEstimate: boolean;
  /** singular and plural noun: ['contact', 'contacts'] */
  noun: readonly [string, string];
  /** "(matching “ann”, active only)", "in the Trash" */
  scope: string;
  onChange: (next: Selection) => void;
}) {
  const { selection, total, totalIsEstimate, noun } = props;
  if (canSelectAllMatching(selection, props.loadedIds, total, totalIsEstimate)) {
    const count = totalIsEstimate ? formatTotal(total, true, noun[0], noun[1]).slice(0, -(noun[1].length + 1)) : formatCount(total);
    return (
      <SelectionBanner>
        All {formatCount(props.loadedIds.length)} {noun[1]} loaded here are selected.{' '}
        <Anchor component="button" fw={600} size="sm" onClick={() => props.onChange({ kind: 'matching' })}>
          Select all {count} matching {noun[1]}
        </Anchor>
      </SelectionBanner>
    );
  }
  if (selection.kind === 'matching') {
    return (
      <SelectionBanner>
        All {formatTotal(total, totalIsEstimate, noun[0], noun[1])} {props.scope} are selected.{' '}
        <Anchor component="button" fw={600} size="sm" onClick={() => props.onChange(noSelection)}>
          Clear selection
        </Anchor>
      </SelectionBanner>
    );
  }
  return null;
}

function SelectionBanner(props: { children: ReactNode }) {
  return (
    <Text size="sm" ta="center" py={8} px="md" className="kd-selection-banner" role="status">
      {props.children}
    </Text>
  );
}
