import { Anchor, Badge, Button, Group, Pagination, Paper, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconForms, IconPlus } from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { SearchInput } from '../../components/search-input.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { formatCount, formatDate, plural } from '../../lib/format.ts';
import { usePermissions } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { useFormList, type Form } from './forms-api.ts';

const PAGE = 25;

/** Forms: what the team asks contacts to fill in the portal, with how many wait and how many answered. */
export default function FormsPage() {
  usePageTitle('Forms');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const { manageTeam } = usePermissions();
  const list = useFormList({ q: q || undefined, limit: PAGE, offset: (page - 1) * PAGE });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };
  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;

  return (
    <>
      <PageHeader
        title="Forms"
        description="Questions your contacts answer in the portal: assign a form to contacts, they fill it once, you read the answers here."
        actions={
          manageTeam ? (
            <Button component={Link} to="/forms/new" leftSection={<IconPlus size={18} />}>
              New form
            </Button>
          ) : undefined
        }
      />
      <Stack gap="md">
        <SearchInput value={q} onSearch={(v) => set('q', v)} label="Search forms" placeholder="Form name" maw={320} />
        {list.isPending ? (
          <PageLoader />
        ) : list.isError ? (
          <ErrorState title="Forms could not be loaded" error={list.error} onRetry={() => void list.refetch()} />
        ) : rows.length === 0 ? (
          <Paper withBorder radius="md" p="xl" ta="center">
            <IconForms size={32} stroke={1.4} color="var(--mantine-color-dimmed)" aria-hidden />
            <Text fw={600} mt="xs">
              {q ? 'No form matches this search' : 'No forms yet'}
            </Text>
            <Text size="sm" c="dimmed">
              {q
                ? 'Try another name.'
                : manageTeam
                  ? 'Build one with text, number, date, choice and checkbox fields, then assign it to contacts.'
                  : 'Team owners and admins build forms.'}
            </Text>
          </Paper>
        ) : narrow ? (
          <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {rows.map((f) => (
              <Paper key={f.id} withBorder radius="md" p="sm" component="li">
                <Anchor component={Link} to={`/forms/${f.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {f.name}
                </Anchor>
                <Text size="xs" c="dimmed" mt={4}>
                  {plural(f.fields.length, 'field')} · {formatCount(f.openCount)} waiting · {formatCount(f.submittedCount)} submitted
                </Text>
              </Paper>
            ))}
          </Stack>
        ) : (
          <Paper withBorder radius="md">
            <Table.ScrollContainer minWidth={640}>
              <Table verticalSpacing="sm" highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th ta="right">Fields</Table.Th>
                    <Table.Th ta="right">Waiting</Table.Th>
                    <Table.Th ta="right">Submitted</Table.Th>
                    <Table.Th>Created</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((f) => (
                    <FormRow key={f.id} f={f} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        <Group justify="space-between">
          <Text size="sm" c="dimmed" aria-live="polite">
            {list.data ? `${formatCount(total)} ${total === 1 ? 'form' : 'forms'}` : ''}
          </Text>
          {total > PAGE && (
            <Pagination
              total={Math.ceil(total / PAGE)}
              value={page}
              onChange={(p) => set('page', p > 1 ? String(p) : '')}
              getControlProps={(control) => ({ 'aria-label': `${control} page` })}
              getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
            />
          )}
        </Group>
      </Stack>
    </>
  );
}

function FormRow(props: { f: Form }) {
  const { f } = props;
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/forms/${f.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
          {f.name}
        </Anchor>
        {f.description && (
          <Text size="xs" c="dimmed" lineClamp={1}>
            {f.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right">{formatCount(f.fields.length)}</Table.Td>
      <Table.Td ta="right">
        {f.openCount ? (
          <Badge variant="light" color="yellow">
            {formatCount(f.openCount)}
          </Badge>
        ) : (
          '0'
        )}
      </Table.Td>
      <Table.Td ta="right">{formatCount(f.submittedCount)}</Table.Td>
      <Table.Td>
        <Text size="sm">{formatDate(f.createdAt)}</Text>
      </Table.Td>
    </Table.Tr>
  );
}
