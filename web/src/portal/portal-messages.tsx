import type { ReactNode } from 'react';
import { Button, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconAlertTriangle, IconLock, IconMapOff } from '@tabler/icons-react';
import { PortalShell } from './portal-shell.tsx';
import { usePortalTitle } from './portal-queries.ts';

/** Frame for messages shown instead of the portal. */
export function Message(props: { teamName?: string | null; icon: ReactNode; title: string; children: ReactNode; action?: ReactNode }) {
  usePortalTitle(props.title, props.teamName);
  return (
    <PortalShell teamName={props.teamName}>
      <Paper withBorder radius="lg" p={{ base: 'lg', xs: 'xl' }} shadow="xs" role="alert">
        <Stack align="center" ta="center" gap="sm" py="md">
          <ThemeIcon size={52} radius="xl" variant="light" color="gray">
            {props.icon}
          </ThemeIcon>
          <Title order={1} fz={22}>
            {props.title}
          </Title>
          <Text c="dimmed" size="sm" maw={360}>
            {props.children}
          </Text>
          {props.action}
        </Stack>
      </Paper>
    </PortalShell>
  );
}

export function PortalDisabled(props: { teamName: string }) {
  return (
    <Message teamName={props.teamName} icon={<IconLock size={26} />} title="The portal is closed">
      The portal of {props.teamName} is switched off at the moment, so nobody can sign in. Please contact the support team by email or
      phone.
    </Message>
  );
}

export function NoSuchPortal() {
  return (
    <Message icon={<IconMapOff size={26} />} title="No portal at this address">
      Check the link you were sent, or ask your support team for the address of their portal.
    </Message>
  );
}

export function Unreachable(props: { teamName?: string; onRetry: () => void }) {
  return (
    <Message
      teamName={props.teamName}
      icon={<IconAlertTriangle size={26} />}
      title="The portal is not reachable"
      action={
        <Button mt="xs" onClick={props.onRetry}>
          Try again
        </Button>
      }
    >
      Check your connection and try again in a moment.
    </Message>
  );
}
