import { useState } from 'react';
import { Anchor, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCircleCheck, IconCircleOff, IconForms, IconMailForward, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, errorMessage, type BulkAction, type ContactFilter } from '../../lib/api.ts';
import { formatCount, formatTotal } from '../../lib/format.ts';
import { bulkWording, jobStore, unchangedNote } from '../../lib/jobs.ts';
import { keys } from '../../lib/queries.ts';
import { bulkTarget, isEmpty, selectedCount, type Selection } from './selection.ts';
import { ConfirmDialog, SelectionBar } from './selection-bar.tsx';
import { AssignFormModal } from '../forms/assign-form-modal.tsx';

// Export has its own menu (the export dialog offers CSV or XLSX); the rest act from this bar.
const shownActions: BulkAction[] = ['invite', 'activate', 'deactivate', 'delete'];

const labels: Partial<Record<BulkAction, { label: string; icon: typeof IconTrash }>> = {
  invite: { label: 'Send portal invitation', icon: IconMailForward },
  activate: { label: 'Activate', icon: IconCircleCheck },
  deactivate: { label: 'Deactivate', icon: IconCircleOff },
  delete: { label: 'Delete', icon: IconTrash },
};

/**
 * The bar at the bottom of the directory while rows are selected: bulk actions, a confirmation for
 * delete (and for anything sent to every matching contact), then the result or a background job.
 */
export function BulkBar(props: {
  selection: Selection;
  total: number;
  totalIsEstimate: boolean;
  filter: ContactFilter;
  /** e.g. 'matching “ann”, active only' */
  filterText: string;
  onClear: () => void;
}) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState<BulkAction | null>(null);
  // "Assign form" keeps the selection it was opened with, so clearing the bar does not change its target
  const [assigning, setAssigning] = useState<{ target: { contactIds: string[] } | { filter: ContactFilter }; text: string } | null>(null);
  const { selection } = props;
  const matching = selection.kind === 'matching';
  const count = selectedCount(selection, props.total);
  const countText = matching
    ? formatTotal(props.total, props.totalIsEstimate, 'contact')
    : `${formatCount(count)} ${count === 1 ? 'contact' : 'contacts'}`;

  const run = useMutation({
    mutationFn: (action: BulkAction) => api.bulkContacts(action, bulkTarget(selection, props.filter)),
    onSuccess: (res, action) => {
      setConfirming(null);
      props.onClear();
      if (res.jobId !== undefined) {
        jobStore.add({ jobId: res.jobId, action, expected: matching && props.totalIsEstimate ? null : count });
        return;
      }
      void qc.invalidateQueries({ queryKey: keys.contacts });
      notifications.show({
        color: 'green',
        title: bulkWording[action].done(res.affected),
        message:
          action === 'delete' ? (
            <Group gap={6}>
              <Text size="sm">They stay in the Trash for 30 days.</Text>
              <Anchor component="button" size="sm" onClick={() => navigate('/contacts/trash')}>
                Open Trash
              </Anchor>
            </Group>
          ) : (
            (unchangedNote(action, matching && props.totalIsEstimate ? null : count, res.affected) ?? undefined)
          ),
      });
    },
    onError: (e, action) => {
      if (confirming) return; // shown in the dialog
      notifications.show({ color: 'red', title: `${labels[action]?.label ?? 'The action'} did not run`, message: errorMessage(e) });
    },
  });

  const start = (action: BulkAction) => {
    run.reset();
    // deleting always asks; other actions ask when they reach rows the person has not seen
    if (action === 'delete' || action === 'invite' || matching) setConfirming(action);
    else run.mutate(action);
  };

  const closeModal = () => {
    setConfirming(null);
    run.reset();
  };

  const barAction = (action: BulkAction) => ({
    key: action,
    label: labels[action]!.label,
    icon: labels[action]!.icon,
    danger: action === 'delete',
    onClick: () => start(action),
    loading: run.isPending && run.variables === action && !confirming,
  });

  const who = matching ? `All ${countText} ${props.filterText}` : countText;
  const one = count === 1 && !matching;
  return (
    <>
      <SelectionBar
        opened={!isEmpty(selection)}
        countText={matching ? `All ${countText} selected` : `${formatCount(count)} selected`}
        busy={run.isPending}
        onClear={props.onClear}
        actions={[
          ...shownActions.slice(0, 1).map((action) => barAction(action)),
          {
            key: 'assign-form',
            label: 'Assign form',
            icon: IconForms,
            onClick: () => {
              const t = bulkTarget(selection, props.filter);
              setAssigning({
                target: 'ids' in t ? { contactIds: t.ids } : { filter: t.filter },
                text: matching ? `All ${countText} ${props.filterText}` : countText,
              });
            },
          },
          ...shownActions.slice(1).map((action) => barAction(action)),
        ]}
      />
      <AssignFormModal
        opened={assigning !== null}
        onClose={() => setAssigning(null)}
        target={assigning?.target}
        targetText={assigning?.text}
      />

      <ConfirmDialog
        opened={confirming !== null}
        onClose={closeModal}
        title={
          confirming === 'delete'
            ? one
              ? 'Delete 1 contact?'
              : `Delete ${matching ? 'all ' : ''}${countText}?`
            : confirming === 'invite'
              ? `Send portal invitations to ${matching ? 'all ' : ''}${countText}?`
              : `${labels[confirming ?? 'activate']?.label} ${matching ? 'all ' : ''}${countText}?`
        }
        confirmLabel={
          confirming === 'delete'
            ? `Delete ${one ? 'contact' : 'contacts'}`
            : confirming === 'invite'
              ? `Send ${one ? 'invitation' : 'invitations'}`
              : (labels[confirming ?? 'activate']?.label ?? '')
        }
        danger={confirming === 'delete'}
        pending={run.isPending}
        error={run.isError ? run.error : null}
        onConfirm={() => confirming && run.mutate(confirming)}
      >
        {confirming === 'delete' ? (
          <>
            {who} {one ? 'moves' : 'move'} to the <b>Trash</b>. You can restore {one ? 'it' : 'them'} from the Trash for <b>30 days</b>;
            after that {one ? 'it is' : 'they are'} erased for good.
          </>
        ) : confirming === 'invite' ? (
          <>
            {who} {one ? 'gets' : 'get'} an email with a personal link to the portal. Contacts who are inactive, have no portal access or no
            primary email are skipped.
          </>
        ) : confirming === 'deactivate' ? (
          <>{who} will be marked inactive. Inactive contacts cannot sign in to the portal; nothing else about them changes.</>
        ) : (
          <>{who} will be marked active.</>
        )}
      </ConfirmDialog>
    </>
  );
}
