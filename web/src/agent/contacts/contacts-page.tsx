import { useCallback, useMemo, useState } from 'react';
import { Anchor, Button, Card, EmptyState, Group, Menu, Paper, SegmentedControl, Select, Text, Tooltip } from '@mantine/core';
import {
  IconAddressBook,
  IconArrowsSort,
  IconCheck,
  IconPlus,
  IconFileUpload,
  IconSearchOff,
  IconCopy,
  IconTrash,
  IconFilterOff,
  IconRosetteDiscountCheck,
} from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router';
import type { Contact, ContactSort } from '../../lib/api.ts';
import { formatCount, formatTotal } from '../../lib/format.ts';
import { useContactDirectory, useDirectoryIsEmpty, usePermissions } from '../../lib/queries.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SearchInput } from '../../components/search-input.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { DeleteContactModal } from './delete-contact-modal.tsx';
import { ContactsTable } from './contacts-table.tsx';
import { BulkBar } from './bulk-bar.tsx';
import {
  describeSort,
  nextSort,
  parseDirectoryState,
  toContactFilter,
  toListQuery,
  writeDirectoryState,
  type DirectoryState,
  type SortColumn,
  type StatusFilter,
  type VerifiedFilter,
} from './directory-state.ts';
import { selectedCount } from './selection.ts';
import { useRowSelection } from './use-row-selection.ts';
import { ListLoadError, SelectionBanners, usePagedRows } from './directory-table.tsx';
import { CopyTeamPortalUrlButton, useContactPortalActions } from '../portal/portal-actions.tsx';
import { ContactsTransferActions } from '../exports/contacts-transfer-actions.tsx';

const PAGE_SIZE = 100;

const statusOptions: { value: StatusFilter; label: string }[] = [
  { value: 'active', label: 'Active' },
  { value: 'inactive', label: 'Inactive' },
  { value: 'all', label: 'All' },
];
const verifiedOptions: { value: VerifiedFilter; label: string }[] = [
  { value: 'any', label: 'Any verification' },
  { value: 'verified', label: 'Verified' },
  { value: 'unverified', label: 'Unverified' },
];
const sortMenu: ContactSort[] = ['lastName', '-lastName', 'firstName', 'company', 'primaryEmail', '-createdAt', 'createdAt', '-updatedAt'];

/** "matching “ann”, inactive only, verified" — for confirmations about every matching contact. */
function describeFilter(state: DirectoryState): string {
  const parts: string[] = [];
  if (state.q.trim()) parts.push(`matching “${state.q.trim()}”`);
  if (state.status !== 'all') parts.push(`${state.status} only`);
  if (state.verified !== 'any') parts.push(state.verified);
  return parts.length ? `(${parts.join(', ')})` : 'in the directory';
}

export function ContactsPage() {
  const perms = usePermissions();
  const portalActions = useContactPortalActions();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => parseDirectoryState(params), [params]);
  const [toDelete, setToDelete] = useState<Contact | null>(null);
  usePageTitle(state.q ? `“${state.q}” · Contacts` : 'Contacts');

  const query = toListQuery(state, PAGE_SIZE);
  const list = useContactDirectory(query);
  const contacts = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const firstPage = list.data?.pages[0];
  const total = firstPage?.total ?? 0;
  const totalIsEstimate = firstPage?.totalIsEstimate ?? false;
  const loadedIds = useMemo(() => contacts.map((c) => c.id), [contacts]);
  const filter = useMemo(() => toContactFilter(state), [state]);
  // showing the rows of the previous search while this one loads
  const stale = list.isPlaceholderData;

  const noRows = !list.isPending && !stale && !list.isError && contacts.length === 0;
  const filtered = state.q.trim() !== '' || state.status !== 'all' || state.verified !== 'any';
  const emptyCheck = useDirectoryIsEmpty(noRows && filtered);
  const directoryEmpty = emptyCheck.data ?? (noRows && !filtered);
  // no rows for this filter: wait to know whether the directory is empty before saying which
  const checkingEmpty = noRows && filtered && emptyCheck.isPending;

  // a new search or filter starts with nothing selected; a new sort keeps the selection
  const rowSelection = useRowSelection(loadedIds, JSON.stringify(filter));
  const { selection } = rowSelection;

  const update = useCallback(
    (patch: Partial<DirectoryState>, opts: { replace?: boolean } = {}) => {
      setParams((prev) => writeDirectoryState({ ...parseDirectoryState(prev), ...patch }, prev), { replace: opts.replace });
      window.scrollTo({ top: 0 });
    },
    [setParams],
  );

  const onSort = useCallback((column: SortColumn) => update({ sort: nextSort(state.sort, column) }), [update, state.sort]);

  const paged = usePagedRows(list);

  const canSelect = perms.modifyContacts;
  const totalText = firstPage ? formatTotal(total, totalIsEstimate, 'contact') : undefined;

  return (
    <>
      <PageHeader
        title="Contacts"
        description={
          <span aria-live="polite" data-testid="contacts-total">
            {totalText ?? ' '}
          </span>
        }
        actions={
          <>
            <CopyTeamPortalUrlButton />
            <Button component={Link} to="/contacts/duplicates" variant="default" leftSection={<IconCopy size={17} />}>
              Duplicates
            </Button>
            <Button component={Link} to="/contacts/trash" variant="default" leftSection={<IconTrash size={17} />}>
              Trash
            </Button>
            <ContactsTransferActions
              filter={filter}
              total={total}
              totalIsEstimate={totalIsEstimate}
              selectedIds={selection.kind === 'ids' && selection.ids.size ? [...selection.ids] : undefined}
            />
            {perms.modifyContacts && !directoryEmpty && (
              <Button component={Link} to="/contacts/new" leftSection={<IconPlus size={18} />}>
                Create contact
              </Button>
            )}
          </>
        }
      />

      {!directoryEmpty && (
        <Group gap="sm" mb="md" wrap="wrap" role="search" aria-label="Search and filter contacts">
          <SearchInput
            value={state.q}
            onSearch={(q) => update({ q }, { replace: true })}
            label="Search contacts"
            placeholder="Search name, company, email or phone"
            loading={stale && list.isFetching}
          />
          <SegmentedControl
            aria-label="Status"
            data={statusOptions}
            value={state.status}
            onChange={(v) => update({ status: v as StatusFilter })}
            withItemsBorders={false}
          />
          <Select
            aria-label="Portal verification"
            data={verifiedOptions}
            value={state.verified}
            onChange={(v) => v && update({ verified: v as VerifiedFilter })}
            allowDeselect={false}
            w={186}
            leftSection={<IconRosetteDiscountCheck size={17} stroke={1.7} />}
            comboboxProps={{ withinPortal: true }}
          />
          <Menu position="bottom-end" shadow="md" width={240}>
            <Menu.Target>
              <Tooltip label={`Sorted by ${describeSort(state.sort).toLowerCase()}`}>
                <Button variant="default" leftSection={<IconArrowsSort size={17} />} hiddenFrom="lg">
                  Sort
                </Button>
              </Tooltip>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Sort by</Menu.Label>
              {sortMenu.map((s) => (
                <Menu.Item
                  key={s}
                  onClick={() => update({ sort: s })}
                  rightSection={s === state.sort ? <IconCheck size={15} /> : null}
                  aria-current={s === state.sort ? 'true' : undefined}
                >
                  {describeSort(s)}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        </Group>
      )}

      <ListLoadError title="Could not load contacts" list={list} />

      {directoryEmpty ? (
        <Card>
          <EmptyState
            py={56}
            variant="light"
            icon={<IconAddressBook size={30} />}
            title="No contacts yet"
            description={
              perms.modifyContacts
                ? `Contacts are the people your team supports. Create your first contact${
                    perms.importContacts ? ', or import them from a CSV or Excel file with the Import wizard' : ''
                  }.`
                : 'Contacts are the people your team supports. Ask a team owner or admin to add contacts, or to give you the Modify contacts permission.'
            }
          >
            {perms.modifyContacts && (
              <EmptyState.Actions>
                <Group justify="center">
                  <Button component={Link} to="/contacts/new" leftSection={<IconPlus size={18} />}>
                    Create contact
                  </Button>
                  {perms.importContacts && (
                    <Button component={Link} to="/contacts/import" variant="default" leftSection={<IconFileUpload size={18} />}>
                      Import contacts
                    </Button>
                  )}
                </Group>
              </EmptyState.Actions>
            )}
          </EmptyState>
        </Card>
      ) : checkingEmpty ? null : noRows ? (
        <Card>
          <NoResults state={state} onChange={(patch) => update(patch)} />
        </Card>
      ) : (
        <Paper withBorder radius="md" className="kd-directory-card">
          {canSelect && (
            <SelectionBanners
              selection={selection}
              loadedIds={loadedIds}
              total={total}
              totalIsEstimate={totalIsEstimate}
              noun={['contact', 'contacts']}
              scope={describeFilter(state)}
              onChange={rowSelection.setSelection}
            />
          )}
          <ContactsTable
            contacts={contacts}
            {...paged}
            sort={state.sort}
            onSort={onSort}
            q={state.q}
            selection={canSelect ? selection : null}
            headerCheck={rowSelection.headerCheck}
            onToggleAll={rowSelection.onToggleAll}
            onToggleRow={rowSelection.onToggleRow}
            canModify={perms.modifyContacts}
            onDelete={setToDelete}
            portalItems={portalActions.items}
          />
          {portalActions.dialogs}
          {!list.hasNextPage && contacts.length > 0 && !stale && (
            <Text size="xs" c="dimmed" ta="center" py="sm" className="kd-list-end">
              {contacts.length === 1 ? '1 contact' : `All ${formatCount(contacts.length)} contacts`} · sorted by{' '}
              {describeSort(state.sort).toLowerCase()}
            </Text>
          )}
        </Paper>
      )}

      {canSelect && (
        <BulkBar
          selection={selection}
          total={total}
          totalIsEstimate={totalIsEstimate}
          filter={filter}
          filterText={describeFilter(state)}
          onClear={rowSelection.clear}
        />
      )}
      {/* room for the bulk bar, so it never covers the last rows */}
      {canSelect && selectedCount(selection, total) > 0 && <div style={{ height: 72 }} aria-hidden />}

      <DeleteContactModal contact={toDelete} onClose={() => setToDelete(null)} onDeleted={(c) => rowSelection.drop(c.id)} />
    </>
  );
}

function NoResults(props: { state: DirectoryState; onChange: (patch: Partial<DirectoryState>) => void }) {
  const { state } = props;
  const q = state.q.trim();
  const statusWord = state.status === 'all' ? '' : `${state.status} `;
  const verifiedWord = state.verified === 'any' ? '' : ` (${state.verified})`;
  return (
    <EmptyState
      py={56}
      variant="light"
      color="gray"
      icon={q ? <IconSearchOff size={28} /> : <IconFilterOff size={28} />}
      title={q ? `No ${statusWord}contacts match “${q}”${verifiedWord}` : `No ${statusWord}contacts${verifiedWord}`}
      description={
        <>
          {q
            ? 'Search looks at names, companies, primary and labeled emails, and phone numbers (formatting does not matter). Check the spelling, or search for less.'
            : 'No contact has this status. Try another filter.'}{' '}
          Deleted contacts are in the{' '}
          <Anchor component={Link} to={q ? `/contacts/trash?q=${encodeURIComponent(q)}` : '/contacts/trash'} inherit>
            Trash
          </Anchor>
          .
        </>
      }
    >
      <EmptyState.Actions>
        <Group justify="center">
          {q && <Button onClick={() => props.onChange({ q: '' })}>Clear search</Button>}
          {(state.status !== 'all' || state.verified !== 'any') && (
            <Button variant={q ? 'default' : 'filled'} onClick={() => props.onChange({ status: 'all', verified: 'any' })}>
              Search all contacts
            </Button>
          )}
        </Group>
      </EmptyState.Actions>
    </EmptyState>
  );
}
