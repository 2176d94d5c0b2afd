import { useState } from 'react';
import { Anchor, Group, Select, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Link } from 'react-router';
import { useCompany, useCompanyList } from './companies-api.ts';

/**
 * Chooses a contact's company by name or domain (searched on the server, so thousands of companies are
 * fine). Empty: no company set by hand; the server then links the company of the primary email's domain.
 */
export function CompanyPicker(props: { value: string; onChange: (id: string) => void; error?: string | null; description?: string }) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 200);
  const list = useCompanyList({ q: q || undefined, limit: 20 });
  const current = useCompany(props.value);
  const items = list.data?.items ?? [];
  const data = [
    ...(props.value && current.data && !items.some((c) => c.id === props.value) ? [{ value: props.value, label: current.data.name }] : []),
    ...items.map((c) => ({ value: c.id, label: c.name })),
  ];
  return (
    <Select
      label="Company record"
      description={props.description ?? 'Leave empty to link the company of the email domain, if any.'}
      placeholder="Search companies"
      searchable
      clearable
      data={data}
      value={props.value || null}
      onChange={(v) => props.onChange(v ?? '')}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={list.isFetching ? 'Searching…' : 'No company found'}
      error={props.error}
    />
  );
}

/** The company a ticket or contact is linked to, as a link to its page. */
export function CompanyLink(props: { id: string; label?: string }) {
  const c = useCompany(props.id);
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="sm" c="dimmed">
        {props.label ?? 'Company'}
      </Text>
      <Anchor component={Link} to={`/companies/${props.id}`} size="sm" style={{ overflowWrap: 'anywhere' }}>
        {c.data?.name ?? (c.isError ? 'Deleted company' : '…')}
      </Anchor>
    </Group>
  );
}
