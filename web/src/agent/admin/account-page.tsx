import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Code, CopyButton, Group, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconCopy, IconKey } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage } from '../../lib/api.ts';
import { formatDateTime, formatRelative, roleLabel } from '../../lib/format.ts';
import { keys, useCurrentMember } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { adminApi, adminKeys } from './admin-api.ts';

/** The message of the field `path` in a 400, else the error's own message. */
export const fieldError = (e: unknown, path: string) =>
  e instanceof ApiError ? (e.details.find((d) => d.path === path)?.message ?? null) : null;

export default function AccountPage() {
  usePageTitle('Account');
  const me = useCurrentMember();
  return (
    <>
      <PageHeader title="Account" description={`${me.member.email} · ${roleLabel[me.member.role]} of ${me.team.name}`} />
      <Stack gap="lg" maw={760}>
        <NameCard />
        <PasswordCard />
        <TokensCard />
      </Stack>
    </>
  );
}

function NameCard() {
  const me = useCurrentMember();
  const qc = useQueryClient();
  const [name, setName] = useState(me.member.name ?? '');
  const save = useMutation({
    mutationFn: () => adminApi.updateMe(name.trim() || null),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.me });
      notifications.show({ color: 'green', message: 'Your name was saved' });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) }),
  });
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="name-title">
      <Title order={2} size="h4" id="name-title" mb="sm">
        Your name
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            style={{ flex: '1 1 260px' }}
            maxLength={200}
          />
          <Button type="submit" loading={save.isPending} disabled={name.trim() === (me.member.name ?? '')}>
            Save name
          </Button>
        </Group>
      </form>
    </Card>
  );
}

function PasswordCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation({
    mutationFn: () => adminApi.changePassword(current, next),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      notifications.show({
        color: 'green',
        title: 'Password changed',
        message: 'Your other sessions were signed out and your API tokens were revoked.',
      });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate();
  };
  const e = change.error;
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="password-title">
      <Title order={2} size="h4" id="password-title" mb={4}>
        Password
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        At least 10 characters, not a commonly used password and not your email. Changing it signs you out everywhere else and revokes your
        API tokens.
      </Text>
      <form onSubmit={submit}>
        <Stack gap="sm" maw={420}>
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(ev) => setCurrent(ev.currentTarget.value)}
            error={fieldError(e, 'currentPassword')}
          />
          <PasswordInput
            label="New password"
            autoComplete="new-password"
            required
            value={next}
            onChange={(ev) => setNext(ev.currentTarget.value)}
            error={fieldError(e, 'newPassword')}
          />
          {e && !fieldError(e, 'currentPassword') && !fieldError(e, 'newPassword') && (
            <Alert color="red" variant="light">
              {errorMessage(e)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function TokensCard() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: adminKeys.tokens('me'), queryFn: adminApi.myTokens });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useMutation({
    mutationFn: () => adminApi.createToken(name.trim()),
    onSuccess: (t) => {
      setCreated({ name: t.name, token: t.token });
      setName('');
      void qc.invalidateQueries({ queryKey: adminKeys.tokens('me') });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'No token made', message: errorMessage(e) }),
  });
  const revoke = useMutation({
    mutationFn: adminApi.revokeMyToken,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: adminKeys.tokens('me') });
      notifications.show({ color: 'green', message: 'Token revoked: it no longer works' });
    },
    onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
  });
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="tokens-title">
      <Title order={2} size="h4" id="tokens-title" mb={4}>
        API tokens
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        For scripts and integrations: send it as <Code>Authorization: Bearer …</Code>. A token acts with your role and permissions.
      </Text>
      {created && (
        <Alert color="green" variant="light" mb="md" title={`Token "${created.name}" created`}>
          <Text size="sm" mb="xs">
            Copy it now: it is shown only once.
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Code style={{ overflowWrap: 'anywhere' }} data-testid="new-token">
              {created.token}
            </Code>
            <CopyButton value={created.token}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" onClick={copy} leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Group align="flex-end" gap="sm" mb="md" wrap="wrap">
          <TextInput
            label="Token name"
            placeholder="e.g. Reporting script"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            style={{ flex: '1 1 240px' }}
            maxLength={100}
          />
          <Button type="submit" leftSection={<IconKey size={16} />} loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </form>
      {tokens.data && tokens.data.items.length > 0 ? (
        <Table.ScrollContainer minWidth={480}>
          <Table aria-label="Your API tokens">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{formatDateTime(t.createdAt)}</Table.Td>
                  <Table.Td>{t.lastUsedAt ? formatRelative(t.lastUsedAt) : 'Never'}</Table.Td>
                  <Table.Td ta="right">
                    <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(t.id)} aria-label={`Revoke ${t.name}`}>
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : (
        <Text size="sm" c="dimmed">
          You have no API tokens.
        </Text>
      )}
    </Card>
  );
}
