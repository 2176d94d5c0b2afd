import { useMemo, useState } from 'react';
import { Anchor, Badge, Button, Card, Code, Group, Modal, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { formatDateTime } from '../../lib/format.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { adminApi, adminKeys, type AuditEntry, type AuditFilters } from './admin-api.ts';

const entityNames: Record<string, string> = {
  contact: 'Contact',
  member: 'Member',
  invitation: 'Invitation',
  team: 'Team',
  export: 'Export',
  import: 'Import',
};
/** A date input's day as the start of that day (from) or of the next day (to), in the browser's zone. */
const dayBound = (day: string, next: boolean) => {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  if (next) d.setDate(d.getDate() + 1);
  return d.toISOString();
};

function summary(e: AuditEntry): string {
  const keys = Object.keys(e.changes);
  if (!keys.length) return '';
  return keys.slice(0, 4).join(', ') + (keys.length > 4 ? ` and ${keys.length - 4} more` : '');
}

export default function LogsPage() {
  usePageTitle('Logs');
  const [who, setWho] = useState<string | null>(null);
  const [what, setWhat] = useState<string | null>(null);
  const [action, setAction] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [open, setOpen] = useState<AuditEntry | null>(null);
  const filters: AuditFilters = useMemo(
    () => ({
      actorId: who ?? undefined,
      entityType: what ?? undefined,
      action: action ?? undefined,
      from: dayBound(from, false),
      to: dayBound(to, true),
    }),
    [who, what, action, from, to],
  );
  const members = useQuery({ queryKey: adminKeys.members, queryFn: adminApi.members });
  const kinds = useQuery({ queryKey: adminKeys.auditKinds, queryFn: adminApi.auditKinds });
  const log = useInfiniteQuery({
    queryKey: adminKeys.audit(filters),
    queryFn: ({ pageParam }) => adminApi.audit(filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const entityTypes = [...new Set((kinds.data?.items ?? []).map((k) => k.entityType))].sort();
  const actions = [...new Set((kinds.data?.items ?? []).filter((k) => !what || k.entityType === what).map((k) => k.action))].sort();
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader
        title="Logs"
        description="Everything that changed in your team: members, settings, contacts, imports and exports, tokens. Newest first."
        actions={
          <Button component="a" href={adminApi.auditCsv(filters)} variant="default" leftSection={<IconDownload size={16} />}>
            Export CSV
          </Button>
        }
      />
      <Card withBorder radius="md" padding="md" mb="md">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          <Select
            label="Who"
            placeholder="Anyone"
            clearable
            searchable
            data={(members.data?.items ?? []).map((m) => ({ value: m.id, label: m.name || m.email }))}
            value={who}
            onChange={setWho}
          />
          <Select
            label="What"
            placeholder="Everything"
            clearable
            data={entityTypes.map((t) => ({ value: t, label: entityNames[t] ?? t }))}
            value={what}
            onChange={(v) => {
              setWhat(v);
              setAction(null);
            }}
          />
          <Select label="Action" placeholder="Any action" clearable searchable data={actions} value={action} onChange={setAction} />
          <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </SimpleGrid>
      </Card>
      {log.isPending ? (
        <PageLoader />
      ) : log.isError ? (
        <ErrorState title="Could not load the log" error={log.error} onRetry={() => void log.refetch()} />
      ) : items.length === 0 ? (
        <Card withBorder radius="md" padding="xl">
          <Text ta="center" c="dimmed">
            Nothing matches these filters.
          </Text>
        </Card>
      ) : (
        <Card withBorder radius="md" padding={0}>
          <Table.ScrollContainer minWidth={720}>
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md" aria-label="Log entries">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Changed</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.id} onClick={() => setOpen(e)} style={{ cursor: 'pointer' }}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Anchor
                        component="button"
                        type="button"
                        size="sm"
                        onClick={(ev) => {
                          ev.stopPropagation();
                          setOpen(e);
                        }}
                      >
                        {formatDateTime(e.at)}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{e.actor.label?.replace(/ <[^>]*>$/, '') ?? e.actor.type}</Text>
                      {e.actor.type !== 'member' && (
                        <Text size="xs" c="dimmed">
                          {e.actor.type === 'token' ? 'API token' : e.actor.type}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Badge variant="light" color="gray" size="sm" style={{ flexShrink: 0, overflow: 'visible' }}>
                          {entityNames[e.entityType] ?? e.entityType}
                        </Badge>
                        <Text size="sm">{e.action}</Text>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed" lineClamp={1}>
                        {summary(e)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {log.hasNextPage && (
        <Group justify="center" mt="md">
          <Button variant="default" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
            Show older entries
          </Button>
        </Group>
      )}
      <Modal opened={!!open} onClose={() => setOpen(null)} title="Log entry" size="lg">
        {open && (
          <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="raw-entry">
            {JSON.stringify(open, null, 2)}
          </Code>
        )}
      </Modal>
    </>
  );
}
