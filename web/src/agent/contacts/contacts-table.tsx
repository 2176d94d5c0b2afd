import { memo, useCallback, useRef, type MouseEvent, type ReactNode } from 'react';
import { ActionIcon, Anchor, Avatar, Badge, Group, Menu, Table, Text, Tooltip, UnstyledButton, VisuallyHidden } from '@mantine/core';
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
import { splitMatches } from '../../lib/match.ts';
import { columnSortState, type SortColumn } from './directory-state.ts';
import { isSelected, type Selection } from './selection.ts';
import { CHECK_CELL, DirectoryTable, pagingOf, RowCheckCell, SelectAllHeader, type PagedRows } from './directory-table.tsx';

const avatarColors = ['indigo', 'teal', 'grape', 'orange', 'cyan', 'pink', 'lime', 'violet'];
export const colorFor = (id: string) =>
  avatarColors[[...id].reduce((n, ch) => (n * 31 + ch.charCodeAt(0)) >>> 0, 7) % avatarColors.length]!;

const stop = (e: MouseEvent) => e.stopPropagation();

// Responsive classes of the columns, in order (see DirectoryTable).
const columnClasses = ['', 'kd-col-sm', 'kd-col-md', 'kd-col-xxl', '', 'kd-col-lg', 'kd-col-md', ''];

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

export interface ContactsTableProps extends PagedRows {
  contacts: Contact[];
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
  /** "Copy portal link" / "Send portal invitation" of the row menu (a stable function) */
  portalItems?: (c: Contact) => ReactNode;
}

export function ContactsTable(props: ContactsTableProps) {
  const { contacts, selection, canModify } = props;
  const classes = selection ? [CHECK_CELL, ...columnClasses] : columnClasses;

  // stable callbacks, so memoised rows re-render only when their own contact or checkbox changes
  const handlers = useRef(props);
  handlers.current = props;
  const onToggle = useCallback((id: string, index: number, shift: boolean) => handlers.current.onToggleRow(id, index, shift), []);
  const onDelete = useCallback((c: Contact) => handlers.current.onDelete(c), []);

  return (
    <DirectoryTable
      label="Contacts"
      what="contacts"
      items={contacts}
      classes={classes}
      highlightOnHover
      {...pagingOf(props)}
      skeletonRows={10}
      skeletonWidths={['70%', '60%', '70%', '56px', '70%', '70%', '20px']}
      header={
        <>
          {selection && (
            <SelectAllHeader what="contacts" state={props.headerCheck} onToggle={props.onToggleAll} disabled={contacts.length === 0} />
          )}
          {/* the name gets a quarter of a wide row (about 25 characters on a laptop) and what is left on a
              narrow one; the phone, which cannot be sorted by, gives way first */}
          <SortHeader column="name" label="Name" sort={props.sort} onSort={props.onSort} className="kd-col-name" />
          <SortHeader column="email" label="Primary email" sort={props.sort} onSort={props.onSort} className="kd-col-sm" />
          <SortHeader column="company" label="Company" sort={props.sort} onSort={props.onSort} className="kd-col-md" w="16%" />
          <Table.Th w={150} className="kd-col-xxl">
            Phone
          </Table.Th>
          <Table.Th w={96}>Status</Table.Th>
          <SortHeader column="created" label="Created" sort={props.sort} onSort={props.onSort} className="kd-col-lg" w={118} />
          <SortHeader column="updated" label="Updated" sort={props.sort} onSort={props.onSort} className="kd-col-md" w={118} />
          <Table.Th w={52}>
            <VisuallyHidden>Actions</VisuallyHidden>
          </Table.Th>
        </>
      }
      renderRow={(c, index, measure) => (
        <ContactRow
          key={c.id}
          index={index}
          measure={measure}
          contact={c}
          q={props.q}
          selectable={Boolean(selection)}
          selected={selection ? isSelected(selection, c.id) : false}
          canModify={canModify}
          onToggle={onToggle}
          onDelete={onDelete}
          portalItems={props.portalItems}
        />
      )}
    />
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
  portalItems?: (c: Contact) => ReactNode;
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
        <RowCheckCell name={name} selected={props.selected} onToggle={(shift) => props.onToggle(c.id, props.index, shift)} />
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
              underline="hover"
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
      <Table.Td className="kd-col-xxl">
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
        <Menu position="bottom-end" withinPortal shadow="md" width={240}>
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
            {canModify && props.portalItems && (
              <>
                <Menu.Divider />
                {props.portalItems(c)}
              </>
            )}
            {canModify && (
              <>
                <Menu.Divider />
                <Menu.Item
                  color="red"
                  c="var(--mantine-color-red-text)"
                  leftSection={<IconTrash size={16} />}
                  onClick={() => props.onDelete(c)}
                >
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
