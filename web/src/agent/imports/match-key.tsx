// In the dry run: rows with neither an id nor a primary email create a new contact at every import. Says
// how many there are and offers to match them by another key of the contact (a phone, the directory sync id).
import { Alert, Group, Select, Stack, Text } from '@mantine/core';
import { IconCopy } from '@tabler/icons-react';
import type { Import } from '../../lib/api.ts';
import { plural } from '../../lib/format.ts';

export type MatchBy = NonNullable<Import['matchBy']>;

const choices = [
  { value: 'none', label: "Don't match: create new contacts" },
  { value: 'phone', label: 'A phone number (any format)' },
  { value: 'directorySyncId', label: 'The directory sync ID' },
];

export function UnkeyedRows(props: { imp: Import; pending: boolean; onMatchBy: (m: MatchBy | null) => void }) {
  const { imp } = props;
  if (imp.unkeyed === 0 && !imp.matchBy) return null;
  return (
    <Alert
      color={imp.matchBy ? 'blue' : 'yellow'}
      variant="light"
      icon={<IconCopy size={18} />}
      p="sm"
      data-testid="import-unkeyed"
      styles={{ icon: { color: 'var(--mantine-color-dark-6)' } }}
    >
      <Group justify="space-between" align="flex-end" gap="sm" wrap="wrap">
        <Stack gap={4} style={{ flex: '1 1 320px' }}>
          <Text size="sm" fw={600}>
            {plural(imp.unkeyed, 'row')} {imp.unkeyed === 1 ? 'has' : 'have'} neither a contact id nor a primary email
          </Text>
          <Text size="sm">
            {imp.matchBy
              ? `They are matched to existing contacts by ${imp.matchBy === 'phone' ? 'phone number' : 'directory sync ID'}; a row that matches nobody becomes a new contact.`
              : 'Each becomes a new contact, so importing this file again would add them again. Match them to existing contacts by:'}
          </Text>
        </Stack>
        <Select
          label="Match rows without id or email by"
          data={choices}
          value={imp.matchBy ?? 'none'}
          onChange={(v) => v && props.onMatchBy(v === 'none' ? null : (v as MatchBy))}
          allowDeselect={false}
          disabled={props.pending}
          w={300}
        />
      </Group>
    </Alert>
  );
}
