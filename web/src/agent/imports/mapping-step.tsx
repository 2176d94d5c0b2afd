import { useMemo, type ReactNode } from 'react';
import { Alert, Badge, Box, Button, Card, Group, Select, Stack, Table, Text, ThemeIcon, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconArrowsExchange, IconFileSpreadsheet, IconInfoCircle } from '@tabler/icons-react';
import type { ImportMode, ImportPreview } from '../../lib/api.ts';
import { plural } from '../../lib/format.ts';
import {
  columnLetter,
  columnStates,
  fieldOptions,
  hasIdentityColumn,
  hasMatchColumn,
  sampleValues,
  SKIP,
  type ColumnState,
  type MappingEdits,
} from './import-mapping.ts';
import { describeFormat, formatBytes, useNarrow } from './import-parts.tsx';
import { EncodingPicker } from './encoding-picker.tsx';

/** Step 3: every column of the file, what it will fill, a few of its values; unmapped columns stand out. */
export function MappingStep(props: {
  preview: ImportPreview;
  edits: MappingEdits;
  mode: ImportMode;
  onEdit: (index: number, field: string | null | undefined) => void;
  onChooseAnotherFile: () => void;
  /** server-side errors per column (400 details `mapping.<column>`) */
  serverErrors: Record<string, string>;
  /** Reads the file again in another encoding (or confirms the detected one). */
  onEncoding: (encoding: string) => void;
  encodingPending: boolean;
  /** Options of a column that links contacts to companies (shown below the columns). */
  companyOptions?: ReactNode;
}) {
  const { preview, edits } = props;
  const states = useMemo(() => columnStates(preview, edits), [preview, edits]);
  const options = useMemo(() => fieldOptions(preview, edits), [preview, edits]);
  const unmapped = states.filter((s) => s.unmapped);
  const imported = states.filter((s) => s.field !== null);
  const narrow = useNarrow();
  // choosing the automatic field again drops the change, so only real changes are sent
  const onChange = (s: ColumnState, field: string | null) =>
    props.onEdit(s.entry.index, field === s.entry.field && s.entry.source !== 'manual' ? undefined : field);

  return (
    <Stack gap="md">
      <Card padding="md">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0, flex: '1 1 300px' }}>
            <ThemeIcon variant="light" size={40} radius="md" aria-hidden>
              <IconFileSpreadsheet size={22} />
            </ThemeIcon>
            <div style={{ minWidth: 0 }}>
              <Text fw={600} truncate title={preview.fileName} data-testid="import-file-name">
                {preview.fileName}
              </Text>
              <Text size="sm" c="dimmed" truncate>
                {formatBytes(preview.fileSize)} · {describeFormat(preview)} · {plural(preview.headers.length, 'column')}
              </Text>
            </div>
          </Group>
          <Button variant="default" size="sm" leftSection={<IconArrowsExchange size={16} />} onClick={props.onChooseAnotherFile}>
            Choose another file
          </Button>
        </Group>
      </Card>

      <EncodingPicker preview={preview} pending={props.encodingPending} onChoose={props.onEncoding} />

      {preview.sampleRows.length === 0 && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title="The file has a header row but no contacts"
          role="alert"
        >
          <Text size="sm">There is nothing to import below the column names. Choose another file.</Text>
        </Alert>
      )}
      {unmapped.length > 0 && (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title={`${plural(unmapped.length, 'column')} not mapped`}
        >
          <Text size="sm">
            KDesk found no field for {unmapped.map((s) => `“${s.entry.column}”`).join(', ')}. Choose a field to import{' '}
            {unmapped.length === 1 ? 'it' : 'them'}, or choose <b>Don&apos;t import</b> to leave {unmapped.length === 1 ? 'it' : 'them'}{' '}
            out. Unmapped columns are not imported.
          </Text>
        </Alert>
      )}
      {!hasIdentityColumn(states) && (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="No column gives a name or an email">
          <Text size="sm">
            Every contact needs at least a name or an email. Map a column to First name, Last name, Full name or Primary email.
          </Text>
        </Alert>
      )}
      {props.mode === 'update' && hasIdentityColumn(states) && !hasMatchColumn(states) && (
        <Alert color="orange" variant="light" icon={<IconInfoCircle size={18} />} title="Nothing to find the contacts by">
          <Text size="sm">
            “Only update existing contacts” finds each contact by its id or primary email, and no column is mapped to either. Every row
            would fail.
          </Text>
        </Alert>
      )}

      <Card p={0}>
        <Group justify="space-between" px="lg" py="sm" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
          <Text size="sm" c="dimmed">
            {plural(imported.length, 'column')} of {preview.headers.length} will be imported
          </Text>
          {preview.sampleRows.length > 0 && (
            <Text size="sm" c="dimmed" visibleFrom="sm">
              Values from the first {plural(preview.sampleRows.length, 'row')}
            </Text>
          )}
        </Group>
        {narrow ? (
          <Stack gap={0} role="list" aria-label="Column mapping">
            {states.map((s) => (
              <MappingCard
                key={s.entry.index}
                state={s}
                samples={sampleValues(preview.sampleRows, s.entry.index)}
                options={options}
                serverError={props.serverErrors[s.entry.column]}
                onChange={(field) => onChange(s, field)}
              />
            ))}
          </Stack>
        ) : (
          <Table.ScrollContainer minWidth={820} type="native" tabIndex={0} role="region" aria-label="Column mapping (scrolls sideways)">
            <Table verticalSpacing="sm" horizontalSpacing="md" layout="fixed" aria-label="Column mapping">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w="26%">Column in your file</Table.Th>
                  <Table.Th>Sample values</Table.Th>
                  <Table.Th w={300}>Import into</Table.Th>
                  <Table.Th w={156}>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {states.map((s) => (
                  <MappingRow
                    key={s.entry.index}
                    state={s}
                    samples={sampleValues(preview.sampleRows, s.entry.index)}
                    options={options}
                    serverError={props.serverErrors[s.entry.column]}
                    onChange={(field) => onChange(s, field)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {props.companyOptions}
    </Stack>
  );
}

function MappingRow(props: RowProps) {
  const { state: s } = props;
  const error = s.error ?? props.serverError ?? null;
  return (
    <Table.Tr
      className="kd-map-row"
      data-unmapped={s.unmapped || undefined}
      data-error={error ? true : undefined}
      data-column={s.entry.column}
    >
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Badge variant="default" radius="sm" w={34} px={0} style={{ flexShrink: 0 }} aria-label={`Column ${columnLetter(s.entry.index)}`}>
            {columnLetter(s.entry.index)}
          </Badge>
          <Tooltip label={s.entry.column} disabled={s.entry.column.length < 28} multiline maw={360}>
            <Text fw={600} size="sm" truncate>
              {s.entry.column || <i>(no name)</i>}
            </Text>
          </Tooltip>
        </Group>
      </Table.Td>
      <Table.Td>
        {props.samples.length === 0 ? (
          <Text size="sm" c="dimmed" fs="italic">
            empty in the first rows
          </Text>
        ) : (
          <Stack gap={2}>
            {props.samples.map((v, i) => (
              <Tooltip key={i} label={v} disabled={v.length < 32} multiline maw={420}>
                <Text className="kd-cell" c="dimmed" truncate>
                  {v}
                </Text>
              </Tooltip>
            ))}
          </Stack>
        )}
      </Table.Td>
      <Table.Td>
        <FieldSelect {...props} error={error} />
      </Table.Td>
      <Table.Td>
        <StatusBadge state={s} />
      </Table.Td>
    </Table.Tr>
  );
}

type RowProps = {
  state: ColumnState;
  samples: string[];
  options: ReturnType<typeof fieldOptions>;
  serverError?: string;
  onChange: (field: string | null) => void;
};

function FieldSelect(props: RowProps & { error: string | null }) {
  const { state: s, error } = props;
  return (
    <>
      <Select
        aria-label={`Field for column ${s.entry.column}`}
        data={props.options}
        value={s.field ?? SKIP}
        onChange={(v) => v && props.onChange(v === SKIP ? null : v)}
        allowDeselect={false}
        searchable
        nothingFoundMessage="No field with that name"
        maxDropdownHeight={320}
        comboboxProps={{ withinPortal: true }}
        error={error}
        styles={{ input: s.field === null ? { color: 'var(--mantine-color-dimmed)' } : undefined }}
      />
      {!error && s.note && (
        <Text size="xs" c="dimmed" mt={4}>
          {s.note}
        </Text>
      )}
    </>
  );
}

/** The phone layout: one column per block, the select full width under its name and samples. */
function MappingCard(props: RowProps) {
  const { state: s } = props;
  const error = s.error ?? props.serverError ?? null;
  return (
    <Box
      role="listitem"
      className="kd-map-row"
      data-unmapped={s.unmapped || undefined}
      data-error={error ? true : undefined}
      data-column={s.entry.column}
      px="md"
      py="sm"
      style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
    >
      <Group justify="space-between" gap="xs" wrap="nowrap" mb={4}>
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          <Badge variant="default" radius="sm" w={30} px={0} style={{ flexShrink: 0 }}>
            {columnLetter(s.entry.index)}
          </Badge>
          <Text fw={600} size="sm" truncate>
            {s.entry.column || <i>(no name)</i>}
          </Text>
        </Group>
        <StatusBadge state={s} />
      </Group>
      <Text className="kd-cell" c="dimmed" truncate mb={6}>
        {props.samples.length ? props.samples.join(' · ') : 'empty in the first rows'}
      </Text>
      <FieldSelect {...props} error={error} />
    </Box>
  );
}

function StatusBadge(props: { state: ColumnState }) {
  const s = props.state;
  if (s.error) return badge('red', 'Conflict', 'Two columns are set to the same field');
  if (s.unmapped)
    return badge('yellow', 'Not mapped', 'KDesk found no field for this column; it is not imported', <IconAlertTriangle size={12} />);
  if (s.edited)
    return badge('indigo', s.field ? 'Changed' : 'Skipped', s.field ? 'You chose this field' : 'You chose not to import this column');
  if (s.field === null) {
    return s.entry.note?.startsWith('Label of')
      ? badge('gray', 'Label', s.entry.note)
      : badge('gray', 'Not imported', s.note ?? 'This column is not imported');
  }
  if (s.entry.source === 'template') return badge('teal', 'Template', 'A column of the KDesk import template');
  return badge('teal', 'Matched', 'Recognised from the column name');
}

const badge = (color: string, label: string, tip: string, icon?: ReactNode) => (
  <Tooltip label={tip} multiline maw={280}>
    <Badge variant="light" color={color} radius="sm" leftSection={icon}>
      {label}
    </Badge>
  </Tooltip>
);
