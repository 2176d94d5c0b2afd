import { useState } from 'react';
import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api.ts';
import { contactName } from '../../lib/format.ts';

/** Picks a contact of the directory by searching it (name, company, email, phone). */
export function ContactPicker(props: {
  label: string;
  value: string | null;
  onChange: (id: string | null) => void;
  exclude?: string[];
  required?: boolean;
  error?: string | null;
  placeholder?: string;
  description?: string;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const [chosen, setChosen] = useState<{ value: string; label: string } | null>(null);
  const found = useQuery({
    queryKey: ['contacts', 'picker', debounced],
    queryFn: ({ signal }) => api.listContacts({ q: debounced || undefined, status: 'active', limit: 20 }, signal),
    staleTime: 10_000,
  });
  const options = (found.data?.items ?? [])
    .filter((c) => !props.exclude?.includes(c.id))
    .map((c) => ({ value: c.id, label: c.primaryEmail ? `${contactName(c)} <${c.primaryEmail}>` : contactName(c) }));
  // a value given from outside (a link from a contact page): show its name
  const given = useQuery({
    queryKey: ['contacts', 'detail', props.value],
    queryFn: ({ signal }) => api.getContact(props.value!, signal),
    enabled: props.value !== null && chosen?.value !== props.value,
  });
  if (given.data && given.data.id === props.value && !options.some((o) => o.value === props.value)) {
    options.unshift({ value: given.data.id, label: contactName(given.data) });
  }
  if (chosen && !options.some((o) => o.value === chosen.value)) options.unshift(chosen);
  return (
    <Select
      label={props.label}
      description={props.description}
      placeholder={props.placeholder ?? 'Search by name or email'}
      searchable
      clearable
      required={props.required}
      error={props.error}
      value={props.value}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      data={options}
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'No contact found'}
      onChange={(v, option) => {
        setChosen(option ? { value: option.value, label: option.label } : null);
        props.onChange(v);
      }}
    />
  );
}
