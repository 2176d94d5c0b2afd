import { useState, type MouseEvent } from 'react';
import {
  ActionIcon,
  Alert,
  Anchor,
  Avatar,
  Badge,
  Button,
  Card,
  EmptyState,
  Group,
  Menu,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconAddressBook,
  IconAlertCircle,
  IconChevronLeft,
  IconChevronRight,
  IconCopy,
  IconDots,
  IconEye,
  IconPencil,
  IconPlus,
  IconTrash,
} from '@tabler/icons-react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { Contact } from '../../lib/api.ts';
import { contactName, firstPhone, formatCount, formatDateTime, formatRelative, initials, plural } from '../../lib/format.ts';
import { useContactList, usePermissions } from '../../lib/queries.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { DeleteContactModal } from './delete-contact-modal.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { ContactsTransferActions } from '../exports/contacts-transfer-actions.tsx';

const PAGE_SIZES = [25, 50, 100];
const DEFAULT_SIZE = 50;

// Keyset cursors of the pages visited, per page size, so "Previous" and returning from a contact
// land on the same page. Page 1 has no cursor.
const cursorsBySize = new Map<number, (string | null)[]>();
function cursorsFor(size: number) {
  let list = cursorsBySize.get(size);
  if (!list) cursorsBySize.set(size, (list = [null]));
  return list;
}

const avatarColors = ['indigo', 'teal', 'grape', 'orange', 'cyan', 'pink', 'lime', 'violet'];
const colorFor = (id: string) => avatarColors[[...id].reduce((n, ch) => (n * 31 + ch.charCodeAt(0)) >>> 0, 7) % avatarColors.length]!;

export function ContactsPage() {
  const perms = usePermissions();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [toDelete, setToDelete] = useState<Contact | null>(null);
  usePageTitle('Contacts');

  const sizeParam = Number(params.get('size'));
  const size = PAGE_SIZES.includes(sizeParam) ? sizeParam : DEFAULT_SIZE;
  const cursors = cursorsFor(size);
  const requested = Math.max(1, Math.floor(Number(params.get('page')) || 1));
  // a page whose cursor we never saw (e.g. after a reload) starts over at page 1
  const page = requested <= cursors.length ? requested : 1;
  const cursor = cursors[page - 1] ?? null;

  const list = useContactList(size, cursor);
  const data = list.data;
  const items = data?.items ?? [];

  const goTo = (nextPage: number, nextSize = size) => {
    const p = new URLSearchParams(params);
    if (nextPage > 1) p.set('page', String(nextPage));
    else p.delete('page');
    if (nextSize !== DEFAULT_SIZE) p.set('size', String(nextSize));
    else p.delete('size');
    setParams(p);
    window.scrollTo({ top: 0 });
  };
  const next = () => {
    if (!data?.nextCursor) return;
    cursors[page] = data.nextCursor;
    cursors.length = page + 1;
    goTo(page + 1);
  };

  const from = (page - 1) * size + 1;
  const to = from + items.length - 1;
  const totalText = data ? `${data.totalIsEstimate ? 'about ' : ''}${plural(data.total, 'contact')}` : undefined;
  const isEmptyDirectory = data && data.total === 0 && page === 1;

  const open = (c: Contact) => navigate(`/contacts/${c.id}`);

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
            <ContactsTransferActions total={data?.total} />
            {perms.modifyContacts && !isEmptyDirectory && (
              <Button component={Link} to="/contacts/new" leftSection={<IconPlus size={18} />}>
                Create contact
              </Button>
            )}
          </>
        }
      />

      {list.isError && (
        <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="Could not load contacts" mb="md" role="alert">
          <Group justify="space-between">
            <Text size="sm">{list.error.message}</Text>
            <Button size="xs" variant="white" color="red" onClick={() => void list.refetch()}>
              Try again
            </Button>
          </Group>
        </Alert>
      )}

      {isEmptyDirectory ? (
        <Card>
          <EmptyState
            py={56}
            variant="light"
            icon={<IconAddressBook size={30} />}
            title="No contacts yet"
            description={
              perms.modifyContacts
                ? 'Contacts are the people your team supports. Create your first contact, or connect a directory with Contact Sync.'
                : 'Contacts are the people your team supports. Ask a team owner or admin to add contacts, or to give you the Modify contacts permission.'
            }
          >
            {perms.modifyContacts && (
              <EmptyState.Actions>
                <Button component={Link} to="/contacts/new" leftSection={<IconPlus size={18} />}>
                  Create contact
                </Button>
              </EmptyState.Actions>
            )}
          </EmptyState>
        </Card>
      ) : (
        <Card p={0}>
          <Table.ScrollContainer minWidth={1000} type="native">
            <Table
              highlightOnHover
              layout="fixed"
              verticalSpacing="sm"
              horizontalSpacing="sm"
              aria-label="Contacts"
              aria-busy={list.isFetching}
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w="22%">Name</Table.Th>
                  <Table.Th w="22%">Primary email</Table.Th>
                  <Table.Th>Company</Table.Th>
                  <Table.Th w={168}>Phone</Table.Th>
                  <Table.Th w={96}>Status</Table.Th>
                  <Table.Th w={136}>Updated</Table.Th>
                  <Table.Th w={48}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody style={{ opacity: list.isPlaceholderData ? 0.6 : 1, transition: 'opacity 120ms' }}>
                {list.isPending
                  ? Array.from({ length: 8 }, (_, i) => <SkeletonRow key={i} />)
                  : items.map((c) => (
                      <ContactRow key={c.id} contact={c} canModify={perms.modifyContacts} onOpen={open} onDelete={setToDelete} />
                    ))}
                {!list.isPending && items.length === 0 && !isEmptyDirectory && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>
                      <Stack align="center" py="xl" gap="xs">
                        <Text c="dimmed">There are no more contacts on this page.</Text>
                        <Button variant="light" onClick={() => goTo(1)}>
                          Back to the first page
                        </Button>
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>

          <Group
            justify="space-between"
            px="md"
            py="sm"
            style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
            wrap="wrap"
            gap="sm"
          >
            <Text size="sm" c="dimmed" aria-live="polite">
              {data && items.length > 0
                ? `Showing ${formatCount(from)}–${formatCount(to)} of ${data.totalIsEstimate ? 'about ' : ''}${formatCount(data.total)}`
                : ' '}
            </Text>
            <Group gap="sm">
              <Group gap={8}>
                <Text size="sm" c="dimmed" component="label" htmlFor="contacts-page-size">
                  Rows per page
                </Text>
                <Select
                  id="contacts-page-size"
                  data={PAGE_SIZES.map(String)}
                  value={String(size)}
                  onChange={(v) => v && goTo(1, Number(v))}
                  w={80}
                  size="xs"
                  allowDeselect={false}
                  comboboxProps={{ withinPortal: true }}
                />
              </Group>
              <Group gap={4}>
                <Tooltip label="Previous page">
                  <ActionIcon variant="default" size="lg" aria-label="Previous page" disabled={page <= 1} onClick={() => goTo(page - 1)}>
                    <IconChevronLeft size={18} />
                  </ActionIcon>
                </Tooltip>
                <Text size="sm" px={6} aria-label={`Page ${page}`}>
                  Page {page}
                </Text>
                <Tooltip label="Next page">
                  <ActionIcon
                    variant="default"
                    size="lg"
                    aria-label="Next page"
                    disabled={!data?.nextCursor || list.isPlaceholderData}
                    onClick={next}
                  >
                    <IconChevronRight size={18} />
                  </ActionIcon>
                </Tooltip>
              </Group>
            </Group>
          </Group>
        </Card>
      )}

      <DeleteContactModal contact={toDelete} onClose={() => setToDelete(null)} />
    </>
  );
}

function SkeletonRow() {
  return (
    <Table.Tr>
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Skeleton circle height={34} />
          <Skeleton height={12} width={140} />
        </Group>
      </Table.Td>
      {[180, 120, 110, 60, 80, 24].map((w, i) => (
        <Table.Td key={i}>
          <Skeleton height={12} width={w} />
        </Table.Td>
      ))}
    </Table.Tr>
  );
}

function ContactRow(props: { contact: Contact; canModify: boolean; onOpen: (c: Contact) => void; onDelete: (c: Contact) => void }) {
  const { contact: c, canModify } = props;
  const navigate = useNavigate();
  const name = contactName(c);
  const phone = firstPhone(c);
  const stop = (e: MouseEvent) => e.stopPropagation();

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
    <Table.Tr className="kd-row-link" onClick={() => props.onOpen(c)} data-contact-id={c.id}>
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Avatar size={34} radius="xl" color={colorFor(c.id)} aria-hidden style={{ flexShrink: 0 }}>
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
            >
              {name}
            </Anchor>
            {c.jobTitle && (
              <Text size="xs" c="dimmed" truncate title={c.jobTitle}>
                {c.jobTitle}
              </Text>
            )}
          </div>
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm" truncate title={c.primaryEmail ?? undefined}>
          {c.primaryEmail ?? (
            <Text span c="dimmed" size="sm">
              —
            </Text>
          )}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" truncate title={c.company ?? undefined}>
          {c.company ?? (
            <Text span c="dimmed" size="sm">
              —
            </Text>
          )}
        </Text>
      </Table.Td>
      <Table.Td>
        {phone ? (
          <Text size="sm" truncate title={`${phone.label}: ${phone.number}`}>
            {phone.number}
          </Text>
        ) : (
          <Text span c="dimmed" size="sm">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={c.permissions.active ? 'green' : 'gray'} radius="sm">
          {c.permissions.active ? 'Active' : 'Inactive'}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Tooltip label={formatDateTime(c.updatedAt)}>
          <Text size="sm" c="dimmed" truncate>
            {formatRelative(c.updatedAt)}
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
}
