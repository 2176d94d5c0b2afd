// Small pieces of the Contact Sync pages: source icons, status badges, run counts and run progress.
import { Badge, Group, Progress, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconBrandGoogle, IconBrandWindows, IconPlugConnected, IconSitemap } from '@tabler/icons-react';
import { formatCount, plural } from '../../lib/format.ts';
import type { ConnectionStatus, RunCounts, RunStatus, SyncRun, SyncSource } from './sync-api.ts';
import { sourceLabels } from './sync-form.ts';

const sourceLook: Record<SyncSource, { icon: typeof IconSitemap; color: string }> = {
  ldap: { icon: IconSitemap, color: 'teal' },
  google: { icon: IconBrandGoogle, color: 'red' },
  microsoft: { icon: IconBrandWindows, color: 'blue' },
  scim: { icon: IconPlugConnected, color: 'grape' },
};

export function SourceIcon(props: { source: SyncSource; size?: number }) {
  const s = sourceLook[props.source];
  const size = props.size ?? 40;
  return (
    <ThemeIcon variant="light" color={s.color} size={size} radius="md" aria-hidden>
      <s.icon size={Math.round(size * 0.55)} />
    </ThemeIcon>
  );
}

export function SourceLabel(props: { source: SyncSource }) {
  return (
    <Text size="sm" c="dimmed">
      {sourceLabels[props.source]}
    </Text>
  );
}

export function ConnectionStatusBadge(props: { status: ConnectionStatus }) {
  return props.status === 'enabled' ? (
    <Badge color="teal" variant="light" radius="sm" style={{ flexShrink: 0 }}>
      Enabled
    </Badge>
  ) : (
    <Badge color="gray" variant="light" radius="sm" style={{ flexShrink: 0 }}>
      Draft
    </Badge>
  );
}

export const runStatusLook: Record<RunStatus, { label: string; color: string }> = {
  queued: { label: 'Waiting to start', color: 'gray' },
  running: { label: 'Running', color: 'blue' },
  succeeded: { label: 'Succeeded', color: 'teal' },
  failed: { label: 'Failed', color: 'red' },
  cancelled: { label: 'Cancelled', color: 'orange' },
  needs_confirmation: { label: 'Needs confirmation', color: 'orange' },
};

export function RunStatusBadge(props: { status: RunStatus }) {
  const s = runStatusLook[props.status];
  return (
    <Badge color={s.color} variant="light" radius="sm" style={{ flexShrink: 0 }}>
      {s.label}
    </Badge>
  );
}

export const countKeys = ['created', 'updated', 'unchanged', 'deactivated', 'conflicts', 'failed'] as const;
export type CountKey = (typeof countKeys)[number];

export const countLook: Record<CountKey, { label: string; color: string; chart: string }> = {
  created: { label: 'Created', color: 'teal', chart: 'var(--mantine-color-teal-6)' },
  updated: { label: 'Updated', color: 'blue', chart: 'var(--mantine-color-blue-6)' },
  unchanged: { label: 'Unchanged', color: 'gray', chart: 'var(--mantine-color-gray-4)' },
  deactivated: { label: 'Deactivated', color: 'orange', chart: 'var(--mantine-color-orange-6)' },
  conflicts: { label: 'Conflicts', color: 'grape', chart: 'var(--mantine-color-grape-6)' },
  failed: { label: 'Failed', color: 'red', chart: 'var(--mantine-color-red-7)' },
};

export const totalOf = (c: RunCounts) => countKeys.reduce((n, k) => n + (c[k] ?? 0), 0);

/** "12 created · 3 updated · 480 unchanged": the counts that are not zero (all zero: "nobody in scope"). */
export function countsText(c: RunCounts): string {
  const parts = countKeys
    .filter((k) => c[k] > 0)
    .map((k) => `${formatCount(c[k])} ${k === 'conflicts' && c[k] === 1 ? 'conflict' : countLook[k].label.toLowerCase()}`);
  return parts.length ? parts.join(' · ') : 'nobody in scope';
}

/** A run going on: how many people so far, as a bar when the total is known. */
export function RunProgress(props: { run: SyncRun; label?: string }) {
  const { run } = props;
  const done = Math.max(run.seen, totalOf(run.counts));
  // the directory does not say how many people a search will return: a count, not a percentage
  const total: number | null = null;
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : null;
  const label = props.label ?? (run.status === 'queued' ? 'Waiting to start' : 'Reading the directory');
  return (
    <Stack gap={4} data-testid="run-progress">
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={500}>
          {label}…
        </Text>
        <Text size="xs" c="dimmed">
          {run.status === 'queued'
            ? ''
            : total
              ? `${formatCount(done)} of ${plural(total, 'person', 'people')}`
              : plural(done, 'person', 'people')}
        </Text>
      </Group>
      <Progress.Root size="md" radius="xl">
        <Progress.Section
          value={pct ?? 100}
          striped={pct === null}
          animated
          withAria={false}
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct ?? undefined}
          aria-valuetext={total ? `${done} of ${total} people` : `${done} people so far`}
        />
      </Progress.Root>
    </Stack>
  );
}
