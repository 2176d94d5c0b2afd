import { useState } from 'react';
import { ActionBar, Alert, Anchor, Button, Group, Modal, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconCircleCheck, IconCircleOff, IconMailForward, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, errorMessage, type BulkAction, type ContactFilter } from '../../lib/api.ts';
import { formatCount, formatTotal } from '../../lib/format.ts';
import { bulkWording, jobStore, unchangedNote } from '../../lib/jobs.ts';
import { keys } from '../../lib/queries.ts';
import { bulkTarget, isEmpty, selectedCount, type Selection } from './selection.ts';

// Export has its own menu (the export dialog offers CSV or XLSX); the rest act from this bar.
const shownActions: BulkAction[] = ['invite', 'activate', 'deactivate', 'delete'];

const labels: Partial<Record<BulkAction, { label: string; icon: typeof IconTrash; color?: string }>> = {
  invite: { label: 'Send portal invitation', icon: IconMailForward },
  activate: { label: 'Activate', icon: IconCircleCheck },
  deactivate: { label: 'Deactivate', icon: IconCircleOff },
  delete: { label: 'Delete', icon: IconTrash, color: 'red' },
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
    if (run.isPending) return;
    setConfirming(null);
    run.reset();
  };

  const who = matching ? `All ${countText} ${props.filterText}` : countText;
  return (
    <>
      <ActionBar
        opened={!isEmpty(selection)}
        onClose={props.onClear}
        closeOnEscape
        aria-label="Bulk actions"
        shadow="lg"
        radius="md"
        data-testid="bulk-bar"
        // below modals, so the confirmation's overlay covers it
        zIndex={190}
        px="sm"
      >
        <Text size="sm" fw={600} px={6} aria-live="polite" style={{ whiteSpace: 'nowrap' }}>
          {matching ? `All ${countText} selected` : `${formatCount(count)} selected`}
        </Text>
        <ActionBar.Divider />
        {shownActions.map((action) => {
          const l = labels[action]!;
          return (
            <Button
              key={action}
              size="sm"
              variant={action === 'delete' ? 'light' : 'subtle'}
              color={l.color ?? 'gray'}
              c={l.color ? undefined : 'var(--mantine-color-text)'}
              leftSection={<l.icon size={16} />}
              onClick={() => start(action)}
              loading={run.isPending && run.variables === action && !confirming}
              disabled={run.isPending}
            >
              {l.label}
            </Button>
          );
        })}
        <ActionBar.Divider />
        <ActionBar.CloseButton aria-label="Clear selection" />
      </ActionBar>

      <Modal
        opened={confirming !== null}
        onClose={closeModal}
        centered
        radius="md"
        title={
          confirming === 'delete'
            ? count === 1 && !matching
              ? 'Delete 1 contact?'
              : `Delete ${matching ? 'all ' : ''}${countText}?`
            : confirming === 'invite'
              ? `Send portal invitations to ${matching ? 'all ' : ''}${countText}?`
              : `${labels[confirming ?? 'activate']?.label} ${matching ? 'all ' : ''}${countText}?`
        }
      >
        <Text size="sm">
          {confirming === 'delete' ? (
            <>
              {who} {count === 1 && !matching ? 'moves' : 'move'} to the <b>Trash</b>. You can restore{' '}
              {count === 1 && !matching ? 'it' : 'them'} from the Trash for <b>30 days</b>; after that{' '}
              {count === 1 && !matching ? 'it is' : 'they are'} erased for good.
            </>
          ) : confirming === 'invite' ? (
            <>
              {who} {count === 1 && !matching ? 'gets' : 'get'} an email with a personal link to the portal. Contacts who are inactive, have
              no portal access or no primary email are skipped.
            </>
          ) : confirming === 'deactivate' ? (
            <>{who} will be marked inactive. Inactive contacts cannot sign in to the portal; nothing else about them changes.</>
          ) : (
            <>{who} will be marked active.</>
          )}
        </Text>
        {run.isError && (
          <Alert color="red" variant="light" mt="md" icon={<IconAlertCircle size={18} />} role="alert">
            {errorMessage(run.error)}
          </Alert>
        )}
        <Group justify="flex-end" mt="xl">
          <Button variant="default" onClick={closeModal} disabled={run.isPending}>
            Cancel
          </Button>
          <Button
            color={confirming === 'delete' ? 'red' : undefined}
            onClick={() => confirming && run.mutate(confirming)}
            loading={run.isPending}
          >
            {confirming === 'delete'
              ? `Delete ${count === 1 && !matching ? 'contact' : 'contacts'}`
              : confirming === 'invite'
                ? `Send ${count === 1 && !matching ? 'invitation' : 'invitations'}`
                : labels[confirming ?? 'activate']?.label}
          </Button>
        </Group>
      </Modal>
    </>
  );
}
