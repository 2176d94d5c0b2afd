// Small pieces shared by the import steps: status and outcome badges, the count tiles, the stacked bar,
// and the alert that turns an API error into words (403, 409, 413, 415, 400).
import type { ReactNode } from 'react';
import { Alert, Anchor, Badge, Box, Card, Group, List, Progress, SimpleGrid, Text, ThemeIcon, Tooltip } from '@mantine/core';
import {
  IconAlertCircle,
  IconArrowRight,
  IconCircleCheck,
  IconCircleMinus,
  IconCirclePlus,
  IconCircleX,
  IconFileOff,
  IconLock,
  IconRefresh,
} from '@tabler/icons-react';
import { Link } from 'react-router';
import { useMediaQuery } from '@mantine/hooks';
import { ApiError, errorMessage, type Import, type RowAction } from '../../lib/api.ts';
import { formatCount } from '../../lib/format.ts';

/** Phone-sized screens get stacked layouts instead of wide tables. */
export const useNarrow = () => useMediaQuery('(max-width: 48em)', false, { getInitialValueInEffect: false });

export const outcome: Record<RowAction, { label: string; would: string; color: string; icon: typeof IconCirclePlus }> = {
  create: { label: 'Created', would: 'Will create', color: 'teal', icon: IconCirclePlus },
  update: { label: 'Updated', would: 'Will update', color: 'blue', icon: IconRefresh },
  unchanged: { label: 'Unchanged', would: 'Unchanged', color: 'gray', icon: IconCircleMinus },
  fail: { label: 'Failed', would: 'Will fail', color: 'red', icon: IconCircleX },
};

const rowActionLabel: Record<RowAction, { done: string; would: string }> = {
  create: { done: 'Created', would: 'Create' },
  update: { done: 'Updated', would: 'Update' },
  unchanged: { done: 'Unchanged', would: 'Unchanged' },
  fail: { done: 'Failed', would: 'Fail' },
};

export function OutcomeBadge(props: { action: RowAction; dryRun: boolean }) {
  const o = outcome[props.action];
  return (
    <Badge variant="light" color={o.color} radius="sm" leftSection={<o.icon size={12} />}>
      {props.dryRun ? rowActionLabel[props.action].would : rowActionLabel[props.action].done}
    </Badge>
  );
}

const statusLook: Record<Import['status'], { label: string; color: string }> = {
  queued: { label: 'Waiting', color: 'gray' },
  running: { label: 'Running', color: 'blue' },
  succeeded: { label: 'Finished', color: 'teal' },
  failed: { label: 'Failed', color: 'red' },
  cancelled: { label: 'Cancelled', color: 'orange' },
};

export function ImportStatusBadge(props: { status: Import['status'] }) {
  const s = statusLook[props.status];
  return (
    <Badge variant="light" color={s.color} radius="sm">
      {s.label}
    </Badge>
  );
}

const countKeys = ['created', 'updated', 'unchanged', 'failed'] as const;
const countAction: Record<(typeof countKeys)[number], RowAction> = {
  created: 'create',
  updated: 'update',
  unchanged: 'unchanged',
  failed: 'fail',
};

/** Four tiles with the counts; `would` wording for a dry run. */
export function CountTiles(props: { counts: Pick<Import, 'created' | 'updated' | 'unchanged' | 'failed'>; dryRun?: boolean }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" role="list" aria-label={props.dryRun ? 'What the import would do' : 'Import counts'}>
      {countKeys.map((k) => {
        const o = outcome[countAction[k]];
        const n = props.counts[k];
        const label = props.dryRun ? o.would : o.label;
        return (
          <Card key={k} padding="md" role="listitem" aria-label={`${label}: ${n}`} data-count={k}>
            <Group gap="sm" wrap="nowrap" align="flex-start">
              <ThemeIcon variant="light" color={n > 0 ? o.color : 'gray'} size={36} radius="md" aria-hidden visibleFrom="xs">
                <o.icon size={20} />
              </ThemeIcon>
              <Box style={{ minWidth: 0 }}>
                <Text fz={26} fw={700} lh={1.1} c={k === 'failed' && n > 0 ? 'red.7' : undefined}>
                  {formatCount(n)}
                </Text>
                <Text size="sm" c="dimmed" lh={1.3}>
                  {label}
                </Text>
              </Box>
            </Group>
          </Card>
        );
      })}
    </SimpleGrid>
  );
}

/** One bar split by outcome: how the file divides at a glance. */
export function OutcomeBar(props: {
  counts: Pick<Import, 'created' | 'updated' | 'unchanged' | 'failed'>;
  total: number;
  dryRun?: boolean;
}) {
  const total = Math.max(props.total, 1);
  return (
    <Progress.Root size={14} radius="xl" aria-hidden>
      {countKeys.map((k) => {
        const n = props.counts[k];
        if (!n) return null;
        const o = outcome[countAction[k]];
        return (
          <Tooltip key={k} label={`${props.dryRun ? o.would : o.label}: ${formatCount(n)}`}>
            <Progress.Section value={(n / total) * 100} color={o.color} />
          </Tooltip>
        );
      })}
    </Progress.Root>
  );
}

/** The details of a 409: the import that is already running. */
export function runningImportId(e: unknown): string | null {
  if (!(e instanceof ApiError) || e.status !== 409) return null;
  const d = e.rawDetails as { importId?: unknown } | undefined;
  return d && typeof d.importId === 'string' ? d.importId : null;
}

/** A server message as a sentence, so more words can follow it. */
const sentence = (m: string) => (/[.!?]$/.test(m.trim()) ? m.trim() : `${m.trim()}.`);

/** An API error in words, with what to do next. */
export function ImportErrorAlert(props: { error: unknown; title?: string; onClose?: () => void; children?: ReactNode }) {
  const e = props.error;
  let title = props.title ?? 'Something went wrong';
  let icon = <IconAlertCircle size={18} />;
  let color = 'red';
  let body: ReactNode = <Text size="sm">{errorMessage(e)}</Text>;

  if (e instanceof ApiError) {
    if (e.status === 403) {
      title = 'Importing is not allowed';
      icon = <IconLock size={18} />;
      color = 'orange';
      // the server names what is missing (the member permission, the team setting, or both)
      body = <Text size="sm">{sentence(e.message)}</Text>;
    } else if (e.status === 413) {
      title = 'The file is too large';
      icon = <IconFileOff size={18} />;
      // the server names its limit; splitting is the way out, and each part needs the header row
      body = (
        <Text size="sm">
          {sentence(e.message)}{' '}
          {/split/i.test(e.message) ? 'Each part needs the header row.' : 'Split the file into smaller parts, each with the header row.'}
        </Text>
      );
    } else if (e.status === 415) {
      title = 'This file type cannot be imported';
      icon = <IconFileOff size={18} />;
      body = <Text size="sm">{sentence(e.message)} Save the sheet as CSV or as an Excel workbook (.xlsx) and try again.</Text>;
    } else if (e.status === 409) {
      const id = runningImportId(e);
      title = 'Another import is already running';
      color = 'orange';
      body = (
        <>
          <Text size="sm">{sentence(e.message)} A team runs one import at a time.</Text>
          {id && (
            <Anchor
              component={Link}
              to={`/contacts/import/${id}`}
              size="sm"
              fw={600}
              mt={6}
              display="inline-flex"
              style={{ alignItems: 'center', gap: 4 }}
            >
              Open the running import <IconArrowRight size={14} />
            </Anchor>
          )}
        </>
      );
    } else if (e.status === 400 && e.details.length > 0) {
      title = props.title ?? 'The file could not be read';
      body = (
        <>
          <Text size="sm">{e.message}</Text>
          <List size="sm" mt={4} spacing={2}>
            {e.details.map((d, i) => (
              <List.Item key={i}>{d.message}</List.Item>
            ))}
          </List>
        </>
      );
    }
  }

  return (
    <Alert
      color={color}
      variant="light"
      icon={icon}
      title={title}
      role="alert"
      withCloseButton={Boolean(props.onClose)}
      onClose={props.onClose}
    >
      {body}
      {props.children}
    </Alert>
  );
}

export function FinishedIcon(props: { status: Import['status']; failed: number }) {
  if (props.status === 'succeeded' && props.failed === 0)
    return (
      <ThemeIcon size={48} radius="xl" color="teal" variant="light" aria-hidden>
        <IconCircleCheck size={28} />
      </ThemeIcon>
    );
  if (props.status === 'succeeded')
    return (
      <ThemeIcon size={48} radius="xl" color="orange" variant="light" aria-hidden>
        <IconAlertCircle size={28} />
      </ThemeIcon>
    );
  return (
    <ThemeIcon size={48} radius="xl" color={props.status === 'cancelled' ? 'orange' : 'red'} variant="light" aria-hidden>
      {props.status === 'cancelled' ? <IconCircleMinus size={28} /> : <IconCircleX size={28} />}
    </ThemeIcon>
  );
}

const sizeUnits = ['bytes', 'KB', 'MB', 'GB'];
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < sizeUnits.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${formatCount(v)} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${sizeUnits[i]}`;
}

const delimiterNames: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
const encodingNames: Record<string, string> = { shift_jis: 'Shift_JIS', big5: 'Big5', 'euc-kr': 'EUC-KR', gb18030: 'GB18030' };

/** "CSV · UTF-8 · semicolon-separated" or "Excel workbook". */
export function describeFormat(f: Pick<Import, 'format' | 'encoding' | 'delimiter'>): string {
  if (f.format === 'xlsx') return 'Excel workbook';
  const parts = ['CSV'];
  if (f.encoding) parts.push(encodingNames[f.encoding] ?? f.encoding.toUpperCase().replace('WINDOWS', 'Windows'));
  if (f.delimiter) parts.push(`${delimiterNames[f.delimiter] ?? `"${f.delimiter}"`}-separated`);
  return parts.join(' · ');
}

export const modeText: Record<Import['mode'], { title: string; short: string; text: string }> = {
  upsert: {
    title: 'Add new and update existing',
    short: 'Add and update',
    text: 'Rows that match a contact (by id, else by primary email) update it; the other rows become new contacts.',
  },
  create: {
    title: 'Only add new contacts',
    short: 'Only add new',
    text: 'Every row becomes a new contact. A row whose email already belongs to a contact is not imported and is listed as failed.',
  },
  update: {
    title: 'Only update existing contacts',
    short: 'Only update',
    text: 'Rows change the contacts they match. A row that matches nobody is listed as failed; no contact is added.',
  },
};
