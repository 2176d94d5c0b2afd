// The Run button of a connection, with the other ways to run it one click away: a full run (reads
// everyone, so people who left the scope become inactive; a plain Run reads only what changed once a
// connection has run) and a dry run (says what would change, writes nothing).
import { ActionIcon, Button, Group, Menu, Text, type ButtonProps } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconEye, IconPlayerPlay, IconRefreshDot } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../lib/api.ts';
import { syncApi, syncKeys } from './sync-api.ts';

export type RunKind = 'run' | 'full' | 'dry';

const started: Record<RunKind, string> = {
  run: 'sync started',
  full: 'full run started',
  dry: 'dry run started: nothing will be written',
};

export function RunButton(props: {
  connection: { id: string; name: string };
  label?: string;
  /** The button's accessible name when its label alone does not name the connection (cards in a list). */
  ariaLabel?: string;
  disabled?: boolean;
  size?: ButtonProps['size'];
  variant?: ButtonProps['variant'];
  /** After the run was queued (e.g. to show it); by default a notification says it started. */
  onStarted?: (runId: string, kind: RunKind) => void;
}) {
  const qc = useQueryClient();
  const { id, name } = props.connection;
  const run = useMutation({
    mutationFn: (kind: RunKind) => syncApi.run(id, kind === 'full' ? { full: true } : kind === 'dry' ? { dryRun: true } : {}),
    onSuccess: (res, kind) => {
      void qc.invalidateQueries({ queryKey: syncKeys.all });
      if (props.onStarted) props.onStarted(res.runId, kind);
      else notifications.show({ color: 'teal', title: `${name}: ${started[kind]}`, message: 'The card shows the counts as they come in.' });
    },
    onError: (e) => notifications.show({ color: 'red', title: `${name}: could not start`, message: errorMessage(e) }),
  });
  const size = props.size ?? 'sm';
  const variant = props.variant ?? 'light';
  const disabled = props.disabled || run.isPending;

  return (
    <Group gap={0} wrap="nowrap">
      <Button
        size={size}
        variant={variant}
        leftSection={<IconPlayerPlay size={16} />}
        onClick={() => run.mutate('run')}
        loading={run.isPending && run.variables === 'run'}
        disabled={props.disabled}
        aria-label={props.ariaLabel}
        style={{ borderTopRightRadius: 0, borderBottomRightRadius: 0 }}
      >
        {props.label ?? 'Run'}
      </Button>
      <Menu position="bottom-end" shadow="md" width={300} withinPortal>
        <Menu.Target>
          <ActionIcon
            size={size === 'sm' ? 36 : 'input-md'}
            variant={variant}
            disabled={disabled}
            loading={run.isPending && run.variables !== 'run'}
            aria-label={`Run options for ${name}`}
            style={{ borderTopLeftRadius: 0, borderBottomLeftRadius: 0, borderLeft: '1px solid var(--mantine-color-body)' }}
          >
            <IconChevronDown size={16} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item leftSection={<IconRefreshDot size={16} />} onClick={() => run.mutate('full')}>
            Full run
            <Text size="xs" c="dimmed">
              Reads everyone in scope; people who left become inactive
            </Text>
          </Menu.Item>
          <Menu.Item leftSection={<IconEye size={16} />} onClick={() => run.mutate('dry')}>
            Dry run
            <Text size="xs" c="dimmed">
              Shows what would change; writes nothing
            </Text>
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}
