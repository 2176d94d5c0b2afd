// Steps 4 to 6: the dry-run preview, the running import with live progress, and the summary.
import { useState, type ReactNode } from 'react';
import { Alert, Button, Card, Group, Modal, Progress, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconDownload, IconPlayerStop } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, downloads, errorMessage, type Import } from '../../lib/api.ts';
import { formatCount, formatDateTime, plural } from '../../lib/format.ts';
import { keys } from '../../lib/queries.ts';
import { CountTiles, FinishedIcon, ImportErrorAlert, modeText, OutcomeBar } from './import-parts.tsx';
import { ImportRows } from './import-rows.tsx';
import { UnkeyedRows, type MatchBy } from './match-key.tsx';

/** Processed / total as a bar; total may be unknown for a moment while the file is counted. */
function RowProgress(props: { imp: Import; label: string }) {
  const { imp } = props;
  const total = imp.total ?? 0;
  const percent = total > 0 ? Math.min(100, Math.round((imp.processed / total) * 100)) : 0;
  return (
    <Stack gap={6}>
      <Group justify="space-between" gap="xs">
        <Text size="sm" fw={500}>
          {props.label}
        </Text>
        <Text size="sm" c="dimmed" data-testid="import-progress-text">
          {imp.total === null
            ? imp.status === 'queued'
              ? 'Waiting to start…'
              : 'Counting rows…'
            : `${formatCount(imp.processed)} of ${plural(total, 'row')} · ${percent}%`}
        </Text>
      </Group>
      {/* the progressbar says rows, not only a percentage (Progress puts aria-valuetext on a plain div) */}
      <Progress.Root size="lg" radius="xl">
        <Progress.Section
          value={imp.total === null ? 100 : percent}
          animated
          striped={imp.total === null}
          withAria={false}
          role="progressbar"
          aria-label={props.label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={imp.total === null ? undefined : percent}
          aria-valuetext={imp.total === null ? undefined : `${imp.processed} of ${total} rows`}
        />
      </Progress.Root>
    </Stack>
  );
}

/** Step 4: what the import would do, row by row; nothing written yet. */
export function PreviewResult(props: {
  imp: Import | undefined;
  error: unknown;
  /** Checks the file again matching rows without id or email by another key (absent: no control). */
  onMatchBy?: (m: MatchBy | null) => void;
  matchPending?: boolean;
}) {
  const { imp } = props;
  if (props.error) return <ImportErrorAlert error={props.error} title="Could not check the file" />;
  if (!imp) return <RowProgressSkeleton />;
  if (imp.status === 'queued' || imp.status === 'running') {
    return (
      <Card>
        <Stack gap="xs">
          <RowProgress imp={imp} label="Checking every row against your contacts…" />
          <Text size="xs" c="dimmed">
            This is a dry run: nothing is written. Large files take a moment.
          </Text>
        </Stack>
      </Card>
    );
  }
  if (imp.status !== 'succeeded') {
    return (
      <ImportErrorAlert
        error={new Error(imp.error ?? 'The check stopped before the end of the file.')}
        title="The file could not be checked"
      />
    );
  }
  const total = imp.total ?? imp.processed;
  const importable = imp.created + imp.updated;
  return (
    <Stack gap="md">
      <Card>
        <Stack gap="md">
          <div>
            <Title order={2} fz="lg">
              {importable > 0 ? `${plural(importable, 'contact')} ready to import` : 'Nothing to import'}
            </Title>
            <Text size="sm" c="dimmed">
              {plural(total, 'row')} checked with “{modeText[imp.mode].title}”. Nothing has been written yet.
            </Text>
          </div>
          <CountTiles counts={imp} dryRun />
          <OutcomeBar counts={imp} total={total} dryRun />
          {props.onMatchBy && <UnkeyedRows imp={imp} pending={props.matchPending ?? false} onMatchBy={props.onMatchBy} />}
          {imp.failed > 0 && (
            <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} p="sm">
              <Group justify="space-between" gap="sm" wrap="wrap">
                <Text size="sm" style={{ flex: '1 1 320px' }}>
                  {plural(imp.failed, 'row')} will not be imported; the reasons are listed below. Import the others now and fix these later,
                  or fix the file and upload it again.
                </Text>
                <Button
                  component="a"
                  href={downloads.importErrors(imp.id)}
                  download
                  size="xs"
                  variant="white"
                  color="orange"
                  leftSection={<IconDownload size={14} />}
                >
                  Download failing rows
                </Button>
              </Group>
            </Alert>
          )}
        </Stack>
      </Card>
      <ImportRows imp={imp} title="Preview by row" />
    </Stack>
  );
}

/** Step 5: the import running, with live counts and a cancel button. */
export function RunProgress(props: { imp: Import }) {
  const { imp } = props;
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const cancel = useMutation({
    mutationFn: () => api.cancelImport(imp.id),
    onSuccess: (updated) => {
      qc.setQueryData(keys.import(imp.id), updated);
      setConfirm(false);
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Could not cancel the import', message: errorMessage(e) }),
  });
  const stopping = imp.cancelRequested || cancel.isPending;

  return (
    <Card>
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <div style={{ minWidth: 0, flex: '1 1 300px' }}>
            <Title order={2} fz="lg">
              {stopping ? 'Stopping the import…' : imp.status === 'queued' ? 'Import queued' : 'Importing contacts…'}
            </Title>
            <Text size="sm" c="dimmed" truncate title={imp.fileName}>
              {imp.fileName} · {modeText[imp.mode].title}
            </Text>
          </div>
          <Button
            variant="default"
            color="red"
            leftSection={<IconPlayerStop size={16} />}
            onClick={() => setConfirm(true)}
            disabled={stopping}
            loading={cancel.isPending}
          >
            {stopping ? 'Stopping…' : 'Cancel import'}
          </Button>
        </Group>
        <RowProgress imp={imp} label={stopping ? 'Finishing the current batch' : 'Progress'} />
        <CountTiles counts={imp} />
        <Text size="xs" c="dimmed">
          You can leave this page: the import goes on in the background, and Recent imports on the Import page shows how it ended.
        </Text>
      </Stack>
      <Modal opened={confirm} onClose={() => setConfirm(false)} title="Cancel this import?" centered>
        <Text size="sm">
          The import stops after the batch it is writing now. Contacts already created or updated stay as they are; the summary will show
          exactly how many.
        </Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={() => setConfirm(false)}>
            Keep importing
          </Button>
          <Button color="red" onClick={() => cancel.mutate()} loading={cancel.isPending}>
            Cancel import
          </Button>
        </Group>
      </Modal>
    </Card>
  );
}

const duration = (from: string | null, to: string | null) => {
  if (!from || !to) return null;
  const s = Math.max(0, Math.round((new Date(to).getTime() - new Date(from).getTime()) / 1000));
  if (s < 1) return 'less than a second';
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};

/** Step 6: the exact counts, what failed and why, the errors file. */
export function ImportSummary(props: { imp: Import; actions: ReactNode }) {
  const { imp } = props;
  const title =
    imp.status === 'succeeded'
      ? imp.failed > 0
        ? `Import finished with ${plural(imp.failed, 'failed row')}`
        : 'Import complete'
      : imp.status === 'cancelled'
        ? 'Import cancelled'
        : 'Import failed';
  const took = duration(imp.startedAt, imp.finishedAt);
  return (
    <Stack gap="md">
      <Card>
        <Stack gap="md">
          <Group gap="md" wrap="nowrap" align="flex-start">
            <FinishedIcon status={imp.status} failed={imp.failed} />
            <div style={{ minWidth: 0 }}>
              <Title order={2} fz="xl" data-testid="import-summary-title">
                {title}
              </Title>
              <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {imp.fileName} · {modeText[imp.mode].title} · by {imp.createdBy.label}
                {imp.finishedAt ? ` · ${formatDateTime(imp.finishedAt)}` : ''}
                {took ? ` · took ${took}` : ''}
              </Text>
            </div>
          </Group>
          {imp.status === 'failed' && imp.error && (
            <Alert color="red" variant="light" title="Why it stopped">
              {imp.error}
            </Alert>
          )}
          {imp.status === 'cancelled' && (
            <Text size="sm">
              Stopped after {plural(imp.processed, 'row')}
              {imp.total ? ` of ${formatCount(imp.total)}` : ''}. The counts below are what was written before it stopped.
            </Text>
          )}
          <CountTiles counts={imp} />
          {imp.failed > 0 && (
            <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} p="sm">
              <Group justify="space-between" gap="sm" wrap="wrap">
                <Text size="sm" style={{ flex: '1 1 320px' }}>
                  {plural(imp.failed, 'row')} {imp.failed === 1 ? 'was' : 'were'} not imported. The errors file has those rows as you
                  uploaded them plus an <b>error</b> column: fix them there and import that file again.
                </Text>
                <Button
                  component="a"
                  href={downloads.importErrors(imp.id)}
                  download
                  size="sm"
                  color="orange"
                  leftSection={<IconDownload size={16} />}
                >
                  Download errors.csv
                </Button>
              </Group>
            </Alert>
          )}
          <Group gap="sm">{props.actions}</Group>
        </Stack>
      </Card>
      {imp.processed > 0 && <ImportRows imp={imp} title="Rows" pageSize={10} />}
    </Stack>
  );
}

function RowProgressSkeleton() {
  return (
    <Card>
      <Stack gap="xs">
        <Text size="sm" fw={500}>
          Starting the check…
        </Text>
        <Progress value={100} animated striped size="lg" radius="xl" aria-label="Starting" />
      </Stack>
    </Card>
  );
}
