import { useState } from 'react';
import { Alert, Anchor, Button, Group, Loader, Paper, Select, Stack, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { IconArrowLeft, IconCircleCheck, IconLock } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { isApiError } from '../lib/api.ts';
import { PortalShell } from './portal-shell.tsx';
import { usePortalTitle } from './portal-queries.ts';
import { portalTicketKeys, portalTicketsApi, usePortalTemplates, type PortalTemplate } from './portal-tickets-api.ts';

const priorities = [
  { value: 'low', label: 'Low' },
  { value: 'normal', label: 'Normal' },
  { value: 'high', label: 'High' },
  { value: 'urgent', label: 'Urgent' },
];
const builtIn = ['subject', 'description', 'priority'];
const labelOf = (key: string) => ({ subject: 'Subject', description: 'Description', priority: 'Priority' })[key] ?? key.replace(/_/g, ' ');

/** "New request": a template's form (defaults filled in, locked fields shown but not editable), or a plain form. */
export function PortalRequestPage(props: { slug: string; teamName: string; visitor?: boolean }) {
  const { slug } = props;
  usePortalTitle('New request', props.teamName);
  const templates = usePortalTemplates(slug);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const items = templates.data?.items ?? [];
  const chosen = items.find((t) => t.id === templateId) ?? (templateId === null && items.length ? items[0]! : null);
  const back = `/portal/${encodeURIComponent(slug)}`;
  const [received, setReceived] = useState<string | null>(null);
  return (
    <PortalShell
      teamName={props.teamName}
      width={680}
      right={
        <Anchor component={Link} to={back} size="sm">
          <Group gap={4} wrap="nowrap">
            <IconArrowLeft size={16} aria-hidden /> {props.visitor ? 'Sign in' : 'Your requests'}
          </Group>
        </Anchor>
      }
    >
      {received ? (
        <Alert color="teal" icon={<IconCircleCheck size={20} />} title="Thank you, we received your request" role="status">
          {props.teamName} will answer by email at {received}. To follow your requests here, sign in with that address.
        </Alert>
      ) : (
        <Stack gap="lg">
          <Stack gap={4}>
            <Title order={1} fz={26}>
              New request
            </Title>
            <Text size="sm" c="dimmed">
              Tell {props.teamName} what you need. You will get an email when they reply.
            </Text>
          </Stack>
          {templates.isPending ? (
            // the form waits for the team's templates: typing into a plain form that a template then replaces would be lost
            <Group justify="center" py="xl">
              <Loader size="sm" aria-label="Loading the request form" />
            </Group>
          ) : null}
          {!templates.isPending && items.length > 1 && (
            <Select
              label="What is it about?"
              value={chosen?.id ?? null}
              allowDeselect={false}
              data={items.map((t) => ({ value: t.id, label: t.name }))}
              onChange={setTemplateId}
            />
          )}
          {!templates.isPending && (
            <RequestForm
              key={chosen?.id ?? 'plain'}
              slug={slug}
              template={chosen}
              visitor={props.visitor ?? false}
              onReceived={setReceived}
            />
          )}
        </Stack>
      )}
    </PortalShell>
  );
}

function RequestForm(props: { slug: string; template: PortalTemplate | null; visitor: boolean; onReceived: (email: string) => void }) {
  const { template, slug } = props;
  const navigate = useNavigate();
  const qc = useQueryClient();
  const keys = template ? [...builtIn, ...Object.keys(template.fields).filter((k) => !builtIn.includes(k))] : builtIn;
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      keys.map((k) => [k, template?.fields[k]?.default == null ? (k === 'priority' ? 'normal' : '') : String(template.fields[k]!.default)]),
    ),
  );
  // the value is read before the state update runs (React may run the updater after the event is gone)
  const setValue = (k: string, v: string) => setValues((x) => ({ ...x, [k]: v }));
  const [assigneeId, setAssignee] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [emails, setEmails] = useState<string[]>([]);
  const locked = (k: string) => template?.fields[k]?.locked === true;
  const submit = useMutation({
    mutationFn: () =>
      portalTicketsApi.submit(slug, {
        templateId: template?.id,
        // locked fields are sent as shown; the server keeps the template's value anyway
        fields: Object.fromEntries(keys.filter((k) => values[k] !== '').map((k) => [k, values[k]])),
        ...(assigneeId ? { assigneeId } : {}),
        ...(emails.length ? { contactEmails: emails } : {}),
        ...(props.visitor ? { name, email } : {}),
      }),
    onSuccess: (out) => {
      if (props.visitor) return props.onReceived(email.trim());
      void qc.invalidateQueries({ queryKey: portalTicketKeys.list(slug) });
      navigate(out.ticket ? `/portal/${encodeURIComponent(slug)}/tickets/${out.ticket.id}` : `/portal/${encodeURIComponent(slug)}`);
    },
  });
  const errorFor = (path: string) =>
    isApiError(submit.error) ? (submit.error.details.find((d) => d.path === path)?.message ?? null) : null;
  const lockHint = <IconLock size={14} aria-label="Set by the form" />;
  return (
    <Paper
      withBorder
      radius="lg"
      p={{ base: 'md', xs: 'lg' }}
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        submit.mutate();
      }}
    >
      <Stack gap="md">
        {template?.description && (
          <Text size="sm" c="dimmed">
            {template.description}
          </Text>
        )}
        {submit.isError && !isApiError(submit.error, 'VALIDATION') && (
          <Alert color="red" role="alert">
            {submit.error.message}
          </Alert>
        )}
        {props.visitor && (
          <>
            <TextInput
              label="Your name"
              required
              autoComplete="name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={errorFor('name')}
            />
            <TextInput
              label="Your email address"
              required
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={errorFor('email')}
              description="We will answer at this address."
            />
          </>
        )}
        {keys.map((k) => {
          const common = {
            label: labelOf(k),
            // read-only rather than disabled: the value stays readable at full contrast
            readOnly: locked(k),
            variant: locked(k) ? 'filled' : 'default',
            rightSection: locked(k) ? lockHint : undefined,
            description: locked(k) ? 'Set by this form' : undefined,
            error: errorFor(`fields.${k}`),
          };
          if (k === 'priority') {
            return (
              <Select
                key={k}
                {...common}
                value={values[k] || 'normal'}
                allowDeselect={false}
                data={priorities}
                onChange={(v) => setValue(k, v ?? 'normal')}
              />
            );
          }
          if (k === 'description') {
            return (
              <Textarea key={k} {...common} autosize minRows={4} value={values[k]} onChange={(e) => setValue(k, e.currentTarget.value)} />
            );
          }
          return (
            <TextInput
              key={k}
              {...common}
              required={k === 'subject'}
              value={values[k]}
              onChange={(e) => setValue(k, e.currentTarget.value)}
            />
          );
        })}
        {template?.allowChooseAssignee && template.assignees.length > 0 && (
          <Select
            label="Who should handle it?"
            placeholder="Anyone in the team"
            clearable
            value={assigneeId}
            data={template.assignees.map((a) => ({ value: a.id, label: a.name }))}
            onChange={setAssignee}
            error={errorFor('assigneeId')}
          />
        )}
        {template?.allowAddContacts && !props.visitor && (
          <TagsInput
            label="Also keep informed"
            description="Email addresses of colleagues who should follow this request (Enter after each)"
            value={emails}
            onChange={setEmails}
            error={
              isApiError(submit.error) ? (submit.error.details.find((d) => d.path.startsWith('contactEmails'))?.message ?? null) : null
            }
          />
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={submit.isPending}>
            Submit request
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
