import { useState } from 'react';
import { Alert, Anchor, Button, Center, Group, Loader, Stack, Table, Text, Timeline, Tooltip } from '@mantine/core';
import { IconPencil, IconPlus, IconRefresh, IconTrash } from '@tabler/icons-react';
import type { HistoryEntry } from '../../lib/api.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useContactHistory } from '../../lib/queries.ts';
import { byFieldOrder, fieldLabel } from './contact-sections.ts';

const actionText: Record<string, string> = {
  create: 'created the contact',
  update: 'updated the contact',
  delete: 'deleted the contact',
  sync: 'synced the contact',
};

/** Audit entries of a contact, newest first, with "Load older changes". */
export function ContactHistory(props: { contactId: string }) {
  const history = useContactHistory(props.contactId);

  if (history.isPending) {
    return (
      <Center py="lg" role="status" aria-label="Loading history">
        <Loader size="sm" />
      </Center>
    );
  }
  if (history.isError) {
    return (
      <Alert color="red" variant="light" role="alert" title="Could not load the history">
        <Group justify="space-between">
          <Text size="sm">{history.error.message}</Text>
          <Button size="xs" variant="white" color="red" onClick={() => void history.refetch()}>
            Try again
          </Button>
        </Group>
      </Alert>
    );
  }
  const entries = history.data.pages.flatMap((p) => p.items);
  if (entries.length === 0)
    return (
      <Text c="dimmed" size="sm">
        No changes recorded yet.
      </Text>
    );

  return (
    <Stack gap="md">
      <Timeline bulletSize={28} lineWidth={2} role="list" aria-label="Changes, newest first">
        {entries.map((e, i) => (
          <Timeline.Item key={`${e.at}-${i}`} role="listitem" bullet={<ActionIcon action={e.action} />} title={<EntryTitle entry={e} />}>
            <Changes entry={e} />
          </Timeline.Item>
        ))}
      </Timeline>
      {history.hasNextPage && (
        <Group>
          <Button variant="default" size="xs" onClick={() => void history.fetchNextPage()} loading={history.isFetchingNextPage}>
            Load older changes
          </Button>
        </Group>
      )}
    </Stack>
  );
}

function ActionIcon({ action }: { action: string }) {
  if (action === 'create') return <IconPlus size={14} />;
  if (action === 'delete') return <IconTrash size={14} />;
  if (action === 'sync') return <IconRefresh size={14} />;
  return <IconPencil size={14} />;
}

function EntryTitle({ entry }: { entry: HistoryEntry }) {
  const who = entry.actor.label ?? (entry.actor.type === 'system' ? 'KDesk' : 'Someone');
  return (
    <Group gap={6} wrap="wrap" component="span">
      <Text span fw={600} size="sm">
        {who}
      </Text>
      <Text span size="sm">
        {actionText[entry.action] ?? entry.action}
      </Text>
      <Tooltip label={formatDateTime(entry.at)}>
        <Text span size="sm" c="dimmed">
          · <time dateTime={entry.at}>{formatRelative(entry.at)}</time>
        </Text>
      </Tooltip>
    </Group>
  );
}

function show(v: unknown) {
  if (v === null || v === undefined || v === '')
    return (
      <Text span c="dimmed" size="sm">
        empty
      </Text>
    );
  if (typeof v === 'boolean')
    return (
      <Text span size="sm">
        {v ? 'On' : 'Off'}
      </Text>
    );
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0)
      return (
        <Text span c="dimmed" size="sm">
          none
        </Text>
      );
    return (
      <Text span size="sm">
        {entries.map(([k, val], i) => (
          <span key={k}>
            {i > 0 && ', '}
            <Text span c="dimmed" size="sm">
              {k}:
            </Text>{' '}
            {String(val)}
          </span>
        ))}
      </Text>
    );
  }
  const s = String(v);
  return (
    <Text span size="sm" style={{ overflowWrap: 'anywhere' }}>
      {s.length > 160 ? `${s.slice(0, 160)}…` : s}
    </Text>
  );
}

const COLLAPSED = 6;

function Changes({ entry }: { entry: HistoryEntry }) {
  const [expanded, setExpanded] = useState(false);
  const changes = Object.entries(entry.changes).sort(([a], [b]) => byFieldOrder(a, b));
  if (changes.length === 0) return null;
  const isCreate = entry.action === 'create';
  const visible = expanded ? changes : changes.slice(0, COLLAPSED);
  return (
    <Stack gap={4} mt={6}>
      <Table withRowBorders={false} verticalSpacing={2} horizontalSpacing={0} layout="fixed" fz="sm">
        <Table.Tbody>
          {visible.map(([path, c]) => (
            <Table.Tr key={path}>
              <Table.Td w={190} c="dimmed" style={{ verticalAlign: 'top' }}>
                {fieldLabel(path)}
              </Table.Td>
              <Table.Td style={{ verticalAlign: 'top' }}>
                {isCreate || entry.action === 'delete' ? (
                  show(isCreate ? c.after : c.before)
                ) : (
                  <>
                    <Text span td="line-through" c="dimmed" size="sm">
                      {show(c.before)}
                    </Text>{' '}
                    <Text span size="sm" c="dimmed" aria-label="changed to">
                      →
                    </Text>{' '}
                    {show(c.after)}
                  </>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {changes.length > COLLAPSED && (
        <Anchor component="button" type="button" size="xs" onClick={() => setExpanded((x) => !x)} ta="left">
          {expanded ? 'Show fewer' : `Show all ${changes.length} fields`}
        </Anchor>
      )}
    </Stack>
  );
}
