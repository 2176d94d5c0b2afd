import { useState } from 'react';
import {
  Alert,
  Anchor,
  Avatar,
  Badge,
  Breadcrumbs,
  Button,
  CloseButton,
  Grid,
  Group,
  Paper,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconLock, IconMail, IconPhone } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { errorMessage } from '../../lib/api.ts';
import { formatDateTime, initials } from '../../lib/format.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { ContactPicker } from './contact-picker.tsx';
import { StatusBadge } from './ticket-badges.tsx';
import {
  priorityLabels,
  statusLabels,
  ticketKeys,
  ticketsApi,
  useAssignees,
  useComments,
  useTicket,
  type TicketDetail,
  type TicketPriority,
  type TicketStatus,
} from './tickets-api.ts';
import { TicketTime } from './ticket-time.tsx';
import { CompanyLink } from '../companies/company-picker.tsx';

/** One ticket: the conversation and reply box, its properties, and its ticket contacts with their directory details. */
export default function TicketViewPage() {
  const { id = '' } = useParams();
  const ticket = useTicket(id);
  usePageTitle(ticket.data ? `#${ticket.data.number} ${ticket.data.subject}` : 'Ticket');
  if (ticket.isPending) return <PageLoader />;
  if (ticket.isError)
    return <ErrorState title="This ticket could not be opened" error={ticket.error} onRetry={() => void ticket.refetch()} />;
  const t = ticket.data;
  return (
    <>
      <PageHeader
        above={
          <Breadcrumbs>
            <Anchor component={Link} to="/tickets" size="sm">
              Tickets
            </Anchor>
            <Text size="sm">#{t.number}</Text>
          </Breadcrumbs>
        }
        title={t.subject}
        badge={<StatusBadge status={t.status} />}
        description={`#${t.number} · opened ${formatDateTime(t.createdAt)}${t.requesterName ? ` by ${t.requesterName}` : ''}`}
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="md">
            <Paper withBorder radius="md" p="lg" component="section" aria-label="Description">
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} c={t.description ? undefined : 'dimmed'}>
                {t.description || 'No description.'}
              </Text>
            </Paper>
            <Conversation ticketId={t.id} />
            <ReplyBox ticketId={t.id} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="md">
            <Properties t={t} />
            <TicketTime ticketId={t.id} />
            <TicketContacts t={t} />
            <TicketHistory ticketId={t.id} />
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}

function Conversation(props: { ticketId: string }) {
  const comments = useComments(props.ticketId);
  if (comments.isPending) return null;
  if (comments.isError) return <Alert color="red">{errorMessage(comments.error)}</Alert>;
  if (!comments.data.items.length) {
    return (
      <Text size="sm" c="dimmed">
        No replies yet.
      </Text>
    );
  }
  return (
    <Stack gap="sm" component="section" aria-label="Conversation">
      {comments.data.olderOmitted && (
        <Text size="xs" c="dimmed">
          Older comments are not shown: this conversation has more than {comments.data.items.length}.
        </Text>
      )}
      {comments.data.items.map((c) => (
        <Paper
          key={c.id}
          withBorder
          radius="md"
          p="md"
          bg={c.public ? undefined : 'var(--mantine-color-yellow-0)'}
          style={c.author.type === 'contact' ? { borderLeft: '3px solid var(--mantine-color-blue-5)' } : undefined}
        >
          <Group gap="sm" mb={6} wrap="nowrap">
            <Avatar size={28} radius="xl" color={c.author.type === 'contact' ? 'blue' : 'indigo'}>
              {initials(c.author.name)}
            </Avatar>
            <Text size="sm" fw={600} truncate>
              {c.author.name}
            </Text>
            {c.author.type === 'contact' && (
              <Badge size="xs" variant="light">
                Contact
              </Badge>
            )}
            {!c.public && (
              <Badge size="xs" color="yellow.8" variant="light" leftSection={<IconLock size={10} />}>
                Private note
              </Badge>
            )}
            <Text size="xs" c="dimmed" ml="auto" style={{ whiteSpace: 'nowrap' }}>
              {formatDateTime(c.createdAt)}
            </Text>
          </Group>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {c.body}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}

function ReplyBox(props: { ticketId: string }) {
  const qc = useQueryClient();
  const [body, setBody] = useState('');
  const [isPrivate, setPrivate] = useState(false);
  const send = useMutation({
    mutationFn: () => ticketsApi.comment(props.ticketId, body, !isPrivate),
    onSuccess: () => {
      setBody('');
      void qc.invalidateQueries({ queryKey: ticketKeys.all });
      notifications.show({ color: 'teal', message: isPrivate ? 'Note added' : 'Reply sent' });
    },
  });
  return (
    <Paper withBorder radius="md" p="md" component="form" onSubmit={(e) => (e.preventDefault(), send.mutate())}>
      <Textarea
        label={isPrivate ? 'Private note (members only)' : 'Reply to the ticket contacts'}
        autosize
        minRows={3}
        maxRows={12}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        error={send.isError ? errorMessage(send.error) : null}
      />
      <Group justify="space-between" mt="sm">
        <Switch label="Private note" checked={isPrivate} onChange={(e) => setPrivate(e.currentTarget.checked)} />
        <Button type="submit" loading={send.isPending} disabled={!body.trim()}>
          {isPrivate ? 'Add note' : 'Send reply'}
        </Button>
      </Group>
    </Paper>
  );
}

function Properties(props: { t: TicketDetail }) {
  const { t } = props;
  const qc = useQueryClient();
  const assignees = useAssignees();
  const update = useMutation({
    mutationFn: (patch: Parameters<typeof ticketsApi.update>[1]) => ticketsApi.update(t.id, patch),
    onSuccess: (next) => {
      qc.setQueryData(ticketKeys.detail(t.id), next);
      void qc.invalidateQueries({ queryKey: ticketKeys.all });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) }),
  });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="ticket-props-title">
      <Title order={2} fz="md" mb="sm" id="ticket-props-title">
        Properties
      </Title>
      <Stack gap="sm">
        <Select
          label="Status"
          value={t.status}
          allowDeselect={false}
          data={Object.entries(statusLabels).map(([value, label]) => ({ value, label }))}
          onChange={(v) => v && update.mutate({ status: v as TicketStatus })}
        />
        <Select
          label="Priority"
          value={t.priority}
          allowDeselect={false}
          data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
          onChange={(v) => v && update.mutate({ priority: v as TicketPriority })}
        />
        <Select
          label="Assignee"
          value={t.assigneeId ?? ''}
          allowDeselect={false}
          data={[{ value: '', label: 'Unassigned' }, ...(assignees.data?.items ?? []).map((m) => ({ value: m.id, label: m.name }))]}
          onChange={(v) => update.mutate({ assigneeId: v || null })}
        />
        {t.companyId && <CompanyLink id={t.companyId} />}
      </Stack>
    </Paper>
  );
}

function TicketContacts(props: { t: TicketDetail }) {
  const { t } = props;
  const qc = useQueryClient();
  const [adding, setAdding] = useState<string | null>(null);
  const done = (next?: TicketDetail) => {
    if (next) qc.setQueryData(ticketKeys.detail(t.id), next);
    void qc.invalidateQueries({ queryKey: ticketKeys.all });
  };
  const add = useMutation({
    mutationFn: (contactId: string) => ticketsApi.addContact(t.id, contactId),
    onSuccess: (next) => (setAdding(null), done(next)),
    onError: (e) => notifications.show({ color: 'red', title: 'Not added', message: errorMessage(e) }),
  });
  const remove = useMutation({
    mutationFn: (contactId: string) => ticketsApi.removeContact(t.id, contactId),
    onSuccess: () => done(),
    onError: (e) => notifications.show({ color: 'red', title: 'Not removed', message: errorMessage(e) }),
  });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="ticket-contacts-title">
      <Title order={2} fz="md" mb={4} id="ticket-contacts-title">
        Ticket contacts
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        They see this ticket in the portal and get its emails, as their preferences allow.
      </Text>
      <Stack gap="sm">
        {t.contacts.map((c) => {
          const phone = Object.values(c.phones)[0];
          return (
            <Group key={c.id} gap="sm" wrap="nowrap" align="flex-start">
              <Avatar size={32} radius="xl" color="blue">
                {initials(c.name)}
              </Avatar>
              <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
                <Group gap={6} wrap="nowrap">
                  {/* 24 px tall: a touch target even with the email link right below it (no job title line) */}
                  <Anchor component={Link} to={`/contacts/${c.id}`} size="sm" fw={600} truncate lh="24px">
                    {c.name}
                  </Anchor>
                  {c.id === t.requesterId && (
                    <Badge size="xs" variant="light" color="gray">
                      Requester
                    </Badge>
                  )}
                </Group>
                {(c.jobTitle || c.company) && (
                  <Text size="xs" c="dimmed" truncate>
                    {[c.jobTitle, c.company].filter(Boolean).join(' · ')}
                  </Text>
                )}
                {c.primaryEmail && (
                  <Anchor href={`mailto:${c.primaryEmail}`} size="xs" truncate>
                    <IconMail size={12} style={{ verticalAlign: -1 }} aria-hidden /> {c.primaryEmail}
                  </Anchor>
                )}
                {phone && (
                  <Anchor href={`tel:${phone.replace(/[^\d+]/g, '')}`} size="xs">
                    <IconPhone size={12} style={{ verticalAlign: -1 }} aria-hidden /> {phone}
                  </Anchor>
                )}
              </Stack>
              {c.id !== t.requesterId && (
                <CloseButton size="sm" aria-label={`Remove ${c.name} from the ticket`} onClick={() => remove.mutate(c.id)} />
              )}
            </Group>
          );
        })}
        <ContactPicker
          label="Add a ticket contact"
          value={adding}
          exclude={t.contacts.map((c) => c.id)}
          onChange={(id) => {
            setAdding(id);
            if (id) add.mutate(id);
          }}
        />
      </Stack>
    </Paper>
  );
}

const actionLabels: Record<string, string> = {
  create: 'Created',
  update: 'Updated',
  comment: 'Commented',
  add_contact: 'Added a contact',
  remove_contact: 'Removed a contact',
};

/** Who did what to the ticket, newest first (the audit log). */
function TicketHistory(props: { ticketId: string }) {
  const history = useQuery({
    queryKey: ticketKeys.history(props.ticketId),
    queryFn: ({ signal }) => ticketsApi.history(props.ticketId, signal),
  });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="ticket-history-title">
      <Title order={2} fz="md" mb="sm" id="ticket-history-title">
        History
      </Title>
      {history.isPending ? (
        <Text size="sm" c="dimmed">
          Loading…
        </Text>
      ) : history.isError ? (
        <Text size="sm" c="red">
          {errorMessage(history.error)}
        </Text>
      ) : (
        <Stack gap={8} component="ol" p={0} m={0} style={{ listStyle: 'none' }}>
          {history.data.items.map((h, i) => {
            const changed = Object.entries(h.changes)
              .filter(([k]) => ['status', 'priority', 'assigneeId', 'subject'].includes(k))
              .map(([k, v]) => (k === 'assigneeId' ? 'assignee' : `${k} → ${String(v.after)}`));
            return (
              <li key={i}>
                <Text size="xs">
                  <b>{actionLabels[h.action] ?? h.action}</b>
                  {changed.length && h.action === 'update' ? ` (${changed.join(', ')})` : ''} by{' '}
                  {h.actor.label?.replace(/ <[^>]*>.*$/, '') ?? h.actor.type}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatDateTime(h.at)}
                </Text>
              </li>
            );
          })}
        </Stack>
      )}
    </Paper>
  );
}
