import type { ReactNode } from 'react';
import { Box, Group, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconMessageCircle } from '@tabler/icons-react';

/** Page frame of the portal: the team's name at the top, content in a narrow centered column. */
export function PortalShell(props: { teamName?: string | null; right?: ReactNode; width?: number; children: ReactNode }) {
  return (
    <div className="kp-page">
      <header className="kp-header">
        <Group justify="space-between" wrap="nowrap" maw={props.width ? props.width + 32 : 960} mx="auto" gap="sm">
          <Group gap={10} wrap="nowrap" style={{ minWidth: 0 }}>
            <ThemeIcon size={36} radius="md" variant="filled" aria-hidden>
              <IconMessageCircle size={21} stroke={2} />
            </ThemeIcon>
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text fw={700} size="md" lh={1.25} truncate data-testid="portal-team-name">
                {props.teamName ?? ' '}
              </Text>
              <Text size="xs" c="dimmed" lh={1.3}>
                Support portal
              </Text>
            </Stack>
          </Group>
          {props.right}
        </Group>
      </header>
      <Box component="main" className="kp-main" maw={props.width ? props.width + 32 : 480}>
        {props.children}
      </Box>
      <footer className="kp-footer">
        <Text size="xs" c="dimmed">
          Powered by KDesk
        </Text>
      </footer>
    </div>
  );
}
