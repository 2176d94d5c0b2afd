import { useState, type FormEvent } from 'react';
import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Menu,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { notifications } from '@mantine/notifications';
import { IconDots, IconMailForward, IconSend, IconTrash, IconUserOff, IconUserCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage } from '../../lib/api.ts';
import { formatRelative, roleLabel } from '../../lib/format.ts';
import { useCurrentMember } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { adminApi, adminKeys, type Member, type Role } from './admin-api.ts';

const permissionLabels: [keyof Member['permissions'], string][] = [
  ['modifyContacts', 'Modify contacts'],
  ['importContacts', 'Import contacts'],
  ['exportContacts', 'Export contacts'],
];

export default function MembersPage() {
  usePageTitle('Members');
  const members = useQuery({ queryKey: adminKeys.members, queryFn: adminApi.members, staleTime: 0 });
  const invitations = useQuery({ queryKey: adminKeys.invitations, queryFn: adminApi.invitations, staleTime: 0 });
  if (members.isPending) return <PageLoader />;
  if (members.isError)
    return <ErrorState title="Could not load the members" error={members.error} onRetry={() => void members.refetch()} />;
  return (
    <>
      <PageHeader
        title="Members"
        description="The people of your team who work in KDesk: their role, what they may do with contacts, and invitations."
      />
      <Stack gap="lg">
        <InviteCard />
        <Card withBorder padding={0} radius="md">
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="Members">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Member</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Permissions</Table.Th>
                  <Table.Th>Last sign-in</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {members.data.items.map((m) => (
                  <MemberRow key={m.id} member={m} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
        {!!invitations.data?.items.length && <Invitations items={invitations.data.items} />}
      </Stack>
    </>
  );
}

function useMemberChange() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; patch: Parameters<typeof adminApi.updateMember>[1] }) => adminApi.updateMember(v.id, v.patch),
    onSuccess: () => void qc.invalidateQueries({ queryKey: adminKeys.members }),
    onError: (e) => notifications.show({ color: 'red', title: 'Not changed', message: errorMessage(e) }),
  });
}

function MemberRow({ member: m }: { member: Member }) {
  const me = useCurrentMember();
  const qc = useQueryClient();
  const change = useMemberChange();
  const isMe = m.id === me.member.id;
  const canTouch = me.member.role === 'owner' || m.role !== 'owner';
  const remove = useMutation({
    mutationFn: () => adminApi.removeMember(m.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: adminKeys.members });
      notifications.show({ color: 'green', message: `${m.email} was removed from the team` });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Not removed', message: errorMessage(e) }),
  });
  const [confirm, setConfirm] = useState<ConfirmSpec | null>(null);
  const confirmRemove = () =>
    setConfirm({
      title: `Remove ${m.name || m.email}?`,
      children: (
        <Text size="sm">
          Their account is deleted: they are signed out everywhere, their API tokens stop working, and their queued exports and bulk actions
          are cancelled. Contacts they changed keep their history.
        </Text>
      ),
      confirm: 'Remove member',
      onConfirm: () => remove.mutate(),
    });
  const toggleActive = () => {
    if (m.status === 'active') {
      setConfirm({
        title: `Deactivate ${m.name || m.email}?`,
        children: (
          <Text size="sm">
            They can no longer sign in; they are signed out everywhere, their API tokens are revoked and their queued jobs are cancelled.
            You can reactivate them later.
          </Text>
        ),
        confirm: 'Deactivate',
        onConfirm: () => change.mutate({ id: m.id, patch: { active: false } }),
      });
    } else change.mutate({ id: m.id, patch: { active: true } });
  };
  return (
    <Table.Tr>
      <Table.Td>
        <ConfirmModal spec={confirm} onClose={() => setConfirm(null)} />
        <Text fw={600} size="sm">
          {m.name || m.email}
          {isMe && (
            <Text span c="dimmed" size="xs">
              {' '}
              (you)
            </Text>
          )}
        </Text>
        {m.name && (
          <Text size="xs" c="dimmed">
            {m.email}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Select
          aria-label={`Role of ${m.email}`}
          size="xs"
          w={110}
          data={(['owner', 'admin', 'agent'] as Role[])
            .filter((r) => me.member.role === 'owner' || r !== 'owner')
            .map((r) => ({ value: r, label: roleLabel[r] }))}
          value={m.role}
          disabled={!canTouch || isMe}
          allowDeselect={false}
          onChange={(role) => role && change.mutate({ id: m.id, patch: { role: role as Role } })}
        />
      </Table.Td>
      <Table.Td>
        {m.role === 'owner' ? (
          <Text size="xs" c="dimmed">
            Everything (owner)
          </Text>
        ) : (
          // 20 px boxes 28 px apart: touch targets WCAG 2.2 (2.5.8) accepts
          <Stack gap={8}>
            {permissionLabels.map(([key, label]) => (
              <Checkbox
                key={key}
                size="sm"
                label={label}
                checked={m.permissions[key]}
                disabled={!canTouch}
                onChange={(e) => change.mutate({ id: m.id, patch: { permissions: { [key]: e.currentTarget.checked } } })}
              />
            ))}
          </Stack>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{m.lastSignInAt ? formatRelative(m.lastSignInAt) : 'Never'}</Text>
      </Table.Td>
      <Table.Td>
        <Badge color={m.status === 'active' ? 'green' : 'gray'} variant="light">
          {m.status === 'active' ? 'Active' : 'Deactivated'}
        </Badge>
      </Table.Td>
      <Table.Td>
        {canTouch && !isMe && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${m.email}`}>
                <IconDots size={18} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item
                leftSection={m.status === 'active' ? <IconUserOff size={16} /> : <IconUserCheck size={16} />}
                onClick={toggleActive}
              >
                {m.status === 'active' ? 'Deactivate' : 'Reactivate'}
              </Menu.Item>
              <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={confirmRemove}>
                Remove from team
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function InviteCard() {
  const me = useCurrentMember();
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [error, setError] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: () => adminApi.invite({ email, role }),
    onSuccess: (inv) => {
      setEmail('');
      setError(null);
      void qc.invalidateQueries({ queryKey: adminKeys.invitations });
      notifications.show({ color: 'green', title: 'Invitation sent', message: `${inv.email} has 7 days to accept it.` });
    },
    onError: (e) => setError(e instanceof ApiError ? (e.details.find((d) => d.path === 'email')?.message ?? e.message) : errorMessage(e)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="invite-title">
      <Title order={2} size="h4" id="invite-title" mb={4}>
        Invite a member
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        They get an email with a link to choose their name and password. The link works once, for 7 days.
      </Text>
      <form onSubmit={submit}>
        <Group align="flex-start" gap="sm" wrap="wrap">
          <TextInput
            label="Email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={error}
            style={{ flex: '1 1 240px' }}
          />
          <Select
            label="Role"
            w={140}
            allowDeselect={false}
            data={(['agent', 'admin', 'owner'] as Role[])
              .filter((r) => me.member.role === 'owner' || r !== 'owner')
              .map((r) => ({ value: r, label: roleLabel[r] }))}
            value={role}
            onChange={(r) => r && setRole(r as Role)}
          />
          <Button type="submit" mt={25} leftSection={<IconSend size={16} />} loading={invite.isPending}>
            Send invitation
          </Button>
        </Group>
      </form>
    </Card>
  );
}

function Invitations(props: { items: Awaited<ReturnType<typeof adminApi.invitations>>['items'] }) {
  const qc = useQueryClient();
  const done = (message: string) => () => {
    void qc.invalidateQueries({ queryKey: adminKeys.invitations });
    notifications.show({ color: 'green', message });
  };
  const fail = (e: unknown) => notifications.show({ color: 'red', message: errorMessage(e) });
  const resend = useMutation({ mutationFn: adminApi.resendInvitation, onSuccess: done('Invitation sent again'), onError: fail });
  const revoke = useMutation({ mutationFn: adminApi.revokeInvitation, onSuccess: done('Invitation revoked'), onError: fail });
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="invitations-title">
      <Title order={2} size="h4" id="invitations-title" mb="sm">
        Open invitations
      </Title>
      <Stack gap="xs">
        {props.items.map((i) => (
          <Group key={i.id} justify="space-between" wrap="wrap" gap="xs">
            <div>
              <Text size="sm" fw={600}>
                {i.email}{' '}
                <Badge size="sm" variant="light" color={i.status === 'pending' ? 'blue' : 'orange'}>
                  {i.status === 'pending' ? `${roleLabel[i.role]} · expires ${formatRelative(i.expiresAt)}` : 'Expired'}
                </Badge>
              </Text>
              {i.invitedBy && (
                <Text size="xs" c="dimmed">
                  Invited by {i.invitedBy.replace(/ <[^>]*>$/, '')}
                </Text>
              )}
            </div>
            <Group gap="xs">
              <Button size="xs" variant="default" leftSection={<IconMailForward size={14} />} onClick={() => resend.mutate(i.id)}>
                Resend
              </Button>
              <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(i.id)}>
                Revoke
              </Button>
            </Group>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

interface ConfirmSpec {
  title: string;
  children: ReactNode;
  confirm: string;
  onConfirm: () => void;
}

function ConfirmModal(props: { spec: ConfirmSpec | null; onClose: () => void }) {
  const s = props.spec;
  return (
    <Modal opened={!!s} onClose={props.onClose} title={s?.title} centered>
      {s?.children}
      <Group justify="flex-end" mt="lg">
        <Button variant="default" onClick={props.onClose}>
          Cancel
        </Button>
        <Button
          color="red"
          onClick={() => {
            s?.onConfirm();
            props.onClose();
          }}
        >
          {s?.confirm}
        </Button>
      </Group>
    </Modal>
  );
}
