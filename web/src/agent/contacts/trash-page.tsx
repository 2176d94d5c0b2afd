import { useMemo, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Anchor,
  Avatar,
  Breadcrumbs,
  Button,
  Card,
  EmptyState,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconArrowBackUp, IconSearchOff, IconTrash, IconTrashX } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, errorMessage, type TrashedContact } from '../../lib/api.ts';
import { contactName, daysUntil, formatCount, formatDateTime, formatRelative, formatTotal, initials } from '../../lib/format.ts';
import { keys, usePermissions, useTrash, useTrashSize } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SearchInput } from '../../components/search-input.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { colorFor, Marked } from './contacts-table.tsx';
import {
  CHECK_CELL,
  DirectoryTable,
  ListLoadError,
  pagingOf,
  RowCheckCell,
  SelectAllHeader,
  SelectionBanners,
  usePagedRows,
  type PagedRows,
} from './directory-table.tsx';
import { isSelected, selectedCount, type Selection } from './selection.ts';
import { useRowSelection } from './use-row-selection.ts';
import { EmptyTrashButton, TrashBulkBar } from './trash-bulk.tsx';

// name, email, company, deleted, erased; then the actions column for members who may change contacts
const trashColumns = ['', 'kd-col-sm', 'kd-col-md', 'kd-col-sm', 'kd-col-lg'];

const PAGE_SIZE = 100;
const RETENTION_DAYS = 30;
const dash = (
  <Text span c="dimmed" size="sm">
    —
  </Text>
);

/** /contacts/trash — deleted contacts, restorable for 30 days, or erased at once. */
export default function TrashPage() {
  const perms = usePermissions();
  const [params, setParams] = useSearchParams();
  const q = (params.get('q') ?? '').slice(0, 200);
  const [purging, setPurging] = useState<TrashedContact | null>(null);
  usePageTitle('Trash · Contacts');

  const list = useTrash(q, PAGE_SIZE);
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const first = list.data?.pages[0];
  const total = first?.total ?? 0;
  const stale = list.isPlaceholderData;
  const canModify = perms.modifyContacts;
  const loadedIds = useMemo(() => items.map((c) => c.id), [items]);
  // a new search starts with nothing selected
  const rowSelection = useRowSelection(loadedIds, q);
  const { selection } = rowSelection;
  // "Empty trash" is about the whole Trash, also while the list shows a search's matches
  const wholeTrash = useTrashSize(canModify && q !== '');
  const trashSize = q ? wholeTrash.data : first?.total;

  const setQ = (next: string) => {
    const p = new URLSearchParams(params);
    if (next) p.set('q', next);
    else p.delete('q');
    setParams(p, { replace: true });
    window.scrollTo({ top: 0 });
  };

  const paged = usePagedRows(list);

  if (!list.data && list.error instanceof ApiError && list.error.status === 403) {
    return <ErrorState title="You cannot open the Trash" error={list.error} />;
  }

  const empty = !list.isPending && !stale && !list.isError && items.length === 0;
  return (
    <>
      <PageHeader
        above={
          <Breadcrumbs separatorMargin={6} fz="sm">
            <Anchor component={Link} to="/contacts" size="sm">
              Contacts
            </Anchor>
            <Text size="sm" c="dimmed">
              Trash
            </Text>
          </Breadcrumbs>
        }
        title="Trash"
        actions={canModify ? <EmptyTrashButton size={trashSize} /> : undefined}
        description={
          <span data-testid="trash-total" aria-live="polite">
            {first && first.total > 0
              ? `${formatTotal(first.total, first.totalIsEstimate, 'deleted contact')} · each is erased for good ${RETENTION_DAYS} days after it was deleted`
              : ' '}
          </span>
        }
      />

      {(items.length > 0 || q) && (
        <Group mb="md">
          <SearchInput
            value={q}
            onSearch={setQ}
            label="Search the Trash"
            placeholder="Search deleted contacts"
            loading={stale && list.isFetching}
          />
        </Group>
      )}

      <ListLoadError title="Could not load the Trash" list={list} />

      {empty ? (
        <Card>
          {q ? (
            <EmptyState
              py={56}
              variant="light"
              color="gray"
              icon={<IconSearchOff size={28} />}
              title={`No deleted contacts match “${q}”`}
              description="Only contacts deleted in the last 30 days are in the Trash."
            >
              <EmptyState.Actions>
                <Button onClick={() => setQ('')}>Clear search</Button>
              </EmptyState.Actions>
            </EmptyState>
          ) : (
            <EmptyState
              py={56}
              variant="light"
              color="gray"
              icon={<IconTrash size={28} />}
              title="The Trash is empty"
              description={`Deleted contacts stay here for ${RETENTION_DAYS} days, so a contact deleted by mistake can be restored.`}
            >
              <EmptyState.Actions>
                <Button component={Link} to="/contacts" variant="default">
                  Back to Contacts
                </Button>
              </EmptyState.Actions>
            </EmptyState>
          )}
        </Card>
      ) : (
        <Paper withBorder radius="md" className="kd-directory-card">
          {canModify && (
            <SelectionBanners
              selection={selection}
              loadedIds={loadedIds}
              total={total}
              totalIsEstimate={false}
              noun={['deleted contact', 'deleted contacts']}
              scope={q ? `matching “${q}”` : 'in the Trash'}
              onChange={rowSelection.setSelection}
            />
          )}
          <TrashTable
            items={items}
            {...paged}
            q={q}
            canModify={canModify}
            selection={canModify ? selection : null}
            headerCheck={rowSelection.headerCheck}
            onToggleAll={rowSelection.onToggleAll}
            onToggleRow={rowSelection.onToggleRow}
            onGone={rowSelection.drop}
            onPurge={setPurging}
          />
        </Paper>
      )}

      {canModify && <TrashBulkBar selection={selection} total={total} q={q} onClear={rowSelection.clear} />}
      {/* room for the bulk bar, so it never covers the last rows */}
      {canModify && selectedCount(selection, total) > 0 && <div style={{ height: 72 }} aria-hidden />}

      <PurgeModal contact={purging} onClose={() => setPurging(null)} onPurged={(c) => rowSelection.drop(c.id)} />
    </>
  );
}

function TrashTable(
  props: PagedRows & {
    items: TrashedContact[];
    q: string;
    canModify: boolean;
    /** null: no checkboxes (the member cannot change contacts) */
    selection: Selection | null;
    headerCheck: 'all' | 'some' | 'none';
    onToggleAll: () => void;
    onToggleRow: (id: string, index: number, shiftKey: boolean) => void;
    onGone: (id: string) => void;
    onPurge: (c: TrashedContact) => void;
  },
) {
  const { items, selection } = props;
  return (
    <DirectoryTable
      label="Deleted contacts"
      what="deleted contacts"
      items={items}
      classes={[...(selection ? [CHECK_CELL] : []), ...trashColumns, ...(props.canModify ? [''] : [])]}
      {...pagingOf(props)}
      skeletonRows={6}
      header={
        <>
          {selection && (
            <SelectAllHeader what="deleted contacts" state={props.headerCheck} onToggle={props.onToggleAll} disabled={items.length === 0} />
          )}
          <Table.Th>Name</Table.Th>
          <Table.Th className="kd-col-sm">Primary email</Table.Th>
          <Table.Th className="kd-col-md" w="18%">
            Company
          </Table.Th>
          <Table.Th w={140} className="kd-col-sm">
            Deleted
          </Table.Th>
          <Table.Th w={130} className="kd-col-lg">
            Erased
          </Table.Th>
          {props.canModify && (
            <Table.Th w={172}>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          )}
        </>
      }
      renderRow={(c, index, measure) => (
        <TrashRow
          key={c.id}
          index={index}
          measure={measure}
          contact={c}
          q={props.q}
          canModify={props.canModify}
          selected={selection ? isSelected(selection, c.id) : null}
          onToggle={props.onToggleRow}
          onGone={props.onGone}
          onPurge={props.onPurge}
        />
      )}
    />
  );
}

function TrashRow(props: {
  index: number;
  measure: (el: Element | null) => void;
  contact: TrashedContact;
  q: string;
  canModify: boolean;
  /** null: the row has no checkbox */
  selected: boolean | null;
  onToggle: (id: string, index: number, shiftKey: boolean) => void;
  onGone: (id: string) => void;
  onPurge: (c: TrashedContact) => void;
}) {
  const { contact: c } = props;
  const qc = useQueryClient();
  const navigate = useNavigate();
  const name = contactName(c);
  const erasedAt = new Date(new Date(c.deletedAt).getTime() + RETENTION_DAYS * 86_400_000).toISOString();
  const daysLeft = daysUntil(erasedAt);

  const restore = useMutation({
    mutationFn: () => api.restoreContact(c.id),
    onSuccess: (restored) => {
      props.onGone(c.id);
      void qc.invalidateQueries({ queryKey: keys.contacts });
      notifications.show({
        color: 'green',
        title: 'Contact restored',
        message: (
          <Group gap={8} wrap="nowrap" justify="space-between">
            <Text size="sm">{contactName(restored)} is back in the directory.</Text>
            <Anchor component="button" size="sm" fw={600} onClick={() => navigate(`/contacts/${restored.id}`)}>
              View
            </Anchor>
          </Group>
        ),
      });
    },
    onError: (e) => {
      // 409: the primary email is someone else's now; name them and offer to open them
      const other = e instanceof ApiError && e.status === 409 ? e.details.find((d) => typeof d.contactId === 'string') : undefined;
      notifications.show({
        color: 'red',
        title: `Could not restore ${name}`,
        autoClose: 15_000,
        message: other ? (
          <Stack gap={4}>
            <Text size="sm">
              The primary email {c.primaryEmail} now belongs to{' '}
              {typeof other.contactName === 'string' ? other.contactName : 'another contact'}. Change or remove that contact's email, then
              restore again.
            </Text>
            <Anchor component="button" size="sm" fw={600} ta="left" onClick={() => navigate(`/contacts/${String(other.contactId)}`)}>
              Open {typeof other.contactName === 'string' ? other.contactName : 'that contact'}
            </Anchor>
          </Stack>
        ) : (
          errorMessage(e)
        ),
      });
    },
  });

  return (
    <Table.Tr
      ref={props.measure}
      data-index={props.index}
      className="kd-vrow"
      data-contact-id={c.id}
      bg={props.selected ? 'var(--mantine-primary-color-light)' : undefined}
      aria-selected={props.selected ?? undefined}
    >
      {props.selected !== null && (
        <RowCheckCell name={name} selected={props.selected} onToggle={(shift) => props.onToggle(c.id, props.index, shift)} />
      )}
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Avatar size={32} radius="xl" color={colorFor(c.id)} aria-hidden style={{ flexShrink: 0 }}>
            {initials(name)}
          </Avatar>
          <div style={{ minWidth: 0 }}>
            <Text size="sm" fw={600} truncate title={name} lh={1.35}>
              <Marked text={name} q={props.q} />
            </Text>
            {c.jobTitle && (
              <Text size="xs" c="dimmed" truncate title={c.jobTitle} lh={1.35}>
                {c.jobTitle}
              </Text>
            )}
            {c.mergedInto && (
              <Text size="xs" c="dimmed" lh={1.35}>
                Merged into{' '}
                <Anchor component={Link} to={`/contacts/${c.mergedInto}`} size="xs">
                  another contact
                </Anchor>{' '}
                · undo on the{' '}
                <Anchor component={Link} to="/contacts/duplicates" size="xs">
                  Duplicates
                </Anchor>{' '}
                page
              </Text>
            )}
          </div>
        </Group>
      </Table.Td>
      <Table.Td className="kd-col-sm">
        {c.primaryEmail ? (
          <Text size="sm" truncate title={c.primaryEmail}>
            <Marked text={c.primaryEmail} q={props.q} />
          </Text>
        ) : (
          dash
        )}
      </Table.Td>
      <Table.Td className="kd-col-md">
        {c.company ? (
          <Text size="sm" truncate title={c.company}>
            <Marked text={c.company} q={props.q} />
          </Text>
        ) : (
          dash
        )}
      </Table.Td>
      <Table.Td className="kd-col-sm">
        <Tooltip label={formatDateTime(c.deletedAt)}>
          <Text size="sm" c="dimmed" truncate>
            {formatRelative(c.deletedAt, Date.now(), 'short')}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td className="kd-col-lg">
        <Tooltip label={formatDateTime(erasedAt)}>
          <Text size="sm" c={daysLeft <= 3 ? 'orange.8' : 'dimmed'} truncate>
            {daysLeft === 0 ? 'today' : daysLeft === 1 ? 'in 1 day' : `in ${formatCount(daysLeft)} days`}
          </Text>
        </Tooltip>
      </Table.Td>
      {props.canModify && (
        <Table.Td>
          <Group gap={6} justify="flex-end" wrap="nowrap">
            <Button
              size="compact-sm"
              // on a selected row (tinted like a light button) a white button still reads as one
              variant={props.selected ? 'white' : 'light'}
              leftSection={<IconArrowBackUp size={15} />}
              onClick={() => restore.mutate()}
              loading={restore.isPending}
              aria-label={`Restore ${name}`}
            >
              Restore
            </Button>
            <Tooltip label="Delete forever">
              <ActionIcon variant="subtle" color="red" aria-label={`Delete ${name} forever`} onClick={() => props.onPurge(c)}>
                <IconTrashX size={17} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

function PurgeModal(props: { contact: TrashedContact | null; onClose: () => void; onPurged: (c: TrashedContact) => void }) {
  const qc = useQueryClient();
  const { contact } = props;
  const purge = useMutation({
    mutationFn: (c: TrashedContact) => api.purgeContact(c.id),
    onSuccess: (_v, c) => {
      props.onPurged(c);
      void qc.invalidateQueries({ queryKey: keys.contacts });
      notifications.show({ color: 'green', title: 'Deleted forever', message: `${contactName(c)} was erased.` });
      props.onClose();
      purge.reset();
    },
  });
  const close = () => {
    if (purge.isPending) return;
    purge.reset();
    props.onClose();
  };
  return (
    <Modal opened={contact !== null} onClose={close} title="Delete forever?" centered radius="md">
      <Text size="sm">
        <b>{contact ? contactName(contact) : ''}</b> will be erased now, with their emails, phones, notes and portal access. This cannot be
        undone.
      </Text>
      {purge.isError && (
        <Alert color="red" variant="light" mt="md" icon={<IconAlertCircle size={18} />} role="alert">
          {errorMessage(purge.error)}
        </Alert>
      )}
      <Group justify="flex-end" mt="xl">
        <Button variant="default" onClick={close} disabled={purge.isPending}>
          Cancel
        </Button>
        <Button color="red" onClick={() => contact && purge.mutate(contact)} loading={purge.isPending}>
          Delete forever
        </Button>
      </Group>
    </Modal>
  );
}
