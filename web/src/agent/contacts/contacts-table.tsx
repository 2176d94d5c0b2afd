import { memo, useCallback, useRef, type MouseEvent, type ReactNode } from 'react';
import {
  ActionIcon,
  Anchor,
  Avatar,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Menu,
  Skeleton,
  Table,
  Text,
  Tooltip,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowDown,
  IconArrowUp,
  IconCopy,
  IconDots,
  IconEye,
  IconPencil,
  IconRosetteDiscountCheckFilled,
  IconSelector,
  IconTrash,
} from '@tabler/icons-react';
import { Link, useNavigate } from 'react-router';
import type { Contact, ContactSort } from '../../lib/api.ts';
import { contactName, firstPhone, formatDate, formatDateTime, formatRelative, initials } from '../../lib/format.ts';
import { useWindowRows } from '../../lib/use-window-rows.ts';
import { splitMatches } from '../../lib/match.ts';
import { columnSortState, type SortColumn } from './directory-state.ts';
import { isSelected, type Selection } from './selection.ts';

const ROW_HEIGHT = 53;
const avatarColors = ['indigo', 'teal', 'grape', 'orange', 'cyan', 'pink', 'lime', 'violet'];
export const colorFor = (id: string) =>
  avatarColors[[...id].reduce((n, ch) => (n * 31 + ch.charCodeAt(0)) >>> 0, 7) % avatarColors.length]!;

const stop = (e: MouseEvent) => e.stopPropagation();

// Responsive classes of the columns, in order. Rows that span the table (spacers, "loading more")
// get one cell per column with the same class: a colSpan would count hidden columns and add a
// phantom column on narrow windows.
const columnClasses = ['', 'kd-col-sm', 'kd-col-md', 'kd-col-xl', '', 'kd-col-lg', 'kd-col-md', ''];

export function SpanRow(props: {
  classes: readonly string[];
  height?: number;
  children?: ReactNode;
  index?: number;
  measure?: (el: Element | null) => void;
}) {
  // the content goes in the first column that is always shown after a checkbox column
  const at = props.classes[0] === 'kd-check-cell' ? 1 : 0;
  return (
    <tr
      aria-hidden={props.children ? undefined : true}
      style={props.height ? { height: props.height } : undefined}
      className={props.children ? 'kd-vrow' : 'kd-spacer'}
      data-index={props.index}
      ref={props.measure}
    >
      {props.classes.map((cls, i) => (
        <td key={i} className={cls}>
          {i === at ? props.children : null}
        </td>
      ))}
    </tr>
  );
}

/** `text` with the parts that match the search marked. */
export function Marked({ text, q }: { text: string; q: string }) {
  if (!q) return text;
  return splitMatches(text, q).map((p, i) =>
    p.match ? (
      <mark key={i} className="kd-mark">
        {p.text}
      </mark>
    ) : (
      p.text
    ),
  );
}

const dash = (
  <Text span c="dimmed" size="sm" aria-label="empty">
    —
  </Text>
);

export interface ContactsTableProps {
  contacts: Contact[];
  /** first page still loading: show skeleton rows */
  pending: boolean;
  /** showing the previous search's rows while the new one loads */
  stale: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMoreFailed: boolean;
  loadMore: () => void;
  sort: ContactSort;
  onSort: (column: SortColumn) => void;
  q: string;
  /** null: no checkboxes (the member cannot change contacts) */
  selection: Selection | null;
  headerCheck: 'all' | 'some' | 'none';
  onToggleAll: () => void;
  onToggleRow: (id: string, index: number, shiftKey: boolean) => void;
  canModify: boolean;
  onDelete: (c: Contact) => void;
}

export function ContactsTable(props: ContactsTableProps) {
  const { contacts, selection, canModify } = props;
  const classes = selection ? ['kd-check-cell', ...columnClasses] : columnClasses;
  const rows = useWindowRows({
    count: contacts.length,
    rowHeight: ROW_HEIGHT,
    hasMore: props.hasMore,
    loadingMore: props.loadingMore,
    loadMore: props.loadMore,
    paused: props.loadMoreFailed,
  });

  // stable callbacks, so memoised rows re-render only when their own contact or checkbox changes
  const handlers = useRef(props);
  handlers.current = props;
  const onToggle = useCallback((id: string, index: number, shift: boolean) => handlers.current.onToggleRow(id, index, shift), []);
  const onDelete = useCallback((c: Contact) => handlers.current.onDelete(c), []);

  return (
    <Table
      className="kd-directory"
      layout="fixed"
      highlightOnHover
      stickyHeader
      stickyHeaderOffset="var(--app-shell-header-height, 60px)"
      verticalSpacing={0}
      horizontalSpacing="sm"
      aria-label="Contacts"
      aria-busy={props.pending || props.stale}
      aria-rowcount={props.hasMore ? -1 : contacts.length + 1}
    >
      <Table.Thead>
        <Table.Tr>
          {selection && (
            <Table.Th w={44} className="kd-check-cell">
              <Checkbox
                size="xs"
                aria-label="Select all loaded contacts"
                checked={props.headerCheck === 'all'}
                indeterminate={props.headerCheck === 'some'}
                onChange={props.onToggleAll}
                disabled={contacts.length === 0}
              />
            </Table.Th>
          )}
          <SortHeader column="name" label="Name" sort={props.sort} onSort={props.onSort} />
          <SortHeader column="email" label="Primary email" sort={props.sort} onSort={props.onSort} className="kd-col-sm" />
          <SortHeader column="company" label="Company" sort={props.sort} onSort={props.onSort} className="kd-col-md" w="17%" />
          <Table.Th w={150} className="kd-col-xl">
            Phone
          </Table.Th>
          <Table.Th w={104}>Status</Table.Th>
          <SortHeader column="created" label="Created" sort={props.sort} onSort={props.onSort} className="kd-col-lg" w={124} />
          <SortHeader column="updated" label="Updated" sort={props.sort} onSort={props.onSort} className="kd-col-md" w={124} />
          <Table.Th w={52}>
            <VisuallyHidden>Actions</VisuallyHidden>
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody ref={rows.bodyRef} style={{ opacity: props.stale ? 0.55 : 1, transition: 'opacity 120ms' }}>
        {props.pending ? (
          Array.from({ length: 10 }, (_, i) => <SkeletonRow key={i} withCheckbox={Boolean(selection)} />)
        ) : (
          <>
            {rows.paddingTop > 0 && <SpanRow classes={classes} height={rows.paddingTop} />}
            {rows.items.map((v) => {
              const c = contacts[v.index];
              if (!c) {
                return (
                  <SpanRow key="more" classes={classes} index={v.index} measure={rows.virtualizer.measureElement}>
                    <MoreRow failed={props.loadMoreFailed} retry={props.loadMore} what="contacts" />
                  </SpanRow>
                );
              }
              return (
                <ContactRow
                  key={c.id}
                  index={v.index}
                  measure={rows.virtualizer.measureElement}
                  contact={c}
                  q={props.q}
                  selectable={Boolean(selection)}
                  selected={selection ? isSelected(selection, c.id) : false}
                  canModify={canModify}
                  onToggle={onToggle}
                  onDelete={onDelete}
                />
              );
            })}
            {rows.paddingBottom > 0 && <SpanRow classes={classes} height={rows.paddingBottom} />}
          </>
        )}
      </Table.Tbody>
    </Table>
  );
}

/** The row after the last loaded one while more pages exist. */
export function MoreRow(props: { failed: boolean; retry: () => void; what: string }) {
  return (
    <Group gap="sm" wrap="nowrap" className="kd-more">
      {props.failed ? (
        <>
          <Text size="sm" c="red">
            Could not load more {props.what}.
          </Text>
          <Button size="compact-sm" variant="light" onClick={props.retry}>
            Try again
          </Button>
        </>
      ) : (
        <>
          <Loader size="xs" />
          <Text size="sm" c="dimmed">
            Loading more {props.what}…
          </Text>
        </>
      )}
    </Group>
  );
}

function SortHeader(props: {
  column: SortColumn;
  label: string;
  sort: ContactSort;
  onSort: (c: SortColumn) => void;
  className?: string;
  w?: number | string;
}) {
  const state = columnSortState(props.sort, props.column);
  const Icon = state === 'asc' ? IconArrowUp : state === 'desc' ? IconArrowDown : IconSelector;
  const byFirstName = props.column === 'name' && state && props.sort.endsWith('firstName');
  return (
    <Table.Th
      w={props.w}
      className={props.className}
      aria-sort={state === 'asc' ? 'ascending' : state === 'desc' ? 'descending' : undefined}
    >
      <UnstyledButton
        className="kd-sort"
        data-active={state ? true : undefined}
        onClick={() => props.onSort(props.column)}
        aria-label={`Sort by ${props.label.toLowerCase()}${byFirstName ? ' (first name)' : props.column === 'name' ? ' (last name)' : ''}`}
      >
        <span>{props.label}</span>
        {byFirstName && <span className="kd-sort-hint">first</span>}
        <Icon size={14} stroke={2} aria-hidden className="kd-sort-icon" />
      </UnstyledButton>
    </Table.Th>
  );
}

function SkeletonRow({ withCheckbox }: { withCheckbox: boolean }) {
  return (
    <Table.Tr className="kd-vrow">
      {withCheckbox && (
        <Table.Td className="kd-check-cell">
          <Skeleton height={14} width={14} radius="sm" />
        </Table.Td>
      )}
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Skeleton circle height={32} />
          <Skeleton height={10} width="60%" />
        </Group>
      </Table.Td>
      {[
        ['70%', 'kd-col-sm'],
        ['60%', 'kd-col-md'],
        ['70%', 'kd-col-xl'],
        ['56px', ''],
        ['70%', 'kd-col-lg'],
        ['70%', 'kd-col-md'],
        ['20px', ''],
      ].map(([w, cls], i) => (
        <Table.Td key={i} className={cls}>
          <Skeleton height={10} width={w} />
        </Table.Td>
      ))}
    </Table.Tr>
  );
}

const ContactRow = memo(function ContactRow(props: {
  index: number;
  measure: (el: Element | null) => void;
  contact: Contact;
  q: string;
  selectable: boolean;
  selected: boolean;
  canModify: boolean;
  onToggle: (id: string, index: number, shift: boolean) => void;
  onDelete: (c: Contact) => void;
}) {
  const { contact: c, q, canModify } = props;
  const navigate = useNavigate();
  const name = contactName(c);
  const phone = firstPhone(c);

  const copyEmail = async () => {
    if (!c.primaryEmail) return;
    try {
      await navigator.clipboard.writeText(c.primaryEmail);
      notifications.show({ message: `Copied ${c.primaryEmail}` });
    } catch {
      notifications.show({ color: 'red', message: 'The browser did not allow copying to the clipboard.' });
    }
  };

  return (
    <Table.Tr
      ref={props.measure}
      data-index={props.index}
      className="kd-row-link kd-vrow"
      onClick={() => navigate(`/contacts/${c.id}`)}
      data-contact-id={c.id}
      bg={props.selected ? 'var(--mantine-primary-color-light)' : undefined}
      aria-selected={props.selectable ? props.selected : undefined}
    >
      {props.selectable && (
        <Table.Td className="kd-check-cell" onClick={stop}>
          <Checkbox
            size="xs"
            aria-label={`Select ${name}`}
            checked={props.selected}
            onChange={() => {}}
            onClick={(e) => props.onToggle(c.id, props.index, e.shiftKey)}
          />
        </Table.Td>
      )}
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Avatar size={32} radius="xl" color={colorFor(c.id)} aria-hidden style={{ flexShrink: 0 }}>
            {initials(name)}
          </Avatar>
          <div style={{ minWidth: 0 }}>
            <Anchor
              component={Link}
              to={`/contacts/${c.id}`}
              fw={600}
              size="sm"
              c="var(--mantine-color-text)"
              onClick={stop}
              display="block"
              truncate
              title={name}
              lh={1.35}
            >
              <Marked text={name} q={q} />
            </Anchor>
            {(c.jobTitle || c.primaryEmail) && (
              <Text size="xs" c="dimmed" truncate title={c.jobTitle ?? c.primaryEmail ?? undefined} lh={1.35}>
                {c.jobTitle ?? <span className="kd-show-below-sm">{c.primaryEmail}</span>}
              </Text>
            )}
          </div>
        </Group>
      </Table.Td>
      <Table.Td className="kd-col-sm">
        {c.primaryEmail ? (
          <Group gap={4} wrap="nowrap">
            <Text size="sm" truncate title={c.primaryEmail} style={{ minWidth: 0 }}>
              <Marked text={c.primaryEmail} q={q} />
            </Text>
            {c.portalVerifiedAt && (
              <Tooltip label={`Verified in the portal on ${formatDate(c.portalVerifiedAt)}`}>
                <IconRosetteDiscountCheckFilled
                  size={15}
                  color="var(--mantine-color-blue-6)"
                  style={{ flexShrink: 0 }}
                  aria-label="Verified"
                  role="img"
                />
              </Tooltip>
            )}
          </Group>
        ) : (
          dash
        )}
      </Table.Td>
      <Table.Td className="kd-col-md">
        {c.company ? (
          <Text size="sm" truncate title={c.company}>
            <Marked text={c.company} q={q} />
          </Text>
        ) : (
          dash
        )}
      </Table.Td>
      <Table.Td className="kd-col-xl">
        {phone ? (
          <Text size="sm" truncate title={`${phone.label}: ${phone.number}`}>
            {phone.number}
          </Text>
        ) : (
          dash
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={c.permissions.active ? 'green' : 'gray'} radius="sm">
          {c.permissions.active ? 'Active' : 'Inactive'}
        </Badge>
      </Table.Td>
      <Table.Td className="kd-col-lg">
        <Tooltip label={formatDateTime(c.createdAt)}>
          <Text size="sm" c="dimmed" truncate>
            {formatDate(c.createdAt)}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td className="kd-col-md">
        <Tooltip label={formatDateTime(c.updatedAt)}>
          <Text size="sm" c="dimmed" truncate>
            {formatRelative(c.updatedAt, Date.now(), 'short')}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td onClick={stop}>
        <Menu position="bottom-end" withinPortal shadow="md" width={200}>
          <Menu.Target>
            <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${name}`}>
              <IconDots size={18} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item leftSection={<IconEye size={16} />} onClick={() => navigate(`/contacts/${c.id}`)}>
              View
            </Menu.Item>
            {canModify && (
              <Menu.Item leftSection={<IconPencil size={16} />} onClick={() => navigate(`/contacts/${c.id}/edit`)}>
                Edit
              </Menu.Item>
            )}
            {c.primaryEmail && (
              <Menu.Item leftSection={<IconCopy size={16} />} onClick={() => void copyEmail()}>
                Copy primary email
              </Menu.Item>
            )}
            {canModify && (
              <>
                <Menu.Divider />
                <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => props.onDelete(c)}>
                  Delete
                </Menu.Item>
              </>
            )}
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
});
