import { Anchor, Button, Group, Paper, SegmentedControl, Select, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconPlus, IconTicket } from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { SearchInput } from '../../components/search-input.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { formatRelative, formatTotal } from '../../lib/format.ts';
import { useCurrentMember } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PriorityBadge, StatusBadge } from './ticket-badges.tsx';
import { useAssignees, useTicketList, type Ticket } from './tickets-api.ts';

const statusViews = [
  { value: 'open,pending', label: 'Unresolved' },
  { value: 'open', label: 'Open' },
  { value: 'pending', label: 'Pending' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'closed', label: 'Closed' },
  { value: 'all', label: 'All' },
];

/** Tickets: filters in the URL (status, assignee, search), newest first, more pages on demand. */
export default function TicketsPage() {
  usePageTitle('Tickets');
  const [params, setParams] = useSearchParams();
  const me = useCurrentMember();
  const status = params.get('status') ?? 'open,pending';
  const assignee = params.get('assignee') ?? '';
  const q = params.get('q') ?? '';
  const contactId = params.get('contact') ?? undefined;
  const assignees = useAssignees();
  // phones get a list of cards and a status menu instead of a wide table and a long segmented control
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const list = useTicketList({
    status: status === 'all' ? undefined : status,
    assigneeId: assignee === 'me' ? me.member.id : assignee || undefined,
    q: q || undefined,
    contactId,
    limit: 50,
  });

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const first = list.data?.pages[0];

  return (
    <>
      <PageHeader
        title="Tickets"
        description="Requests from your contacts. Open one to reply, change its status or add ticket contacts."
        actions={
          <Button component={Link} to="/tickets/new" leftSection={<IconPlus size={18} />}>
            New ticket
          </Button>
        }
      />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          {narrow ? (
            <Select
              label="Status"
              w={160}
              value={status}
              allowDeselect={false}
              data={statusViews}
              onChange={(v) => set('status', !v || v === 'open,pending' ? '' : v)}
            />
          ) : (
            <SegmentedControl
              aria-label="Status"
              value={status}
              onChange={(v) => set('status', v === 'open,pending' ? '' : v)}
              data={statusViews}
            />
          )}
          <Select
            label="Assignee"
            w={narrow ? 160 : 220}
            value={assignee}
            onChange={(v) => set('assignee', v ?? '')}
            data={[
              { value: '', label: 'Anyone' },
              { value: 'me', label: 'Me' },
              { value: 'none', label: 'Unassigned' },
              ...(assignees.data?.items ?? []).filter((m) => m.id !== me.member.id).map((m) => ({ value: m.id, label: m.name })),
            ]}
            allowDeselect={false}
          />
          <SearchInput value={q} onSearch={(v) => set('q', v)} label="Search tickets" placeholder="Subject or #number" maw={320} />
        </Group>

        {list.isPending ? (
          <PageLoader />
        ) : list.isError ? (
          <ErrorState title="Tickets could not be loaded" error={list.error} onRetry={() => void list.refetch()} />
        ) : rows.length === 0 ? (
          <Paper withBorder radius="md" p="xl" ta="center">
            <IconTicket size={32} stroke={1.4} color="var(--mantine-color-dimmed)" aria-hidden />
            <Text fw={600} mt="xs">
              No tickets here
            </Text>
            <Text size="sm" c="dimmed">
              {q || assignee || status !== 'open,pending'
                ? 'Try other filters.'
                : 'New requests from the portal and tickets you create appear here.'}
            </Text>
          </Paper>
        ) : narrow ? (
          <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {rows.map((t) => (
              <TicketCard key={t.id} t={t} />
            ))}
          </Stack>
        ) : (
          <Paper withBorder radius="md">
            <Table.ScrollContainer minWidth={760}>
              <Table verticalSpacing="sm" highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={70}>#</Table.Th>
                    <Table.Th>Subject</Table.Th>
                    <Table.Th>Requester</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Priority</Table.Th>
                    <Table.Th>Assignee</Table.Th>
                    <Table.Th>Updated</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((t) => (
                    <TicketRow key={t.id} t={t} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        <Group justify="space-between">
          <Text size="sm" c="dimmed" aria-live="polite">
            {first ? formatTotal(first.total, first.totalIsEstimate, 'ticket') : ''}
          </Text>
          {list.hasNextPage && (
            <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
              Show more
            </Button>
          )}
        </Group>
      </Stack>
    </>
  );
}

function TicketRow(props: { t: Ticket }) {
  const { t } = props;
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" c="dimmed">
          #{t.number}
        </Text>
      </Table.Td>
      <Table.Td maw={360}>
        <Anchor component={Link} to={`/tickets/${t.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
          {t.subject}
        </Anchor>
      </Table.Td>
      <Table.Td>
        {t.requesterId ? (
          <Anchor component={Link} to={`/contacts/${t.requesterId}`} size="sm" c="inherit">
            {t.requesterName ?? 'Contact'}
          </Anchor>
        ) : (
          <Text size="sm" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <StatusBadge status={t.status} />
      </Table.Td>
      <Table.Td>
        <PriorityBadge priority={t.priority} />
      </Table.Td>
      <Table.Td>
        <Text size="sm" c={t.assigneeName ? undefined : 'dimmed'}>
          {t.assigneeName ?? 'Unassigned'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="dimmed" title={new Date(t.updatedAt).toLocaleString()}>
          {formatRelative(t.updatedAt)}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

function TicketCard(props: { t: Ticket }) {
  const { t } = props;
  return (
    <Paper withBorder radius="md" p="sm" component="li">
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
        <Anchor component={Link} to={`/tickets/${t.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
          {t.subject}
        </Anchor>
        <StatusBadge status={t.status} />
      </Group>
      <Group gap="xs" mt={6} wrap="wrap">
        <Text size="xs" c="dimmed">
          #{t.number} · {t.requesterName ?? 'No requester'} · {t.assigneeName ?? 'Unassigned'} · {formatRelative(t.updatedAt)}
        </Text>
        <PriorityBadge priority={t.priority} />
      </Group>
    </Paper>
  );
}
