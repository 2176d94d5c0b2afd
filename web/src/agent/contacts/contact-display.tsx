// Read-only building blocks of a contact record (the View page and the editor's Directory section).
import type { ReactNode } from 'react';
import { Anchor, Badge, Box, DataList, Group, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconCheck, IconX } from '@tabler/icons-react';
import type { Contact } from '../../lib/api.ts';
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

export function DirectoryFields({ directory }: { directory: Contact['directory'] | null }) {
  const synced = directory !== null && Object.values(directory).some((v) => v !== null);
  return (
    <Stack gap="md">
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
