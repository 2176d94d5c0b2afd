import { useState } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconLock, IconPencil, IconPlus, IconTemplate, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { errorMessage, isApiError } from '../../lib/api.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { ContactPicker } from './contact-picker.tsx';
import { priorityLabels, ticketKeys, ticketsApi, useAssignees, useTemplates, type RequestTemplate } from './tickets-api.ts';

type FieldRow = { key: string; value: string; locked: boolean };
interface Draft {
  name: string;
  description: string;
  fields: FieldRow[];
  mode: 'everyone' | 'contacts' | 'domains';
  contactIds: string[];
  domains: string[];
  allowChooseAssignee: boolean;
  assigneeIds: string[];
  allowAddContacts: boolean;
}

const builtIn = ['subject', 'description', 'priority'] as const;
const builtInLabels: Record<string, string> = { subject: 'Subject', description: 'Description', priority: 'Priority' };

function draftOf(t: RequestTemplate | null): Draft {
  const fields: FieldRow[] = builtIn.map((key) => ({
    key,
    value: t?.fields[key]?.default == null ? '' : String(t.fields[key]!.default),
    locked: t?.fields[key]?.locked ?? false,
  }));
  for (const [key, f] of Object.entries(t?.fields ?? {})) {
    if (!(builtIn as readonly string[]).includes(key))
      fields.push({ key, value: f.default == null ? '' : String(f.default), locked: f.locked });
  }
  return {
    name: t?.name ?? '',
    description: t?.description ?? '',
    fields,
    mode: t?.availability.mode ?? 'everyone',
    contactIds: t?.availability.contactIds ?? [],
    domains: t?.availability.domains ?? [],
    allowChooseAssignee: t?.allowChooseAssignee ?? false,
    assigneeIds: t?.assigneeIds ?? [],
    allowAddContacts: t?.allowAddContacts ?? false,
  };
}

function bodyOf(d: Draft) {
  const fields: Record<string, { default?: unknown; locked: boolean }> = {};
  for (const f of d.fields) {
    if (!f.key) continue;
    if (!f.value && !f.locked) continue;
    fields[f.key] = { default: f.value === '' ? null : f.value, locked: f.locked };
  }
  return {
    name: d.name,
    description: d.description,
    fields,
    availability: { mode: d.mode, contactIds: d.mode === 'contacts' ? d.contactIds : [], domains: d.mode === 'domains' ? d.domains : [] },
    allowChooseAssignee: d.allowChooseAssignee,
    assigneeIds: d.allowChooseAssignee ? d.assigneeIds : [],
    allowAddContacts: d.allowAddContacts,
  };
}

const availabilityText = (t: RequestTemplate) =>
  t.availability.mode === 'everyone'
    ? 'Everyone'
    : t.availability.mode === 'domains'
      ? t.availability.domains.map((d) => `@${d}`).join(', ')
      : `${t.availability.contactIds.length} listed contact${t.availability.contactIds.length === 1 ? '' : 's'}`;

/** Request templates: the forms contacts fill in the portal, with defaults, locked fields and who may use them. */
export default function TemplatesPage() {
  usePageTitle('Request templates');
  const templates = useTemplates();
  const qc = useQueryClient();
  const [editing, setEditing] = useState<RequestTemplate | 'new' | null>(null);
  const remove = useMutation({
    mutationFn: (id: string) => ticketsApi.deleteTemplate(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ticketKeys.templates }),
    onError: (e) => notifications.show({ color: 'red', title: 'Not deleted', message: errorMessage(e) }),
  });
  return (
    <>
      <PageHeader
        title="Request templates"
        description="Forms contacts use to submit requests in the portal. Locked fields keep their value; the server enforces them."
        actions={
          <Button leftSection={<IconPlus size={18} />} onClick={() => setEditing('new')}>
            New template
          </Button>
        }
      />
      {templates.isPending ? (
        <PageLoader />
      ) : templates.isError ? (
        <ErrorState title="Templates could not be loaded" error={templates.error} onRetry={() => void templates.refetch()} />
      ) : templates.data.items.length === 0 ? (
        <Paper withBorder radius="md" p="xl" ta="center">
          <IconTemplate size={32} stroke={1.4} color="var(--mantine-color-dimmed)" aria-hidden />
          <Text fw={600} mt="xs">
            No request templates yet
          </Text>
          <Text size="sm" c="dimmed">
            Without one, the portal offers a plain form with subject, description and priority.
          </Text>
        </Paper>
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={320}>
            <Table verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th visibleFrom="sm">Available to</Table.Th>
                  <Table.Th visibleFrom="sm">Locked fields</Table.Th>
                  <Table.Th w={100}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {templates.data.items.map((t) => (
                  <Table.Tr key={t.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {t.name}
                      </Text>
                      {t.description && (
                        <Text size="xs" c="dimmed" lineClamp={1}>
                          {t.description}
                        </Text>
                      )}
                      <Text size="xs" c="dimmed" hiddenFrom="sm">
                        {availabilityText(t)}
                      </Text>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Text size="sm">{availabilityText(t)}</Text>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Group gap={4}>
                        {Object.entries(t.fields)
                          .filter(([, f]) => f.locked)
                          .map(([k]) => (
                            <Badge key={k} size="sm" variant="light" color="gray" leftSection={<IconLock size={10} />}>
                              {builtInLabels[k] ?? k}
                            </Badge>
                          ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <ActionIcon variant="subtle" aria-label={`Edit ${t.name}`} onClick={() => setEditing(t)}>
                          <IconPencil size={18} />
                        </ActionIcon>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${t.name}`}
                          onClick={() => window.confirm(`Delete the template "${t.name}"?`) && remove.mutate(t.id)}
                        >
                          <IconTrash size={18} />
                        </ActionIcon>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {editing && <TemplateEditor template={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </>
  );
}

function TemplateEditor(props: { template: RequestTemplate | null; onClose: () => void }) {
  const qc = useQueryClient();
  const assignees = useAssignees();
  const [d, setD] = useState<Draft>(() => draftOf(props.template));
  const [picking, setPicking] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const setField = (i: number, patch: Partial<FieldRow>) =>
    set(
      'fields',
      d.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)),
    );
  const save = useMutation({
    mutationFn: () => (props.template ? ticketsApi.updateTemplate(props.template.id, bodyOf(d)) : ticketsApi.createTemplate(bodyOf(d))),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ticketKeys.templates });
      notifications.show({ color: 'teal', message: 'Template saved' });
      props.onClose();
    },
  });
  const details = isApiError(save.error) ? save.error.details : [];
  return (
    <Modal opened onClose={props.onClose} title={props.template ? `Edit "${props.template.name}"` : 'New request template'} size="lg">
      <Stack
        gap="md"
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {save.isError && (
          <Alert color="red" role="alert">
            {errorMessage(save.error)}
            {details.map((x) => (
              <div key={x.path}>
                {x.path}: {x.message}
              </div>
            ))}
          </Alert>
        )}
        <TextInput label="Name" required value={d.name} onChange={(e) => set('name', e.currentTarget.value)} />
        <Textarea
          label="Description"
          autosize
          minRows={2}
          value={d.description}
          onChange={(e) => set('description', e.currentTarget.value)}
        />
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            Fields
          </Text>
          <Text size="xs" c="dimmed">
            A default fills the field in the portal; a locked field cannot be changed by the contact.
          </Text>
          {d.fields.map((f, i) => (
            <Group key={i} gap="xs" wrap="nowrap" align="flex-end">
              {(builtIn as readonly string[]).includes(f.key) ? (
                <Text size="sm" w={110}>
                  {builtInLabels[f.key]}
                </Text>
              ) : (
                <TextInput
                  w={110}
                  aria-label="Field key"
                  placeholder="key"
                  value={f.key}
                  onChange={(e) => setField(i, { key: e.currentTarget.value })}
                />
              )}
              {f.key === 'priority' ? (
                <Select
                  style={{ flex: 1 }}
                  aria-label="Default priority"
                  placeholder="No default"
                  clearable
                  value={f.value || null}
                  data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
                  onChange={(v) => setField(i, { value: v ?? '' })}
                />
              ) : (
                <TextInput
                  style={{ flex: 1 }}
                  aria-label={`Default of ${builtInLabels[f.key] ?? (f.key || 'the field')}`}
                  placeholder="Default value"
                  value={f.value}
                  onChange={(e) => setField(i, { value: e.currentTarget.value })}
                />
              )}
              <Checkbox label="Locked" checked={f.locked} onChange={(e) => setField(i, { locked: e.currentTarget.checked })} mb={8} />
            </Group>
          ))}
          <Button
            variant="subtle"
            size="xs"
            w="fit-content"
            leftSection={<IconPlus size={14} />}
            onClick={() => set('fields', [...d.fields, { key: '', value: '', locked: false }])}
          >
            Add a field
          </Button>
        </Stack>
        <Stack gap={6}>
          <Text size="sm" fw={500} id="tpl-availability">
            Available to
          </Text>
          <SegmentedControl
            aria-labelledby="tpl-availability"
            value={d.mode}
            onChange={(v) => set('mode', v as Draft['mode'])}
            data={[
              { value: 'everyone', label: 'Everyone' },
              { value: 'contacts', label: 'Listed contacts' },
              { value: 'domains', label: 'Email domains' },
            ]}
          />
          {d.mode === 'domains' && (
            <TagsInput
              label="Email domains"
              description="Contacts whose primary email is at one of these domains"
              placeholder="example.com, then Enter"
              value={d.domains}
              onChange={(v) => set('domains', v)}
            />
          )}
          {d.mode === 'contacts' && (
            <>
              <Text size="xs" c="dimmed">
                {d.contactIds.length} contact{d.contactIds.length === 1 ? '' : 's'} listed
              </Text>
              <ContactPicker
                label="Add a contact"
                value={picking}
                exclude={d.contactIds}
                onChange={(id) => {
                  setPicking(null);
                  if (id) set('contactIds', [...d.contactIds, id]);
                }}
              />
              {d.contactIds.length > 0 && (
                <Button variant="subtle" size="xs" w="fit-content" color="red" onClick={() => set('contactIds', [])}>
                  Clear the list
                </Button>
              )}
            </>
          )}
        </Stack>
        <Switch
          label="Contacts choose who handles the request"
          checked={d.allowChooseAssignee}
          onChange={(e) => set('allowChooseAssignee', e.currentTarget.checked)}
        />
        {d.allowChooseAssignee && (
          <MultiSelect
            label="They choose among"
            data={(assignees.data?.items ?? []).map((m) => ({ value: m.id, label: m.name }))}
            value={d.assigneeIds}
            onChange={(v) => set('assigneeIds', v)}
            searchable
          />
        )}
        <Switch
          label="Contacts may add other people (by email) to the request"
          checked={d.allowAddContacts}
          onChange={(e) => set('allowAddContacts', e.currentTarget.checked)}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!d.name.trim()}>
            Save template
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
