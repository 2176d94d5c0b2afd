import { Anchor, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { Link } from 'react-router';
import { statusColor, statusText, usePortalTickets } from './portal-tickets-api.ts';

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** "Your requests" on the portal home: the tickets the contact is on, newest first. */
export function PortalTicketsCard(props: { slug: string }) {
  const list = usePortalTickets(props.slug);
  const base = `/portal/${encodeURIComponent(props.slug)}`;
  return (
    <Paper withBorder radius="lg" p={{ base: 'md', xs: 'lg' }} component="section" aria-labelledby="kp-tickets-title">
      <Group justify="space-between" mb="md" gap="xs">
        <Title order={2} fz="lg" id="kp-tickets-title">
          Your requests
        </Title>
        <Button component={Link} to={`${base}/new`} size="sm" leftSection={<IconPlus size={16} />}>
          New request
        </Button>
      </Group>
      {list.isPending ? (
        <Text size="sm" c="dimmed">
          Loading your requests…
        </Text>
      ) : list.isError ? (
        <Text size="sm" c="red" role="alert">
          {list.error.message}
        </Text>
      ) : list.data.pages[0]!.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          You have no requests yet. Start one with “New request”.
        </Text>
      ) : (
        <Stack gap={0} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {list.data.pages
            .flatMap((p) => p.items)
            .map((t, i) => (
              <li key={t.id} style={{ borderTop: i ? '1px solid var(--mantine-color-gray-2)' : undefined }}>
                <Group justify="space-between" wrap="nowrap" py="sm" gap="sm">
                  <Stack gap={2} style={{ minWidth: 0 }}>
                    <Anchor component={Link} to={`${base}/tickets/${t.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {t.subject}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      #{t.number} · updated {dateFmt.format(new Date(t.updatedAt))}
                    </Text>
                  </Stack>
                  <Badge variant="light" color={statusColor[t.status]} radius="sm" style={{ flexShrink: 0 }}>
                    {statusText[t.status]}
                  </Badge>
                </Group>
              </li>
            ))}
        </Stack>
      )}
      {list.hasNextPage && (
        <Group justify="center" mt="sm">
          <Button variant="default" size="sm" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            Show older requests
          </Button>
        </Group>
      )}
    </Paper>
  );
}
