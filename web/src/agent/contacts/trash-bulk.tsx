// Bulk actions of the Trash: the bar for selected rows (Restore, Delete forever) and "Empty trash".
// Both call POST /api/v1/contacts/trash/bulk: a 200 answer is reported at once with its exact counts
// (and the rows a restore had to leave behind), a 202 job is tracked like the directory's bulk jobs.
import { useState } from 'react';
import { Button } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowBackUp, IconTrashX } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage, type TrashBulkAction, type TrashBulkTarget } from '../../lib/api.ts';
import { formatCount, formatTotal } from '../../lib/format.ts';
import { bulkWording, jobStore, skippedCountOf } from '../../lib/jobs.ts';
import { keys } from '../../lib/queries.ts';
import { TrashResultMessage } from '../../components/trash-result.tsx';
import { bulkTarget, isEmpty, selectedCount, type Selection } from './selection.ts';
import { ConfirmDialog, SelectionBar } from './selection-bar.tsx';

interface Run {
  action: TrashBulkAction;
  target: TrashBulkTarget;
  /** how many rows the person meant (the job's own total wins once it is known) */
  expected: number | null;
}

/** Runs a Trash bulk action and reports it: a notification for 200, a tracked job for 202. */
function useTrashBulk(onDone: () => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (run: Run) => api.trashBulk(run.action, run.target),
    onSuccess: (res, run) => {
      onDone();
      if (res.jobId !== undefined) {
        jobStore.add({ jobId: res.jobId, action: run.action, expected: run.expected });
        return;
      }
      void qc.invalidateQueries({ queryKey: keys.contacts });
      const skipped = skippedCountOf(res) > 0;
      notifications.show({
        color: skipped ? 'yellow' : 'green',
        title: bulkWording[run.action].done(res.affected),
        message: <TrashResultMessage result={res} />,
        autoClose: skipped ? 20_000 : 6000,
      });
    },
  });
}

const contactsWord = (n: number) => (n === 1 ? 'contact' : 'contacts');

export function TrashBulkBar(props: {
  selection: Selection;
  /** rows in the Trash matching the search */
  total: number;
  q: string;
  onClear: () => void;
}) {
  const { selection } = props;
  const [confirming, setConfirming] = useState<TrashBulkAction | null>(null);
  const run = useTrashBulk(() => {
    setConfirming(null);
    props.onClear();
  });
  const matching = selection.kind === 'matching';
  const count = selectedCount(selection, props.total);
  const countText = `${formatCount(count)} ${matching ? 'deleted ' : ''}${contactsWord(count)}`;
  const who = matching ? `All ${countText}${props.q ? ` matching “${props.q}”` : ' in the Trash'}` : countText;

  const go = (action: TrashBulkAction) =>
    run.mutate({ action, target: bulkTarget(selection, props.q ? { q: props.q } : {}), expected: count });
  const start = (action: TrashBulkAction) => {
    run.reset();
    // erasing always asks; restoring asks when it reaches rows the person has not seen
    if (action === 'purge' || matching) {
      setConfirming(action);
      return;
    }
    run.mutate(
      { action, target: bulkTarget(selection, {}), expected: count },
      { onError: (e) => notifications.show({ color: 'red', title: 'The contacts were not restored', message: errorMessage(e) }) },
    );
  };
  const close = () => {
    setConfirming(null);
    run.reset();
  };

  return (
    <>
      <SelectionBar
        opened={!isEmpty(selection)}
        countText={matching ? `All ${countText} selected` : `${formatCount(count)} selected`}
        busy={run.isPending}
        onClear={props.onClear}
        actions={[
          {
            key: 'restore',
            label: 'Restore',
            icon: IconArrowBackUp,
            onClick: () => start('restore'),
            loading: run.isPending && run.variables?.action === 'restore' && !confirming,
          },
          { key: 'purge', label: 'Delete forever', icon: IconTrashX, danger: true, onClick: () => start('purge') },
        ]}
      />
      <ConfirmDialog
        opened={confirming !== null}
        onClose={close}
        title={
          confirming === 'purge'
            ? `Delete ${matching ? 'all ' : ''}${countText} forever?`
            : `Restore ${matching ? 'all ' : ''}${countText}?`
        }
        confirmLabel={confirming === 'purge' ? 'Delete forever' : 'Restore'}
        danger={confirming === 'purge'}
        pending={run.isPending}
        error={run.isError ? run.error : null}
        onConfirm={() => confirming && go(confirming)}
      >
        {confirming === 'purge' ? (
          <>
            {who} will be erased now, with their emails, phones, notes and portal access. <b>This cannot be undone.</b>
          </>
        ) : (
          <>
            {who} {count === 1 ? 'goes' : 'go'} back to the directory. A contact whose primary email another contact has now stays in the
            Trash; you will see which.
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

/** "Empty trash" in the page header: erases every contact in the Trash, after a confirmation. */
export function EmptyTrashButton(props: { size: number | undefined }) {
  const [open, setOpen] = useState(false);
  const run = useTrashBulk(() => setOpen(false));
  const n = props.size ?? 0;
  return (
    <>
      <Button
        color="red"
        variant="light"
        leftSection={<IconTrashX size={17} />}
        disabled={!n}
        onClick={() => {
          run.reset();
          setOpen(true);
        }}
      >
        Empty trash
      </Button>
      <ConfirmDialog
        opened={open}
        onClose={() => {
          setOpen(false);
          run.reset();
        }}
        title="Empty the Trash?"
        confirmLabel="Empty trash"
        danger
        pending={run.isPending}
        error={run.isError ? run.error : null}
        onConfirm={() => run.mutate({ action: 'purge', target: { filter: {} }, expected: n })}
      >
        {n === 1 ? 'The 1 contact' : `All ${formatTotal(n, false, 'contact')}`} in the Trash will be erased now, with their emails, phones,
        notes and portal access. <b>This cannot be undone.</b>
      </ConfirmDialog>
    </>
  );
}
