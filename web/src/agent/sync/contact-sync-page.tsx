import { useState } from 'react';
import { Alert, Anchor, Button, Card, EmptyState, Group, Modal, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconActivity, IconPencil, IconPlus, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { SearchInput } from '../../components/search-input.tsx';
import { errorMessage } from '../../lib/api.ts';
import { keys } from '../../lib/queries.ts';
import { formatDateTime, formatRelative, plural } from '../../lib/format.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { isRunActive, syncApi, syncKeys, useConnections, type SyncConnection } from './sync-api.ts';
import { filterConnections, sourceLabels } from './sync-form.ts';
import { RunButton } from './run-button.tsx';
import { ConnectionStatusBadge, countsText, RunProgress, RunStatusBadge, SourceIcon, totalOf } from './sync-parts.tsx';

/** Contact Sync: the team's connections as cards, searchable, each with its last run and its actions. */
export default function ContactSyncPage() {
  usePageTitle('Contact Sync');
  const connections = useConnections();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [deleting, setDeleting] = useState<SyncConnection | null>(null);

  const runAll = useMutation({
    mutationFn: () => syncApi.runAll(),
    onSuccess: (res) => {
      void qc.invalidateQueries({ queryKey: syncKeys.all });
      const n = res.runs.length;
      notifications.show({
        color: n ? 'teal' : 'yellow',
        title: n ? 'Sync started' : 'Nothing to run',
        message: n
          ? `${plural(n, 'enabled connection')} refreshing.`
          : 'No connection is enabled. A draft runs only from its own Run button.',
      });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Could not start the sync', message: errorMessage(e) }),
  });

  const items = connections.data?.items ?? [];
  const shown = filterConnections(items, q);
  const anyEnabled = items.some((c) => c.status === 'enabled');

  return (
    <>
      <PageHeader
        title="Contact Sync"
        description="Brings people from your organization’s directory into KDesk as contacts. Sync is one-way: it never changes anything in the directory."
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconRefresh size={18} />}
              onClick={() => runAll.mutate()}
              loading={runAll.isPending}
              disabled={!anyEnabled}
              title={anyEnabled ? undefined : 'Turn on a connection first'}
            >
              Run all
            </Button>
            <Button component={Link} to="/sync/new" leftSection={<IconPlus size={18} />}>
              New connection
            </Button>
          </>
        }
      />

      {connections.isPending ? (
        <PageLoader />
      ) : connections.isError ? (
        <ErrorState title="Connections could not be loaded" error={connections.error} onRetry={() => void connections.refetch()} />
      ) : items.length === 0 ? (
        <Card>
          <EmptyState
            py={40}
            variant="light"
            icon={<IconRefresh size={30} />}
            title="No connections yet"
            description="Connect your LDAP server or Active Directory: KDesk creates and updates a contact for every person in scope, and deactivates people who left. Google Workspace, Microsoft Entra ID and SCIM follow in a later release."
          >
            <EmptyState.Actions>
              <Button component={Link} to="/sync/new" leftSection={<IconPlus size={18} />}>
                New connection
              </Button>
            </EmptyState.Actions>
          </EmptyState>
        </Card>
      ) : (
        <Stack gap="md">
          <Group justify="space-between" gap="sm" wrap="wrap">
            <SearchInput
              value={q}
              onSearch={(v) => setParams(v ? { q: v } : {}, { replace: true })}
              label="Search connections"
              placeholder="Search by name, source or status"
            />
            <Text size="sm" c="dimmed" aria-live="polite">
              {q ? `${shown.length} of ${plural(items.length, 'connection')}` : plural(items.length, 'connection')}
            </Text>
          </Group>
          {shown.length === 0 ? (
            <Card>
              <Text ta="center" c="dimmed" py="lg">
                No connection matches “{q}”.{' '}
                <Anchor component="button" onClick={() => setParams({}, { replace: true })}>
                  Show all
                </Anchor>
              </Text>
            </Card>
          ) : (
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" role="list" aria-label="Connections">
              {shown.map((c) => (
                <ConnectionCard key={c.id} connection={c} onDelete={() => setDeleting(c)} />
              ))}
            </SimpleGrid>
          )}
        </Stack>
      )}
      <DeleteModal connection={deleting} onClose={() => setDeleting(null)} />
    </>
  );
}

function ConnectionCard({ connection: c, onDelete }: { connection: SyncConnection; onDelete: () => void }) {
  const navigate = useNavigate();
  const last = c.lastRun ?? null;
  const active = isRunActive(last);
  const headingId = `connection-${c.id}`;

  return (
    <Card role="listitem" aria-labelledby={headingId} data-testid="connection-card">
      <Stack gap="sm" h="100%">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            <SourceIcon source={c.source} />
            <div style={{ minWidth: 0 }}>
              <Title order={2} fz="md" id={headingId} style={{ overflowWrap: 'anywhere' }}>
                {c.name}
              </Title>
              <Text size="sm" c="dimmed">
                {sourceLabels[c.source]}
              </Text>
            </div>
          </Group>
          <ConnectionStatusBadge status={c.status} />
        </Group>
        {c.description && (
          <Text size="sm" lineClamp={2}>
            {c.description}
          </Text>
        )}
        <div style={{ flex: 1 }}>
          {active && last ? (
            <Stack gap={4}>
              <RunProgress run={last} />
              {totalOf(last.counts) > 0 && (
                <Text size="sm" c="dimmed" data-testid="last-run-counts">
                  So far: {countsText(last.counts)}
                </Text>
              )}
            </Stack>
          ) : last ? (
            <Stack gap={2}>
              <Group gap="xs" wrap="wrap">
                <Text size="sm" fw={500}>
                  {c.source === 'scim' ? 'Last provisioned' : 'Last run'}{' '}
                  <time
                    dateTime={last.finishedAt ?? last.startedAt ?? undefined}
                    title={last.finishedAt ? formatDateTime(last.finishedAt) : undefined}
                  >
                    {formatRelative(last.finishedAt ?? last.startedAt ?? c.updatedAt)}
                  </time>
                </Text>
                <RunStatusBadge status={last.status} />
                {last.dryRun && (
                  <Text size="xs" c="dimmed">
                    (dry run)
                  </Text>
                )}
              </Group>
              <Text size="sm" c="dimmed" data-testid="last-run-counts">
                {last.status === 'failed' && last.error ? last.error : countsText(last.counts)}
              </Text>
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              {c.source === 'scim'
                ? `Nobody provisioned yet${c.status === 'draft' ? ' · enable it to accept provisioning' : ''}`
                : `Never run${c.status === 'draft' ? ' · a draft runs only when you press Run' : ''}`}
            </Text>
          )}
        </div>
        <Group gap="xs" wrap="wrap">
          {c.source !== 'scim' && <RunButton connection={c} ariaLabel={`Run ${c.name}`} disabled={active} />}
          <Button
            size="sm"
            variant="default"
            leftSection={<IconActivity size={16} />}
            onClick={() => navigate(`/sync/${c.id}/activity`)}
            aria-label={`Activity of ${c.name}`}
          >
            Activity
          </Button>
          <Button
            size="sm"
            variant="default"
            leftSection={<IconPencil size={16} />}
            onClick={() => navigate(`/sync/${c.id}/edit`)}
            aria-label={`Edit ${c.name}`}
          >
            Edit
          </Button>
          <Button
            size="sm"
            variant="subtle"
            color="red"
            leftSection={<IconTrash size={16} />}
            onClick={onDelete}
            aria-label={`Delete ${c.name}`}
            ml="auto"
          >
            Delete
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function DeleteModal({ connection, onClose }: { connection: SyncConnection | null; onClose: () => void }) {
  const qc = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: string) => syncApi.remove(id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: syncKeys.all });
      // the contacts it synced are editable now
      void qc.invalidateQueries({ queryKey: keys.contacts });
      notifications.show({
        color: 'teal',
        title: 'Connection deleted',
        message: 'Its contacts stay in KDesk and can now be edited by hand.',
      });
      onClose();
    },
  });
  return (
    <Modal opened={Boolean(connection)} onClose={onClose} title="Delete this connection?" centered>
      <Stack gap="sm">
        <Text size="sm">
          “{connection?.name}” stops syncing and its run history goes with it. The contacts it brought in stay in KDesk as ordinary
          contacts: their sync link is removed, so their fields can be edited by hand again, and no run will update or deactivate them.
        </Text>
        {remove.isError && (
          <Alert color="red" variant="light" role="alert">
            {errorMessage(remove.error)}
          </Alert>
        )}
        <Group justify="flex-end" mt="sm">
          <Button variant="default" onClick={onClose}>
            Keep it
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => connection && remove.mutate(connection.id)}>
            Delete connection
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
