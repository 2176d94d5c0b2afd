import { useState } from 'react';
import { ActionIcon, Box, Card, Group, NativeSelect, SegmentedControl, Skeleton, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconChevronLeft, IconChevronRight } from '@tabler/icons-react';
import type { Import, ImportRow, RowAction } from '../../lib/api.ts';
import { formatCount } from '../../lib/format.ts';
import { useImportRows } from '../../lib/queries.ts';
import { OutcomeBadge, useNarrow } from './import-parts.tsx';

/** The API keeps row outcomes for the first 1,000 rows and for every failed row. */
const KEPT_ROWS = 1000;

type Filter = 'all' | RowAction;

/** Who a row is about, from the mapped columns: a name and an email, whatever the file calls them. */
function rowContact(cells: string[], mapping: Import['mapping']) {
  const get = (field: string) => {
    const e = mapping.find((m) => m.field === field);
    return e ? (cells[e.index] ?? '').trim() : '';
  };
  const name = [get('firstName'), get('lastName')].filter(Boolean).join(' ') || get('fullName');
  const other = mapping.find((m) => m.field?.startsWith('emails'));
  const email = get('primaryEmail') || (other ? (cells[other.index] ?? '').trim() : '');
  const company = get('company');
  return {
    title: name || company || email || cells.find((c) => c.trim()) || '',
    subtitle: name ? email || company : name || company ? email : '',
  };
}

/** The per-row outcome of an import or dry run, filterable by outcome. */
export function ImportRows(props: { imp: Import; initialFilter?: Filter; title?: string; pageSize?: number }) {
  const { imp } = props;
  const pageSize = props.pageSize ?? 25;
  const [filter, setFilter] = useState<Filter>(props.initialFilter ?? (imp.failed > 0 ? 'fail' : 'all'));
  const [offset, setOffset] = useState(0);
  const rows = useImportRows(imp.id, { limit: pageSize, offset, action: filter === 'all' ? null : filter });
  const items = rows.data?.items ?? [];
  const dry = imp.dryRun;

  const counts: Record<Filter, number> = {
    all: imp.processed,
    create: imp.created,
    update: imp.updated,
    unchanged: imp.unchanged,
    fail: imp.failed,
  };
  const label: Record<Filter, string> = {
    all: 'All rows',
    create: dry ? 'Create' : 'Created',
    update: dry ? 'Update' : 'Updated',
    unchanged: 'Unchanged',
    fail: dry ? 'Fail' : 'Failed',
  };
  const filters: Filter[] = ['all', 'create', 'update', 'unchanged', 'fail'];
  const truncated = imp.processed > KEPT_ROWS && filter !== 'fail';
  const narrow = useNarrow();
  const choose = (f: Filter) => {
    setFilter(f);
    setOffset(0);
  };
  const filterData = filters
    .filter((f) => f === 'all' || counts[f] > 0 || f === filter)
    .map((f) => ({ value: f, label: `${label[f]} (${formatCount(counts[f])})` }));

  return (
    <Card p={0}>
      <Group
        justify="space-between"
        px="lg"
        py="sm"
        gap="sm"
        wrap="wrap"
        style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
      >
        <Text fw={600} size="sm">
          {props.title ?? 'Rows'}
        </Text>
        {narrow ? (
          <NativeSelect
            size="xs"
            value={filter}
            onChange={(e) => choose(e.currentTarget.value as Filter)}
            aria-label="Show rows"
            data={filterData}
          />
        ) : (
          <SegmentedControl size="xs" value={filter} onChange={(v) => choose(v as Filter)} aria-label="Show rows" data={filterData} />
        )}
      </Group>
      {narrow ? (
        <Stack gap={0} role="list" aria-label="Row outcomes" aria-busy={rows.isFetching}>
          {items.map((r) => (
            <RowCard key={r.row} row={r} imp={imp} />
          ))}
          {!rows.isPending && items.length === 0 && (
            <Text size="sm" c="dimmed" ta="center" py="md">
              {offset > 0 ? 'No more rows.' : 'No rows to show here.'}
            </Text>
          )}
        </Stack>
      ) : (
        <Table.ScrollContainer
          minWidth={720}
          type="native"
          tabIndex={0}
          role="region"
          aria-label="Rows and their outcome (scrolls sideways)"
        >
          <Table verticalSpacing="sm" horizontalSpacing="lg" layout="fixed" aria-label="Row outcomes" aria-busy={rows.isFetching}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={72}>Row</Table.Th>
                <Table.Th w={130}>Outcome</Table.Th>
                <Table.Th w="32%">Contact</Table.Th>
                <Table.Th>Reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody style={{ opacity: rows.isPlaceholderData ? 0.6 : 1 }}>
              {rows.isPending &&
                Array.from({ length: 4 }, (_, i) => (
                  <Table.Tr key={i}>
                    {[30, 80, 160, 220].map((w, j) => (
                      <Table.Td key={j}>
                        <Skeleton height={12} width={w} />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              {items.map((r) => (
                <RowLine key={r.row} row={r} imp={imp} />
              ))}
              {!rows.isPending && items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={4}>
                    <Text size="sm" c="dimmed" ta="center" py="md">
                      {offset > 0 ? 'No more rows.' : 'No rows to show here.'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {(truncated || offset > 0 || items.length === pageSize) && (
        <Group justify="space-between" px="lg" py="xs" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
          <Text size="xs" c="dimmed">
            {items.length > 0 ? `${formatCount(offset + 1)}–${formatCount(offset + items.length)} of ${formatCount(counts[filter])}` : ' '}
            {truncated && ` · row-by-row results are kept for the first ${formatCount(KEPT_ROWS)} rows and for every failed row`}
          </Text>
          <Group gap={4}>
            <Tooltip label="Previous rows">
              <ActionIcon
                variant="default"
                aria-label="Previous rows"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - pageSize))}
              >
                <IconChevronLeft size={16} />
              </ActionIcon>
            </Tooltip>
            <Tooltip label="Next rows">
              <ActionIcon
                variant="default"
                aria-label="Next rows"
                disabled={items.length < pageSize || rows.isPlaceholderData}
                onClick={() => setOffset(offset + pageSize)}
              >
                <IconChevronRight size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Group>
      )}
    </Card>
  );
}

function RowLine(props: { row: ImportRow; imp: Import }) {
  const { row: r, imp } = props;
  const who = rowContact(r.cells, imp.mapping);
  return (
    <Table.Tr data-row={r.row} data-action={r.action}>
      <Table.Td>
        <Text size="sm" c="dimmed">
          {r.row}
        </Text>
      </Table.Td>
      <Table.Td>
        <OutcomeBadge action={r.action} dryRun={imp.dryRun} />
      </Table.Td>
      <Table.Td>
        <Tooltip label={[who.title, who.subtitle].filter(Boolean).join(' · ')} disabled={!who.title} multiline maw={420}>
          <div style={{ minWidth: 0 }}>
            <Text size="sm" fw={500} truncate>
              {who.title || (
                <Text span c="dimmed" fs="italic" size="sm">
                  empty row
                </Text>
              )}
            </Text>
            {who.subtitle && (
              <Text size="xs" c="dimmed" truncate>
                {who.subtitle}
              </Text>
            )}
          </div>
        </Tooltip>
      </Table.Td>
      <Table.Td>
        {r.error ? (
          <Text size="sm" c="red" style={{ overflowWrap: 'anywhere' }} lineClamp={3} title={r.error}>
            {r.error}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            {reasonFor(r.action, imp.dryRun)}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** The phone layout of one row: number and outcome, who, and why. */
function RowCard(props: { row: ImportRow; imp: Import }) {
  const { row: r, imp } = props;
  const who = rowContact(r.cells, imp.mapping);
  return (
    <Box
      role="listitem"
      data-row={r.row}
      data-action={r.action}
      px="md"
      py="sm"
      style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
    >
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={500} truncate>
          {who.title || (
            <Text span c="dimmed" fs="italic" size="sm">
              empty row
            </Text>
          )}
        </Text>
        <OutcomeBadge action={r.action} dryRun={imp.dryRun} />
      </Group>
      <Text size="xs" c="dimmed" truncate>
        Row {r.row}
        {who.subtitle ? ` · ${who.subtitle}` : ''}
      </Text>
      {r.error && (
        <Text size="sm" c="red" mt={4} style={{ overflowWrap: 'anywhere' }}>
          {r.error}
        </Text>
      )}
    </Box>
  );
}

function reasonFor(action: RowAction, dry: boolean): string {
  if (action === 'create') return dry ? 'New contact' : 'New contact added';
  if (action === 'update') return dry ? 'Matches an existing contact; some fields change' : 'Existing contact changed';
  if (action === 'unchanged') return 'Matches an existing contact; nothing to change';
  return '';
}
