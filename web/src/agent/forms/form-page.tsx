import { useState } from 'react';
import {
  Anchor,
  Badge,
  Button,
  Group,
  Menu,
  Modal,
  Pagination,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDots, IconDownload, IconPencil, IconSend, IconTrash } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { errorMessage } from '../../lib/api.ts';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { usePermissions } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { AssignFormModal } from './assign-form-modal.tsx';
import { formFieldTypeNames, formKeys, formsApi, useForm, type Form, type FormResponse } from './forms-api.ts';
import { ResponseValues, StatusBadge } from './response-values.tsx';

const PAGE = 25;
type Status = 'all' | 'open' | 'submitted';

/** A form: its fields, its responses (paged), assign, export, edit and delete. */
export default function FormPage() {
  const { id = '' } = useParams();
  const form = useForm(id);
  const perms = usePermissions();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [assigning, setAssigning] = useState(false);
  const [deleting, setDeleting] = useState(false);
  usePageTitle(form.data?.name ?? 'Form');
  const remove = useMutation({
    mutationFn: () => formsApi.remove(id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: formKeys.all });
      notifications.show({ color: 'teal', message: 'The form was deleted.' });
      navigate('/forms', { replace: true });
    },
  });
  if (form.isPending) return <PageLoader />;
  if (form.isError) return <ErrorState title="This form could not be loaded" error={form.error} onRetry={() => void form.refetch()} />;
  const f = form.data;

  return (
    <>
      <PageHeader
        above={
          <Anchor component={Link} to="/forms" size="sm">
            Forms
          </Anchor>
        }
        title={f.name}
        description={f.description ?? undefined}
        actions={
          <Group gap="xs" wrap="wrap">
            {perms.modifyContacts && (
              <Button leftSection={<IconSend size={18} />} onClick={() => setAssigning(true)}>
                Assign to contacts
              </Button>
            )}
            <Button variant="default" component="a" href={formsApi.csvUrl(f.id)} download leftSection={<IconDownload size={18} />}>
              Export CSV
            </Button>
            {perms.manageTeam && (
              <Menu position="bottom-end" shadow="md" width={200}>
                <Menu.Target>
                  <Button variant="default" px="xs" aria-label="More actions">
                    <IconDots size={18} />
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item component={Link} to={`/forms/${f.id}/edit`} leftSection={<IconPencil size={16} />}>
                    Edit form
                  </Menu.Item>
                  <Menu.Item
                    color="red"
                    c="var(--mantine-color-red-text)"
                    leftSection={<IconTrash size={16} />}
                    onClick={() => setDeleting(true)}
                  >
                    Delete form
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            )}
          </Group>
        }
      />
      <Stack gap="lg">
        <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm">
          <Stat label="Fields" value={f.fields.length} />
          <Stat label="Waiting for the contact" value={f.openCount} />
          <Stat label="Submitted" value={f.submittedCount} />
        </SimpleGrid>
        <Responses form={f} />
        <FieldsCard form={f} />
      </Stack>
      <AssignFormModal opened={assigning} onClose={() => setAssigning(false)} formId={f.id} formName={f.name} />
      <Modal opened={deleting} onClose={() => setDeleting(false)} title={`Delete “${f.name}”?`}>
        <Stack gap="sm">
          <Text size="sm">
            Its {formatCount(f.openCount)} open assignments and {formatCount(f.submittedCount)} submitted responses are deleted with it.
            Export the responses first if you need them.
          </Text>
          {remove.isError && (
            <Text size="sm" c="red.8" role="alert">
              {errorMessage(remove.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(false)}>
              Cancel
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete form
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function Stat(props: { label: string; value: number }) {
  return (
    <Paper withBorder radius="md" p="sm">
      <Text size="xs" c="dimmed">
        {props.label}
      </Text>
      <Text fw={700} fz={22}>
        {formatCount(props.value)}
      </Text>
    </Paper>
  );
}

function FieldsCard(props: { form: Form }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Title order={2} fz="lg" mb="sm">
        Fields
      </Title>
      <Stack gap={6} component="ol" m={0} pl="lg">
        {props.form.fields.map((f) => (
          <li key={f.key}>
            <Group gap="xs" wrap="wrap">
              <Text size="sm" fw={500}>
                {f.label}
              </Text>
              <Badge variant="light" color="gray" radius="sm" tt="none">
                {formFieldTypeNames[f.type]}
              </Badge>
              {f.required && (
                <Badge variant="light" color="orange" radius="sm" tt="none">
                  Required
                </Badge>
              )}
              {f.type === 'select' && (
                <Text size="xs" c="dimmed">
                  {f.options.join(' · ')}
                </Text>
              )}
            </Group>
          </li>
        ))}
      </Stack>
    </Paper>
  );
}

function Responses(props: { form: Form }) {
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') as Status | null) ?? 'all';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const [open, setOpen] = useState<FormResponse | null>(null);
  const q = { status, limit: PAGE, offset: (page - 1) * PAGE };
  const list = useQuery({
    queryKey: formKeys.responses(props.form.id, q),
    queryFn: ({ signal }) => formsApi.responses(props.form.id, q, signal),
    placeholderData: keepPreviousData,
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };
  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  return (
    <Paper withBorder radius="md" p="md">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={2} fz="lg">
          Responses
        </Title>
        <SegmentedControl
          aria-label="Show"
          value={status}
          onChange={(v) => set('status', v === 'all' ? '' : v)}
          data={[
            { value: 'all', label: 'All' },
            { value: 'submitted', label: 'Submitted' },
            { value: 'open', label: 'Waiting' },
          ]}
        />
      </Group>
      {list.isPending ? (
        <Text size="sm" c="dimmed">
          Loading responses…
        </Text>
      ) : list.isError ? (
        <ErrorState title="Responses could not be loaded" error={list.error} onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed" py="md" ta="center">
          {status === 'submitted'
            ? 'No response yet.'
            : status === 'open'
              ? 'Nobody is waiting to fill it.'
              : 'Not assigned to anyone yet.'}
        </Text>
      ) : narrow ? (
        <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {rows.map((r) => (
            <Paper key={r.id} withBorder radius="sm" p="sm" component="li">
              <Group justify="space-between" wrap="nowrap">
                <Anchor component={Link} to={`/contacts/${r.contact.id}`} size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                  {r.contact.name}
                </Anchor>
                <StatusBadge r={r} />
              </Group>
              <Text size="xs" c="dimmed" mt={4}>
                {r.submittedAt ? `Submitted ${formatDateTime(r.submittedAt)}` : `Assigned ${formatDateTime(r.assignedAt)}`}
              </Text>
              {r.values && (
                <Button size="compact-sm" variant="subtle" mt={4} onClick={() => setOpen(r)} px={4} mih={24}>
                  View answers
                </Button>
              )}
            </Paper>
          ))}
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Contact</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Assigned</Table.Th>
                <Table.Th>Submitted</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Answers</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/contacts/${r.contact.id}`} size="sm" fw={500}>
                      {r.contact.name}
                    </Anchor>
                    {r.contact.email && (
                      <Text size="xs" c="dimmed">
                        {r.contact.email}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge r={r} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(r.assignedAt)}</Text>
                    <Text size="xs" c="dimmed">
                      by {r.assignedBy}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{r.submittedAt ? formatDateTime(r.submittedAt) : '—'}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    {r.values && (
                      <Button size="xs" variant="light" onClick={() => setOpen(r)} aria-label={`View answers: ${r.contact.name}`}>
                        View answers
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="space-between" mt="sm">
        <Text size="sm" c="dimmed" aria-live="polite">
          {list.data ? `${formatCount(total)} ${total === 1 ? 'response' : 'responses'}` : ''}
        </Text>
        {total > PAGE && (
          <Pagination
            total={Math.ceil(total / PAGE)}
            value={page}
            onChange={(p) => set('page', p > 1 ? String(p) : '')}
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
          />
        )}
      </Group>
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open ? `${open.contact.name} — ${props.form.name}` : ''} size="lg">
        {open && <ResponseValues fields={props.form.fields} response={open} />}
      </Modal>
    </Paper>
  );
}
