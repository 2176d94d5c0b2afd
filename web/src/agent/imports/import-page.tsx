// /contacts/import — the import wizard (start, upload, map columns, preview, import) — and
// /contacts/import/:id — one import: its live progress, then its summary.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Box, Button, Card, Checkbox, EmptyState, Group, Stack, Stepper, Text, ThemeIcon } from '@mantine/core';
import {
  IconArrowLeft,
  IconArrowRight,
  IconBuilding,
  IconFileSpreadsheet,
  IconFileUpload,
  IconLock,
  IconSettings,
  IconUsers,
} from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError, type Import, type ImportMode, type ImportPreview } from '../../lib/api.ts';
import { plural } from '../../lib/format.ts';
import { isImportFinished, keys, useImport, useImports, usePermissions } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { ContactBreadcrumbs } from '../contacts/contact-breadcrumbs.tsx';
import { columnStates, hasIdentityColumn, mappingInput, type MappingEdits } from './import-mapping.ts';
import { formatBytes, ImportErrorAlert, useNarrow } from './import-parts.tsx';
import { StartStep } from './start-step.tsx';
import { UploadStep } from './upload-step.tsx';
import { MappingStep } from './mapping-step.tsx';
import { ImportSummary, PreviewResult, RunProgress } from './import-result.tsx';
import type { MatchBy } from './match-key.tsx';
import { RecentImports } from './recent-imports.tsx';
import './imports.css';

const STEPS = [
  { label: 'Start', description: 'Format and mode' },
  { label: 'Upload', description: 'CSV or Excel file' },
  { label: 'Map columns', description: 'Match your columns' },
  { label: 'Preview', description: 'Check every row' },
  { label: 'Import', description: 'Write the contacts' },
];

/** A random key for Idempotency-Key (crypto.randomUUID exists only on https and localhost). */
function randomKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function ImportStepper(props: { active: number; onStepClick?: (i: number) => void }) {
  const narrow = useNarrow();
  if (narrow) {
    // on a phone five labeled steps do not fit: the current one in words and a segmented bar
    const done = props.active >= STEPS.length;
    const current = STEPS[Math.min(props.active, STEPS.length - 1)]!;
    return (
      <Card padding="sm" mb="md" aria-label="Import steps" role="group">
        <Group justify="space-between" gap="xs" wrap="nowrap">
          <Text fw={600} size="sm" aria-current="step">
            {done ? 'Done' : current.label}
          </Text>
          <Text size="xs" c="dimmed">
            {done ? `All ${STEPS.length} steps` : `Step ${props.active + 1} of ${STEPS.length}`}
          </Text>
        </Group>
        <Group gap={4} mt={8} wrap="nowrap" aria-hidden>
          {STEPS.map((s, i) => (
            <Box
              key={s.label}
              h={4}
              style={{
                flex: 1,
                borderRadius: 2,
                background: i <= props.active ? 'var(--mantine-primary-color-filled)' : 'var(--mantine-color-gray-3)',
              }}
            />
          ))}
        </Group>
      </Card>
    );
  }
  return (
    <Card padding="md" mb="lg">
      <Stepper active={props.active} onStepClick={props.onStepClick} allowNextStepsSelect={false} size="sm" aria-label="Import steps">
        {STEPS.map((s, i) => (
          <Stepper.Step
            key={s.label}
            label={s.label}
            description={s.description}
            allowStepSelect={Boolean(props.onStepClick) && i < props.active}
            aria-current={i === props.active ? 'step' : undefined}
          />
        ))}
      </Stepper>
    </Card>
  );
}

function StepFooter(props: { back?: ReactNode; next?: ReactNode; hint?: ReactNode }) {
  return (
    <Group justify="space-between" mt="lg" gap="sm" wrap="wrap-reverse">
      <div>{props.back}</div>
      <Group gap="sm" wrap="wrap" justify="flex-end">
        {props.hint}
        {props.next}
      </Group>
    </Group>
  );
}

export default function ImportPage() {
  const { id } = useParams();
  usePageTitle('Import contacts');
  // the list needs the same permission and team setting as every import call: its 403 explains what is missing
  const list = useImports(30);

  const header = (
    <PageHeader
      above={<ContactBreadcrumbs current="Import" />}
      title="Import contacts"
      description="Add or update contacts from a CSV or Excel file. You see what will happen to every row before anything is written."
    />
  );

  if (list.isError && list.error instanceof ApiError && list.error.status === 403) {
    return (
      <>
        {header}
        <ImportForbidden message={list.error.message} />
      </>
    );
  }
  if (list.isPending) return <PageLoader />;

  return (
    <>
      {header}
      {id ? <ImportRun key={id} id={id} /> : <ImportWizard recent={list.data?.items} recentLoading={list.isPending} />}
    </>
  );
}

function ImportWizard(props: { recent: Import[] | undefined; recentLoading: boolean }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const [mode, setMode] = useState<ImportMode>('upsert');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [edits, setEdits] = useState<MappingEdits>({});
  const [matchBy, setMatchBy] = useState<MatchBy | null>(null);
  const [createCompanies, setCreateCompanies] = useState(false);
  const [dryRunId, setDryRunId] = useState<string | null>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [startError, setStartError] = useState<unknown>(null);
  const runKey = useRef(randomKey());
  const dry = useImport(dryRunId);

  const go = (i: number) => {
    setStartError(null);
    setStep(i);
    window.scrollTo({ top: 0 });
  };
  // anything that changes what would be imported throws the old preview away
  const invalidate = () => {
    setDryRunId(null);
    runKey.current = randomKey();
  };

  const onError = (e: unknown) => {
    if (e instanceof ApiError && e.status === 400) {
      const perColumn: Record<string, string> = {};
      for (const d of e.details) if (d.path.startsWith('mapping.')) perColumn[d.path.slice('mapping.'.length)] = d.message;
      if (Object.keys(perColumn).length > 0) {
        setServerErrors(perColumn);
        setStep(2);
        return;
      }
    }
    setStartError(e);
  };

  // the picker: the same upload read in another encoding; new headers make the hand mapping meaningless
  const reread = useMutation({
    mutationFn: (encoding: string) => api.previewAgain({ uploadId: preview!.uploadId, encoding }),
    onMutate: () => setStartError(null),
    onSuccess: (next) => {
      if (next.headers.join('\u0000') !== preview?.headers.join('\u0000')) setEdits({});
      setServerErrors({});
      setPreview(next);
      invalidate();
    },
    onError: (e) => setStartError(e),
  });

  const startDryRun = useMutation({
    // a new match key is passed along: the state it was just set in is not read until the next render
    mutationFn: (nextMatchBy?: MatchBy | null) =>
      api.startImport({
        uploadId: preview!.uploadId,
        mapping: mappingInput(preview!, edits),
        mode,
        dryRun: true,
        matchBy: nextMatchBy === undefined ? matchBy : nextMatchBy,
        createCompanies: linksCompanies && createCompanies,
      }),
    onMutate: () => setStartError(null),
    onSuccess: (imp) => {
      qc.setQueryData(keys.import(imp.id), imp);
      setDryRunId(imp.id);
      go(3);
    },
    onError,
  });

  const run = useMutation({
    mutationFn: () =>
      api.startImport(
        {
          uploadId: preview!.uploadId,
          mapping: mappingInput(preview!, edits),
          mode,
          dryRun: false,
          matchBy,
          createCompanies: linksCompanies && createCompanies,
        },
        runKey.current,
      ),
    onMutate: () => setStartError(null),
    onSuccess: (imp) => {
      qc.setQueryData(keys.import(imp.id), imp);
      void qc.invalidateQueries({ queryKey: keys.imports });
      navigate(`/contacts/import/${imp.id}`);
    },
    onError,
  });

  const states = preview ? columnStates(preview, edits) : [];
  // a column linking contacts to companies by name: the person decides whether unknown names create companies
  const linksCompanies = states.some((s) => s.field === 'linkedCompany');
  const conflicts = states.filter((s) => s.error).length;
  const d = dry.data;
  const importable = d && d.status === 'succeeded' ? d.created + d.updated : 0;

  let content: ReactNode;
  let footer: ReactNode;
  let after: ReactNode = null;
  if (step === 0) {
    content = (
      <StartStep
        mode={mode}
        onMode={(m) => {
          setMode(m);
          invalidate();
        }}
      />
    );
    after = (
      <Box mt="xl">
        <RecentImports items={props.recent} loading={props.recentLoading} />
      </Box>
    );
    footer = (
      <StepFooter
        back={
          <Button component={Link} to="/contacts" variant="default">
            Cancel
          </Button>
        }
        next={
          <Button rightSection={<IconArrowRight size={18} />} onClick={() => go(preview ? 2 : 1)}>
            {preview ? 'Continue with ' + truncate(preview.fileName, 28) : 'Choose a file'}
          </Button>
        }
      />
    );
  } else if (step === 1) {
    content = (
      <Stack gap="md">
        {preview && (
          <Card padding="sm">
            <Group justify="space-between" gap="sm" wrap="wrap">
              <Group gap="sm" wrap="nowrap" style={{ minWidth: 0, flex: '1 1 260px' }}>
                <ThemeIcon variant="light" aria-hidden>
                  <IconFileSpreadsheet size={18} />
                </ThemeIcon>
                <Text size="sm" truncate>
                  Uploaded: <b title={preview.fileName}>{preview.fileName}</b> ({formatBytes(preview.fileSize)})
                </Text>
              </Group>
              <Button size="xs" variant="light" onClick={() => go(2)}>
                Continue with this file
              </Button>
            </Group>
          </Card>
        )}
        <UploadStep
          onUploaded={(p) => {
            setPreview(p);
            setEdits({});
            setServerErrors({});
            invalidate();
            go(2);
          }}
        />
      </Stack>
    );
    footer = <StepFooter back={<BackButton onClick={() => go(0)} />} />;
  } else if (step === 2 && preview) {
    content = (
      <MappingStep
        preview={preview}
        edits={edits}
        mode={mode}
        serverErrors={serverErrors}
        onEncoding={(encoding) => reread.mutate(encoding)}
        encodingPending={reread.isPending}
        companyOptions={
          linksCompanies ? (
            <CreateCompaniesOption
              checked={createCompanies}
              onChange={(v) => {
                setCreateCompanies(v);
                invalidate();
              }}
            />
          ) : null
        }
        onChooseAnotherFile={() => go(1)}
        onEdit={(index, field) => {
          setEdits((prev) => {
            const next = { ...prev };
            if (field === undefined) delete next[index];
            else next[index] = field;
            return next;
          });
          const column = preview.mapping[index]?.column;
          if (column && serverErrors[column]) setServerErrors(({ [column]: _, ...rest }) => rest);
          invalidate();
        }}
      />
    );
    footer = (
      <StepFooter
        back={<BackButton onClick={() => go(1)} />}
        hint={
          conflicts > 0 ? (
            <Text size="sm" c="red.9">
              Resolve {plural(conflicts, 'conflict')} first
            </Text>
          ) : (
            !preview.encodingConfident && (
              <Text size="sm" c="red.9">
                Confirm the file&apos;s encoding first
              </Text>
            )
          )
        }
        next={
          <Button
            rightSection={<IconArrowRight size={18} />}
            onClick={() => startDryRun.mutate()}
            loading={startDryRun.isPending}
            disabled={conflicts > 0 || !hasIdentityColumn(states) || preview.sampleRows.length === 0 || !preview.encodingConfident}
          >
            Preview import
          </Button>
        }
      />
    );
  } else {
    content = (
      <PreviewResult
        imp={d}
        error={dry.error}
        matchPending={startDryRun.isPending}
        onMatchBy={(m) => {
          setMatchBy(m);
          invalidate();
          startDryRun.mutate(m);
        }}
      />
    );
    footer = (
      <StepFooter
        back={<BackButton onClick={() => go(2)} label="Back to mapping" />}
        next={
          <Button
            leftSection={<IconFileUpload size={18} />}
            onClick={() => run.mutate()}
            loading={run.isPending}
            disabled={!d || d.status !== 'succeeded' || importable === 0}
          >
            {importable > 0 ? `Import ${plural(importable, 'contact')}` : 'Import'}
          </Button>
        }
      />
    );
  }

  return (
    <>
      <ImportStepper active={step} onStepClick={(i) => i < step && go(i)} />
      {content}
      {startError !== null && (
        <div style={{ marginTop: 'var(--mantine-spacing-md)' }}>
          <ImportErrorAlert error={startError} title="The import could not start" onClose={() => setStartError(null)} />
        </div>
      )}
      {footer}
      {after}
    </>
  );
}

/** Whether company names no company has create one (only people who may change contacts can ask). */
function CreateCompaniesOption(props: { checked: boolean; onChange: (v: boolean) => void }) {
  const { modifyContacts } = usePermissions();
  return (
    <Card padding="md" data-testid="create-companies-option">
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <ThemeIcon variant="light" aria-hidden>
          <IconBuilding size={18} />
        </ThemeIcon>
        <Stack gap={6} style={{ minWidth: 0 }}>
          <Text fw={600}>Linked companies</Text>
          <Text size="sm" c="dimmed">
            Each contact is linked to the company of this team with the name in the file (capitals don&apos;t matter). An empty cell keeps
            the contact&apos;s company as it is.
          </Text>
          <Checkbox
            mt={4}
            size="md"
            checked={props.checked && modifyContacts}
            disabled={!modifyContacts}
            onChange={(e) => props.onChange(e.currentTarget.checked)}
            label="Create missing companies"
            description={
              modifyContacts
                ? 'Off: a row naming a company that does not exist is not imported, and the errors file says why.'
                : 'Only members who may change contacts can create companies.'
            }
          />
        </Stack>
      </Group>
    </Card>
  );
}

function BackButton(props: { onClick: () => void; label?: string }) {
  return (
    <Button variant="default" leftSection={<IconArrowLeft size={18} />} onClick={props.onClick}>
      {props.label ?? 'Back'}
    </Button>
  );
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One import by id: its progress while it runs, its summary when done. */
function ImportRun(props: { id: string }) {
  const qc = useQueryClient();
  const imp = useImport(props.id);
  const finished = imp.data ? isImportFinished(imp.data) : false;

  // the directory and the recent list change when an import ends
  useEffect(() => {
    if (!finished) return;
    void qc.invalidateQueries({ queryKey: keys.contacts });
    void qc.invalidateQueries({ queryKey: keys.imports });
  }, [finished, qc]);

  if (imp.isPending) return <PageLoader />;
  if (imp.isError) {
    const notFound = imp.error instanceof ApiError && imp.error.status === 404;
    return (
      <ErrorState
        title={notFound ? 'Import not found' : 'Could not load the import'}
        message={notFound ? 'It may belong to another team, or the address is mistyped.' : undefined}
        error={notFound ? undefined : imp.error}
        onRetry={notFound ? undefined : () => void imp.refetch()}
      />
    );
  }
  const i = imp.data;
  const again = (
    <>
      <Button component={Link} to="/contacts" leftSection={<IconUsers size={18} />}>
        View contacts
      </Button>
      <Button component={Link} to="/contacts/import" variant="default" leftSection={<IconFileUpload size={18} />}>
        Import another file
      </Button>
    </>
  );

  if (i.dryRun) {
    // a preview opened by its link (e.g. from "an import is already running")
    return (
      <>
        <ImportStepper active={3} />
        <PreviewResult imp={i} error={null} />
        <Group mt="lg">{again}</Group>
      </>
    );
  }
  return (
    <>
      <ImportStepper active={finished ? STEPS.length : 4} />
      {finished ? <ImportSummary imp={i} actions={again} /> : <RunProgress imp={i} />}
    </>
  );
}

/** The server's 403 in its own words; owners and admins get a way to the setting that is off. */
function ImportForbidden(props: { message: string }) {
  const { manageTeam } = usePermissions();
  const teamSetting = /team setting/i.test(props.message);
  return (
    <Card>
      <EmptyState
        py={48}
        maw={560}
        mx="auto"
        role="alert"
        variant="light"
        color="gray"
        icon={<IconLock size={28} />}
        title="You can't import contacts"
        description={props.message}
      >
        <EmptyState.Actions>
          <Group justify="center">
            {manageTeam && teamSetting && (
              <Button component={Link} to="/settings" leftSection={<IconSettings size={18} />}>
                Open Team Settings
              </Button>
            )}
            <Button component={Link} to="/contacts" variant={manageTeam && teamSetting ? 'default' : 'filled'}>
              Go to Contacts
            </Button>
          </Group>
        </EmptyState.Actions>
      </EmptyState>
    </Card>
  );
}
