import { Anchor, Button, Group, Stack, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { errorMessage } from '../../lib/api.ts';
import { formatRelative } from '../../lib/format.ts';
import { StatusBadge } from './ticket-badges.tsx';
import { ticketKeys, ticketsApi } from './tickets-api.ts';

/** The tickets a contact is on, newest first, on their contact page. */
export function ContactTickets(props: { contactId: string }) {
  const list = useQuery({
    queryKey: ticketKeys.ofContact(props.contactId),
    queryFn: ({ signal }) => ticketsApi.ofContact(props.contactId, { limit: 10 }, signal),
  });
  return (
    <Stack gap="xs">
      {list.isPending ? (
        <Text size="sm" c="dimmed">
          Loading tickets…
        </Text>
      ) : list.isError ? (
        <Text size="sm" c="red">
          {errorMessage(list.error)}
        </Text>
      ) : list.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          Not on any ticket yet.
        </Text>
      ) : (
        list.data.items.map((t) => (
          <Group key={t.id} gap="sm" wrap="nowrap" justify="space-between">
            <Anchor component={Link} to={`/tickets/${t.id}`} size="sm" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
              #{t.number} {t.subject}
            </Anchor>
            <Group gap="xs" wrap="nowrap">
              <Text size="xs" c="dimmed" visibleFrom="xs">
                {formatRelative(t.updatedAt)}
              </Text>
              <StatusBadge status={t.status} />
            </Group>
          </Group>
        ))
      )}
      <Group justify="space-between" mt={4}>
        {list.data && list.data.total > list.data.items.length ? (
          <Anchor component={Link} to={`/tickets?status=all&contact=${props.contactId}`} size="sm">
            All {list.data.total} tickets
          </Anchor>
        ) : (
          <span />
        )}
        <Button
          size="xs"
          variant="light"
          component={Link}
          to={`/tickets/new?contactId=${props.contactId}`}
          leftSection={<IconPlus size={14} />}
        >
          New ticket
        </Button>
      </Group>
    </Stack>
  );
}
