// The file's text encoding in the mapping step: what was detected, the first rows as decoded, and a picker
// to read the file again in another encoding. When detection is unsure the import waits for a choice.
import { Alert, Button, Card, Group, Select, Stack, Table, Text } from '@mantine/core';
import { IconAlertTriangle, IconLanguage } from '@tabler/icons-react';
import type { ImportPreview } from '../../lib/api.ts';

const SAMPLE_ROWS = 3;
const SAMPLE_COLUMNS = 4;

export function EncodingPicker(props: { preview: ImportPreview; pending: boolean; onChoose: (encoding: string) => void }) {
  const { preview } = props;
  if (preview.format !== 'csv' || !preview.encoding) return null;
  const unsure = !preview.encodingConfident;
  const current = preview.encodingChoices.find((c) => c.encoding === preview.encoding)?.label ?? preview.encoding;
  const columns = preview.headers.slice(0, SAMPLE_COLUMNS);
  const rows = preview.sampleRows.slice(0, SAMPLE_ROWS);
  return (
    <Card padding="md" component="section" aria-labelledby="import-encoding-title" data-testid="import-encoding">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
          <div style={{ minWidth: 0, flex: '1 1 260px' }}>
            <Group gap={6} wrap="nowrap">
              <IconLanguage size={18} aria-hidden />
              <Text fw={600} id="import-encoding-title">
                Text encoding
              </Text>
            </Group>
            <Text size="sm" c="gray.7">
              {unsure ? 'Detection is unsure. ' : `Read as ${current}. `}
              Names with accents or in another script must read correctly below.
            </Text>
          </div>
          <Select
            label="File encoding"
            data={preview.encodingChoices.map((c) => ({ value: c.encoding, label: c.label }))}
            value={preview.encoding}
            onChange={(v) => v && v !== preview.encoding && props.onChoose(v)}
            allowDeselect={false}
            disabled={props.pending}
            w={300}
            comboboxProps={{ withinPortal: true }}
          />
        </Group>
        {unsure && (
          <Alert
            color="yellow"
            variant="light"
            icon={<IconAlertTriangle size={18} />}
            title="Check the names before importing"
            role="alert"
            styles={{ title: { color: 'var(--mantine-color-dark-7)' }, icon: { color: 'var(--mantine-color-yellow-9)' } }}
          >
            <Stack gap="xs">
              <Text size="sm">
                The bytes of this file read as more than one encoding. It is shown as {current}: if the names below look wrong, choose
                another encoding; if they look right, confirm it. Nothing is imported until you do.
              </Text>
              <Group>
                <Button size="xs" variant="filled" color="dark" loading={props.pending} onClick={() => props.onChoose(preview.encoding!)}>
                  The names read correctly
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
        {rows.length > 0 && (
          <Table.ScrollContainer
            minWidth={480}
            type="native"
            tabIndex={0}
            role="region"
            aria-label="Decoded sample rows (scrolls sideways)"
          >
            <Table withTableBorder verticalSpacing={6} horizontalSpacing="sm" aria-label="First rows as decoded">
              <Table.Thead>
                <Table.Tr>
                  {columns.map((h, i) => (
                    <Table.Th key={i}>{h}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r, i) => (
                  <Table.Tr key={i}>
                    {columns.map((_, j) => (
                      <Table.Td key={j}>{r[j]}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  );
}
