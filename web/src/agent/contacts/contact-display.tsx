// Read-only building blocks of a contact record (the View page and the editor's Directory section).
import type { ReactNode } from 'react';
import { Anchor, Badge, Box, DataList, Group, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconCheck, IconX } from '@tabler/icons-react';
import { Link } from 'react-router';
import type { Contact } from '../../lib/api.ts';
import { useCurrentMember } from '../../lib/queries.ts';
import { useConnection } from '../sync/sync-api.ts';
import { sourceLabels } from '../sync/sync-form.ts';
import { directoryLabels } from './contact-sections.ts';

/** Label above value, like a read-only input. */
export function Field(props: { label: string; value: ReactNode; hint?: string; multiline?: boolean }) {
  const empty = props.value === null || props.value === undefined || props.value === '';
  return (
    <Box>
      <Text size="sm" fw={500} c="dimmed" mb={2}>
        {props.label}
      </Text>
      {empty ? (
        <Text size="sm" c="dimmed">
          —
        </Text>
      ) : (
        <Text size="sm" component="div" style={{ whiteSpace: props.multiline ? 'pre-wrap' : undefined, overflowWrap: 'anywhere' }}>
          {props.value}
        </Text>
      )}
      {props.hint && (
        <Text size="xs" c="dimmed" mt={2}>
          {props.hint}
        </Text>
      )}
    </Box>
  );
}

export function LabeledList(props: { title: string; entries: Record<string, string>; empty: string; href: (v: string) => string }) {
  const entries = Object.entries(props.entries);
  return (
    <Box>
      <Text size="sm" fw={500} c="dimmed" mb={6}>
        {props.title}
      </Text>
      {entries.length === 0 ? (
        <Text size="sm" c="dimmed">
          {props.empty}
        </Text>
      ) : (
        <Stack gap={6} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label={props.title}>
          {entries.map(([label, value]) => (
            <Group key={label} component="li" gap="sm" wrap="nowrap">
              <Badge variant="light" color="gray" radius="sm" w={96} style={{ flexShrink: 0 }} title={label}>
                {label}
              </Badge>
              <Anchor href={props.href(value)} size="sm" style={{ overflowWrap: 'break-word', minWidth: 0 }}>
                {value}
              </Anchor>
            </Group>
          ))}
        </Stack>
      )}
    </Box>
  );
}

export function Flag(props: { on: boolean; label: string; description: string }) {
  return (
    <Group gap="sm" wrap="nowrap" align="flex-start">
      <ThemeIcon size={24} radius="xl" variant="light" color={props.on ? 'green' : 'gray'} aria-hidden mt={2}>
        {props.on ? <IconCheck size={14} /> : <IconX size={14} />}
      </ThemeIcon>
      <div>
        <Text size="sm" fw={500}>
          {props.label}:{' '}
          <Text span c={props.on ? 'green' : 'dimmed'} fw={600} size="sm">
            {props.on ? 'On' : 'Off'}
          </Text>
        </Text>
        <Text size="xs" c="dimmed">
          {props.description}
        </Text>
      </div>
    </Group>
  );
}

/** Which connection a contact's directory identity comes from, and what portal sign-in matches with it. */
function SyncedIdentity({ directory }: { directory: Contact['directory'] }) {
  const me = useCurrentMember();
  const manager = me.member.role === 'owner' || me.member.role === 'admin';
  const conn = useConnection(manager && directory.connectionId ? directory.connectionId : undefined);
  if (!directory.connectionId) return null;
  const c = conn.data;
  const sso =
    c?.source === 'microsoft'
      ? 'Portal sign-in with Microsoft matches this identity: the object ID (directory sync ID) and the tenant ID (directory organization ID).'
      : c?.source === 'google'
        ? 'Portal sign-in with Google matches this identity: the user ID (directory sync ID) and the Workspace domain.'
        : null;
  return (
    <Box
      role="note"
      aria-label="Synced identity"
      p="sm"
      style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 8 }}
    >
      <Text size="sm">
        {c ? (
          <>
            Identity synced by the connection{' '}
            <Anchor component={Link} to={`/sync/${c.id}/activity`} fw={600}>
              {c.name}
            </Anchor>{' '}
            <Badge variant="light" radius="sm" size="sm" ml={4}>
              {sourceLabels[c.source]}
            </Badge>
          </>
        ) : conn.isError && conn.error && 'status' in conn.error && (conn.error as { status: number }).status === 404 ? (
          'Identity synced by a connection that was deleted; it is kept as it was.'
        ) : (
          'Identity synced by a Contact Sync connection.'
        )}
      </Text>
      {sso && (
        <Text size="xs" c="dimmed" mt={4}>
          {sso}
        </Text>
      )}
    </Box>
  );
}

export function DirectoryFields({ directory }: { directory: Contact['directory'] | null }) {
  const synced = directory !== null && Object.values(directory).some((v) => v !== null);
  return (
    <Stack gap="md">
      {directory?.connectionId && <SyncedIdentity directory={directory} />}
      {!synced && (
        <Text size="sm" c="dimmed">
          This contact is not managed by Contact Sync. The identifiers below are filled in when a directory connection syncs it.
        </Text>
      )}
      <DataList labelWidth={220} withDivider>
        {(Object.keys(directoryLabels) as (keyof typeof directoryLabels)[]).map((k) => (
          <DataList.Item key={k}>
            <DataList.ItemLabel>{directoryLabels[k]}</DataList.ItemLabel>
            <DataList.ItemValue>
              {directory?.[k] ? (
                <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {directory?.[k]}
                </Text>
              ) : (
                <Text size="sm" c="dimmed">
                  —
                </Text>
              )}
            </DataList.ItemValue>
          </DataList.Item>
        ))}
      </DataList>
    </Stack>
  );
}
