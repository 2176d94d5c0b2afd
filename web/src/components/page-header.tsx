import type { ReactNode } from 'react';
import { Box, Group, Stack, Text, Title } from '@mantine/core';

/** Title row of a page: title (h1), optional description and breadcrumbs, actions on the right. */
export function PageHeader(props: {
  title: ReactNode;
  description?: ReactNode;
  above?: ReactNode;
  actions?: ReactNode;
  badge?: ReactNode;
  mb?: string;
}) {
  return (
    <Group justify="space-between" align="flex-end" gap="md" wrap="wrap" mb={props.mb ?? 'lg'}>
      <Stack gap={4} style={{ minWidth: 0, flex: '1 1 320px' }}>
        {props.above}
        <Group gap="sm" align="center" wrap="nowrap" style={{ minWidth: 0 }}>
          <Title order={1} fz={26} lh={1.25} style={{ overflowWrap: 'anywhere' }}>
            {props.title}
          </Title>
          {props.badge}
        </Group>
        {props.description && (
          <Text c="dimmed" size="sm">
            {props.description}
          </Text>
        )}
      </Stack>
      {props.actions && (
        <Box style={{ maxWidth: '100%' }}>
          {/* actions wrap onto a second line rather than pushing the page wider than the window */}
          <Group gap="sm" wrap="wrap" justify="flex-end">
            {props.actions}
          </Group>
        </Box>
      )}
    </Group>
  );
}
