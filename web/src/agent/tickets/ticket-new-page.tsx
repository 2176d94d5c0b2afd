import { useState } from 'react';
import { Alert, Anchor, Breadcrumbs, Button, Group, Paper, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { errorMessage, isApiError } from '../../lib/api.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { ContactPicker } from './contact-picker.tsx';
import { priorityLabels, ticketKeys, ticketsApi, useAssignees, type TicketPriority } from './tickets-api.ts';

/** A ticket raised by an agent for a contact (phone call, walk-in); the requester gets the "new ticket" email. */
export default function TicketNewPage() {
  usePageTitle('New ticket');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const assignees = useAssignees();
  const [requesterId, setRequester] = useState<string | null>(params.get('contactId'));
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<TicketPriority>('normal');
  const [assigneeId, setAssignee] = useState('');

  const create = useMutation({
    mutationFn: () => ticketsApi.create({ subject, description, priority, requesterId: requesterId ?? '', assigneeId: assigneeId || null }),
    onSuccess: (t) => {
      void qc.invalidateQueries({ queryKey: ticketKeys.all });
      navigate(`/tickets/${t.id}`, { replace: true });
    },
  });
  const fieldError = (path: string) =>
    isApiError(create.error) ? (create.error.details.find((d) => d.path === path)?.message ?? null) : null;

  return (
    <>
      <PageHeader
        above={
          <Breadcrumbs>
            <Anchor component={Link} to="/tickets" size="sm">
              Tickets
            </Anchor>
            <Text size="sm">New</Text>
          </Breadcrumbs>
        }
        title="New ticket"
      />
      <Paper
        withBorder
        radius="md"
        p="lg"
        maw={760}
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="md">
          {create.isError && !isApiError(create.error, 'VALIDATION') && (
            <Alert color="red" role="alert">
              {errorMessage(create.error)}
            </Alert>
          )}
          <ContactPicker
            label="Requester"
            required
            value={requesterId}
            onChange={setRequester}
            error={fieldError('requesterId')}
            description="The contact this ticket is for. They become its first ticket contact."
          />
          <TextInput
            label="Subject"
            required
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
            error={fieldError('subject')}
          />
          <Textarea label="Description" autosize minRows={4} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Priority"
              value={priority}
              allowDeselect={false}
              data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
              onChange={(v) => v && setPriority(v as TicketPriority)}
            />
            <Select
              label="Assignee"
              value={assigneeId}
              allowDeselect={false}
              data={[{ value: '', label: 'Unassigned' }, ...(assignees.data?.items ?? []).map((m) => ({ value: m.id, label: m.name }))]}
              onChange={(v) => setAssignee(v ?? '')}
              error={fieldError('assigneeId')}
            />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" component={Link} to="/tickets">
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!requesterId || !subject.trim()}>
              Create ticket
            </Button>
          </Group>
        </Stack>
      </Paper>
    </>
  );
}
