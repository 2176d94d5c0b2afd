import { useState } from 'react';
import {
  Alert,
  Avatar,
  Badge,
  Button,
  Group,
  Menu,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { IconAlertCircle, IconCheck, IconChevronDown, IconCircleCheck, IconLogout } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { isApiError } from '../lib/api.ts';
import { initials, personName } from '../lib/format.ts';
import { SwitchRow } from '../components/switch-row.tsx';
import { portalApi, type NotificationKey, type PortalProfile, type PortalTeamInfo } from './portal-api.ts';
import { PortalShell } from './portal-shell.tsx';
import { portalKeys, usePortalTitle } from './portal-queries.ts';
import { PortalTicketsCard } from './portal-tickets.tsx';
import { PortalFormsCard } from './portal-forms.tsx';

const notificationRows: { key: NotificationKey; label: string; description: string }[] = [
  { key: 'newTickets', label: 'New requests', description: 'When a new request is opened for you or you are added to one.' },
  {
    key: 'ticketUpdates',
    label: 'Request updates',
    description: 'When one of your requests changes: status, replies, who is handling it.',
  },
  { key: 'newComments', label: 'New comments', description: 'When someone comments on one of your requests.' },
  { key: 'formAssignments', label: 'Forms to fill in', description: 'When the support team asks you to fill in a form.' },
];

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

const nameOf = (p: PortalProfile) => personName(p.firstName, p.lastName) || p.primaryEmail;
function initialsOf(p: PortalProfile) {
  const name = personName(p.firstName, p.lastName);
  return name ? initials(name) : p.primaryEmail.slice(0, 2).toUpperCase();
}

/** The signed-in contact's page: who they are to the team, and which emails they want. */
export function PortalHome(props: { team: PortalTeamInfo; profile: PortalProfile }) {
  const { team, profile } = props;
  const slug = team.team.slug;
  const qc = useQueryClient();
  const navigate = useNavigate();
  usePortalTitle('Home', team.team.name);

  const [saved, setSaved] = useState<NotificationKey | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [pending, setPending] = useState<NotificationKey | null>(null);

  const sessionEnded = () => {
    qc.setQueryData(portalKeys.me(slug), null);
    navigate(`/portal/${encodeURIComponent(slug)}`, { replace: true, state: { notice: 'session-ended' } });
  };

  const update = useMutation({
    mutationFn: (v: { key: NotificationKey; on: boolean }) => portalApi.updateNotifications(slug, { [v.key]: v.on }),
    onMutate: (v) => {
      setPending(v.key);
      setSaved(null);
      setSaveError(null);
      // show the new position at once; put it back if the server says no
      qc.setQueryData<PortalProfile | null>(portalKeys.me(slug), (p) =>
        p ? { ...p, notifications: { ...p.notifications, [v.key]: v.on } } : p,
      );
    },
    onSuccess: (next, v) => {
      qc.setQueryData(portalKeys.me(slug), next);
      setSaved(v.key);
    },
    onError: (e, v) => {
      if (isApiError(e) && e.status === 401) return sessionEnded();
      qc.setQueryData<PortalProfile | null>(portalKeys.me(slug), (p) =>
        p ? { ...p, notifications: { ...p.notifications, [v.key]: !v.on } } : p,
      );
      setSaveError(isApiError(e) ? e.message : 'Your change was not saved. Try again.');
    },
    onSettled: () => setPending(null),
  });

  const logout = useMutation({
    mutationFn: () => portalApi.logout(slug),
    onSettled: () => {
      // signed out here whatever the answer: the cookie is HttpOnly and cleared by the server, and we forget the profile
      qc.setQueryData(portalKeys.me(slug), null);
      navigate(`/portal/${encodeURIComponent(slug)}`, { replace: true, state: { notice: 'signed-out' } });
    },
  });

  const name = nameOf(profile);
  const firstName = profile.firstName || name;
  const savedLabel = saved && notificationRows.find((r) => r.key === saved)?.label;

  return (
    <PortalShell
      teamName={team.team.name}
      width={680}
      right={
        <Menu position="bottom-end" width={240} shadow="md">
          <Menu.Target>
            <UnstyledButton px={6} py={4} style={{ borderRadius: 8 }}>
              <Group gap={8} wrap="nowrap">
                <Avatar color="indigo" radius="xl" size={34} aria-hidden>
                  {initialsOf(profile)}
                </Avatar>
                <Text size="sm" fw={600} className="kd-hide-below-xs" maw={180} truncate>
                  {name}
                </Text>
                <VisuallyHidden>, account menu</VisuallyHidden>
                <IconChevronDown size={16} stroke={1.8} color="var(--mantine-color-dimmed)" aria-hidden />
              </Group>
            </UnstyledButton>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>Signed in as</Menu.Label>
            <Stack gap={0} px="sm" pb="xs">
              <Text size="sm" fw={600} truncate>
                {name}
              </Text>
              <Text size="xs" c="dimmed" truncate>
                {profile.primaryEmail}
              </Text>
            </Stack>
            <Menu.Divider />
            <Menu.Item
              color="red"
              c="var(--mantine-color-red-text)"
              leftSection={<IconLogout size={16} />}
              onClick={() => logout.mutate()}
              disabled={logout.isPending}
            >
              Sign out
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      }
    >
      <Stack gap="lg">
        <Stack gap={4}>
          <Title order={1} fz={26}>
            Hello, {firstName}
          </Title>
          <Text c="dimmed" size="sm">
            Your requests, forms, details and email preferences at {team.team.name}.
          </Text>
        </Stack>

        <PortalFormsCard slug={slug} />

        <PortalTicketsCard slug={slug} />

        <Paper withBorder radius="lg" p={{ base: 'md', xs: 'lg' }} component="section" aria-labelledby="kp-profile-title">
          <Group justify="space-between" mb="md" gap="xs">
            <Title order={2} fz="lg" id="kp-profile-title">
              Your profile
            </Title>
            {profile.portalVerifiedAt && (
              <Badge variant="light" color="green" leftSection={<IconCircleCheck size={14} />} radius="sm">
                Verified
              </Badge>
            )}
          </Group>
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md" verticalSpacing="md">
            <Detail label="Name" value={[profile.firstName, profile.lastName].filter(Boolean).join(' ') || null} />
            <Detail label="Email" value={profile.primaryEmail} />
            <Detail label="Company" value={profile.company} />
            <Detail
              label="Portal member since"
              value={profile.portalVerifiedAt ? dateFmt.format(new Date(profile.portalVerifiedAt)) : null}
            />
          </SimpleGrid>
          <Text size="xs" c="dimmed" mt="md">
            Something wrong or out of date? Tell the support team and they will correct it.
          </Text>
        </Paper>

        <Paper withBorder radius="lg" p={{ base: 'md', xs: 'lg' }} component="section" aria-labelledby="kp-notifications-title">
          <Group justify="space-between" gap="xs" mb={4} wrap="nowrap">
            <Title order={2} fz="lg" id="kp-notifications-title">
              Email notifications
            </Title>
            <Text size="xs" c="teal" fw={600} aria-live="polite" data-testid="notifications-status">
              {savedLabel && !pending ? (
                <Group gap={4} component="span" wrap="nowrap">
                  <IconCheck size={14} /> Saved
                </Group>
              ) : pending ? (
                <Text span size="xs" c="dimmed">
                  Saving…
                </Text>
              ) : null}
            </Text>
          </Group>
          <Text size="sm" c="dimmed" mb="sm">
            Choose which emails you get about your requests. Changes are saved at once.
          </Text>
          {saveError && (
            <Alert variant="light" color="red" icon={<IconAlertCircle size={18} />} mb="sm" role="alert" title="Not saved">
              {saveError}
            </Alert>
          )}
          <div role="group" aria-labelledby="kp-notifications-title">
            {notificationRows.map((row, i) => {
              const teamSends = profile.teamNotifications[row.key];
              return (
                <SwitchRow
                  key={row.key}
                  id={`kp-notify-${row.key}`}
                  first={i === 0}
                  label={row.label}
                  description={
                    teamSends ? row.description : `${row.description} ${team.team.name} does not send these emails at the moment.`
                  }
                  checked={profile.notifications[row.key]}
                  disabled={!teamSends || pending !== null}
                  onChange={(on) => update.mutate({ key: row.key, on })}
                />
              );
            })}
          </div>
        </Paper>

        <Group justify="space-between" gap="sm" wrap="wrap">
          <Text size="xs" c="dimmed">
            Using a shared computer? Sign out when you are done.
          </Text>
          <Button variant="default" leftSection={<IconLogout size={16} />} onClick={() => logout.mutate()} loading={logout.isPending}>
            Sign out
          </Button>
        </Group>
      </Stack>
    </PortalShell>
  );
}

function Detail(props: { label: string; value: string | null }) {
  return (
    <div style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed" fw={500}>
        {props.label}
      </Text>
      <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }} c={props.value ? undefined : 'dimmed'}>
        {props.value ?? '—'}
      </Text>
    </div>
  );
}
