import { useState } from 'react';
import { Anchor, Badge, Button, Group, Modal, Pagination, Paper, Select, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconBuildingSkyscraper, IconPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { SearchInput } from '../../components/search-input.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { errorMessage, isApiError } from '../../lib/api.ts';
import { formatCount, plural } from '../../lib/format.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { companiesApi, companyKeys, useCompanyList, type Company, type CompanySort } from './companies-api.ts';

const PAGE = 25;
const sorts: { value: CompanySort; label: string }[] = [
  { value: 'name', label: 'Name A–Z' },
  { value: '-name', label: 'Name Z–A' },
  { value: '-createdAt', label: 'Newest first' },
  { value: 'createdAt', label: 'Oldest first' },
];

/** Companies: search by name or domain, sorted, paged; each with its contact and ticket counts. */
export default function CompaniesPage() {
  usePageTitle('Companies');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const sort = (params.get('sort') as CompanySort | null) ?? 'name';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const [creating, setCreating] = useState(false);
  const list = useCompanyList({ q: q || undefined, sort, limit: PAGE, offset: (page - 1) * PAGE });

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
        title="Companies"
        description="The organisations your contacts work for. Contacts whose email is at a company's domain are linked to it."
        actions={
          <Button leftSection={<IconPlus size={18} />} onClick={() => setCreating(true)}>
            New company
          </Button>
        }
      />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <SearchInput value={q} onSearch={(v) => set('q', v)} label="Search companies" placeholder="Name or domain" maw={320} />
          <Select
            label="Sort"
            w={180}
            value={sort}
            allowDeselect={false}
            data={sorts}
            onChange={(v) => set('sort', v && v !== 'name' ? v : '')}
          />
        </Group>
        {list.isPending ? (
          <PageLoader />
        ) : list.isError ? (
          <ErrorState title="Companies could not be loaded" error={list.error} onRetry={() => void list.refetch()} />
        ) : rows.length === 0 ? (
          <Paper withBorder radius="md" p="xl" ta="center">
            <IconBuildingSkyscraper size={32} stroke={1.4} color="var(--mantine-color-dimmed)" aria-hidden />
            <Text fw={600} mt="xs">
              {q ? 'No company matches this search' : 'No companies yet'}
            </Text>
            <Text size="sm" c="dimmed">
              {q ? 'Try another name or domain.' : 'Add one with its email domains: its contacts are linked at once.'}
            </Text>
          </Paper>
        ) : narrow ? (
          <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {rows.map((c) => (
              <Paper key={c.id} withBorder radius="md" p="sm" component="li">
                <Anchor component={Link} to={`/companies/${c.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {c.name}
                </Anchor>
                <Text size="xs" c="dimmed" mt={4} style={{ overflowWrap: 'anywhere' }}>
                  {c.domains.join(', ') || 'No domains'} · {plural(c.contactCount, 'contact')} · {plural(c.ticketCount, 'ticket')}
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
                    <Table.Th>Domains</Table.Th>
                    <Table.Th ta="right">Contacts</Table.Th>
                    <Table.Th ta="right">Tickets</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((c) => (
                    <CompanyRow key={c.id} c={c} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        <Group justify="space-between">
          <Text size="sm" c="dimmed" aria-live="polite">
            {list.data ? `${formatCount(total)} ${total === 1 ? 'company' : 'companies'}` : ''}
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
      <NewCompanyModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}

function CompanyRow(props: { c: Company }) {
  const { c } = props;
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/companies/${c.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
          {c.name}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {c.domains.length ? (
            c.domains.map((d) => (
              <Badge key={d} variant="light" color="gray" tt="none">
                {d}
              </Badge>
            ))
          ) : (
            <Text size="sm" c="dimmed">
              —
            </Text>
          )}
        </Group>
      </Table.Td>
      <Table.Td ta="right">{formatCount(c.contactCount)}</Table.Td>
      <Table.Td ta="right">{formatCount(c.ticketCount)}</Table.Td>
    </Table.Tr>
  );
}

/** Splits what was typed in a domains box: commas, spaces or lines. */
export const splitDomains = (s: string) =>
  s
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);

function NewCompanyModal(props: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [domains, setDomains] = useState('');
  const [notes, setNotes] = useState('');
  const create = useMutation({
    mutationFn: () => companiesApi.create({ name, domains: splitDomains(domains), notes: notes || null }),
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: companyKeys.all });
      notifications.show({
        color: 'teal',
        message: `${c.name} was created${c.contactCount ? ` and ${plural(c.contactCount, 'contact')} linked` : ''}.`,
      });
      props.onClose();
      setName('');
      setDomains('');
      setNotes('');
      navigate(`/companies/${c.id}`);
    },
  });
  const detail = (prefix: string) =>
    isApiError(create.error)
      ? create.error.details
          ?.filter((d) => d.path === prefix || d.path.startsWith(`${prefix}.`))
          .map((d) => d.message)
          .join(' ') || null
      : null;
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="New company">
      <Stack component="form" gap="sm" onSubmit={(e) => (e.preventDefault(), create.mutate())}>
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={detail('name')}
          data-autofocus
        />
        <TextInput
          label="Email domains"
          description="Separated by commas. Contacts with an email at these domains are linked to the company."
          placeholder="example.com, example.co.kr"
          value={domains}
          onChange={(e) => setDomains(e.currentTarget.value)}
          error={detail('domains')}
        />
        <Textarea label="Notes" autosize minRows={2} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
        {create.isError && !detail('name') && !detail('domains') && (
          <Text size="sm" c="red.8" role="alert">
            {errorMessage(create.error)}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
            Create company
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
