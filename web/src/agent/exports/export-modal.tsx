import { useEffect, useRef, useState } from 'react';
import { Alert, Box, Button, Group, Modal, Progress, Radio, SegmentedControl, Stack, Text, ThemeIcon } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconCircleCheck, IconDownload } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { api, downloads, errorMessage, type ExportFilter } from '../../lib/api.ts';
import { formatCount, plural } from '../../lib/format.ts';
import { isImportFinished, useExport } from '../../lib/queries.ts';

export type ExportScope = 'selected' | 'filter' | 'all';
type Format = 'csv' | 'xlsx';

/** Exports at most this many rows straight from the streaming CSV endpoint; larger ones run as a job with progress. */
const DIRECT_MAX_ROWS = 5000;
/** ids travel in the URL of the direct export; more than this go through the job. */
const DIRECT_MAX_IDS = 200;

export interface ExportChoice {
  selectedIds: string[];
  /** the list's filter when it is not the whole directory */
  filter: ExportFilter | null;
  /** the filter in words, e.g. "Active only · matching “ann”" */
  filterText?: string;
  /** contacts matching the filter (the list's total), when known */
  filterTotal?: number;
  /** contacts in the directory, when known */
  allTotal?: number;
}

/** Starts a browser download of a same-origin URL (the session cookie goes with it). */
function startDownload(href: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = '';
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

export function ExportModal(props: { opened: boolean; initialScope: ExportScope; choice: ExportChoice; onClose: () => void }) {
  const { choice } = props;
  const [scope, setScope] = useState<ExportScope>(props.initialScope);
  const [format, setFormat] = useState<Format>('csv');
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useExport(jobId);
  const downloaded = useRef<string | null>(null);

  const count = scope === 'selected' ? choice.selectedIds.length : scope === 'filter' ? choice.filterTotal : choice.allTotal;
  const input = () =>
    scope === 'selected'
      ? { ids: choice.selectedIds }
      : scope === 'filter' && choice.filter
        ? { filter: choice.filter }
        : { filter: { status: 'all' as const } };

  const create = useMutation({
    mutationFn: () => api.createExport({ ...input(), format }),
    onSuccess: (e) => setJobId(e.id),
  });
  const reset = create.reset;

  // every opening starts fresh, with the scope picked in the menu
  useEffect(() => {
    if (!props.opened) return;
    setScope(props.initialScope);
    setJobId(null);
    reset();
  }, [props.opened, props.initialScope, reset]);

  // the file downloads by itself once, when the job is done
  const done = job.data?.status === 'succeeded' ? job.data : null;
  useEffect(() => {
    if (done && downloaded.current !== done.id) {
      downloaded.current = done.id;
      startDownload(done.downloadUrl ?? downloads.exportDownload(done.id));
    }
  }, [done]);

  const submit = () => {
    const direct =
      format === 'csv' &&
      count !== undefined &&
      count <= DIRECT_MAX_ROWS &&
      (scope !== 'selected' || choice.selectedIds.length <= DIRECT_MAX_IDS);
    if (direct) {
      const i = input();
      startDownload(downloads.contactsCsv('ids' in i ? { ids: i.ids } : { filter: i.filter }));
      notifications.show({ message: `Downloading ${plural(count, 'contact')} as CSV` });
      props.onClose();
      return;
    }
    create.mutate();
  };

  const running = Boolean(jobId) && (!job.data || !isImportFinished(job.data));
  const j = job.data;
  const percent = j?.total ? Math.min(100, Math.round((j.processed / j.total) * 100)) : 0;
  const countText = (n: number | undefined) => (n === undefined ? '' : ` (${formatCount(n)})`);

  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Export contacts" centered size="md">
      {!jobId ? (
        <Stack gap="md">
          {choice.selectedIds.length > 0 || choice.filter ? (
            <Radio.Group label="Contacts" value={scope} onChange={(v) => setScope(v as ExportScope)}>
              <Stack gap="xs" mt={6}>
                {choice.selectedIds.length > 0 && (
                  <Radio value="selected" label={`Selected contacts${countText(choice.selectedIds.length)}`} />
                )}
                {choice.filter && (
                  <Radio value="filter" label={`This view${countText(choice.filterTotal)}`} description={choice.filterText} />
                )}
                <Radio value="all" label={`All contacts${countText(choice.allTotal)}`} />
              </Stack>
            </Radio.Group>
          ) : (
            <Box>
              <Text size="sm" fw={500}>
                Contacts
              </Text>
              <Text size="sm">
                {choice.allTotal === undefined
                  ? 'Every contact in the directory'
                  : `All ${plural(choice.allTotal, 'contact')} in the directory`}
              </Text>
            </Box>
          )}
          <Box>
            <Text size="sm" fw={500} mb={6} id="export-format-label">
              Format
            </Text>
            <SegmentedControl
              fullWidth
              value={format}
              onChange={(v) => setFormat(v as Format)}
              aria-labelledby="export-format-label"
              data={[
                { value: 'csv', label: 'CSV' },
                { value: 'xlsx', label: 'Excel (.xlsx)' },
              ]}
            />
          </Box>
          <Text size="sm" c="dimmed">
            The file has the columns of the import template, so you can edit it and import it back. Cells that a spreadsheet would read as a
            formula start with an apostrophe.
          </Text>
          {create.isError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="The export could not start" role="alert">
              {errorMessage(create.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button leftSection={<IconDownload size={18} />} onClick={submit} loading={create.isPending} disabled={count === 0}>
              Export{count !== undefined ? ` ${plural(count, 'contact')}` : ''}
            </Button>
          </Group>
        </Stack>
      ) : running ? (
        <Stack gap="sm" py="sm">
          <Group justify="space-between">
            <Text size="sm" fw={500}>
              Preparing the {format === 'xlsx' ? 'Excel' : 'CSV'} file…
            </Text>
            <Text size="sm" c="dimmed">
              {j?.total ? `${formatCount(j.processed)} of ${formatCount(j.total)}` : 'Starting…'}
            </Text>
          </Group>
          <Progress value={j?.total ? percent : 100} animated striped={!j?.total} size="lg" radius="xl" aria-label="Export progress" />
          <Text size="xs" c="dimmed">
            The download starts when the file is ready. You can close this window; the export goes on.
          </Text>
        </Stack>
      ) : j?.status === 'succeeded' ? (
        <Stack gap="md" align="center" py="sm">
          <ThemeIcon size={48} radius="xl" color="teal" variant="light" aria-hidden>
            <IconCircleCheck size={28} />
          </ThemeIcon>
          <Text fw={600}>{plural(j.total ?? j.processed, 'contact')} exported</Text>
          <Text size="sm" c="dimmed" ta="center" style={{ overflowWrap: 'anywhere' }}>
            {j.fileName} should be downloading. If it is not, download it again.
          </Text>
          <Group justify="center" gap="sm">
            <Button variant="default" onClick={props.onClose}>
              Close
            </Button>
            <Button
              component="a"
              href={j.downloadUrl ?? downloads.exportDownload(j.id)}
              download={j.fileName}
              leftSection={<IconDownload size={18} />}
            >
              Download again
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="md">
          <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="The export did not finish" role="alert">
            {j?.error ?? (job.isError ? errorMessage(job.error) : 'The export was cancelled.')}
          </Alert>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setJobId(null)}>
              Try again
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
