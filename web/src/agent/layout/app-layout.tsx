import {
  AppShell,
  Avatar,
  Burger,
  Divider,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconAddressBook,
  IconApi,
  IconBuilding,
  IconBuildingSkyscraper,
  IconForms,
  IconChevronDown,
  IconHistory,
  IconLogout,
  IconMail,
  IconRefresh,
  IconSettings,
  IconTemplate,
  IconTicket,
  IconUser,
  IconUsers,
} from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, Outlet, ScrollRestoration, useLocation, useNavigate } from 'react-router';
import { api, errorMessage } from '../../lib/api.ts';
import { initials, roleLabel } from '../../lib/format.ts';
import { keys, permissionsOf, useCurrentMember } from '../../lib/queries.ts';
import { Logo } from '../../components/logo.tsx';
import { JobProgress } from '../../components/job-progress.tsx';

const navItems = [
  { to: '/tickets', label: 'Tickets', icon: IconTicket, managersOnly: false },
  { to: '/contacts', label: 'Contacts', icon: IconAddressBook, managersOnly: false },
  { to: '/companies', label: 'Companies', icon: IconBuildingSkyscraper, managersOnly: false },
  { to: '/forms', label: 'Forms', icon: IconForms, managersOnly: false },
  { to: '/tickets/templates', label: 'Request templates', icon: IconTemplate, managersOnly: false },
  { to: '/sync', label: 'Contact Sync', icon: IconRefresh, managersOnly: true },
  { to: '/members', label: 'Members', icon: IconUsers, managersOnly: true },
  { to: '/team', label: 'Team General', icon: IconBuilding, managersOnly: true },
  { to: '/settings', label: 'Team Settings', icon: IconSettings, managersOnly: true },
  { to: '/logs', label: 'Logs', icon: IconHistory, managersOnly: true },
  { to: '/mailbox', label: 'Mailbox', icon: IconMail, managersOnly: true },
];

export function AppLayout() {
  const me = useCurrentMember();
  const perms = permissionsOf(me);
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();

  // on small screens the sidebar is a drawer: close it after navigating
  useEffect(() => close(), [location.pathname, close]);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'md', md: 'xl' }}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
            />
            <Link to="/contacts" style={{ textDecoration: 'none', color: 'inherit' }}>
              <Logo />
            </Link>
            <Divider orientation="vertical" my={18} visibleFrom="xs" />
            <Text fw={600} size="sm" truncate visibleFrom="xs" data-testid="team-name">
              {me.team.name}
            </Text>
          </Group>
          <UserMenu />
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={4}>
            {navItems
              .filter((item) => !item.managersOnly || perms.manageTeam)
              .map((item) => {
                const active =
                  (location.pathname === item.to || location.pathname.startsWith(`${item.to}/`)) &&
                  // "Request templates" lives under /tickets/ but is its own item
                  !(item.to === '/tickets' && location.pathname.startsWith('/tickets/templates'));
                return (
                  <NavLink
                    key={item.to}
                    component={Link}
                    to={item.to}
                    label={item.label}
                    leftSection={<item.icon size={20} stroke={1.6} />}
                    active={active}
                    aria-current={active ? 'page' : undefined}
                    variant="light"
                    fw={500}
                    style={{ borderRadius: 'var(--mantine-radius-md)' }}
                  />
                );
              })}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Divider mb="sm" />
          <Text size="xs" c="dimmed" px="sm" pb={4}>
            {roleLabel[me.member.role]} · {perms.modifyContacts ? 'can edit contacts' : 'view-only contacts'}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        <div style={{ maxWidth: 1280, margin: '0 auto' }}>
          <Outlet />
        </div>
        <JobProgress />
        {/* Back to a long directory lands where the person was (new pages start at the top) */}
        <ScrollRestoration />
      </AppShell.Main>
    </AppShell>
  );
}

function UserMenu() {
  const me = useCurrentMember();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const name = me.member.name || me.member.email;

  const logout = useMutation({
    mutationFn: () => api.logout(),
    onSuccess: () => {
      qc.clear();
      qc.setQueryData(keys.me, null);
      navigate('/login', { replace: true });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Could not sign out', message: errorMessage(e) }),
  });

  return (
    <Menu position="bottom-end" width={260} shadow="md">
      <Menu.Target>
        {/* named by what it shows (WCAG 2.5.3), so voice control users can say what they see */}
        <UnstyledButton data-testid="user-menu" style={{ borderRadius: 8 }} px={6} py={4}>
          <Group gap="sm" wrap="nowrap">
            <Avatar color="indigo" radius="xl" size={34} aria-hidden>
              {initials(name)}
            </Avatar>
            <Stack gap={0} className="kd-hide-below-sm" style={{ minWidth: 0, maxWidth: 220 }}>
              <Text size="sm" fw={600} lh={1.3} truncate>
                {name}
              </Text>
              <Text size="xs" c="dimmed" lh={1.3} truncate>
                {roleLabel[me.member.role]} · {me.member.email}
              </Text>
            </Stack>
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
            {me.member.email}
          </Text>
          <Text size="xs" c="dimmed">
            {roleLabel[me.member.role]} of {me.team.name}
          </Text>
        </Stack>
        <Menu.Divider />
        <Menu.Item component={Link} to="/account" leftSection={<IconUser size={16} />}>
          Account
        </Menu.Item>
        <Menu.Item component="a" href="/api/docs" target="_blank" rel="noreferrer" leftSection={<IconApi size={16} />}>
          API documentation
        </Menu.Item>
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
  );
}
