// The connection editor (new and edit): source, name and description, the connection (LDAP/AD, Google
// Workspace or Microsoft Entra ID) with Test connection, scope, the mapping by field groups with a preview of the first people as contacts, the
// schedule, Enabled/Draft, and the advanced settings (collapsed).
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  Accordion,
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Group,
  List,
  NativeSelect,
  NumberInput,
  PasswordInput,
  Radio,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconCircleCheck, IconEye, IconPlugConnected } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useBlocker, useNavigate, useParams } from 'react-router';
import { ActionBar } from '../../components/action-bar.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { UnsavedChangesModal } from '../../components/unsaved-changes-modal.tsx';
import { ApiError, errorMessage } from '../../lib/api.ts';
import { formatCount } from '../../lib/format.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { syncApi, syncKeys, useConnection, type PreviewResult, type SyncConnection, type SyncSource, type TestResult } from './sync-api.ts';
import {
  applyFlavor,
  applySource,
  bodyOf,
  maxPageSize,
  secretOf,
  errorsByPath,
  fieldGroups,
  normalizePath,
  formOf,
  newForm,
  sectionOf,
  sourceLabels,
  type ConnectionForm,
  type Flavor,
  type MappingField,
  type MappingRow,
} from './sync-form.ts';
import { ScimSetup, ScimTokenModal } from './scim-parts.tsx';
import { PreviewTable } from './preview-table.tsx';
import { SourceIcon } from './sync-parts.tsx';
import '../imports/imports.css';

const sources: { value: SyncSource; text: string; later: boolean }[] = [
  { value: 'ldap', text: 'Any LDAP server or Active Directory, filtered by groups or a search filter.', later: false },
  { value: 'google', text: 'Users from your Google Workspace directory, with a service account.', later: false },
  { value: 'microsoft', text: 'Users from Microsoft Entra ID through Microsoft Graph, with an app registration.', later: false },
  { value: 'scim', text: 'Your identity provider (Entra ID, Okta…) sends people to KDesk.', later: false },
];

const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

const schedules = [
  { value: '', label: 'Only when someone presses Run' },
  { value: '@every 15m', label: 'Every 15 minutes' },
  { value: '@every 1h', label: 'Every hour' },
  { value: '@every 6h', label: 'Every 6 hours' },
  { value: '@daily', label: 'Every day' },
];

/** Route /sync/new and /sync/:id/edit. */
export default function ConnectionEditorPage() {
  const { id } = useParams();
  const existing = useConnection(id);
  if (id && existing.isPending) return <PageLoader />;
  if (id && existing.isError)
    return <ErrorState title="This connection could not be loaded" error={existing.error} onRetry={() => void existing.refetch()} />;
  return <Editor key={id ?? 'new'} connection={existing.data ?? null} />;
}

function Editor({ connection }: { connection: SyncConnection | null }) {
  usePageTitle(connection ? `Edit ${connection.name}` : 'New connection');
  const navigate = useNavigate();
  const qc = useQueryClient();
  const initial = useMemo(() => (connection ? formOf(connection) : newForm()), [connection]);
  const [form, setForm] = useState<ConnectionForm>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [openMapping, setOpenMapping] = useState<string[]>(['identity']);
  const [advancedOpen, setAdvancedOpen] = useState<string | null>(null);
  const [test, setTest] = useState<{ result: TestResult } | { error: unknown } | null>(null);
  const [preview, setPreview] = useState<{ result: PreviewResult } | { error: unknown } | null>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const leaving = useRef(false);
  // a SCIM token, shown once (after Create connection, or Generate a new token)
  const [scimToken, setScimToken] = useState<{ token: string; thenLeave: boolean } | null>(null);
  // a SCIM connection is pushed to: no directory connection, scope, preview, schedule or advanced settings
  const isScim = form.source === 'scim';
  const hiddenForScim = isScim ? { display: 'none' } : undefined;

  const set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K], errorPath?: string) => {
    setForm((f) => ({ ...f, [key]: value }));
    if (errorPath && errors[errorPath]) setErrors(({ [errorPath]: _, ...rest }) => rest);
  };
  const setRow = (path: string, row: MappingRow) => {
    setForm((f) => ({ ...f, mapping: { ...f.mapping, [path]: row } }));
    if (errors[`mapping.${path}`] || errors.mapping) setErrors(({ [`mapping.${path}`]: _a, mapping: _b, ...rest }) => rest);
  };

  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && !leaving.current && currentLocation.pathname !== nextLocation.pathname,
  );

  /** A 400 answer: each message at its field, the sections holding them opened, the summary read out. */
  const showErrors = (e: unknown) => {
    if (e instanceof ApiError && e.status === 400 && e.details.length) {
      const byPath = errorsByPath(e.details);
      setErrors(byPath);
      setFormError(e.message);
      const sections = new Set(Object.keys(byPath).map(sectionOf));
      if (sections.has('advanced')) setAdvancedOpen('advanced');
      if (sections.has('mapping')) {
        const groups = fieldGroups.filter((g) => g.fields.some((f) => byPath[`mapping.${f.path}`])).map((g) => g.id);
        setOpenMapping((o) => [...new Set([...o, ...groups])]);
      }
    } else {
      setErrors({});
      setFormError(errorMessage(e));
    }
    requestAnimationFrame(() => summaryRef.current?.focus());
  };

  const save = useMutation({
    mutationFn: () => {
      if (!connection) return syncApi.create(bodyOf(form));
      // the source of a saved connection cannot change
      const { source: _source, ...patch } = bodyOf(form);
      return syncApi.update(connection.id, patch);
    },
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: syncKeys.all });
      notifications.show({
        color: 'teal',
        title: connection ? 'Connection saved' : 'Connection created',
        message:
          saved.source === 'scim'
            ? saved.status === 'enabled'
              ? 'It is enabled: your identity provider can send people now.'
              : 'Saved as a draft: KDesk refuses provisioning until you enable it.'
            : saved.status === 'enabled'
              ? 'It is enabled: run it now or wait for its schedule.'
              : 'Saved as a draft: it runs only when you press Run.',
      });
      leaving.current = true;
      if (saved.scimToken) setScimToken({ token: saved.scimToken, thenLeave: true });
      else navigate('/sync');
    },
    onError: showErrors,
  });

  const probeBody = () => ({ ...bodyOf(form), ...(connection ? { id: connection.id } : {}) });
  const testMutation = useMutation({
    mutationFn: () => syncApi.test(probeBody()),
    onMutate: () => {
      setTest(null);
      // the message an earlier test put at a field goes; this test says again what is wrong
      const earlier = test && 'result' in test ? test.result.problem?.field : null;
      if (earlier) setErrors(({ [normalizePath(earlier)]: _, ...rest }) => rest);
    },
    onSuccess: (result) => {
      setTest({ result });
      // the setting to look at gets the message too
      const field = result.problem?.field;
      if (!result.ok && field) setErrors((e) => ({ ...e, [normalizePath(field)]: result.problem!.message }));
    },
    onError: (e) => setTest({ error: e }),
  });
  const previewMutation = useMutation({
    mutationFn: () => syncApi.preview(probeBody()),
    onMutate: () => setPreview(null),
    onSuccess: (result) => setPreview({ result }),
    onError: (e) => setPreview({ error: e }),
  });

  // a changed setting makes an earlier test or preview outdated
  const settingsKey = JSON.stringify([
    form.source,
    form.tenantId,
    form.clientId,
    form.customer,
    form.domain,
    form.adminEmail,
    form.url,
    form.bindDn,
    form.bindPassword,
    form.baseDn,
    form.userFilter,
    form.rejectUnauthorized,
    form.ca,
  ]);
  useEffect(() => setTest(null), [settingsKey]);

  const err = (path: string) => errors[path];
  const errorCount = Object.keys(errors).length;
  const title = connection ? `Edit ${connection.name}` : 'New connection';

  return (
    <>
      <ActionBar>
        <PageHeader
          above={
            <Anchor component={Link} to="/sync" size="sm">
              Contact Sync
            </Anchor>
          }
          title={title}
          actions={
            <>
              <Button variant="default" component={Link} to="/sync">
                Cancel
              </Button>
              <Button onClick={() => save.mutate()} loading={save.isPending}>
                {connection ? 'Save' : 'Create connection'}
              </Button>
            </>
          }
          mb="sm"
        />
      </ActionBar>

      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
        noValidate
      >
        <Stack gap="lg" maw={1100}>
          {formError && (
            <Alert
              ref={summaryRef}
              tabIndex={-1}
              color="red"
              variant="light"
              icon={<IconAlertCircle size={18} />}
              title={errorCount ? 'The connection was not saved' : 'Something went wrong'}
              role="alert"
              withCloseButton
              onClose={() => setFormError(null)}
            >
              <Text size="sm">{formError}</Text>
              {errorCount > 0 && (
                <List size="sm" mt={4} spacing={2}>
                  {Object.entries(errors).map(([path, message]) => (
                    <List.Item key={path}>{message}</List.Item>
                  ))}
                </List>
              )}
            </Alert>
          )}

          <Section title="Source" description="Where the people come from.">
            {connection ? (
              <Group gap="sm" wrap="nowrap">
                <SourceIcon source={connection.source} size={32} />
                <div>
                  <Text fw={600} size="sm">
                    {sourceLabels[connection.source]}
                  </Text>
                  <Text size="xs" c="dimmed">
                    A saved connection keeps its source. For another directory, create a new connection.
                  </Text>
                </div>
              </Group>
            ) : (
              <Radio.Group
                value={form.source}
                onChange={(v) => setForm((f) => applySource(f, v as SyncSource))}
                aria-label="Source"
                name="source"
              >
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  {sources.map((s) => (
                    <label
                      key={s.value}
                      className="kd-choice"
                      data-checked={form.source === s.value || undefined}
                      style={s.later ? { cursor: 'not-allowed', opacity: 0.75 } : undefined}
                    >
                      <Group wrap="nowrap" align="flex-start" gap="sm">
                        <Radio value={s.value} disabled={s.later} aria-describedby={`source-${s.value}-text`} mt={4} />
                        <SourceIcon source={s.value} size={32} />
                        <div style={{ minWidth: 0 }}>
                          <Group gap={6}>
                            <Text fw={600} size="sm">
                              {sourceLabels[s.value]}
                            </Text>
                            {s.later && (
                              <Badge size="sm" variant="light" color="gray" radius="sm">
                                Later release
                              </Badge>
                            )}
                          </Group>
                          <Text id={`source-${s.value}-text`} size="xs" c="dimmed">
                            {s.later ? `${s.text} Coming in a later release.` : s.text}
                          </Text>
                        </div>
                      </Group>
                    </label>
                  ))}
                </SimpleGrid>
              </Radio.Group>
            )}
          </Section>

          <Section title="Details">
            <TextInput
              label="Name"
              description="A clear name your team recognizes, such as “Head office AD”."
              required
              value={form.name}
              onChange={(e) => set('name', e.currentTarget.value, 'name')}
              error={err('name')}
              maxLength={200}
            />
            <Textarea
              label="Description"
              value={form.description}
              onChange={(e) => set('description', e.currentTarget.value, 'description')}
              error={err('description')}
              autosize
              minRows={2}
              maxRows={5}
            />
          </Section>

          <Section
            title="Identity provider"
            description="Where your identity provider sends people, and the token it signs in with."
            hidden={!isScim}
          >
            <ScimSetup connectionId={connection?.id ?? null} onToken={(token) => setScimToken({ token, thenLeave: false })} />
          </Section>

          <Section
            title="Connection"
            description={
              form.source === 'ldap'
                ? 'How KDesk reaches your directory. KDesk only reads from it.'
                : `How KDesk signs in to ${sourceLabels[form.source]}. KDesk only reads from it.`
            }
            hidden={isScim}
          >
            {form.source === 'ldap' && (
              <>
                <Stack gap={4}>
                  <Text size="sm" fw={500} id="flavor-label">
                    Directory
                  </Text>
                  <SegmentedControl
                    aria-labelledby="flavor-label"
                    value={form.flavor}
                    onChange={(v) => setForm((f) => applyFlavor(f, v as Flavor))}
                    data={[
                      { value: 'ad', label: 'Active Directory' },
                      { value: 'openldap', label: 'OpenLDAP and others' },
                    ]}
                    style={{ alignSelf: 'flex-start', maxWidth: '100%' }}
                    styles={{ label: { whiteSpace: 'normal' } }}
                  />
                  <Text size="xs" c="dimmed">
                    Sets the defaults for the search filter, the id attribute and the mapping.
                  </Text>
                </Stack>
                <TextInput
                  label="Server URL"
                  description="ldaps://dc1.example.com:636, or ldap:// for a server without TLS"
                  required
                  value={form.url}
                  onChange={(e) => set('url', e.currentTarget.value, 'settings.url')}
                  error={err('settings.url')}
                  autoComplete="off"
                  spellCheck={false}
                />
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                  <TextInput
                    label="Bind DN"
                    description="The account KDesk signs in with (read access is enough)."
                    value={form.bindDn}
                    onChange={(e) => set('bindDn', e.currentTarget.value, 'settings.bindDn')}
                    error={err('settings.bindDn')}
                    autoComplete="off"
                    spellCheck={false}
                  />
                  <PasswordField
                    form={form}
                    setForm={setForm}
                    error={err('settings.bindPassword')}
                    onEdit={() => errors['settings.bindPassword'] && setErrors(({ 'settings.bindPassword': _, ...rest }) => rest)}
                  />
                </SimpleGrid>
                <TextInput
                  label="Base DN"
                  description="Where the search for people starts, such as dc=example,dc=com."
                  required
                  value={form.baseDn}
                  onChange={(e) => set('baseDn', e.currentTarget.value, 'settings.baseDn')}
                  error={err('settings.baseDn')}
                  spellCheck={false}
                />
                <TextInput
                  label="User filter"
                  description="Which entries are people."
                  value={form.userFilter}
                  onChange={(e) => set('userFilter', e.currentTarget.value, 'settings.userFilter')}
                  error={err('settings.userFilter')}
                  spellCheck={false}
                  styles={mono}
                />
              </>
            )}
            {form.source === 'microsoft' && (
              <>
                <Text size="sm" c="dimmed">
                  Register an app in the Microsoft Entra admin center with the application permissions User.Read.All (and
                  GroupMember.Read.All to sync members of groups), grant admin consent, and create a client secret.
                </Text>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                  <TextInput
                    label="Directory (tenant) ID"
                    description="The tenant's GUID, or a domain such as contoso.onmicrosoft.com."
                    required
                    value={form.tenantId}
                    onChange={(e) => set('tenantId', e.currentTarget.value, 'settings.tenantId')}
                    error={err('settings.tenantId')}
                    autoComplete="off"
                    spellCheck={false}
                  />
                  <TextInput
                    label="Application (client) ID"
                    description="From the app registration's overview."
                    required
                    value={form.clientId}
                    onChange={(e) => set('clientId', e.currentTarget.value, 'settings.clientId')}
                    error={err('settings.clientId')}
                    autoComplete="off"
                    spellCheck={false}
                  />
                </SimpleGrid>
                <PasswordField
                  form={form}
                  setForm={setForm}
                  error={err('settings.bindPassword')}
                  onEdit={() => errors['settings.bindPassword'] && setErrors(({ 'settings.bindPassword': _, ...rest }) => rest)}
                />
              </>
            )}
            {form.source === 'google' && (
              <>
                <Text size="sm" c="dimmed">
                  Create a service account with domain-wide delegation for the read-only Directory scopes (admin.directory.user.readonly and
                  admin.directory.group.member.readonly), and download its JSON key.
                </Text>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                  <TextInput
                    label="Admin email"
                    description="A Workspace admin the service account acts for."
                    required
                    type="email"
                    value={form.adminEmail}
                    onChange={(e) => set('adminEmail', e.currentTarget.value, 'settings.adminEmail')}
                    error={err('settings.adminEmail')}
                    autoComplete="off"
                    spellCheck={false}
                  />
                  <TextInput
                    label="Customer ID"
                    description="my_customer (the admin's account) or the ID from the Admin console, such as C03az79cb."
                    value={form.customer}
                    onChange={(e) => set('customer', e.currentTarget.value, 'settings.customer')}
                    error={err('settings.customer')}
                    autoComplete="off"
                    spellCheck={false}
                  />
                </SimpleGrid>
                <TextInput
                  label="Domain"
                  description="Only the users of this domain; leave empty for every domain of the account."
                  value={form.domain}
                  onChange={(e) => set('domain', e.currentTarget.value, 'settings.domain')}
                  error={err('settings.domain')}
                  autoComplete="off"
                  spellCheck={false}
                  maw={420}
                />
                <PasswordField
                  form={form}
                  setForm={setForm}
                  error={err('settings.bindPassword')}
                  onEdit={() => errors['settings.bindPassword'] && setErrors(({ 'settings.bindPassword': _, ...rest }) => rest)}
                />
              </>
            )}
            <Group gap="sm">
              <Button
                variant="light"
                leftSection={<IconPlugConnected size={18} />}
                onClick={() => testMutation.mutate()}
                loading={testMutation.isPending}
              >
                Test connection
              </Button>
            </Group>
            <div aria-live="polite">{test && <TestOutcome outcome={test} />}</div>
          </Section>

          <Section title="Scope" description="Which people become contacts." hidden={isScim}>
            <SegmentedControl
              aria-label="Scope"
              value={form.scopeMode}
              onChange={(v) => set('scopeMode', v as ConnectionForm['scopeMode'])}
              data={[
                { value: 'all', label: 'Everyone' },
                { value: 'list', label: 'List' },
                { value: 'pattern', label: 'Pattern' },
              ]}
              style={{ alignSelf: 'flex-start' }}
            />
            {form.scopeMode === 'all' && (
              <Text size="sm" c="dimmed">
                {form.source === 'ldap'
                  ? 'Every entry under the base DN that matches the user filter.'
                  : form.source === 'google'
                    ? 'Every user of the account (or of the domain).'
                    : 'Every user of the tenant.'}
              </Text>
            )}
            {form.scopeMode === 'list' && (
              <Textarea
                label="Groups"
                description={
                  form.source === 'google'
                    ? 'One group email address a line. Members of nested groups are included.'
                    : form.source === 'microsoft'
                      ? 'One group object ID a line (from the group’s overview). Members of nested groups are included.'
                      : 'One group DN a line. Members of nested groups are included.'
                }
                value={form.groups.join('\n')}
                onChange={(e) => set('groups', e.currentTarget.value.split('\n'), 'scope.groups')}
                error={err('scope.groups')}
                autosize
                minRows={3}
                maxRows={10}
                spellCheck={false}
                styles={mono}
              />
            )}
            {form.scopeMode === 'pattern' && form.source === 'microsoft' && (
              <TextInput
                label="Matching rule (Graph filter)"
                description="A Microsoft Graph $filter on users, such as department eq 'Sales' or startswith(jobTitle,'Support')."
                value={form.patternFilter}
                onChange={(e) => set('patternFilter', e.currentTarget.value, 'scope.pattern.filter')}
                error={err('scope.pattern.filter')}
                spellCheck={false}
                styles={mono}
              />
            )}
            {form.scopeMode === 'pattern' && form.source === 'google' && (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                <TextInput
                  label="Matching rule (search query)"
                  description="A Directory API users query, such as orgName='Sales' or isSuspended=false."
                  value={form.patternQuery}
                  onChange={(e) => set('patternQuery', e.currentTarget.value, 'scope.pattern.query')}
                  error={err('scope.pattern.query') ?? err('scope.pattern.filter')}
                  spellCheck={false}
                  styles={mono}
                />
                <TextInput
                  label="Organizational unit"
                  description="Only people in this unit and the units below it, such as /Sales/EMEA."
                  value={form.patternOrgUnit}
                  onChange={(e) => set('patternOrgUnit', e.currentTarget.value, 'scope.pattern.orgUnitPath')}
                  error={err('scope.pattern.orgUnitPath')}
                  spellCheck={false}
                />
              </SimpleGrid>
            )}
            {form.scopeMode === 'pattern' && form.source === 'ldap' && (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                <TextInput
                  label="Matching rule (LDAP filter)"
                  description="Added to the user filter, such as (department=Sales)."
                  value={form.patternFilter}
                  onChange={(e) => set('patternFilter', e.currentTarget.value, 'scope.pattern.filter')}
                  error={err('scope.pattern.filter')}
                  spellCheck={false}
                  styles={mono}
                />
                <TextInput
                  label="Directory segment (base DN)"
                  description="Only people under this DN, such as ou=Berlin,dc=example,dc=com."
                  value={form.patternBaseDn}
                  onChange={(e) => set('patternBaseDn', e.currentTarget.value, 'scope.pattern.baseDn')}
                  error={err('scope.pattern.baseDn')}
                  spellCheck={false}
                />
              </SimpleGrid>
            )}
          </Section>

          <Section
            title="Mapping"
            description={
              isScim
                ? 'Which KDesk contact fields are filled from the SCIM attributes the identity provider sends (such as name.givenName or emails[type eq "work"].value). A name and an email must be mapped. Fields filled by sync are read-only on the contact.'
                : 'Which KDesk contact fields are filled from the directory. A name and an email must be mapped. Fields filled by sync are read-only on the contact.'
            }
          >
            {err('mapping') && (
              <Alert color="red" variant="light" role="alert" p="sm">
                {err('mapping')}
              </Alert>
            )}
            <Accordion multiple value={openMapping} onChange={setOpenMapping} variant="separated" chevronPosition="left">
              {fieldGroups.map((g) => {
                const mapped = g.fields.filter((f) => form.mapping[f.path]?.kind !== 'none').length;
                return (
                  <Accordion.Item key={g.id} value={g.id}>
                    <Accordion.Control>
                      <Group justify="space-between" wrap="nowrap" gap="sm">
                        <div>
                          <Text fw={600} size="sm">
                            {g.title}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {g.description}
                          </Text>
                        </div>
                        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {mapped} of {g.fields.length} mapped
                        </Text>
                      </Group>
                    </Accordion.Control>
                    <Accordion.Panel>
                      <Stack gap="xs">
                        {g.fields.map((f) => (
                          <MappingFieldRow
                            key={f.path}
                            field={f}
                            row={form.mapping[f.path] ?? { kind: 'none' }}
                            onChange={(r) => setRow(f.path, r)}
                            error={err(`mapping.${f.path}`)}
                          />
                        ))}
                      </Stack>
                    </Accordion.Panel>
                  </Accordion.Item>
                );
              })}
            </Accordion>
            <Group gap="sm" style={hiddenForScim}>
              <Button
                variant="light"
                leftSection={<IconEye size={18} />}
                onClick={() => previewMutation.mutate()}
                loading={previewMutation.isPending}
              >
                Preview
              </Button>
              <Text size="xs" c="dimmed">
                The first 20 people as they would become contacts. Nothing is written.
              </Text>
            </Group>
            {preview &&
              ('error' in preview ? (
                <ProbeError error={preview.error} title="No preview" />
              ) : preview.result.problem ? (
                <ProbeError error={new Error(preview.result.problem.message)} title="The directory could not be read" />
              ) : (
                <PreviewTable rows={preview.result.items} more={preview.result.more} />
              ))}
          </Section>

          <Section title={isScim ? 'Status' : 'Schedule and status'}>
            <NativeSelect
              style={hiddenForScim}
              label="Run automatically"
              data={
                schedules.some((o) => o.value === form.schedule)
                  ? schedules
                  : [...schedules, { value: form.schedule, label: `As set: ${form.schedule} (UTC)` }]
              }
              value={form.schedule}
              onChange={(e) => set('schedule', e.currentTarget.value, 'schedule')}
              error={err('schedule')}
              maw={360}
            />
            <Switch
              label="Enabled"
              description={
                isScim
                  ? form.enabled
                    ? 'The identity provider can create, change and deactivate contacts.'
                    : 'Draft: KDesk refuses provisioning (403) until you enable it.'
                  : form.enabled
                    ? 'The connection runs on its schedule and with Run all.'
                    : 'Draft: saved but not turned on. It runs only when you press Run on its card.'
              }
              checked={form.enabled}
              onChange={(e) => set('enabled', e.currentTarget.checked, 'status')}
              error={err('status')}
            />
          </Section>

          <Accordion value={advancedOpen} onChange={setAdvancedOpen} variant="separated" chevronPosition="left" style={hiddenForScim}>
            <Accordion.Item value="advanced">
              <Accordion.Control>
                <Text fw={600}>Advanced settings</Text>
                <Text size="xs" c="dimmed">
                  Usually set once by whoever set up the directory connection.
                </Text>
              </Accordion.Control>
              <Accordion.Panel>
                <Stack gap="md">
                  {form.source !== 'ldap' && (
                    <>
                      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                        <NumberInput
                          label="Page size"
                          description={`People per page (at most ${maxPageSize[form.source]}).`}
                          value={form.pageSize}
                          onChange={(v) => set('pageSize', v, 'settings.pageSize')}
                          error={err('settings.pageSize')}
                          min={1}
                          max={maxPageSize[form.source]}
                          allowDecimal={false}
                        />
                        <NumberInput
                          label="Timeout (seconds)"
                          description="The longest KDesk waits for an answer."
                          value={form.timeoutSeconds}
                          onChange={(v) => set('timeoutSeconds', v, 'settings.timeoutSeconds')}
                          error={err('settings.timeoutSeconds')}
                          min={1}
                          max={300}
                          allowDecimal={false}
                        />
                      </SimpleGrid>
                      {form.source === 'microsoft' && (
                        <>
                          <Switch
                            label="Incremental runs (Microsoft Graph delta)"
                            description="Scheduled runs read only the people changed since the last run; deleted users become inactive. A full run every day finds people who left the scope."
                            checked={form.deltaRuns}
                            onChange={(e) => set('deltaRuns', e.currentTarget.checked, 'settings.incremental')}
                            error={err('settings.incremental')}
                          />
                          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                            <TextInput
                              label="Microsoft Graph URL"
                              description="Leave empty for https://graph.microsoft.com (set for national clouds)."
                              value={form.graphBaseUrl}
                              onChange={(e) => set('graphBaseUrl', e.currentTarget.value, 'settings.graphBaseUrl')}
                              error={err('settings.graphBaseUrl')}
                              spellCheck={false}
                            />
                            <TextInput
                              label="Sign-in authority URL"
                              description="Leave empty for https://login.microsoftonline.com."
                              value={form.authorityUrl}
                              onChange={(e) => set('authorityUrl', e.currentTarget.value, 'settings.authorityUrl')}
                              error={err('settings.authorityUrl')}
                              spellCheck={false}
                            />
                          </SimpleGrid>
                        </>
                      )}
                      {form.source === 'google' && (
                        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                          <TextInput
                            label="Directory API URL"
                            description="Leave empty for https://admin.googleapis.com."
                            value={form.directoryBaseUrl}
                            onChange={(e) => set('directoryBaseUrl', e.currentTarget.value, 'settings.directoryBaseUrl')}
                            error={err('settings.directoryBaseUrl')}
                            spellCheck={false}
                          />
                          <TextInput
                            label="Token URL"
                            description="Leave empty for the token_uri of the key file."
                            value={form.tokenUrl}
                            onChange={(e) => set('tokenUrl', e.currentTarget.value, 'settings.tokenUrl')}
                            error={err('settings.tokenUrl')}
                            spellCheck={false}
                          />
                        </SimpleGrid>
                      )}
                    </>
                  )}
                  {form.source === 'ldap' && (
                    <>
                      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                        <TextInput
                          label="Id attribute"
                          description="Stays the same when a person is renamed or moved: objectGUID (AD), entryUUID (OpenLDAP)."
                          value={form.idAttribute}
                          onChange={(e) => set('idAttribute', e.currentTarget.value, 'settings.idAttribute')}
                          error={err('settings.idAttribute')}
                          spellCheck={false}
                        />
                        <NumberInput
                          label="Page size"
                          description="People per page of the paged search."
                          value={form.pageSize}
                          onChange={(v) => set('pageSize', v, 'settings.pageSize')}
                          error={err('settings.pageSize')}
                          min={1}
                          max={5000}
                          allowDecimal={false}
                        />
                      </SimpleGrid>
                      <NumberInput
                        label="Timeout (seconds)"
                        description="The longest KDesk waits for the directory to answer."
                        value={form.timeoutSeconds}
                        onChange={(v) => set('timeoutSeconds', v, 'settings.timeoutSeconds')}
                        error={err('settings.timeoutSeconds')}
                        min={1}
                        max={300}
                        allowDecimal={false}
                        maw={260}
                      />
                      <NativeSelect
                        label="Incremental runs"
                        description="Scheduled runs read only the people changed since the last run; a full run finds people who left."
                        value={form.incremental}
                        onChange={(e) => set('incremental', e.currentTarget.value as ConnectionForm['incremental'], 'settings.incremental')}
                        error={err('settings.incremental')}
                        data={[
                          { value: 'none', label: 'Off: every run reads everyone' },
                          { value: 'modifyTimestamp', label: 'By modifyTimestamp (OpenLDAP and most servers)' },
                          { value: 'uSNChanged', label: 'By uSNChanged (Active Directory)' },
                        ]}
                      />
                      <Switch
                        label="Use StartTLS"
                        description="Upgrade an ldap:// connection to TLS before signing in (ldaps:// is TLS from the start)."
                        checked={form.startTls}
                        onChange={(e) => set('startTls', e.currentTarget.checked, 'settings.tls.startTls')}
                        error={err('settings.tls.startTls')}
                      />
                      <Switch
                        label="Check the server’s TLS certificate"
                        description="Turn off only for a test server with a self-signed certificate."
                        checked={form.rejectUnauthorized}
                        onChange={(e) => set('rejectUnauthorized', e.currentTarget.checked, 'settings.tls.rejectUnauthorized')}
                        error={err('settings.tls.rejectUnauthorized')}
                      />
                      <Textarea
                        label="CA certificate (PEM)"
                        description="For a server whose certificate your own certificate authority signed."
                        value={form.ca}
                        onChange={(e) => set('ca', e.currentTarget.value, 'settings.tls.ca')}
                        error={err('settings.tls.ca')}
                        autosize
                        minRows={2}
                        maxRows={8}
                        styles={mono}
                        spellCheck={false}
                      />
                    </>
                  )}
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>

          <Group justify="flex-end" gap="sm">
            <Button variant="default" component={Link} to="/sync">
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {connection ? 'Save' : 'Create connection'}
            </Button>
          </Group>
        </Stack>
      </form>
      <UnsavedChangesModal blocker={blocker} message="The connection has changes that are not saved. Leave and lose them?" />
      <ScimTokenModal
        token={scimToken?.token ?? null}
        onClose={() => {
          const leave = scimToken?.thenLeave;
          setScimToken(null);
          if (leave) navigate('/sync');
        }}
      />
    </>
  );
}

function Section(props: { title: string; description?: string; children: ReactNode; hidden?: boolean }) {
  if (props.hidden) return null;
  const id = `section-${props.title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <Card component="section" aria-labelledby={id}>
      <Stack gap="md">
        <div>
          <Title order={2} fz="lg" id={id}>
            {props.title}
          </Title>
          {props.description && (
            <Text size="sm" c="dimmed">
              {props.description}
            </Text>
          )}
        </div>
        {props.children}
      </Stack>
    </Card>
  );
}

/** Write-only: a stored password shows as saved and can be replaced; it is never sent back. */
function PasswordField(props: {
  form: ConnectionForm;
  setForm: (fn: (f: ConnectionForm) => ConnectionForm) => void;
  error?: string;
  onEdit: () => void;
}) {
  const { form, setForm } = props;
  const label = secretOf[form.source]?.label ?? 'Secret';
  const noun = form.source === 'google' ? 'key' : form.source === 'microsoft' ? 'secret' : 'password';
  if (form.passwordSaved && !form.replacePassword) {
    return (
      <Stack gap={4}>
        <Text size="sm" fw={500} id="bind-password-label">
          {label}
        </Text>
        <Group gap="sm" wrap="nowrap" aria-labelledby="bind-password-label" role="group">
          <Badge color="teal" variant="light" radius="sm" leftSection={<IconCircleCheck size={12} />} size="lg">
            Saved
          </Badge>
          <Button variant="default" size="xs" onClick={() => setForm((f) => ({ ...f, replacePassword: true, bindPassword: '' }))}>
            Replace {noun}
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          Stored encrypted; KDesk never shows it again.
        </Text>
      </Stack>
    );
  }
  if (form.source === 'google') {
    return (
      <Stack gap={4}>
        <Textarea
          label={label}
          description={
            form.passwordSaved
              ? 'Paste the new JSON key file.'
              : 'Paste the whole JSON key file of the service account. Stored encrypted; KDesk never shows it again.'
          }
          required={!form.passwordSaved}
          value={form.bindPassword}
          onChange={(e) => {
            const v = e.currentTarget.value;
            setForm((f) => ({ ...f, bindPassword: v }));
            props.onEdit();
          }}
          error={props.error}
          autosize
          minRows={3}
          maxRows={8}
          spellCheck={false}
          autoComplete="off"
          styles={mono}
          placeholder='{ "type": "service_account", "client_email": "…", "private_key": "…" }'
        />
        {form.passwordSaved && (
          <Anchor
            component="button"
            type="button"
            size="xs"
            onClick={() => setForm((f) => ({ ...f, replacePassword: false, bindPassword: '' }))}
            style={{ alignSelf: 'flex-start' }}
          >
            Keep the saved key
          </Anchor>
        )}
      </Stack>
    );
  }
  return (
    <Stack gap={4}>
      <PasswordInput
        label={label}
        required={form.source === 'microsoft' && !form.passwordSaved}
        description={form.passwordSaved ? `Type the new ${noun}.` : 'Stored encrypted; KDesk never shows it again.'}
        value={form.bindPassword}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setForm((f) => ({ ...f, bindPassword: v }));
          props.onEdit();
        }}
        error={props.error}
        autoComplete="new-password"
      />
      {form.passwordSaved && (
        <Anchor
          component="button"
          type="button"
          size="xs"
          onClick={() => setForm((f) => ({ ...f, replacePassword: false, bindPassword: '' }))}
          style={{ alignSelf: 'flex-start' }}
        >
          Keep the saved {noun}
        </Anchor>
      )}
    </Stack>
  );
}

const kindOptions = (f: MappingField) => [
  { value: 'attribute', label: 'Directory attribute' },
  // a person whose value is missing is not synced (listed as failed) rather than synced without it
  ...(f.boolean || f.path === 'reportsTo' ? [] : [{ value: 'required', label: 'Directory attribute, required' }]),
  { value: 'const', label: 'Fixed value' },
  { value: 'none', label: 'Not synced' },
];

function MappingFieldRow(props: { field: MappingField; row: MappingRow; onChange: (r: MappingRow) => void; error?: string }) {
  const { field: f, row } = props;
  const changeKind = (kind: string) => {
    if (kind === 'none') props.onChange({ kind: 'none' });
    else if (kind === 'attribute' || kind === 'required')
      props.onChange({
        kind: 'attribute',
        attribute: row.kind === 'attribute' ? row.attribute : '',
        ...(kind === 'required' ? { required: true } : {}),
      });
    else props.onChange({ kind: 'const', value: f.boolean ? true : '' });
  };
  return (
    <Box className="kd-map-row" data-error={props.error ? true : undefined} py={4}>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" verticalSpacing={4} style={{ alignItems: 'start' }}>
        <Box pt={{ base: 0, sm: 6 }}>
          <Text size="sm" fw={500}>
            {f.label}
            {f.required && (
              <Text span c="dimmed" size="xs">
                {' '}
                {f.path === 'primaryEmail' ? '(needed)' : '(this or the other name needed)'}
              </Text>
            )}
          </Text>
          {f.hint && (
            <Text size="xs" c="dimmed">
              {f.hint}
            </Text>
          )}
        </Box>
        <NativeSelect
          aria-label={`${f.label}: filled from`}
          data={kindOptions(f)}
          value={row.kind === 'attribute' && row.required ? 'required' : row.kind}
          onChange={(e) => changeKind(e.currentTarget.value)}
        />
        {row.kind === 'attribute' ? (
          <TextInput
            aria-label={`${f.label}: directory attribute`}
            placeholder="Attribute name"
            value={row.attribute}
            onChange={(e) => props.onChange({ ...row, attribute: e.currentTarget.value })}
            error={props.error}
            spellCheck={false}
          />
        ) : row.kind === 'const' && f.boolean ? (
          <NativeSelect
            aria-label={`${f.label}: fixed value`}
            data={[
              { value: 'true', label: 'Yes' },
              { value: 'false', label: 'No' },
            ]}
            value={String(row.value === true || row.value === 'true')}
            onChange={(e) => props.onChange({ kind: 'const', value: e.currentTarget.value === 'true' })}
            error={props.error}
          />
        ) : row.kind === 'const' ? (
          <TextInput
            aria-label={`${f.label}: fixed value`}
            placeholder="The same for everyone"
            value={String(row.value)}
            onChange={(e) => props.onChange({ kind: 'const', value: e.currentTarget.value })}
            error={props.error}
          />
        ) : props.error ? (
          <Text size="xs" c="red.9" role="alert">
            {props.error}
          </Text>
        ) : (
          <Text size="sm" c="dimmed" pt={{ base: 0, sm: 6 }}>
            Left as it is in KDesk
          </Text>
        )}
      </SimpleGrid>
    </Box>
  );
}

const directoryNames = { 'active-directory': 'Active Directory', openldap: 'OpenLDAP', other: 'an LDAP directory' } as const;

function TestOutcome({ outcome }: { outcome: { result: TestResult } | { error: unknown } }) {
  if ('error' in outcome) return <ProbeError error={outcome.error} title="Could not test the connection" />;
  const r = outcome.result;
  const found = `${r.countIsLowerBound ? 'At least ' : ''}${formatCount(r.usersFound)} ${r.usersFound === 1 ? 'person' : 'people'} in scope.`;
  return (
    <Alert
      color={r.ok ? 'teal' : 'red'}
      variant="light"
      icon={r.ok ? <IconCircleCheck size={18} /> : <IconAlertCircle size={18} />}
      title={r.ok ? `Connected${r.directory ? ` to ${directoryNames[r.directory]}` : ''}` : 'The connection does not work yet'}
      data-testid="test-result"
    >
      {r.ok ? (
        <Text size="sm">{found}</Text>
      ) : (
        // the failing step says it already
        !r.steps.some((st) => !st.ok && st.message === r.problem?.message) && (
          <Text size="sm">{r.problem?.message ?? 'The directory could not be read.'}</Text>
        )
      )}
      {r.steps.length > 0 && (
        <List size="sm" mt={6} spacing={2}>
          {r.steps.map((st, i) => (
            <List.Item
              key={i}
              icon={
                st.ok ? (
                  <IconCircleCheck size={16} color="var(--mantine-color-teal-text)" aria-label="Passed" />
                ) : (
                  <IconAlertCircle size={16} color="var(--mantine-color-red-text)" aria-label="Failed" />
                )
              }
            >
              {st.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

function ProbeError({ error, title }: { error: unknown; title: string }) {
  const details = error instanceof ApiError ? error.details : [];
  return (
    <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title={title} role="alert" data-testid="probe-error">
      <Text size="sm">{errorMessage(error)}</Text>
      {details.length > 0 && (
        <List size="sm" mt={4} spacing={2}>
          {details.map((d, i) => (
            <List.Item key={i}>{d.message}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
