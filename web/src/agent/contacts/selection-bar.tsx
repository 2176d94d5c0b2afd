// The bar at the bottom of a list while rows are selected, and the confirmation dialog of its actions;
// shared by the directory (bulk-bar.tsx) and the Trash (trash-bulk-bar.tsx).
import type { ReactNode } from 'react';
import { ActionBar, ActionIcon, Alert, Button, Group, Modal, Text, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconAlertCircle, type IconTrash } from '@tabler/icons-react';
import { errorMessage } from '../../lib/api.ts';

export interface BarAction {
  key: string;
  label: string;
  icon: typeof IconTrash;
  /** red: an action that deletes */
  danger?: boolean;
  onClick: () => void;
  loading?: boolean;
}

export function SelectionBar(props: {
  opened: boolean;
  /** "3 selected", "All 1,234 contacts selected" */
  countText: string;
  actions: BarAction[];
  /** an action is running: the buttons wait */
  busy: boolean;
  onClear: () => void;
}) {
  // a phone has no room for the labels: the actions become named icon buttons, so all of them fit
  const narrow = useMediaQuery('(max-width: 40em)') ?? false;
  return (
    <ActionBar
      opened={props.opened}
      onClose={props.onClear}
      closeOnEscape
      aria-label="Bulk actions"
      shadow="lg"
      radius="md"
      data-testid="bulk-bar"
      // below modals, so a confirmation's overlay covers it
      zIndex={190}
      px="sm"
    >
      <Text
        size="sm"
        fw={600}
        px={narrow ? 2 : 6}
        maw={narrow ? 96 : undefined}
        lh={narrow ? 1.25 : undefined}
        aria-live="polite"
        style={{ whiteSpace: narrow ? 'normal' : 'nowrap' }}
      >
        {props.countText}
      </Text>
      <ActionBar.Divider />
      {props.actions.map((a) =>
        narrow ? (
          <Tooltip key={a.key} label={a.label}>
            <ActionIcon
              // 36 px: six actions, the count and the close button fit a 390 px phone (targets stay above 24 px)
              size={36}
              variant={a.danger ? 'light' : 'subtle'}
              color={a.danger ? 'red' : 'gray'}
              c={a.danger ? undefined : 'var(--mantine-color-text)'}
              aria-label={a.label}
              onClick={a.onClick}
              loading={a.loading}
              disabled={props.busy}
            >
              <a.icon size={20} />
            </ActionIcon>
          </Tooltip>
        ) : (
          <Button
            key={a.key}
            size="sm"
            variant={a.danger ? 'light' : 'subtle'}
            color={a.danger ? 'red' : 'gray'}
            c={a.danger ? undefined : 'var(--mantine-color-text)'}
            leftSection={<a.icon size={16} />}
            onClick={a.onClick}
            loading={a.loading}
            disabled={props.busy}
          >
            {a.label}
          </Button>
        ),
      )}
      <ActionBar.Divider />
      <ActionBar.CloseButton aria-label="Clear selection" />
    </ActionBar>
  );
}

/** "Are you sure" for a bulk action: what will happen, the server's error if it refused, Cancel and the action. */
export function ConfirmDialog(props: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const close = () => {
    if (!props.pending) props.onClose();
  };
  return (
    <Modal opened={props.opened} onClose={close} centered radius="md" title={props.title}>
      <Text size="sm" component="div">
        {props.children}
      </Text>
      {props.error !== null && props.error !== undefined && (
        <Alert color="red" variant="light" mt="md" icon={<IconAlertCircle size={18} />} role="alert">
          {errorMessage(props.error)}
        </Alert>
      )}
      <Group justify="flex-end" mt="xl">
        <Button variant="default" onClick={close} disabled={props.pending}>
          Cancel
        </Button>
        <Button color={props.danger ? 'red' : undefined} onClick={props.onConfirm} loading={props.pending}>
          {props.confirmLabel}
        </Button>
      </Group>
    </Modal>
  );
}
