// The editor's preview: the first people of the directory as they would become contacts.
import { Badge, Card, Stack, Table, Text } from '@mantine/core';
import { personName } from '../../lib/format.ts';
import { useNarrow } from '../imports/import-parts.tsx';
import type { PreviewRow } from './sync-api.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const get = (o: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

function describe(row: PreviewRow) {
  const c = row.contact ?? {};
  const phones = (c.phones && typeof c.phones === 'object' ? Object.values(c.phones) : []) as unknown[];
  const active = get(c, 'permissions.active');
  return {
    name: personName(str(c.firstName), str(c.lastName)) || '(no name)',
    email: str(c.primaryEmail),
    work: [str(c.jobTitle), str(c.company) || str(c.division)].filter(Boolean).join(' · '),
    phone: str(phones[0]),
    city: str(get(c, 'address.city')),
    reportsTo: str(c.reportsTo) || str(get(c, 'directory.reportsToSyncId')),
    inactive: active === false,
    problems: (row.errors ?? []).map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`),
  };
}

export function PreviewTable({ rows }: { rows: PreviewRow[] }) {
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
  const caption = `The first ${rows.length} ${rows.length === 1 ? 'person' : 'people'} as contacts${withProblems ? `; ${withProblems} with problems` : ''}`;

  if (narrow) {
    return (
      <Stack gap="xs" data-testid="preview" aria-label={caption} role="list">
        <Text size="sm" fw={500}>
          {caption}
        </Text>
        {people.map((p, i) => (
          <Card key={i} padding="sm" role="listitem">
            <Text size="sm" fw={600}>
              {p.name}{' '}
              {p.inactive && (
                <Badge size="xs" color="gray" variant="light" radius="sm">
                  Inactive
                </Badge>
              )}
            </Text>
            <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {[p.email || 'no email', p.work, p.phone, p.city].filter(Boolean).join(' · ')}
            </Text>
            {p.problems.map((m, j) => (
              <Text key={j} size="xs" c="red.8">
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
              <Table.Th>City</Table.Th>
              <Table.Th>Problems</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {people.map((p, i) => (
              <Table.Tr key={i}>
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
                  <Text size="sm">{p.phone}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{p.city}</Text>
                </Table.Td>
                <Table.Td>
                  {p.problems.map((m, j) => (
                    <Text key={j} size="xs" c="red.8">
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
