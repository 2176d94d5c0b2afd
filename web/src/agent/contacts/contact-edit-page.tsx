import { useEffect, useRef, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Anchor,
  Autocomplete,
  Button,
  Group,
  List,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconAlertTriangle, IconDeviceFloppy, IconPlus, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useBlocker, useNavigate, useParams } from 'react-router';
import { limits } from '#shared/limits.ts';
import { api, ApiError, errorMessage, type Contact } from '../../lib/api.ts';
import { contactName } from '../../lib/format.ts';
import { keys, useContact, usePermissions } from '../../lib/queries.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { SwitchRow } from '../../components/switch-row.tsx';
import { ActionBar } from '../../components/action-bar.tsx';
import { UnsavedChangesModal } from '../../components/unsaved-changes-modal.tsx';
import { CompanyPicker } from '../companies/company-picker.tsx';
import {
  addressFields,
  emailLabelSuggestions,
  emptyForm,
  formFromContact,
  isDirty,
  mapServerErrors,
  newRow,
  nextLabel,
  notificationFields,
  permissionFields,
  phoneLabelSuggestions,
  toCreateInput,
  toPatchInput,
  validateForm,
  type ContactFormValues,
  type FieldErrors,
  type LabeledRow,
} from './contact-form.ts';
import {
  addressLabels,
  directoryLabels,
  fieldLabel,
  historySection,
  informationLabels,
  notificationLabels,
  permissionLabels,
  sections,
} from './contact-sections.ts';
import { SectionCard, SectionLayout } from './section-layout.tsx';
import { ContactHistory } from './contact-history.tsx';
import { DirectoryFields } from './contact-display.tsx';
import { useMe } from '../../lib/queries.ts';
import { ContactBreadcrumbs } from './contact-breadcrumbs.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { ContactLoadError } from './contact-load-error.tsx';
import { ChangePrimaryEmailButton } from './change-primary-email.tsx';

const section = (id: (typeof sections)[number]['id']) => sections.find((s) => s.id === id)!;

/** Create (/contacts/new) and edit (/contacts/:id/edit). */
export default function ContactEditPage() {
  const { id } = useParams();
  const perms = usePermissions();
  const contact = useContact(id);

  if (!perms.modifyContacts) {
    return (
      <ErrorState
        title="You can view contacts but not change them"
        message="Your account is missing the member permission Modify contacts. Ask a team owner or admin to enable it."
      />
    );
  }
  if (!id) return <ContactEditor key="new" contact={null} />;
  if (contact.isPending) return <PageLoader />;
  if (contact.isError) return <ContactLoadError error={contact.error} onRetry={() => void contact.refetch()} />;
  return <ContactEditor key={id} contact={contact.data} latest={contact.data} />;
}

type FormProblem = { kind: 'stale' } | { kind: 'conflict'; message: string; contactId: string | null } | { kind: 'other'; message: string };

const infoKeys = ['firstName', 'lastName', 'company', 'jobTitle', 'division', 'notes'] as const;

/** Which section an error key belongs to, for the marks in the section list. */
function sectionOf(key: string): string | null {
  if ((infoKeys as readonly string[]).includes(key)) return 'information';
  if (key === 'primaryEmail' || /^(emails|phones)[#.]/.test(key)) return 'contact-info';
  if (key.startsWith('address.')) return 'address';
  if (key.startsWith('notifications.')) return 'notifications';
  if (key.startsWith('permissions.')) return 'permissions';
  if (key === 'companyId') return 'information';
  if (key.startsWith('directory.')) return 'directory';
  return null;
}

/** A line for the alert at the top: the field's name when the error belongs to one. */
function describeError(key: string, errors: FieldErrors): string {
  return key ? `${fieldLabel(key.replace(/#\d+\..*$/, ''))}: ${errors[key]}` : errors[key]!;
}

/** Keys that a field of the form displays next to itself; the rest go to the alert at the top. */
function isShownAtField(key: string, f: ContactFormValues): boolean {
  if ((infoKeys as readonly string[]).includes(key) || key === 'primaryEmail') return true;
  if (/^address\.\w+$/.test(key)) return (addressFields as readonly string[]).includes(key.slice(8));
  const m = /^(emails|phones)#(\d+)\.(label|value)$/.exec(key);
  return Boolean(m && Number(m[2]) < f[m[1] as 'emails' | 'phones'].length);
}

function ContactEditor(props: { contact: Contact | null; latest?: Contact }) {
  const isNew = props.contact === null;
  const navigate = useNavigate();
  const qc = useQueryClient();

  // The record the form started from. Background refetches do not reset what the person typed.
  const [loaded, setLoaded] = useState(() => ({
    contact: props.contact,
    base: props.contact ? formFromContact(props.contact) : emptyForm(),
  }));
  const [values, setValues] = useState<ContactFormValues>(loaded.base);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [focusTick, setFocusTick] = useState(0);
  const allowLeave = useRef(false);

  const dirty = isDirty(values, loaded.base);
  const changedElsewhere = Boolean(props.latest && loaded.contact && props.latest.version !== loaded.contact.version);
  const name = loaded.contact ? contactName(loaded.contact) : 'New contact';
  usePageTitle(isNew ? 'Create contact' : `Edit ${name}`);

  // after errors are set, bring the first one into view
  useEffect(() => {
    if (!focusTick) return;
    const el = document.querySelector<HTMLElement>('[aria-invalid="true"], [data-form-alert]');
    if (el) {
      el.scrollIntoView({ behavior: 'smooth', block: 'center' });
      if (el.matches('input, textarea')) el.focus({ preventScroll: true });
    }
  }, [focusTick]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && !allowLeave.current && currentLocation.pathname !== nextLocation.pathname,
  );

  const save = useMutation({
    mutationFn: async (v: ContactFormValues) => {
      if (isNew) return api.createContact(toCreateInput(v));
      return api.updateContact(loaded.contact!.id, toPatchInput(v, loaded.base), loaded.contact!.version);
    },
    onSuccess: (saved) => {
      qc.setQueryData(keys.contact(saved.id), saved);
      void qc.invalidateQueries({ queryKey: ['contacts', 'list'] });
      void qc.invalidateQueries({ queryKey: keys.history(saved.id) });
      notifications.show({
        color: 'green',
        title: isNew ? 'Contact created' : 'Changes saved',
        message: isNew ? `${contactName(saved)} was added to the directory.` : `${contactName(saved)} is up to date.`,
      });
      allowLeave.current = true;
      navigate(`/contacts/${saved.id}`);
    },
    onError: (e, v) => {
      setProblem(null);
      if (e instanceof ApiError && e.code === 'VALIDATION') {
        const mapped = mapServerErrors(e.details, v);
        setErrors(Object.keys(mapped).length ? mapped : { '': e.message });
      } else if (e instanceof ApiError && e.code === 'CONFLICT') {
        const detail = e.details.find((d) => d.path === 'primaryEmail');
        const contactId = typeof detail?.contactId === 'string' ? detail.contactId : null;
        setErrors(detail ? { primaryEmail: 'Another contact already uses this primary email' } : {});
        setProblem({ kind: 'conflict', message: e.message, contactId });
      } else if (e instanceof ApiError && e.code === 'PRECONDITION_FAILED') {
        setProblem({ kind: 'stale' });
      } else if (e instanceof ApiError && e.code === 'NOT_FOUND' && !isNew) {
        setProblem({ kind: 'other', message: 'This contact no longer exists: someone deleted it while you were editing.' });
      } else {
        setProblem({ kind: 'other', message: errorMessage(e) });
      }
      setFocusTick((t) => t + 1);
    },
  });

  const submit = () => {
    if (save.isPending) return;
    const found = validateForm(values);
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length) {
      setFocusTick((t) => t + 1);
      return;
    }
    if (!isNew && !dirty) {
      notifications.show({ message: 'There are no changes to save.' });
      return;
    }
    save.mutate(values);
  };
  useHotkeys([['mod+S', submit]], []);

  const reload = async () => {
    if (!loaded.contact) return;
    const fresh = await qc.fetchQuery({
      queryKey: keys.contact(loaded.contact.id),
      queryFn: () => api.getContact(loaded.contact!.id),
      staleTime: 0,
    });
    const base = formFromContact(fresh);
    setLoaded({ contact: fresh, base });
    setValues(base);
    setErrors({});
    setProblem(null);
    void qc.invalidateQueries({ queryKey: keys.history(fresh.id) });
  };

  // --- field helpers -------------------------------------------------------------------------
  const clearError = (...keysToClear: string[]) =>
    setErrors((prev) => {
      if (!keysToClear.some((k) => k in prev) && !('' in prev)) return prev;
      const next = { ...prev };
      for (const k of keysToClear) delete next[k];
      delete next[''];
      return next;
    });
  const setText = (k: (typeof infoKeys)[number] | 'primaryEmail', v: string) => {
    setValues((f) => ({ ...f, [k]: v }));
    clearError(k);
  };
  // fields a Contact Sync connection writes: read-only here, changed in the directory
  const sync = loaded.contact?.sync ?? null;
  const me = useMe();
  const canManageSync = me.data?.member.role === 'owner' || me.data?.member.role === 'admin';
  const syncedPaths = new Set(sync?.fields ?? []);
  const syncNote = sync ? `Synced from ${sync.connectionName}` : '';
  const lockedProps = (path: string) => (syncedPaths.has(path) ? { disabled: true, description: syncNote } : {});
  const syncedLabels = (kind: 'emails' | 'phones') =>
    new Set([...syncedPaths].filter((p) => p.startsWith(`${kind}.`)).map((p) => p.slice(kind.length + 1)));
  const text = (k: (typeof infoKeys)[number] | 'primaryEmail') => ({
    value: values[k],
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setText(k, e.currentTarget.value),
    error: errors[k],
    ...lockedProps(k),
  });
  const setRows = (kind: 'emails' | 'phones', rows: LabeledRow[]) => {
    setValues((f) => ({ ...f, [kind]: rows }));
    setErrors((prev) => {
      const next: FieldErrors = {};
      // row errors are positional: drop them all for this kind once its rows change
      for (const [k, v] of Object.entries(prev)) if (!k.startsWith(`${kind}#`) && !k.startsWith(`${kind}.`) && k !== '') next[k] = v;
      return next;
    });
  };

  const errorKeys = Object.keys(errors);
  const errorSections = new Set(errorKeys.map(sectionOf).filter((s): s is string => s !== null));
  const unplaced = errorKeys.filter((k) => !isShownAtField(k, values));
  const navSections = isNew ? sections : [...sections, historySection];

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      noValidate
      aria-label={isNew ? 'Create contact' : `Edit ${name}`}
    >
      <ActionBar>
        <PageHeader
          mb="md"
          above={
            isNew ? (
              <ContactBreadcrumbs current="Create contact" />
            ) : (
              <ContactBreadcrumbs name={name} id={loaded.contact!.id} current="Edit" />
            )
          }
          title={isNew ? 'Create contact' : `Edit ${name}`}
          description={
            isNew
              ? 'Save with minimal information, such as a name or an email, and refine the record later.'
              : dirty
                ? 'You have unsaved changes.'
                : 'No unsaved changes.'
          }
          actions={
            <>
              <Button variant="default" component={Link} to={isNew ? '/contacts' : `/contacts/${loaded.contact!.id}`}>
                Cancel
              </Button>
              <Tooltip label={`${navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl'}+S`}>
                <Button type="submit" loading={save.isPending} leftSection={<IconDeviceFloppy size={18} />} disabled={!isNew && !dirty}>
                  {isNew ? 'Create contact' : 'Save changes'}
                </Button>
              </Tooltip>
            </>
          }
        />
      </ActionBar>

      <Stack gap="md" mb={problem || unplaced.length || changedElsewhere ? 'lg' : 0}>
        {(problem?.kind === 'stale' || (changedElsewhere && !save.isPending)) && (
          <Alert
            data-form-alert
            color={problem?.kind === 'stale' ? 'red' : 'yellow'}
            variant="light"
            icon={<IconAlertTriangle size={18} />}
            title="This contact was changed by someone else"
            role="alert"
          >
            <Stack gap="sm" align="flex-start">
              <Text size="sm">
                {problem?.kind === 'stale'
                  ? 'Your changes were not saved, because someone else saved a newer version while you were editing.'
                  : 'A newer version was saved while you were editing; saving now would fail.'}{' '}
                Reload the latest version (this discards your unsaved edits), then apply your change again.
              </Text>
              <Button
                size="xs"
                variant="white"
                color={problem?.kind === 'stale' ? 'red' : 'yellow'}
                leftSection={<IconRefresh size={14} />}
                onClick={() => void reload()}
              >
                Reload latest version
              </Button>
            </Stack>
          </Alert>
        )}
        {problem?.kind === 'conflict' && (
          <Alert
            data-form-alert
            color="red"
            variant="light"
            icon={<IconAlertCircle size={18} />}
            title="The primary email is already taken"
            role="alert"
          >
            <Text size="sm">{problem.message.replace(/\s*\([0-9a-f-]{36}\)/i, '')}</Text>
            {problem.contactId && (
              <Anchor component={Link} to={`/contacts/${problem.contactId}`} size="sm" target="_blank">
                Open that contact in a new tab
              </Anchor>
            )}
          </Alert>
        )}
        {problem?.kind === 'other' && (
          <Alert
            data-form-alert
            color="red"
            variant="light"
            icon={<IconAlertCircle size={18} />}
            title={isNew ? 'The contact was not created' : 'Your changes were not saved'}
            role="alert"
          >
            {problem.message}
          </Alert>
        )}
        {unplaced.length > 0 && (
          <Alert
            data-form-alert
            color="red"
            variant="light"
            icon={<IconAlertCircle size={18} />}
            title="Please check the contact"
            role="alert"
          >
            {unplaced.length === 1 ? (
              <Text size="sm">{describeError(unplaced[0]!, errors)}</Text>
            ) : (
              <List size="sm" spacing={2}>
                {unplaced.map((k) => (
                  <List.Item key={k}>{describeError(k, errors)}</List.Item>
                ))}
              </List>
            )}
          </Alert>
        )}
      </Stack>

      {sync && (
        <Alert color="blue" variant="light" icon={<IconRefresh size={18} />} title={syncNote} mb="lg" data-testid="synced-note">
          <Text size="sm">
            The connection &ldquo;{sync.connectionName}&rdquo; writes the fields marked &ldquo;{syncNote}&rdquo; from the directory: they
            are read-only here (change them in the directory; the next run brings them in). The other fields stay editable.
            {canManageSync && (
              <>
                {' '}
                <Anchor component={Link} to={`/sync/${sync.connectionId}/activity`} size="sm">
                  View the connection&apos;s activity
                </Anchor>
              </>
            )}
          </Text>
        </Alert>
      )}

      <SectionLayout sections={navSections} errorSections={errorSections} spyOffset={220}>
        <SectionCard section={section('information')}>
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <TextInput
                label={informationLabels.firstName}
                autoComplete="off"
                maxLength={limits.nameMax}
                {...text('firstName')}
                autoFocus={isNew}
              />
              <TextInput label={informationLabels.lastName} autoComplete="off" maxLength={limits.nameMax} {...text('lastName')} />
              <TextInput label={informationLabels.company} autoComplete="off" maxLength={limits.nameMax} {...text('company')} />
              <CompanyPicker
                value={values.companyId}
                onChange={(v) => {
                  setValues((f) => ({ ...f, companyId: v }));
                  clearError('companyId');
                }}
                error={errors.companyId}
              />
              <TextInput label={informationLabels.jobTitle} autoComplete="off" maxLength={limits.nameMax} {...text('jobTitle')} />
              <TextInput label={informationLabels.division} autoComplete="off" maxLength={limits.nameMax} {...text('division')} />
            </SimpleGrid>
            <Textarea
              label={informationLabels.notes}
              description="Internal notes for your team. Contacts never see them."
              autosize
              minRows={3}
              maxRows={12}
              maxLength={limits.notesMax}
              {...text('notes')}
            />
          </Stack>
        </SectionCard>

        <SectionCard section={section('contact-info')}>
          <Stack gap="xl">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <TextInput
                label="Primary email"
                description="Used for portal sign-in and one-time codes"
                type="email"
                autoComplete="off"
                placeholder="jane.doe@acme.com"
                {...text('primaryEmail')}
              />
              {!isNew && loaded.contact && (
                <Stack justify="flex-end" gap={4}>
                  <ChangePrimaryEmailButton
                    contact={loaded.contact}
                    disabledReason={dirty ? 'Save or discard your changes first' : null}
                    onChanged={(c) => {
                      const base = formFromContact(c);
                      setLoaded({ contact: c, base });
                      setValues(base);
                      setErrors({});
                      setProblem(null);
                    }}
                  />
                  <Text size="xs" c="dimmed">
                    Promote another email, keep or drop the old one
                  </Text>
                </Stack>
              )}
            </SimpleGrid>
            <LabeledRowsEditor
              kind="emails"
              rows={values.emails}
              onChange={(rows) => setRows('emails', rows)}
              locked={syncedLabels('emails')}
              lockedNote={syncNote}
              errors={errors}
              suggestions={emailLabelSuggestions}
            />
            <LabeledRowsEditor
              kind="phones"
              rows={values.phones}
              onChange={(rows) => setRows('phones', rows)}
              locked={syncedLabels('phones')}
              lockedNote={syncNote}
              errors={errors}
              suggestions={phoneLabelSuggestions}
            />
          </Stack>
        </SectionCard>

        <SectionCard section={section('address')}>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            {addressFields.map((k) => (
              <TextInput
                key={k}
                label={addressLabels[k]}
                autoComplete="off"
                value={values.address[k]}
                error={errors[`address.${k}`]}
                {...lockedProps(`address.${k}`)}
                onChange={(e) => {
                  const v = e.currentTarget.value;
                  setValues((f) => ({ ...f, address: { ...f.address, [k]: v } }));
                  clearError(`address.${k}`);
                }}
              />
            ))}
          </SimpleGrid>
        </SectionCard>

        <SectionCard section={section('notifications')}>
          {notificationFields.map((k, i) => (
            <SwitchRow
              key={k}
              id={`notifications-${k}`}
              first={i === 0}
              {...notificationLabels[k]}
              {...(syncedPaths.has(`notifications.${k}`) ? { disabled: true, description: syncNote } : {})}
              checked={values.notifications[k]}
              onChange={(checked) => setValues((f) => ({ ...f, notifications: { ...f.notifications, [k]: checked } }))}
            />
          ))}
        </SectionCard>

        <SectionCard section={section('permissions')}>
          {permissionFields.map((k, i) => (
            <SwitchRow
              key={k}
              id={`permissions-${k}`}
              first={i === 0}
              {...permissionLabels[k]}
              {...(syncedPaths.has(`permissions.${k}`) ? { disabled: true, description: syncNote } : {})}
              checked={values.permissions[k]}
              onChange={(checked) => setValues((f) => ({ ...f, permissions: { ...f.permissions, [k]: checked } }))}
            />
          ))}
        </SectionCard>

        <SectionCard section={section('directory')}>
          {!loaded.contact?.directory.connectionId && (
            <TextInput
              label={directoryLabels.reportsToContactId}
              description="The ID of the contact this person reports to (on that contact's page). Contact Sync fills it for synced contacts."
              autoComplete="off"
              spellCheck={false}
              maxLength={36}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              mb="md"
              value={values.reportsToContactId}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setValues((f) => ({ ...f, reportsToContactId: v }));
                setErrors(({ 'directory.reportsToContactId': _, ...rest }) => rest);
              }}
              error={errors['directory.reportsToContactId']}
            />
          )}
          <DirectoryFields directory={loaded.contact?.directory ?? null} />
        </SectionCard>

        {loaded.contact && (
          <SectionCard section={historySection}>
            <ContactHistory contactId={loaded.contact.id} />
          </SectionCard>
        )}
      </SectionLayout>

      <UnsavedChangesModal
        blocker={blocker}
        message="You changed this contact but did not save. If you leave now, your changes are lost."
      />
    </form>
  );
}

const rowText = {
  emails: {
    title: 'Emails',
    one: 'Email',
    value: 'Email address',
    add: 'Add email',
    empty: 'No other emails yet. Add work, personal or billing addresses.',
    placeholder: 'name@example.com',
  },
  phones: {
    title: 'Phones',
    one: 'Phone',
    value: 'Phone number',
    add: 'Add phone',
    empty: 'No phone numbers yet.',
    placeholder: '+1 555 123 4567',
  },
};

/** Labeled emails or phones: one row per entry with a label and a value, rows can be added and removed. */
function LabeledRowsEditor(props: {
  kind: 'emails' | 'phones';
  rows: LabeledRow[];
  onChange: (rows: LabeledRow[]) => void;
  errors: FieldErrors;
  suggestions: string[];
  /** Labels whose row a Contact Sync connection writes (read-only), and the note saying which. */
  locked?: Set<string>;
  lockedNote?: string;
}) {
  const { kind, rows } = props;
  const t = rowText[kind];
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const update = (i: number, patch: Partial<LabeledRow>) => props.onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const full = rows.length >= limits.labeledEntriesMax;
  const groupId = `${kind}-heading`;

  return (
    <div role="group" aria-labelledby={groupId}>
      <Group justify="space-between" mb="xs">
        <Text id={groupId} fw={600} size="sm">
          {t.title}
        </Text>
      </Group>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed" mb="xs">
          {t.empty}
        </Text>
      ) : (
        <Stack gap="xs" mb="xs">
          <Group gap="sm" wrap="nowrap" visibleFrom="xs" aria-hidden>
            <Text size="xs" c="dimmed" fw={500} w={170}>
              Label
            </Text>
            <Text size="xs" c="dimmed" fw={500}>
              {t.value}
            </Text>
          </Group>
          {rows.map((row, i) => {
            const n = i + 1;
            const labelError = props.errors[`${kind}#${i}.label`];
            const valueError = props.errors[`${kind}#${i}.value`];
            const used = new Set(rows.filter((_, j) => j !== i).map((r) => r.label.trim()));
            const locked = props.locked?.has(row.label.trim()) ?? false;
            return (
              <div key={row.key} className="kd-labeled-row" data-testid={`${kind}-row`}>
                <Autocomplete
                  className="kd-labeled-row-label"
                  aria-label={`${t.one} ${n} label`}
                  placeholder="Label"
                  data={props.suggestions.filter((s) => !used.has(s))}
                  value={row.label}
                  onChange={(v) => update(i, { label: v })}
                  error={labelError}
                  disabled={locked}
                  maxLength={limits.labelMax}
                  comboboxProps={{ withinPortal: true }}
                />
                <TextInput
                  className="kd-labeled-row-value"
                  aria-label={`${t.one} ${n} ${kind === 'emails' ? 'address' : 'number'}`}
                  placeholder={t.placeholder}
                  type={kind === 'emails' ? 'email' : 'tel'}
                  autoComplete="off"
                  value={row.value}
                  onChange={(e) => update(i, { value: e.currentTarget.value })}
                  error={valueError}
                  disabled={locked}
                  title={locked ? props.lockedNote : undefined}
                  maxLength={kind === 'phones' ? limits.phoneMax : 254}
                  ref={(el) => {
                    if (el && focusKey === row.key) {
                      el.focus();
                      setFocusKey(null);
                    }
                  }}
                />
                <Tooltip label={locked ? props.lockedNote : `Remove ${row.label.trim() || t.one.toLowerCase()}`}>
                  <ActionIcon
                    disabled={locked}
                    className="kd-labeled-row-remove"
                    variant="subtle"
                    color="gray"
                    size={36}
                    aria-label={`Remove ${t.one.toLowerCase()} ${n}`}
                    onClick={() => props.onChange(rows.filter((_, j) => j !== i))}
                  >
                    <IconTrash size={18} />
                  </ActionIcon>
                </Tooltip>
              </div>
            );
          })}
        </Stack>
      )}
      <Button
        variant="subtle"
        size="compact-sm"
        leftSection={<IconPlus size={16} />}
        disabled={full}
        onClick={() => {
          const row = newRow(nextLabel(rows, props.suggestions));
          setFocusKey(row.key);
          props.onChange([...rows, row]);
        }}
      >
        {t.add}
      </Button>
      {full && (
        <Text size="xs" c="dimmed" mt={4}>
          A contact can have at most {limits.labeledEntriesMax} {t.title.toLowerCase()}.
        </Text>
      )}
    </div>
  );
}
