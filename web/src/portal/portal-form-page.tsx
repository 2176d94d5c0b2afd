import { useEffect, useRef, useState } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Center,
  Checkbox,
  Group,
  Loader,
  NumberInput,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { IconAlertCircle, IconArrowLeft, IconCircleCheck } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { isApiError } from '../lib/api.ts';
import { PortalShell } from './portal-shell.tsx';
import { usePortalTitle } from './portal-queries.ts';
import {
  portalFormKeys,
  portalFormsApi,
  usePortalForm,
  type FormField,
  type FormValues,
  type PortalFormDetail,
} from './portal-forms-api.ts';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
/** A draft is saved this long after the last change. */
const AUTOSAVE_MS = 1500;

function BackHome(props: { slug: string }) {
  return (
    <Anchor component={Link} to={`/portal/${encodeURIComponent(props.slug)}`} size="sm">
      <Group gap={4} wrap="nowrap">
        <IconArrowLeft size={16} aria-hidden /> Home
      </Group>
    </Anchor>
  );
}

/** A form the contact fills: a draft is kept as they type (and on "Save draft"); submitted once, then read-only. */
export function PortalFormPage(props: { slug: string; teamName: string; assignmentId: string }) {
  const form = usePortalForm(props.slug, props.assignmentId);
  usePortalTitle(form.data?.name ?? 'Form', props.teamName);
  const shell = (children: React.ReactNode) => (
    <PortalShell teamName={props.teamName} width={680} right={<BackHome slug={props.slug} />}>
      {children}
    </PortalShell>
  );
  if (form.isPending)
    return shell(
      <Center py={96} role="status" aria-label="Loading">
        <Loader />
      </Center>,
    );
  if (form.isError)
    return shell(
      <Alert color={isApiError(form.error) && form.error.status === 404 ? 'gray' : 'red'} role="alert" title="This form cannot be shown">
        {isApiError(form.error) && form.error.status === 404
          ? 'It may have been withdrawn, or it was sent to someone else.'
          : form.error.message}
      </Alert>,
    );
  return shell(<Fill key={form.data.id} slug={props.slug} form={form.data} />);
}

function Fill(props: { slug: string; form: PortalFormDetail }) {
  const { slug, form } = props;
  const qc = useQueryClient();
  const [values, setValues] = useState<FormValues>(form.values);
  const [dirty, setDirty] = useState(false);
  const [savedAt, setSavedAt] = useState<string | null>(form.draftSavedAt);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submitted = form.status === 'submitted';
  const errorsOf = (e: unknown) =>
    isApiError(e) && e.status === 400
      ? Object.fromEntries(e.details.filter((d) => d.path.startsWith('values.')).map((d) => [d.path.slice('values.'.length), d.message]))
      : {};

  const draft = useMutation({
    mutationFn: (v: FormValues) => portalFormsApi.saveDraft(slug, form.id, v),
    onSuccess: (r) => {
      setSavedAt(r.draftSavedAt);
      setErrors({});
      void qc.invalidateQueries({ queryKey: portalFormKeys.list(slug) });
    },
    onError: (e) => setErrors(errorsOf(e)),
  });
  const submit = useMutation({
    mutationFn: () => portalFormsApi.submit(slug, form.id, values),
    onSuccess: (next) => {
      qc.setQueryData(portalFormKeys.detail(slug, form.id), next);
      void qc.invalidateQueries({ queryKey: portalFormKeys.list(slug) });
      window.scrollTo({ top: 0 });
    },
    onError: (e) => {
      const errs = errorsOf(e);
      setErrors(errs);
      // the first field with a problem gets the focus, so a keyboard or screen reader user lands on it
      const first = form.fields.find((f) => errs[f.key]);
      if (first) document.getElementById(`kp-field-${first.key}`)?.focus();
    },
  });

  // keep a draft a moment after the last change
  const latest = useRef(values);
  latest.current = values;
  useEffect(() => {
    if (!dirty || submitted) return;
    const t = setTimeout(() => {
      setDirty(false);
      draft.mutate(latest.current);
    }, AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [values, dirty, submitted]);

  const set = (key: string, v: string | number | boolean | null) => {
    setValues((prev) => {
      const next = { ...prev };
      if (v === null || v === '') delete next[key];
      else next[key] = v;
      return next;
    });
    setDirty(true);
    if (errors[key]) setErrors(({ [key]: _, ...rest }) => rest);
  };

  const problems = Object.keys(errors).length;
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Group gap="sm" wrap="wrap">
          <Title order={1} fz={26} style={{ overflowWrap: 'anywhere' }}>
            {form.name}
          </Title>
          {submitted && (
            <Badge color="teal" variant="light" radius="sm" leftSection={<IconCircleCheck size={14} />}>
              Submitted
            </Badge>
          )}
        </Group>
        {form.description && (
          <Text c="dimmed" size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {form.description}
          </Text>
        )}
      </Stack>
      {submitted && (
        <Alert color="teal" variant="light" icon={<IconCircleCheck size={18} />} role="status" title="Thank you, your answers were sent">
          Submitted {when.format(new Date(form.submittedAt!))}. They can no longer be changed; write to the support team if something needs
          correcting.
        </Alert>
      )}
      {submitted ? (
        <Paper withBorder radius="lg" p={{ base: 'md', xs: 'lg' }} component="section" aria-label="Your answers">
          <SubmittedAnswers fields={form.fields} values={form.values} />
        </Paper>
      ) : (
        <Paper withBorder radius="lg" p={{ base: 'md', xs: 'lg' }}>
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              if (!submitted) submit.mutate();
            }}
          >
            <Stack gap="md">
              {form.fields.map((f) => (
                <FieldInput
                  key={f.key}
                  field={f}
                  value={values[f.key]}
                  error={errors[f.key] ?? null}
                  readOnly={submitted}
                  onChange={(v) => set(f.key, v)}
                />
              ))}
              {problems > 0 && (
                <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                  {problems === 1 ? 'One answer needs a look' : `${problems} answers need a look`}: see the messages next to the fields.
                </Alert>
              )}
              {submit.isError && !problems && (
                <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert" title="Not sent">
                  {submit.error.message}
                </Alert>
              )}
              {!submitted && (
                <Group justify="space-between" gap="sm" wrap="wrap">
                  <Text size="xs" c="dimmed" aria-live="polite" data-testid="draft-status">
                    {draft.isPending
                      ? 'Saving draft…'
                      : draft.isError && !Object.keys(errorsOf(draft.error)).length
                        ? 'The draft was not saved.'
                        : savedAt
                          ? `Draft saved at ${timeOnly.format(new Date(savedAt))}`
                          : 'Your answers are kept as a draft while you fill in the form.'}
                  </Text>
                  <Group gap="sm">
                    <Button variant="default" onClick={() => draft.mutate(values)} loading={draft.isPending}>
                      Save draft
                    </Button>
                    <Button type="submit" loading={submit.isPending}>
                      Submit
                    </Button>
                  </Group>
                </Group>
              )}
            </Stack>
          </form>
        </Paper>
      )}
    </Stack>
  );
}

/** The answers as sent: read-only text, one per field in the form's order. */
function SubmittedAnswers(props: { fields: FormField[]; values: FormValues }) {
  return (
    <Stack gap="md" component="dl" m={0}>
      {props.fields.map((f) => {
        const v = props.values[f.key];
        const text = v === undefined ? null : f.type === 'checkbox' ? (v ? 'Yes' : 'No') : String(v);
        return (
          <div key={f.key}>
            <Text component="dt" size="sm" fw={600}>
              {f.label}
            </Text>
            <Text
              component="dd"
              m={0}
              size="sm"
              c={text === null ? 'dimmed' : undefined}
              style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
            >
              {text ?? 'No answer'}
            </Text>
          </div>
        );
      })}
    </Stack>
  );
}

function FieldInput(props: {
  field: FormField;
  value: string | number | boolean | undefined;
  error: string | null;
  readOnly: boolean;
  onChange: (v: string | number | boolean | null) => void;
}) {
  const { field: f, value, error, readOnly } = props;
  const common = {
    id: `kp-field-${f.key}`,
    label: f.label,
    description: f.help ?? undefined,
    required: f.required,
    error,
    readOnly,
  };
  switch (f.type) {
    case 'text':
      return (
        <TextInput {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => props.onChange(e.currentTarget.value)} />
      );
    case 'textarea':
      return (
        <Textarea
          {...common}
          autosize
          minRows={3}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        />
      );
    case 'number':
      return (
        <NumberInput
          {...common}
          value={typeof value === 'number' ? value : typeof value === 'string' ? value : ''}
          onChange={(v) => props.onChange(v === '' ? null : typeof v === 'number' ? v : v)}
          hideControls
          inputMode="decimal"
        />
      );
    case 'date':
      return (
        <TextInput
          {...common}
          type="date"
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        />
      );
    case 'select':
      return (
        <Select
          {...common}
          data={f.options}
          value={typeof value === 'string' ? value : null}
          onChange={(v) => props.onChange(v)}
          placeholder={readOnly ? undefined : 'Choose…'}
          clearable={!f.required && !readOnly}
          disabled={readOnly}
          allowDeselect={!f.required}
        />
      );
    case 'checkbox':
      return (
        <Checkbox
          id={common.id}
          label={f.required ? `${f.label} *` : f.label}
          description={common.description}
          error={error}
          checked={value === true}
          disabled={readOnly}
          onChange={(e) => props.onChange(e.currentTarget.checked)}
          aria-required={f.required}
        />
      );
  }
}
