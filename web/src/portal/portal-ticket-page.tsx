import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Center, Group, Loader, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconArrowLeft, IconCircleCheck, IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { isApiError } from '../lib/api.ts';
import { PortalShell } from './portal-shell.tsx';
import { usePortalTitle } from './portal-queries.ts';
import { portalTicketKeys, portalTicketsApi, statusColor, statusText, usePortalTicket } from './portal-tickets-api.ts';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function BackHome(props: { slug: string }) {
  return (
    <Anchor component={Link} to={`/portal/${encodeURIComponent(props.slug)}`} size="sm">
      <Group gap={4} wrap="nowrap">
        <IconArrowLeft size={16} aria-hidden /> Your requests
      </Group>
    </Anchor>
  );
}

/** One request: its public conversation, a reply box and "Close request" when the team and the contact's permissions allow. */
export function PortalTicketPage(props: { slug: string; teamName: string; ticketId: string }) {
  const { slug, ticketId } = props;
  const ticket = usePortalTicket(slug, ticketId);
  const qc = useQueryClient();
  const [body, setBody] = useState('');
  usePortalTitle(ticket.data ? `#${ticket.data.number} ${ticket.data.subject}` : 'Request', props.teamName);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: portalTicketKeys.list(slug) });
    void qc.invalidateQueries({ queryKey: portalTicketKeys.detail(slug, ticketId) });
  };
  const comment = useMutation({
    mutationFn: () => portalTicketsApi.comment(slug, ticketId, body),
    onSuccess: () => (setBody(''), refresh()),
  });
  const close = useMutation({
    mutationFn: () => portalTicketsApi.close(slug, ticketId),
    onSuccess: (next) => (qc.setQueryData(portalTicketKeys.detail(slug, ticketId), next), refresh()),
  });

  if (ticket.isPending) {
    return (
      <PortalShell teamName={props.teamName} width={680} right={<BackHome slug={slug} />}>
        <Center py={96} role="status" aria-label="Loading">
          <Loader />
        </Center>
      </PortalShell>
    );
  }
  if (ticket.isError) {
    return (
      <PortalShell teamName={props.teamName} width={680} right={<BackHome slug={slug} />}>
        <Alert
          color={isApiError(ticket.error) && ticket.error.status === 404 ? 'gray' : 'red'}
          role="alert"
          title="This request cannot be shown"
        >
          {isApiError(ticket.error) && ticket.error.status === 404
            ? 'It does not exist, or you are not one of its contacts.'
            : ticket.error.message}
        </Alert>
      </PortalShell>
    );
  }
  const t = ticket.data;
  return (
    <PortalShell teamName={props.teamName} width={680} right={<BackHome slug={slug} />}>
      <Stack gap="lg">
        <Stack gap={6}>
          <Group gap="sm" wrap="nowrap" align="flex-start">
            <Title order={1} fz={24} style={{ overflowWrap: 'anywhere', flex: 1 }}>
              {t.subject}
            </Title>
            <Badge variant="light" color={statusColor[t.status]} radius="sm" size="lg" style={{ flexShrink: 0 }}>
              {statusText[t.status]}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            #{t.number} · opened {when.format(new Date(t.createdAt))}
            {t.requesterName ? ` by ${t.requesterName}` : ''}
            {t.contacts.length > 1 ? ` · with ${t.contacts.map((c) => c.name).join(', ')}` : ''}
          </Text>
        </Stack>

        {t.description && (
          <Paper withBorder radius="lg" p="md">
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {t.description}
            </Text>
          </Paper>
        )}

        <Stack gap="sm" component="section" aria-labelledby="kp-conversation">
          <Title order={2} fz="lg" id="kp-conversation">
            Conversation
          </Title>
          {t.comments.length === 0 && (
            <Text size="sm" c="dimmed">
              No replies yet. The support team will answer here and by email.
            </Text>
          )}
          {t.olderOmitted && (
            <Text size="xs" c="dimmed">
              Older replies are not shown here.
            </Text>
          )}
          {t.comments.map((c) => (
            <Paper
              key={c.id}
              withBorder
              radius="lg"
              p="md"
              bg={c.author.type === 'member' ? 'var(--mantine-color-indigo-0)' : undefined}
              aria-label={`${c.author.name}, ${when.format(new Date(c.createdAt))}`}
            >
              <Group justify="space-between" gap="xs" mb={4}>
                <Text size="sm" fw={600}>
                  {c.author.name}
                  {c.author.type === 'member' && (
                    <Text span size="xs" c="dimmed" fw={400}>
                      {' '}
                      · {props.teamName}
                    </Text>
                  )}
                </Text>
                <Text size="xs" c="dimmed">
                  {when.format(new Date(c.createdAt))}
                </Text>
              </Group>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                {c.body}
              </Text>
            </Paper>
          ))}
        </Stack>

        {t.can.comment ? (
          <Paper
            withBorder
            radius="lg"
            p="md"
            component="form"
            onSubmit={(e) => {
              e.preventDefault();
              comment.mutate();
            }}
          >
            <Textarea
              label="Add a reply"
              autosize
              minRows={3}
              maxRows={10}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              error={comment.isError ? comment.error.message : null}
            />
            <Group justify="flex-end" mt="sm">
              <Button type="submit" loading={comment.isPending} disabled={!body.trim()}>
                Send reply
              </Button>
            </Group>
          </Paper>
        ) : (
          <Alert variant="light" color="gray" icon={<IconInfoCircle size={18} />}>
            {t.refusals.comment}
          </Alert>
        )}

        {t.status !== 'closed' &&
          (t.can.close ? (
            <Group justify="space-between" gap="sm">
              <Text size="sm" c="dimmed">
                Solved? Close the request to let the team know.
              </Text>
              <Button
                variant="default"
                leftSection={<IconCircleCheck size={18} />}
                onClick={() => close.mutate()}
                loading={close.isPending}
              >
                Close request
              </Button>
            </Group>
          ) : (
            t.refusals.close && (
              <Text size="xs" c="dimmed">
                {t.refusals.close}
              </Text>
            )
          ))}
        {close.isError && (
          <Alert color="red" role="alert">
            {close.error.message}
          </Alert>
        )}
      </Stack>
    </PortalShell>
  );
}
