import { Anchor, Card, Group, Skeleton, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconHistory } from '@tabler/icons-react';
import { Link, useNavigate } from 'react-router';
import type { Import } from '../../lib/api.ts';
import { formatCount, formatDateTime, formatRelative } from '../../lib/format.ts';
import { ImportStatusBadge, modeText } from './import-parts.tsx';

/** The team's last imports (dry runs left out): what came in, when, by whom, and how it went. */
export function RecentImports(props: { items: Import[] | undefined; loading: boolean }) {
  const navigate = useNavigate();
  const items = (props.items ?? []).filter((i) => !i.dryRun).slice(0, 8);

  return (
    <Card p={0}>
      <Group gap="xs" px="lg" pt="md" pb="sm">
        <IconHistory size={18} color="var(--mantine-color-dimmed)" aria-hidden />
        <Title order={2} fz="md" id="recent-imports-title">
          Recent imports
        </Title>
      </Group>
      {props.loading ? (
        <Stack3 />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed" px="lg" pb="lg">
          No imports yet. Files you import appear here with their results, so you can download the rows that failed later.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={680} type="native" tabIndex={0} role="region" aria-label="Recent imports (scrolls sideways)">
          <Table verticalSpacing="sm" horizontalSpacing="lg" highlightOnHover aria-labelledby="recent-imports-title" layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File</Table.Th>
                <Table.Th w={110}>Status</Table.Th>
                <Table.Th w={250}>Result</Table.Th>
                <Table.Th w={200}>Started</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((i) => (
                <Table.Tr key={i.id} className="kd-row-link" onClick={() => navigate(`/contacts/import/${i.id}`)}>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`/contacts/import/${i.id}`}
                      size="sm"
                      fw={600}
                      underline="hover"
                      c="var(--mantine-color-text)"
                      display="block"
                      truncate
                      title={i.fileName}
                      onClick={(e) => e.stopPropagation()}
                    >
                      {i.fileName}
                    </Anchor>
                    <Text size="xs" c="dimmed" truncate>
                      {modeText[i.mode].short}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <ImportStatusBadge status={i.status} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" truncate>
                      {resultText(i)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={formatDateTime(i.createdAt)}>
                      <Text size="sm" truncate>
                        {formatRelative(i.createdAt)}
                      </Text>
                    </Tooltip>
                    <Text size="xs" c="dimmed" truncate title={i.createdBy.label}>
                      by {i.createdBy.label}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

function resultText(i: Import): string {
  if (i.status === 'queued') return 'Waiting to start';
  if (i.status === 'running')
    return i.total ? `${formatCount(i.processed)} of ${formatCount(i.total)} rows` : `${formatCount(i.processed)} rows so far`;
  const parts = [`${formatCount(i.created)} created`, `${formatCount(i.updated)} updated`];
  if (i.unchanged) parts.push(`${formatCount(i.unchanged)} unchanged`);
  if (i.failed) parts.push(`${formatCount(i.failed)} failed`);
  return parts.join(', ');
}

function Stack3() {
  return (
    <Group px="lg" pb="lg" gap="xs" style={{ flexDirection: 'column', alignItems: 'stretch' }}>
      {[0, 1, 2].map((k) => (
        <Skeleton key={k} height={14} />
      ))}
    </Group>
  );
}
