import { useEffect, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconArrowDown, IconArrowUp, IconChevronDown, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { errorMessage, isApiError } from '../../lib/api.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { formFieldTypeNames, formFieldTypes, formKeys, formsApi, useForm, type FormFieldInput, type FormFieldType } from './forms-api.ts';

/** A field as edited: options as one per line, and a local id so React keeps the right inputs when moved. */
interface Draft {
  uid: number;
  key: string;
  label: string;
  type: FormFieldType;
  required: boolean;
  help: string;
  options: string;
}
let nextUid = 1;
const blank = (type: FormFieldType): Draft => ({
  uid: nextUid++,
  key: '',
  label: '',
  type,
  required: false,
  help: '',
  options: type === 'select' ? '' : '',
});
const toInput = (d: Draft): FormFieldInput => ({
  key: d.key,
  label: d.label,
  type: d.type,
  required: d.required,
  help: d.help.trim() || null,
  options:
    d.type === 'select'
      ? d.options
          .split('\n')
          .map((o) => o.trim())
          .filter(Boolean)
      : [],
});

/** The form builder (owners and admins): name, description and fields of six types, in order. */
export default function FormBuilderPage() {
  const { id } = useParams();
  const editing = !!id;
  const existing = useForm(id);
  usePageTitle(editing ? 'Edit form' : 'New form');
  if (editing && existing.isPending) return <PageLoader />;
  if (editing && existing.isError)
    return <ErrorState title="This form could not be loaded" error={existing.error} onRetry={() => void existing.refetch()} />;
  return <Builder key={id ?? 'new'} id={id} initial={existing.data} />;
}

function Builder(props: { id?: string; initial?: { name: string; description: string | null; fields: FormFieldInput[] } }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [name, setName] = useState(props.initial?.name ?? '');
  const [description, setDescription] = useState(props.initial?.description ?? '');
  const [fields, setFields] = useState<Draft[]>(() =>
    props.initial
      ? props.initial.fields.map((f) => ({
          uid: nextUid++,
          key: f.key,
          label: f.label,
          type: f.type,
          required: !!f.required,
          help: f.help ?? '',
          options: (f.options ?? []).join('\n'),
        }))
      : [{ ...blank('text'), label: '' }],
  );
  const [focusUid, setFocusUid] = useState<number | null>(null);
  useEffect(() => {
    if (focusUid === null) return;
    document.getElementById(`field-${focusUid}-label`)?.focus();
    setFocusUid(null);
  }, [focusUid]);

  const save = useMutation({
    mutationFn: () => {
      const body = { name, description: description.trim() || null, fields: fields.map(toInput) };
      return props.id ? formsApi.update(props.id, body) : formsApi.create(body);
    },
    onSuccess: (f) => {
      void qc.invalidateQueries({ queryKey: formKeys.all });
      notifications.show({
        color: 'teal',
        message: props.id ? `${f.name} was saved.` : `${f.name} was created. Assign it to contacts next.`,
      });
      navigate(`/forms/${f.id}`);
    },
  });
  const details = isApiError(save.error) ? save.error.details : [];
  const err = (path: string) =>
    details
      .filter((d) => d.path === path || d.path.startsWith(`${path}.`))
      .map((d) => d.message)
      .join(' ') || null;

  const update = (uid: number, patch: Partial<Draft>) => {
    setFields((fs) => fs.map((f) => (f.uid === uid ? { ...f, ...patch } : f)));
    // the messages were about the form as it was sent: they go once it changes
    if (save.isError) save.reset();
  };
  const move = (i: number, by: -1 | 1) =>
    setFields((fs) => {
      const next = [...fs];
      const [f] = next.splice(i, 1);
      next.splice(i + by, 0, f!);
      return next;
    });
  const add = (type: FormFieldType) => {
    const f = blank(type);
    setFields((fs) => [...fs, f]);
    setFocusUid(f.uid);
  };

  return (
    <>
      <PageHeader
        above={
          <Text size="sm">
            <Link to="/forms">Forms</Link>
            {props.id && props.initial ? (
              <>
                {' / '}
                <Link to={`/forms/${props.id}`}>{props.initial.name}</Link>
              </>
            ) : null}
          </Text>
        }
        title={props.id ? 'Edit form' : 'New form'}
        description="Contacts see the fields in this order in the portal. Required fields must be filled before they can submit."
      />
      <Stack component="form" gap="lg" maw={820} onSubmit={(e) => (e.preventDefault(), save.mutate())}>
        <Paper withBorder radius="md" p="md">
          <Stack gap="sm">
            <TextInput
              label="Form name"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={err('name')}
              data-autofocus
            />
            <Textarea
              label="Description"
              description="Shown above the fields in the portal and in the email that tells the contact about the form."
              autosize
              minRows={2}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              error={err('description')}
            />
          </Stack>
        </Paper>

        <Stack gap="sm" component="ol" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Fields">
          {fields.map((f, i) => (
            <Paper key={f.uid} withBorder radius="md" p="md" component="li" aria-label={`Field ${i + 1}${f.label ? `: ${f.label}` : ''}`}>
              <Stack gap="sm">
                <Group justify="space-between" wrap="nowrap">
                  <Group gap="xs">
                    <Badge variant="light" color="gray" radius="sm">
                      Field {i + 1}
                    </Badge>
                    {f.key && (
                      <Text size="xs" c="dimmed">
                        Key: {f.key}
                      </Text>
                    )}
                  </Group>
                  <Group gap={4} wrap="nowrap">
                    <Tooltip label="Move up">
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        size={32}
                        aria-label={`Move field ${i + 1} up`}
                        disabled={i === 0}
                        onClick={() => move(i, -1)}
                      >
                        <IconArrowUp size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label="Move down">
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        size={32}
                        aria-label={`Move field ${i + 1} down`}
                        disabled={i === fields.length - 1}
                        onClick={() => move(i, 1)}
                      >
                        <IconArrowDown size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label="Remove">
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        size={32}
                        aria-label={`Remove field ${i + 1}`}
                        onClick={() => setFields((fs) => fs.filter((x) => x.uid !== f.uid))}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Group>
                <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
                  <TextInput
                    id={`field-${f.uid}-label`}
                    label="Label"
                    required
                    value={f.label}
                    onChange={(e) => update(f.uid, { label: e.currentTarget.value })}
                    error={err(`fields.${i}.label`) ?? err(`fields.${i}.key`)}
                  />
                  <Select
                    label="Type"
                    allowDeselect={false}
                    value={f.type}
                    data={formFieldTypes.map((t) => ({ value: t, label: formFieldTypeNames[t] }))}
                    onChange={(v) => v && update(f.uid, { type: v as FormFieldType })}
                    error={err(`fields.${i}.type`)}
                  />
                </SimpleGrid>
                {f.type === 'select' && (
                  <Textarea
                    label="Options"
                    description="One per line, in the order contacts see them."
                    autosize
                    minRows={3}
                    value={f.options}
                    onChange={(e) => update(f.uid, { options: e.currentTarget.value })}
                    error={err(`fields.${i}.options`)}
                  />
                )}
                <TextInput
                  label="Help text"
                  description="Optional, shown under the field."
                  value={f.help}
                  onChange={(e) => update(f.uid, { help: e.currentTarget.value })}
                  error={err(`fields.${i}.help`)}
                />
                <Checkbox
                  label={f.type === 'checkbox' ? 'Required (the box must be ticked)' : 'Required'}
                  checked={f.required}
                  onChange={(e) => update(f.uid, { required: e.currentTarget.checked })}
                />
              </Stack>
            </Paper>
          ))}
        </Stack>
        {err('fields') && !details.some((d) => d.path.startsWith('fields.')) && (
          <Text c="red.8" size="sm" role="alert">
            {err('fields')}
          </Text>
        )}
        <Menu position="bottom-start" shadow="md">
          <Menu.Target>
            <Button variant="light" leftSection={<IconPlus size={16} />} rightSection={<IconChevronDown size={16} />} w="fit-content">
              Add field
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {formFieldTypes.map((t) => (
              <Menu.Item key={t} onClick={() => add(t)}>
                {formFieldTypeNames[t]}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>

        {save.isError && (
          <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert" title="The form was not saved">
            {details.length ? 'Some entries need a look: see the messages next to them.' : errorMessage(save.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" component={Link} to={props.id ? `/forms/${props.id}` : '/forms'}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {props.id ? 'Save form' : 'Create form'}
          </Button>
        </Group>
      </Stack>
    </>
  );
}
