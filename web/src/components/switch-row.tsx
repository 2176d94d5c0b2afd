import type { ReactNode } from 'react';
import { Group, Switch, Text } from '@mantine/core';

/** A settings-style row: label and description on the left, the switch on the right. */
export function SwitchRow(props: {
  id: string;
  label: string;
  description?: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  first?: boolean;
}) {
  const descriptionId = props.description ? `${props.id}-description` : undefined;
  return (
    <Group
      justify="space-between"
      wrap="nowrap"
      gap="xl"
      py="sm"
      style={props.first ? undefined : { borderTop: '1px solid var(--mantine-color-default-border)' }}
    >
      <div style={{ minWidth: 0 }}>
        <Text component="label" htmlFor={props.id} size="sm" fw={500} style={{ cursor: props.disabled ? undefined : 'pointer' }}>
          {props.label}
        </Text>
        {props.description && (
          <Text id={descriptionId} size="xs" c="dimmed" mt={2}>
            {props.description}
          </Text>
        )}
      </div>
      <Switch
        id={props.id}
        checked={props.checked}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
        disabled={props.disabled}
        aria-describedby={descriptionId}
        onLabel="ON"
        offLabel="OFF"
      />
    </Group>
  );
}
