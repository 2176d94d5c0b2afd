import { useEffect, useMemo, useState } from 'react';
import {
  Alert,
  Badge,
  Box,
  Button,
  Card,
  EmptyState,
  Group,
  ScrollArea,
  SegmentedControl,
  Skeleton,
  Stack,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { IconAlertCircle, IconChevronLeft, IconChevronRight, IconInbox, IconMailForward, IconRefresh } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import type { MailboxMessage } from '#shared/portal.schema.ts';
import { api } from '../../lib/api.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { linkify, mailSrcDoc } from './mail-html.ts';
import './mailbox.css';

const PAGE_SIZE = 25;

const statusBadge: Record<MailboxMessage['status'], { label: string; color: string; hint: string }> = {
  kept: { label: 'Kept', color: 'gray', hint: 'Kept in this mailbox: no SMTP server is configured, so it was not sent.' },
  pending: { label: 'Sending', color: 'blue', hint: 'Waiting to be sent (or to be retried).' },
  sent: { label: 'Sent', color: 'green', hint: 'Handed to the SMTP server.' },
  failed: { label: 'Failed', color: 'red', hint: 'Could not be sent; KDesk stopped retrying.' },
};

const kindLabel: Record<string, string> = {
  'portal.code': 'Sign-in code',
  'portal.invitation': 'Portal invitation',
};

/** /mailbox — the team's outgoing mail, newest first (owners and admins). */
export default function MailboxPage() {
  usePageTitle('Mailbox');
  const [params, setParams] = useSearchParams();
  // keyset cursors of the pages visited; page 1 has none
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState(0);
  const cursor = cursors[page] ?? null;

  const list = useQuery({
    queryKey: ['mailbox', { limit: PAGE_SIZE, cursor }],
    queryFn: ({ signal }) => api.mailbox({ limit: PAGE_SIZE, cursor }, signal),
    placeholderData: keepPreviousData,
    // new mail (a sign-in code) shows up without a reload while the page is open
    refetchInterval: page === 0 ? 5_000 : false,
  });
  const items = useMemo(() => list.data?.items ?? [], [list.data]);
  const selectedId = params.get('m');
  const selected = items.find((m) => m.id === selectedId) ?? null;

  const select = (id: string | null, replace = Boolean(selectedId)) => {
    const p = new URLSearchParams(params);
    if (id) p.set('m', id);
    else p.delete('m');
    setParams(p, { replace });
  };

  // on a wide screen open the newest message, so the reading pane is never empty on arrival
  useEffect(() => {
    if (!selectedId && items[0] && window.matchMedia('(min-width: 62em)').matches) select(items[0].id, true);
  }, [items, selectedId]);

  const older = () => {
    if (!list.data?.nextCursor) return;
    setCursors((c) => [...c.slice(0, page + 1), list.data!.nextCursor]);
    setPage(page + 1);
  };

  const smtp = list.data?.smtpConfigured;

  return (
    <>
      <PageHeader
        title="Mailbox"
        description={
          smtp === undefined
            ? ' '
            : smtp
              ? 'Mail KDesk sent for your team, newest first, with its delivery status.'
              : 'No SMTP server is configured, so KDesk keeps your team’s outgoing mail here instead of sending it.'
        }
        actions={
          <Button
            variant="default"
            leftSection={<IconRefresh size={16} />}
            onClick={() => void list.refetch()}
            loading={list.isFetching && !list.isPending}
          >
            Refresh
          </Button>
        }
      />

      {smtp === false && (
        <Alert variant="light" color="blue" icon={<IconMailForward size={18} />} mb="lg">
          Sign-in codes and portal invitations are not delivered to contacts until <b>SMTP_URL</b> is set. Until then, read them here and
          pass them on yourself, or open the links to try the portal.
        </Alert>
      )}

      {list.isError && (
        <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="Could not load the mailbox" mb="md" role="alert">
          {list.error.message}
        </Alert>
      )}

      {list.data && items.length === 0 && page === 0 ? (
        <Card>
          <EmptyState
            py={56}
            variant="light"
            icon={<IconInbox size={30} />}
            title="No mail yet"
            description="Portal invitations and sign-in codes appear here as soon as KDesk writes them."
          />
        </Card>
      ) : (
        <Box style={{ display: 'grid', gap: 'var(--mantine-spacing-lg)' }} className="kd-mailbox">
          <Card p={0} className="kd-mailbox-list" aria-label="Messages">
            {list.isPending ? (
              <Stack p="md" gap="md">
                {Array.from({ length: 6 }, (_, i) => (
                  <Skeleton key={i} h={48} />
                ))}
              </Stack>
            ) : (
              <nav aria-label="Messages, newest first">
                <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                  {items.map((m) => (
                    <li key={m.id}>
                      <MessageRow message={m} active={m.id === selectedId} onOpen={() => select(m.id)} />
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            <Group justify="space-between" px="md" py="sm" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
              <Text size="xs" c="dimmed">
                {items.length > 0 ? `Page ${page + 1} · ${items.length} message${items.length === 1 ? '' : 's'}` : ' '}
              </Text>
              <Group gap={6}>
                <Button
                  size="compact-sm"
                  variant="default"
                  leftSection={<IconChevronLeft size={14} />}
                  disabled={page === 0}
                  onClick={() => setPage(page - 1)}
                >
                  Newer
                </Button>
                <Button
                  size="compact-sm"
                  variant="default"
                  rightSection={<IconChevronRight size={14} />}
                  disabled={!list.data?.nextCursor}
                  onClick={older}
                >
                  Older
                </Button>
              </Group>
            </Group>
          </Card>

          <Card className="kd-mailbox-reader" p={0}>
            {selected ? (
              <Reader message={selected} />
            ) : (
              <EmptyState
                py={72}
                variant="light"
                color="gray"
                icon={<IconInbox size={28} />}
                title="Select a message"
                description="Choose a message on the list to read it."
              />
            )}
          </Card>
        </Box>
      )}
    </>
  );
}

function MessageRow(props: { message: MailboxMessage; active: boolean; onOpen: () => void }) {
  const m = props.message;
  const s = statusBadge[m.status];
  return (
    <UnstyledButton
      onClick={props.onOpen}
      aria-current={props.active ? 'true' : undefined}
      className="kd-mail-row"
      data-active={props.active || undefined}
      w="100%"
      px="md"
      py="sm"
    >
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={600} truncate>
          {m.to}
        </Text>
        <Text size="xs" c="dimmed" style={{ flexShrink: 0 }} title={formatDateTime(m.createdAt)}>
          {formatRelative(m.createdAt)}
        </Text>
      </Group>
      <Group justify="space-between" gap="xs" wrap="nowrap" mt={2}>
        <Text size="sm" c="dimmed" truncate>
          {m.subject}
        </Text>
        {m.status !== 'kept' && (
          <Badge size="xs" variant="light" color={s.color} radius="sm" style={{ flexShrink: 0 }}>
            {s.label}
          </Badge>
        )}
      </Group>
    </UnstyledButton>
  );
}

function Reader(props: { message: MailboxMessage }) {
  const m = props.message;
  const hasHtml = m.html.trim() !== '';
  const [view, setView] = useState<'html' | 'text'>(hasHtml ? 'html' : 'text');
  const shown = hasHtml ? view : 'text';
  const s = statusBadge[m.status];
  const srcDoc = useMemo(() => (hasHtml ? mailSrcDoc(m.html) : ''), [hasHtml, m.html]);
  const blank = !hasHtml && m.text.trim() === '';

  return (
    <Stack gap={0} component="article" aria-label={`Message: ${m.subject}`}>
      <Stack gap={8} p="lg" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
        <Group justify="space-between" align="flex-start" gap="sm">
          <Title order={2} fz="lg" style={{ overflowWrap: 'anywhere', flex: '1 1 260px' }}>
            {m.subject}
          </Title>
          <Group gap={6}>
            {kindLabel[m.kind] && (
              <Badge variant="light" color="indigo" radius="sm">
                {kindLabel[m.kind]}
              </Badge>
            )}
            <Tooltip label={s.hint} multiline w={240}>
              <Badge variant="light" color={s.color} radius="sm">
                {s.label}
              </Badge>
            </Tooltip>
          </Group>
        </Group>
        <Text size="sm">
          <Text span c="dimmed">
            To{' '}
          </Text>
          <b>{m.to}</b>
        </Text>
        <Text size="xs" c="dimmed">
          Written {formatDateTime(m.createdAt)}
          {m.sentAt ? ` · sent ${formatDateTime(m.sentAt)}` : ''}
          {m.attempts > 1 ? ` · ${m.attempts} attempts` : ''}
        </Text>
        {m.lastError && m.status !== 'sent' && (
          <Alert variant="light" color="red" p="xs" icon={<IconAlertCircle size={16} />}>
            <Text size="xs">{m.lastError}</Text>
          </Alert>
        )}
        {hasHtml && !blank && (
          <SegmentedControl
            size="xs"
            w="fit-content"
            value={shown}
            onChange={(v) => setView(v as 'html' | 'text')}
            data={[
              { value: 'html', label: 'HTML' },
              { value: 'text', label: 'Plain text' },
            ]}
            aria-label="Show the message as"
          />
        )}
      </Stack>
      {blank ? (
        <Text size="sm" c="dimmed" p="lg">
          This message has no content to show.
        </Text>
      ) : shown === 'html' ? (
        // sandbox without allow-scripts or allow-same-origin: the mail cannot run code or reach KDesk;
        // popups (links with target=_blank) open in a normal, unsandboxed tab
        <iframe
          title={`HTML part of “${m.subject}”`}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcDoc={srcDoc}
          referrerPolicy="no-referrer"
          style={{
            width: '100%',
            height: 520,
            border: 0,
            display: 'block',
            background: '#f4f5f7',
            borderRadius: '0 0 var(--mantine-radius-md) var(--mantine-radius-md)',
          }}
        />
      ) : (
        <ScrollArea.Autosize mah={520}>
          <Text
            component="pre"
            size="sm"
            p="lg"
            m={0}
            style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontFamily: 'inherit' }}
            data-testid="mail-text"
          >
            {linkify(m.text).map((part, i) =>
              'href' in part ? (
                <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
                  {part.href}
                </a>
              ) : (
                <span key={i}>{part.text}</span>
              ),
            )}
          </Text>
        </ScrollArea.Autosize>
      )}
    </Stack>
  );
}
