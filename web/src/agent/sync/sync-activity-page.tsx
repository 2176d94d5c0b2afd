// A connection's activity: the chosen run (live while it goes on) with its counts, the Confirm of a run
// that stopped before deactivating many people, the raw log; a chart and a table of recent runs; and the
// run's per-person outcomes, paged.
import { useState } from 'react';
import {
  ActionIcon,
  Alert,
  Anchor,
  Box,
  Button,
  Card,
  Group,
  NativeSelect,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconChevronLeft, IconChevronRight, IconDownload, IconPencil } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorState } from '../../components/error-state.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { errorMessage } from '../../lib/api.ts';
import { formatCount, formatDateTime, plural } from '../../lib/format.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { useNarrow } from '../imports/import-parts.tsx';
import {
  isRunActive,
  syncApi,
  syncDownloads,
  syncKeys,
  useConnection,
  useRunEntries,
  useRuns,
  type EntryOutcome,
  type SyncRun,
} from './sync-api.ts';
import { RunsChart } from './runs-chart.tsx';
import { changesText } from './sync-form.ts';
import {
  ConnectionStatusBadge,
  countKeys,
  countLook,
  countsText,
  RunProgress,
  RunStatusBadge,
  totalOf,
  type CountKey,
} from './sync-parts.tsx';
import { RunButton } from './run-button.tsx';

export default function SyncActivityPage() {
  const { id = '' } = useParams();
  const connection = useConnection(id);
  const runs = useRuns(id);
  const [params, setParams] = useSearchParams();
  usePageTitle(connection.data ? `${connection.data.name} activity` : 'Contact Sync activity');

  if (connection.isPending) return <PageLoader />;
  if (connection.isError)
    return <ErrorState title="This connection could not be loaded" error={connection.error} onRetry={() => void connection.refetch()} />;
  const c = connection.data;
  const items = runs.data?.items ?? [];
  const selectedId = params.get('run') ?? items[0]?.id ?? null;
  const selected = items.find((r) => r.id === selectedId) ?? items[0] ?? null;
  const active = items.some(isRunActive);

  return (
    <>
      <PageHeader
        above={
          <Anchor component={Link} to="/sync" size="sm">
            Contact Sync
          </Anchor>
        }
        title={`${c.name}: activity`}
        badge={<ConnectionStatusBadge status={c.status} />}
        actions={
          <>
            <Button variant="default" component={Link} to={`/sync/${c.id}/edit`} leftSection={<IconPencil size={18} />}>
              Edit
            </Button>
            {c.source !== 'scim' && (
              <RunButton
                connection={c}
                label="Run now"
                size="md"
                variant="filled"
                disabled={active}
                onStarted={(runId) => setParams({ run: runId }, { replace: true })}
              />
            )}
          </>
        }
      />
      {runs.isPending ? (
        <PageLoader />
      ) : runs.isError ? (
        <ErrorState title="Runs could not be loaded" error={runs.error} onRetry={() => void runs.refetch()} />
      ) : items.length === 0 ? (
        <Card>
          <Text ta="center" c="dimmed" py="lg">
            {c.source === 'scim'
              ? 'Nobody has been provisioned yet. What your identity provider sends shows here, one run per burst of changes.'
              : 'This connection has not run yet. Press Run now to bring its people into KDesk.'}
          </Text>
        </Card>
      ) : (
        <Stack gap="lg">
          {selected && <RunDetail run={selected} latest={selected.id === items[0]?.id} />}
          <Card>
            <Stack gap="sm">
              <Title order={2} fz="lg">
                Recent runs
              </Title>
              <RunsChart runs={items} describedBy="runs-table-caption" selectedId={selected?.id} />
              <RunsTable runs={items} selectedId={selected?.id ?? null} onSelect={(rid) => setParams({ run: rid }, { replace: true })} />
            </Stack>
          </Card>
          {selected && !isRunActive(selected) && <RunEntries run={selected} />}
        </Stack>
      )}
    </>
  );
}

const duration = (r: SyncRun) => {
  if (!r.startedAt || !r.finishedAt) return null;
  const s = Math.max(0, (new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) / 1000);
  return s < 60 ? `${s < 10 ? s.toFixed(1) : Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
};

const kindText = (r: SyncRun) =>
  r.trigger === 'scim' ? 'Provisioned by SCIM' : `${r.full ? 'Full' : 'Incremental'}${r.dryRun ? ' dry run' : ' run'}`;

function RunDetail({ run, latest }: { run: SyncRun; latest: boolean }) {
  const qc = useQueryClient();
  const confirm = useMutation({
    mutationFn: () => syncApi.confirm(run.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: syncKeys.all });
      notifications.show({ color: 'teal', title: 'Run continues', message: 'The people who left are being deactivated.' });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Could not confirm', message: errorMessage(e) }),
  });
  const when = run.startedAt ?? run.createdAt ?? null;
  return (
    <Card aria-labelledby="run-detail-title" component="section">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" gap="sm" wrap="wrap">
          <div style={{ minWidth: 0 }}>
            <Group gap="sm">
              <Title order={2} fz="lg" id="run-detail-title">
                {latest ? 'Latest run' : 'Run'}
              </Title>
              <RunStatusBadge status={run.status} />
            </Group>
            <Text size="sm" c="dimmed">
              {kindText(run)}
              {when ? ` · started ${formatDateTime(when)}` : ''}
              {duration(run) ? ` · took ${duration(run)}` : ''}
            </Text>
          </div>
          <Button
            component="a"
            href={syncDownloads.runLog(run.id)}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
            disabled={run.status === 'queued'}
          >
            Download raw log
          </Button>
        </Group>
        {isRunActive(run) && <RunProgress run={run} />}
        {run.status === 'failed' && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="The run failed" role="alert">
            <Text size="sm">{run.error ?? 'The run stopped with an error.'}</Text>
            <Text size="sm" mt={4}>
              Nobody was deactivated. Fix the problem (Edit, then Test connection) and run again.
            </Text>
          </Alert>
        )}
        {run.status === 'needs_confirmation' && (
          <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title="Waiting for your confirmation">
            <Text size="sm">
              {`This run would deactivate ${plural(run.toDeactivate ?? run.counts.deactivated, 'contact')}, more than the safety threshold allows. Nobody has been deactivated yet.`}
            </Text>
            <Text size="sm" mt={4}>
              If these people really left, confirm. If not, check the scope and the mapping first.
            </Text>
            <Group mt="sm" gap="sm">
              <Button color="orange" onClick={() => confirm.mutate()} loading={confirm.isPending}>
                Confirm and deactivate
              </Button>
            </Group>
          </Alert>
        )}
        <SimpleGrid cols={{ base: 2, xs: 3, md: 6 }} spacing="sm" role="list" aria-label="Run counts">
          {countKeys.map((k) => {
            const n = run.counts[k];
            return (
              <Card
                key={k}
                padding="sm"
                role="listitem"
                aria-label={`${countLook[k].label}: ${n}`}
                data-count={k}
                bg={n > 0 && (k === 'failed' || k === 'conflicts') ? `${countLook[k].color}.0` : undefined}
              >
                <Text fz={24} fw={700} lh={1.1}>
                  {formatCount(n)}
                </Text>
                <Text size="sm" c="dimmed">
                  {countLook[k].label}
                </Text>
              </Card>
            );
          })}
        </SimpleGrid>
      </Stack>
    </Card>
  );
}

function RunsTable(props: { runs: SyncRun[]; selectedId: string | null; onSelect: (id: string) => void }) {
  const narrow = useNarrow();
  if (narrow) {
    // a phone: one line of counts per run instead of nine columns
    return (
      <>
        <VisuallyHidden id="runs-table-caption">Recent runs with their counts, newest first</VisuallyHidden>
        <Stack gap={0} component="ul" aria-labelledby="runs-table-caption" p={0} m={0} style={{ listStyle: 'none' }}>
          {props.runs.map((r) => {
            const selected = r.id === props.selectedId;
            return (
              <Box
                component="li"
                key={r.id}
                py="xs"
                px={6}
                bg={selected ? 'var(--mantine-color-indigo-0)' : undefined}
                aria-current={selected ? 'true' : undefined}
                style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
              >
                <Group justify="space-between" gap="xs" wrap="nowrap">
                  <Anchor
                    component="button"
                    size="sm"
                    onClick={() => props.onSelect(r.id)}
                    fw={selected ? 700 : 500}
                    style={{ textAlign: 'left' }}
                  >
                    {formatDateTime(r.startedAt ?? r.createdAt)}
                  </Anchor>
                  <RunStatusBadge status={r.status} />
                </Group>
                <Text size="xs" c="dimmed">
                  {kindText(r)}
                  {duration(r) ? ` · ${duration(r)}` : ''} · {countsText(r.counts)}
                </Text>
              </Box>
            );
          })}
        </Stack>
      </>
    );
  }
  const shownKeys: CountKey[] = [...countKeys];
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table verticalSpacing="xs" highlightOnHover>
        <VisuallyHidden component="caption" id="runs-table-caption">
          Recent runs with their counts, newest first
        </VisuallyHidden>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Started</Table.Th>
            <Table.Th>Status</Table.Th>
            {shownKeys.map((k) => (
              <Table.Th key={k} ta="right">
                {countLook[k].label}
              </Table.Th>
            ))}
            <Table.Th ta="right">Time</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.runs.map((r) => {
            const selected = r.id === props.selectedId;
            const when = r.startedAt ?? r.createdAt;
            return (
              <Table.Tr key={r.id} bg={selected ? 'var(--mantine-color-indigo-0)' : undefined} aria-current={selected ? 'true' : undefined}>
                <Table.Td>
                  <Anchor
                    component="button"
                    size="sm"
                    onClick={() => props.onSelect(r.id)}
                    fw={selected ? 700 : 500}
                    style={{ textAlign: 'left' }}
                  >
                    {when ? formatDateTime(when) : 'Not started'}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {kindText(r)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <RunStatusBadge status={r.status} />
                </Table.Td>
                {shownKeys.map((k) => (
                  <Table.Td key={k} ta="right">
                    <Text size="sm" c={r.counts[k] ? undefined : 'dimmed'}>
                      {formatCount(r.counts[k])}
                    </Text>
                  </Table.Td>
                ))}
                <Table.Td ta="right">
                  <Text size="sm">{duration(r) ?? '—'}</Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const outcomeLabels: Record<EntryOutcome, string> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Unchanged',
  deactivated: 'Deactivated',
  conflict: 'Conflict',
  failed: 'Failed',
};
const outcomeCount: Record<EntryOutcome, CountKey> = {
  created: 'created',
  updated: 'updated',
  unchanged: 'unchanged',
  deactivated: 'deactivated',
  conflict: 'conflicts',
  failed: 'failed',
};

const PAGE = 25;

function RunEntries({ run }: { run: SyncRun }) {
  const problems = run.counts.failed + run.counts.conflicts;
  const [filter, setFilter] = useState<EntryOutcome | 'all'>(problems > 0 ? (run.counts.failed > 0 ? 'failed' : 'conflict') : 'all');
  // the cursors of the pages seen so far: Previous goes back one
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const page = cursors.length - 1;
  const entries = useRunEntries(run.id, { limit: PAGE, cursor: cursors[page]!, outcome: filter === 'all' ? null : filter });
  const total = filter === 'all' ? totalOf(run.counts) : run.counts[outcomeCount[filter]];
  const rows = entries.data?.items ?? [];
  const next = entries.data?.nextCursor ?? null;
  const options = [
    { value: 'all', label: `Everyone (${formatCount(totalOf(run.counts))})` },
    ...(Object.keys(outcomeLabels) as EntryOutcome[])
      .filter((o) => run.counts[outcomeCount[o]] > 0 || o === filter)
      .map((o) => ({ value: o, label: `${outcomeLabels[o]} (${formatCount(run.counts[outcomeCount[o]])})` })),
  ];
  const from = page * PAGE + 1;
  const to = page * PAGE + rows.length;

  return (
    <Card p={0} component="section" aria-labelledby="entries-title">
      <Group
        justify="space-between"
        px="lg"
        py="sm"
        gap="sm"
        wrap="wrap"
        style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
      >
        <Title order={2} fz="lg" id="entries-title">
          People in this run
        </Title>
        <NativeSelect
          aria-label="Show people whose outcome is"
          data={options}
          value={filter}
          onChange={(e) => {
            setFilter(e.currentTarget.value as EntryOutcome | 'all');
            setCursors([null]);
          }}
          size="sm"
        />
      </Group>
      {entries.isError ? (
        <Text c="red.9" size="sm" p="lg" role="alert">
          {errorMessage(entries.error)}
        </Text>
      ) : entries.isPending ? (
        <Stack p="lg" gap="xs">
          <Skeleton h={20} />
          <Skeleton h={20} />
          <Skeleton h={20} />
        </Stack>
      ) : rows.length === 0 ? (
        <Text c="dimmed" size="sm" p="lg">
          Nobody here.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={320}>
          <Table verticalSpacing="xs" data-testid="run-entries">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Person</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th visibleFrom="sm">Reason or changes</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((e, i) => (
                <Table.Tr key={`${e.syncId}-${i}`}>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>
                    {e.contactId ? (
                      <Anchor component={Link} to={`/contacts/${e.contactId}`} size="sm" fw={500}>
                        {e.name || e.email || e.syncId}
                      </Anchor>
                    ) : (
                      <Text size="sm" fw={500}>
                        {e.name || e.email || e.syncId}
                      </Text>
                    )}
                    {e.name && e.email && (
                      <Text size="xs" c="dimmed">
                        {e.email}
                      </Text>
                    )}
                    {(e.reason || changesText(e.changes)) && (
                      <Text size="xs" c="dimmed" hiddenFrom="sm">
                        {e.reason ?? changesText(e.changes)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={e.outcome === 'failed' || e.outcome === 'conflict' ? 'red.8' : undefined} fw={500}>
                      {outcomeLabels[e.outcome]}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="sm">
                    <Text size="sm">{e.reason ?? changesText(e.changes)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="space-between" px="lg" py="sm" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
        <Text size="sm" c="dimmed" aria-live="polite">
          {rows.length ? `${formatCount(from)}–${formatCount(to)} of ${formatCount(Math.max(total, to))}` : ''}
        </Text>
        <Group gap={4}>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label="Previous page"
            disabled={page === 0}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            <IconChevronLeft size={18} />
          </ActionIcon>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label="Next page"
            disabled={next === null || entries.isPlaceholderData}
            onClick={() => setCursors((c) => [...c, next])}
          >
            <IconChevronRight size={18} />
          </ActionIcon>
        </Group>
      </Group>
    </Card>
  );
}
