import { useEffect } from 'react';
import { Anchor, Group, Progress, Stack, Text } from '@mantine/core';
import { notifications, type NotificationData } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, ApiError, errorMessage, type Job } from '../lib/api.ts';
import { formatCount } from '../lib/format.ts';
import {
  affectedOf,
  bulkWording,
  contactsText,
  failureOf,
  isTrashAction,
  jobStore,
  skippedCountOf,
  trashNotes,
  unchangedNote,
  useTrackedJobs,
  type TrackedJob,
} from '../lib/jobs.ts';
import { TrashResultMessage } from './trash-result.tsx';
import { keys } from '../lib/queries.ts';

const POLL_MS = 800;
const isRunning = (job: Job | undefined) => !job || job.status === 'queued' || job.status === 'running';

/** Shows every background job this browser started as a notification with a progress bar. */
export function JobProgress() {
  const jobs = useTrackedJobs();
  return (
    <>
      {jobs.map((j) => (
        <JobWatcher key={j.jobId} job={j} />
      ))}
    </>
  );
}

// Mantine ignores show() for an id it already has: show once, then update in place.
function upsert(n: NotificationData & { id: string }) {
  notifications.show(n);
  notifications.update(n);
}

function JobWatcher({ job }: { job: TrackedJob }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const query = useQuery({
    queryKey: keys.job(job.jobId),
    queryFn: ({ signal }) => api.getJob(job.jobId, signal),
    refetchInterval: (q) => (isRunning(q.state.data) ? POLL_MS : false),
    refetchIntervalInBackground: true,
    staleTime: 0,
    gcTime: 0,
  });
  const data = query.data;
  const refetch = query.refetch;
  const gone = query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 403);

  useEffect(() => {
    const id = `job-${job.jobId}`;
    const wording = bulkWording[job.action];
    if (gone) {
      // an old entry from another session or team: nothing to show
      jobStore.remove(job.jobId);
      notifications.hide(id);
      return;
    }
    if (isRunning(data)) {
      const total = data?.total ?? job.expected;
      const processed = data?.processed ?? 0;
      const pct = total ? Math.min(100, Math.round((processed / total) * 100)) : null;
      upsert({
        id,
        title: `${wording.running(contactsText(total))}…`,
        message: (
          <Stack gap={6} mt={6} data-testid="job-progress">
            <Progress
              value={pct ?? 100}
              striped={pct === null || data?.status === 'queued'}
              animated={pct === null || data?.status === 'queued'}
              size="md"
              aria-label="Progress"
            />
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text size="xs" c="dimmed">
                {data?.status === 'queued' || !data
                  ? 'Waiting to start'
                  : total
                    ? `${formatCount(processed)} of ${formatCount(total)} done`
                    : `${formatCount(processed)} done`}
              </Text>
              <Anchor
                component="button"
                size="xs"
                c="dimmed"
                onClick={() => {
                  api.cancelJob(job.jobId).then(
                    () => void refetch(),
                    (e: unknown) => notifications.show({ color: 'red', title: 'Could not cancel', message: errorMessage(e) }),
                  );
                }}
              >
                Cancel
              </Anchor>
            </Group>
          </Stack>
        ),
        autoClose: false,
        withCloseButton: false,
        loading: false,
      });
      return;
    }
    // finished: the list, counts and trash all change
    void qc.invalidateQueries({ queryKey: keys.contacts });
    jobStore.remove(job.jobId);
    const done = affectedOf(data!.result, data!.processed);
    if (data!.status === 'succeeded') {
      // a Trash restore that had to leave rows behind says which and why
      const notes = isTrashAction(job.action) ? trashNotes(data!.result) : null;
      const skipped = skippedCountOf(data!.result) > 0;
      upsert({
        id,
        color: skipped ? 'yellow' : 'green',
        title: wording.done(done),
        message: notes ? (
          <TrashResultMessage result={data!.result} />
        ) : job.action === 'delete' ? (
          <Group gap={6}>
            <Text size="sm">They stay in the Trash for 30 days.</Text>
            <Anchor component="button" size="sm" onClick={() => navigate('/contacts/trash')}>
              Open Trash
            </Anchor>
          </Group>
        ) : (
          (unchangedNote(job.action, data!.total ?? job.expected, done) ?? undefined)
        ),
        autoClose: skipped ? 20_000 : 10_000,
        withCloseButton: true,
      });
    } else {
      const reason =
        failureOf(data!.result) ?? (data!.status === 'cancelled' ? 'The job was cancelled.' : 'The job stopped with an error.');
      upsert({
        id,
        color: data!.status === 'cancelled' ? 'yellow' : 'red',
        title: wording.failed,
        message: `${reason} ${contactsText(done)} ${done === 1 ? 'was' : 'were'} done before it stopped.`,
        autoClose: false,
        withCloseButton: true,
      });
    }
  }, [data, gone, job, qc, navigate, refetch]);

  return null;
}
