// Assigning a form: from a form's page (pick contacts), from a contact's page (pick a form) or from the
// directory's selection (pick a form; the selection is the contacts). Shows who got it, who had it
// already and every refused contact with the reason; a large assignment shows the job's progress.
import { useState } from 'react';
import { Alert, Button, Group, List, Modal, MultiSelect, Progress, ScrollArea, Select, Stack, Table, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage, type ContactFilter } from '../../lib/api.ts';
import { contactName, formatCount, plural } from '../../lib/format.ts';
import { assignmentRefusalText, formKeys, formsApi, type AssignJobResult, type AssignResult, type RefusedContact } from './forms-api.ts';

type Target = { contactIds: string[] } | { filter: ContactFilter };
interface Summary {
  assigned: number;
  alreadyAssigned: number;
  notified: number;
  missing: number;
  refused: RefusedContact[];
}
const fromResult = (r: AssignResult): Summary => ({
  assigned: r.assigned.length,
  alreadyAssigned: r.alreadyAssigned.length,
  notified: r.notified,
  missing: 0,
  refused: r.refused,
});

export function AssignFormModal(props: {
  opened: boolean;
  onClose: () => void;
  /** the form (from its page); absent: the person picks one */
  formId?: string;
  formName?: string;
  /** the contacts (a contact page, the directory's selection); absent: the person picks them */
  target?: Target;
  /** "Ada Lovelace", "12 contacts", "All 1,234 contacts matching …" */
  targetText?: string;
}) {
  const qc = useQueryClient();
  const [formId, setFormId] = useState<string | null>(props.formId ?? null);
  const [picked, setPicked] = useState<string[]>([]);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  const target: Target | null = props.target ?? (picked.length ? { contactIds: picked } : null);
  const done = () => {
    void qc.invalidateQueries({ queryKey: formKeys.all });
  };
  const assign = useMutation({
    mutationFn: () => formsApi.assign(formId!, target!),
    onSuccess: (r) => {
      if ('jobId' in r) setJobId(r.jobId);
      else setSummary(fromResult(r));
      done();
    },
  });
  const job = useQuery({
    queryKey: ['jobs', jobId],
    queryFn: ({ signal }) => formsApi.job(jobId!, signal),
    enabled: !!jobId,
    refetchInterval: (q) => (q.state.data && !['queued', 'running'].includes(q.state.data.status) ? false : 800),
  });
  if (job.data?.status === 'succeeded' && !summary) {
    setSummary(job.data.result as AssignJobResult);
    done();
  }

  const close = () => {
    props.onClose();
    setSummary(null);
    setJobId(null);
    setPicked([]);
    assign.reset();
    if (!props.formId) setFormId(null);
  };
  // one contact refused: the server answers 409 with the reason
  const refusedOne =
    assign.error instanceof ApiError && assign.error.status === 409
      ? ((assign.error.rawDetails as { refused?: RefusedContact[] } | undefined)?.refused ?? null)
      : null;

  return (
    <Modal opened={props.opened} onClose={close} title={props.formName ? `Assign “${props.formName}”` : 'Assign a form'} size="lg">
      {summary ? (
        <ResultView summary={summary} onClose={close} />
      ) : jobId ? (
        <Stack gap="sm">
          <Text size="sm">
            Assigning in the background: {formatCount(job.data?.processed ?? 0)} of {formatCount(job.data?.total ?? 0)} contacts done.
          </Text>
          <Progress value={job.data?.total ? (100 * job.data.processed) / job.data.total : 0} animated aria-label="Assignment progress" />
          {job.data?.status === 'failed' && (
            <Alert color="red" variant="light" role="alert">
              {job.data.error ?? 'The assignment stopped.'}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Close (it goes on)
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack component="form" gap="sm" onSubmit={(e) => (e.preventDefault(), formId && target && assign.mutate())}>
          {props.targetText && (
            <Text size="sm">
              To: <b>{props.targetText}</b>
            </Text>
          )}
          {!props.formId && <FormPicker value={formId} onChange={setFormId} />}
          {!props.target && <ContactsPicker value={picked} onChange={setPicked} />}
          <Text size="sm" c="dimmed">
            Only active contacts with portal access can receive a form, and only while the team portal is on. Each contact is emailed when
            your team’s rule and their own preference for form assignments allow it.
          </Text>
          {assign.isError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert" title="The form was not assigned">
              {refusedOne?.length ? `${refusedOne[0]!.name}: ${assignmentRefusalText[refusedOne[0]!.code]}.` : errorMessage(assign.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={assign.isPending} disabled={!formId || !target}>
              Assign form
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

function ResultView(props: { summary: Summary; onClose: () => void }) {
  const s = props.summary;
  return (
    <Stack gap="sm">
      <Alert color={s.assigned ? 'teal' : 'gray'} variant="light" icon={<IconCircleCheck size={18} />} role="status">
        <List size="sm" spacing={2}>
          <List.Item>{plural(s.assigned, 'contact')} newly assigned</List.Item>
          {s.alreadyAssigned > 0 && <List.Item>{plural(s.alreadyAssigned, 'contact')} had it open already</List.Item>}
          <List.Item>{plural(s.notified, 'email')} queued</List.Item>
          {s.missing > 0 && <List.Item>{plural(s.missing, 'contact')} deleted meanwhile</List.Item>}
        </List>
      </Alert>
      {s.refused.length > 0 && (
        <>
          <Text size="sm" fw={600}>
            {plural(s.refused.length, 'contact')} refused
          </Text>
          <ScrollArea.Autosize mah={260}>
            <Table striped verticalSpacing={6} aria-label="Refused contacts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Contact</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.refused.map((r) => (
                  <Table.Tr key={r.contactId}>
                    <Table.Td>
                      <a href={`/contacts/${r.contactId}`}>{r.name}</a>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{assignmentRefusalText[r.code]}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        </>
      )}
      <Group justify="flex-end">
        <Button onClick={props.onClose}>Done</Button>
      </Group>
    </Stack>
  );
}

function FormPicker(props: { value: string | null; onChange: (id: string | null) => void }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const list = useQuery({
    queryKey: formKeys.list({ q: debounced, picker: true }),
    queryFn: ({ signal }) => formsApi.list({ q: debounced || undefined, limit: 50 }, signal),
  });
  return (
    <Select
      label="Form"
      required
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={list.isPending ? 'Loading…' : 'No form has this name'}
      value={props.value}
      onChange={props.onChange}
      data={(list.data?.items ?? []).map((f) => ({ value: f.id, label: f.name }))}
      data-autofocus
    />
  );
}

function ContactsPicker(props: { value: string[]; onChange: (ids: string[]) => void }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const [labels, setLabels] = useState<Record<string, string>>({});
  const found = useQuery({
    queryKey: ['contacts', 'picker', 'forms', debounced],
    queryFn: ({ signal }) => api.listContacts({ q: debounced || undefined, status: 'all', limit: 20 }, signal),
    staleTime: 10_000,
  });
  const options = (found.data?.items ?? []).map((c) => ({
    value: c.id,
    label: c.primaryEmail ? `${contactName(c)} <${c.primaryEmail}>` : contactName(c),
  }));
  for (const id of props.value) if (!options.some((o) => o.value === id)) options.unshift({ value: id, label: labels[id] ?? id });
  return (
    <MultiSelect
      label="Contacts"
      required
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      placeholder={props.value.length ? undefined : 'Search by name, email or phone'}
      nothingFoundMessage={found.isPending ? 'Searching…' : 'No contact matches'}
      value={props.value}
      onChange={(ids) => {
        const next = { ...labels };
        for (const o of options) next[o.value] = o.label;
        setLabels(next);
        props.onChange(ids);
      }}
      data={options}
      data-autofocus
    />
  );
}
