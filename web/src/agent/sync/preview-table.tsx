// The editor's preview: the first people of the directory as they would become contacts.
import { Badge, Card, Stack, Table, Text } from '@mantine/core';
import { personName } from '../../lib/format.ts';
import { useNarrow } from '../imports/import-parts.tsx';
import type { PreviewRow } from './sync-api.ts';
import { firstRdnValue } from './sync-form.ts';

function describe(row: PreviewRow) {
  const c = row.contact;
  const phones = Object.values(c.phones ?? {});
  const problems = [...(row.failure ? [`Not synced: ${row.failure}`] : []), ...(row.warnings ?? []).map((w) => `${w.message} (${w.path})`)];
  return {
    key: row.syncId,
    name: personName(c.firstName, c.lastName) || '(no name)',
    email: c.primaryEmail ?? '',
    work: [c.jobTitle, c.company || c.division].filter(Boolean).join(' · '),
    phone: phones[0] ?? '',
    reportsTo: row.reportsTo ? firstRdnValue(row.reportsTo) : '',
    inactive: row.disabled,
    failed: Boolean(row.failure),
    problems,
  };
}

export function PreviewTable({ rows, more }: { rows: PreviewRow[]; more?: boolean }) {
  const narrow = useNarrow();
  if (!rows.length) {
    return (
      <Card bg="gray.0" data-testid="preview">
        <Text size="sm">Nobody in scope: the base DN, the user filter and the scope match no person.</Text>
      </Card>
    );
  }
  const people = rows.map(describe);
  const withProblems = people.filter((p) => p.problems.length).length;
  const caption = `${more ? `The first ${rows.length}` : `All ${rows.length}`} ${rows.length === 1 ? 'person' : 'people'} in scope as contacts${withProblems ? `; ${withProblems} with problems` : ''}`;

  if (narrow) {
    return (
      <Stack gap="xs" data-testid="preview" aria-label={caption} role="list">
        <Text size="sm" fw={500}>
          {caption}
        </Text>
        {people.map((p) => (
          <Card key={p.key} padding="sm" role="listitem">
            <Text size="sm" fw={600}>
              {p.name}{' '}
              {p.inactive && (
                <Badge size="xs" color="gray" variant="light" radius="sm">
                  Inactive
                </Badge>
              )}
            </Text>
            <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {[p.email || 'no email', p.work, p.phone, p.reportsTo && `reports to ${p.reportsTo}`].filter(Boolean).join(' · ')}
            </Text>
            {p.problems.map((m, j) => (
              <Text key={j} size="xs" c="red.9">
                {m}
              </Text>
            ))}
          </Card>
        ))}
      </Stack>
    );
  }

  return (
    <Card p={0} data-testid="preview">
      <Table.ScrollContainer minWidth={720}>
        <Table verticalSpacing="xs" striped>
          <Table.Caption style={{ captionSide: 'top', textAlign: 'left', padding: '8px 12px', margin: 0 }}>{caption}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Primary email</Table.Th>
              <Table.Th>Job title · company</Table.Th>
              <Table.Th>Phone</Table.Th>
              <Table.Th>Reports to</Table.Th>
              <Table.Th>Problems</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {people.map((p) => (
              <Table.Tr key={p.key}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {p.name}
                  </Text>
                  {p.inactive && (
                    <Badge size="xs" color="gray" variant="light" radius="sm">
                      Inactive
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={p.email ? undefined : 'dimmed'}>
                    {p.email || 'none'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{p.work}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {p.phone}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{p.reportsTo}</Text>
                </Table.Td>
                <Table.Td>
                  {p.problems.map((m, j) => (
                    <Text key={j} size="xs" c="red.9">
                      {m}
                    </Text>
                  ))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}
