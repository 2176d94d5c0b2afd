import { useEffect, useMemo, useState } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  Progress,
  Radio,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconArrowBackUp, IconCopy, IconGitMerge, IconRefresh, IconScan } from '@tabler/icons-react';
import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ApiError, errorMessage, type Contact } from '../../lib/api.ts';
import { contactName, formatCount, formatDateTime, formatRelative } from '../../lib/format.ts';
import { keys, usePermissions } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { mergeApi, mergeKeys, type DuplicateGroup, type MergeSummary } from './merge-api.ts';

const PAGE_SIZE = 20;
const groupKey = (g: DuplicateGroup) => `${g.reason}:${g.key}:${g.contactIds.join(',')}`;
const reasonLabel: Record<DuplicateGroup['reason'], string> = { email: 'Same email', phone: 'Same phone', name: 'Same name and company' };
const isSynced = (c: Contact) => Boolean(c.directory.connectionId);

/** The contact a group keeps by default: the one Contact Sync manages, else the oldest record. */
const defaultSurvivor = (g: DuplicateGroup) => (g.contacts.find(isSynced) ?? g.contacts[0]!).id;

function reasonDetail(g: DuplicateGroup): string {
  if (g.reason === 'name') {
    const c = g.contacts[0]!;
    return `${contactName({ ...c, company: null, primaryEmail: null, emails: {} })}${c.company ? ` at ${c.company}` : ''}`;
  }
  return g.key;
}

/** /contacts/duplicates — candidate duplicates, merged one group at a time or in bulk, with undo. */
export default function DuplicatesPage() {
  usePageTitle('Duplicates · Contacts');
  const perms = usePermissions();
  const qc = useQueryClient();
  const [source, setSource] = useState<'live' | 'scan'>('live');
  const [scanJob, setScanJob] = useState<string | null>(null);
  const [survivors, setSurvivors] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reviewing, setReviewing] = useState<DuplicateGroup | null>(null);
  const [bulkJob, setBulkJob] = useState<string | null>(null);

  const list = useInfiniteQuery({
    queryKey: mergeKeys.duplicates(source),
    queryFn: ({ pageParam, signal }) => mergeApi.duplicates({ cursor: pageParam, limit: PAGE_SIZE, source }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
  const groups = useMemo(() => {
    const seen = new Set<string>();
    return (list.data?.pages.flatMap((p) => p.items) ?? []).filter((g) => !seen.has(groupKey(g)) && seen.add(groupKey(g)));
  }, [list.data]);
  const scan = list.data?.pages[0]?.scan ?? null;

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['contacts', 'duplicates'] });
    void qc.invalidateQueries({ queryKey: mergeKeys.merges });
    void qc.invalidateQueries({ queryKey: ['contacts', 'list'] });
  };

  const scanJobQuery = useQuery({
    queryKey: keys.job(scanJob ?? ''),
    queryFn: ({ signal }) => mergeApi.job(scanJob!, signal),
    enabled: Boolean(scanJob),
    refetchInterval: (q) => (q.state.data && !['queued', 'running'].includes(q.state.data.status) ? false : 700),
  });
  const scanDone = scanJobQuery.data && scanJobQuery.data.status === 'succeeded';
  const startScan = useMutation({
    mutationFn: () => mergeApi.scan(),
    onSuccess: (r) => setScanJob(r.jobId),
    onError: (e) => notifications.show({ color: 'red', title: 'The scan did not start', message: errorMessage(e) }),
  });
  useEffect(() => {
    if (!scanDone || !scanJob) return;
    setScanJob(null);
    setSource('scan');
    void qc.invalidateQueries({ queryKey: ['contacts', 'duplicates'] });
  }, [scanDone, scanJob, qc]);

  const bulkJobQuery = useQuery({
    queryKey: keys.job(bulkJob ?? ''),
    queryFn: ({ signal }) => mergeApi.job(bulkJob!, signal),
    enabled: Boolean(bulkJob),
    refetchInterval: (q) => (q.state.data && !['queued', 'running'].includes(q.state.data.status) ? false : 700),
  });
  const bulk = useMutation({
    mutationFn: () =>
      mergeApi.bulkMerge(
        groups
          .filter((g) => selected.has(groupKey(g)))
          .map((g) => {
            const survivorId = survivors[groupKey(g)] ?? defaultSurvivor(g);
            return { survivorId, mergedIds: g.contactIds.filter((id) => id !== survivorId) };
          }),
      ),
    onSuccess: (r) => {
      setBulkJob(r.jobId);
      setSelected(new Set());
    },
    onError: (e) => notifications.show({ color: 'red', title: 'The merge did not start', message: errorMessage(e) }),
  });
  const bulkState = bulkJobQuery.data;
  const bulkRunning = Boolean(bulkJob) && (!bulkState || ['queued', 'running'].includes(bulkState.status));
  useEffect(() => {
    if (!bulkJob || !bulkState || bulkRunning) return;
    const r = bulkState.result as { merged?: number; failed?: { survivorId: string; message: string }[] } | null;
    notifications.show({
      color: r?.failed?.length ? 'yellow' : 'green',
      title: `${formatCount(r?.merged ?? 0)} ${(r?.merged ?? 0) === 1 ? 'group' : 'groups'} merged`,
      message: r?.failed?.length
        ? `${r.failed.length} could not be merged: ${r.failed[0]!.message}`
        : 'Each merge can be undone under “Recent merges” for 30 days.',
    });
    setBulkJob(null);
    refresh();
  }, [bulkJob, bulkState, bulkRunning]);

  const empty = !list.isPending && !list.isError && groups.length === 0 && !list.hasNextPage;

  return (
    <>
      <PageHeader
        above={
          <Breadcrumbs separatorMargin={6} fz="sm">
            <Anchor component={Link} to="/contacts" size="sm">
              Contacts
            </Anchor>
            <Text size="sm" c="dimmed">
              Duplicates
            </Text>
          </Breadcrumbs>
        }
        title="Duplicates"
        description="Contacts that share an email address, a phone number, or a name at the same company. Merging keeps one record and can be undone for 30 days."
        actions={
          perms.modifyContacts ? (
            <Button
              variant="default"
              leftSection={<IconScan size={17} />}
              loading={startScan.isPending}
              disabled={Boolean(scanJob)}
              onClick={() => startScan.mutate()}
            >
              Scan all contacts
            </Button>
          ) : undefined
        }
      />

      {scanJob && (
        <Card mb="md" aria-live="polite">
          <Text size="sm" mb={6}>
            Scanning every contact for duplicates…{' '}
            {scanJobQuery.data ? `step ${scanJobQuery.data.processed} of ${scanJobQuery.data.total ?? 3}` : ''}
          </Text>
          <Progress
            value={scanJobQuery.data?.total ? (100 * scanJobQuery.data.processed) / scanJobQuery.data.total : 5}
            animated
            aria-label="Scan progress"
          />
        </Card>
      )}
      {scanJobQuery.data?.status === 'failed' && (
        <Alert color="red" icon={<IconAlertCircle size={18} />} mb="md" title="The scan failed">
          {scanJobQuery.data.error}
        </Alert>
      )}

      <Group justify="space-between" mb="md" wrap="wrap" gap="sm">
        {scan?.finishedAt ? (
          <SegmentedControl
            aria-label="Which duplicates to show"
            value={source}
            onChange={(v) => setSource(v as 'live' | 'scan')}
            data={[
              { value: 'live', label: 'As of now' },
              { value: 'scan', label: `Last scan (${formatCount(scan.groups ?? 0)} groups)` },
            ]}
          />
        ) : (
          <Text size="sm" c="dimmed">
            Groups are found as you page; “Scan all contacts” counts every group at once.
          </Text>
        )}
        {source === 'scan' && scan?.finishedAt && (
          <Text size="sm" c="dimmed">
            Scanned {formatRelative(scan.finishedAt)}
          </Text>
        )}
      </Group>

      {perms.modifyContacts && selected.size > 0 && (
        <Card mb="md" withBorder bg="var(--mantine-color-blue-light)">
          <Group justify="space-between" wrap="wrap">
            <Text size="sm" fw={500}>
              {selected.size} {selected.size === 1 ? 'group' : 'groups'} selected: each merges into its chosen primary contact
            </Text>
            <Group gap="sm">
              <Button variant="default" onClick={() => setSelected(new Set())}>
                Clear
              </Button>
              <Button leftSection={<IconGitMerge size={17} />} loading={bulk.isPending} onClick={() => bulk.mutate()}>
                Merge selected groups
              </Button>
            </Group>
          </Group>
        </Card>
      )}
      {bulkRunning && (
        <Card mb="md" aria-live="polite">
          <Text size="sm" mb={6}>
            Merging… {bulkState ? `${formatCount(bulkState.processed)} of ${formatCount(bulkState.total ?? 0)} groups` : ''}
          </Text>
          <Progress value={bulkState?.total ? (100 * bulkState.processed) / bulkState.total : 5} animated aria-label="Merge progress" />
        </Card>
      )}

      {list.isError && (
        <Alert color="red" icon={<IconAlertCircle size={18} />} mb="md" title="Could not load duplicates">
          {errorMessage(list.error)}
        </Alert>
      )}

      <Stack gap="md">
        {groups.map((g) => (
          <GroupCard
            key={groupKey(g)}
            group={g}
            canModify={perms.modifyContacts}
            survivorId={survivors[groupKey(g)] ?? defaultSurvivor(g)}
            onSurvivor={(id) => setSurvivors((s) => ({ ...s, [groupKey(g)]: id }))}
            selected={selected.has(groupKey(g))}
            onSelect={(on) =>
              setSelected((s) => {
                const next = new Set(s);
                if (on) next.add(groupKey(g));
                else next.delete(groupKey(g));
                return next;
              })
            }
            onReview={() => setReviewing(g)}
          />
        ))}
        {empty && (
          <Card py="xl">
            <Stack align="center" gap={6}>
              <IconCopy size={28} aria-hidden />
              <Title order={2} fz="lg">
                No duplicates found
              </Title>
              <Text c="dimmed" size="sm" ta="center">
                No two contacts share an email, a phone number, or a name at the same company.
              </Text>
            </Stack>
          </Card>
        )}
        {list.isPending && <Text c="dimmed">Looking for duplicates…</Text>}
        {list.hasNextPage && (
          <Group justify="center">
            <Button variant="default" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              {groups.length ? 'Find more' : 'Keep looking'}
            </Button>
          </Group>
        )}
      </Stack>

      <RecentMerges canModify={perms.modifyContacts} onUndone={refresh} />

      {reviewing && (
        <MergeModal
          group={reviewing}
          survivorId={survivors[groupKey(reviewing)] ?? defaultSurvivor(reviewing)}
          onClose={() => setReviewing(null)}
          onMerged={() => {
            setReviewing(null);
            refresh();
          }}
        />
      )}
    </>
  );
}

function GroupCard(props: {
  group: DuplicateGroup;
  canModify: boolean;
  survivorId: string;
  onSurvivor: (id: string) => void;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onReview: () => void;
}) {
  const { group: g } = props;
  const syncedCount = g.contacts.filter(isSynced).length;
  const title = `${reasonLabel[g.reason]}: ${reasonDetail(g)}`;
  return (
    <Card withBorder component="section" aria-label={title}>
      <Group justify="space-between" mb="sm" wrap="wrap" gap="sm">
        <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
          {props.canModify && syncedCount < 2 && (
            <Checkbox
              aria-label={`Select the group “${title}” for a bulk merge`}
              checked={props.selected}
              onChange={(e) => props.onSelect(e.currentTarget.checked)}
              styles={{ input: { width: 24, height: 24 } }}
            />
          )}
          <Badge
            variant="light"
            color={g.reason === 'email' ? 'blue' : g.reason === 'phone' ? 'teal' : 'grape'}
            style={{ flexShrink: 0, overflow: 'visible' }}
          >
            {reasonLabel[g.reason]}
          </Badge>
          <Text fw={500} style={{ overflowWrap: 'anywhere' }}>
            {reasonDetail(g)}
          </Text>
        </Group>
        {props.canModify && (
          <Button size="sm" leftSection={<IconGitMerge size={16} />} onClick={props.onReview} disabled={syncedCount > 1}>
            Review and merge
          </Button>
        )}
      </Group>
      {syncedCount > 1 && (
        <Text size="sm" c="dimmed" mb="sm">
          Two of these contacts are managed by Contact Sync; each is kept by its directory, so they cannot be merged.
        </Text>
      )}
      {/* phones: one block per contact instead of a table */}
      <Stack gap="xs" hiddenFrom="sm">
        {g.contacts.map((c) => {
          const name = contactName(c);
          const locked = syncedCount === 1 && !isSynced(c);
          return (
            <Card key={c.id} withBorder p="sm" radius="md">
              <Group gap="sm" wrap="nowrap" align="flex-start">
                {props.canModify && (
                  <Radio
                    aria-label={`Keep ${name} as the primary contact`}
                    name={`primary-m-${g.reason}-${g.key}`}
                    checked={props.survivorId === c.id}
                    disabled={locked}
                    onChange={() => props.onSurvivor(c.id)}
                    styles={{ radio: { width: 24, height: 24 } }}
                  />
                )}
                <Stack gap={2} style={{ minWidth: 0 }}>
                  <Anchor component={Link} to={`/contacts/${c.id}`} size="sm" fw={500}>
                    {name}
                  </Anchor>
                  <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                    {[c.primaryEmail, ...Object.values(c.emails)].filter(Boolean).join(', ') || 'No email'}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {[Object.values(c.phones).join(', '), c.company, `created ${formatDateTime(c.createdAt)}`].filter(Boolean).join(' · ')}
                  </Text>
                </Stack>
              </Group>
            </Card>
          );
        })}
      </Stack>
      <Table.ScrollContainer minWidth={560} visibleFrom="sm">
        <Table verticalSpacing="xs" striped>
          <Table.Thead>
            <Table.Tr>
              {props.canModify && <Table.Th w={90}>Primary</Table.Th>}
              <Table.Th>Name</Table.Th>
              <Table.Th>Primary email</Table.Th>
              <Table.Th>Phones</Table.Th>
              <Table.Th>Company</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {g.contacts.map((c) => {
              const name = contactName(c);
              const locked = syncedCount === 1 && !isSynced(c);
              return (
                <Table.Tr key={c.id}>
                  {props.canModify && (
                    <Table.Td>
                      <Radio
                        aria-label={`Keep ${name} as the primary contact`}
                        name={`primary-${g.reason}-${g.key}`}
                        checked={props.survivorId === c.id}
                        disabled={locked}
                        onChange={() => props.onSurvivor(c.id)}
                        styles={{ radio: { width: 24, height: 24 } }}
                      />
                    </Table.Td>
                  )}
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Anchor component={Link} to={`/contacts/${c.id}`} size="sm">
                        {name}
                      </Anchor>
                      {isSynced(c) && (
                        <Badge size="xs" variant="outline" color="gray">
                          Contact Sync
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {c.primaryEmail ?? '—'}
                    </Text>
                    {Object.values(c.emails).length > 0 && (
                      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                        also {Object.values(c.emails).join(', ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{Object.values(c.phones).join(', ') || '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.company ?? '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(c.createdAt)}</Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

const FIELD_CHOICES = [
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['primaryEmail', 'Primary email'],
  ['company', 'Company name'],
  ['jobTitle', 'Job title'],
  ['division', 'Division'],
  ['notes', 'Notes'],
] as const;

function MergeModal(props: { group: DuplicateGroup; survivorId: string; onClose: () => void; onMerged: () => void }) {
  const { group: g } = props;
  const survivor = g.contacts.find((c) => c.id === props.survivorId)!;
  const others = g.contacts.filter((c) => c.id !== survivor.id);
  const ordered = [survivor, ...others];
  // per field: the contacts with a distinct non-empty value; a choice is asked only where they differ
  const choices = FIELD_CHOICES.map(([field, label]) => {
    const seen = new Map<string, Contact>();
    for (const c of ordered) {
      const v = c[field];
      if (v && !seen.has(v)) seen.set(v, c);
    }
    return { field, label, options: [...seen.entries()].map(([value, c]) => ({ value, id: c.id })) };
  }).filter((x) => x.options.length > 1);
  const [fields, setFields] = useState<Record<string, string>>(() => Object.fromEntries(choices.map((c) => [c.field, c.options[0]!.id])));
  const primary = ordered.find((c) => c.id === (fields.primaryEmail ?? survivor.id))?.primaryEmail ?? survivor.primaryEmail;
  const otherEmails = [
    ...new Set(
      ordered.flatMap((c) => [...Object.values(c.emails), ...(c.primaryEmail ? [c.primaryEmail] : [])]).map((e) => e.toLowerCase()),
    ),
  ].filter((e) => e !== primary?.toLowerCase());
  const phones = [...new Set(ordered.flatMap((c) => Object.values(c.phones)))];

  const undo = useUndo();
  const merge = useMutation({
    mutationFn: () => mergeApi.merge({ survivorId: survivor.id, mergedIds: others.map((c) => c.id), fields }),
    onSuccess: (r) => {
      const undoId = `undo-${r.mergeId}`;
      // toasts render outside the query client: the button gets a plain handler, no hooks
      notifications.show({
        id: undoId,
        color: 'green',
        title: `${others.length + 1} contacts merged`,
        message: (
          <Group gap="sm" justify="space-between" wrap="nowrap">
            <Text size="sm">{contactName(r.contact)} keeps everything. You can undo this for 30 days.</Text>
            <Button
              size="xs"
              variant="default"
              leftSection={<IconArrowBackUp size={15} />}
              onClick={() => {
                notifications.hide(undoId);
                undo(r.mergeId, props.onMerged);
              }}
            >
              Undo
            </Button>
          </Group>
        ),
        autoClose: 10_000,
      });
      props.onMerged();
    },
  });

  return (
    <Modal
      opened
      onClose={props.onClose}
      title={
        <Text fw={600}>
          Merge {g.contacts.length} contacts into {contactName(survivor)}
        </Text>
      }
      size="lg"
    >
      <Stack gap="md">
        <Text size="sm">
          {others.map((c) => contactName(c)).join(', ')} {others.length === 1 ? 'goes' : 'go'} to the Trash marked as merged. Their tickets,
          ticket links, form assignments, portal access and history move to {contactName(survivor)}.
        </Text>
        {choices.map((c) => (
          <Radio.Group
            key={c.field}
            label={`Keep which ${c.label.toLowerCase()}?`}
            value={fields[c.field]}
            onChange={(v) => setFields((f) => ({ ...f, [c.field]: v }))}
          >
            <Stack gap={6} mt={6}>
              {c.options.map((o) => (
                <Radio key={o.id} value={o.id} label={o.value} styles={{ radio: { width: 24, height: 24 } }} />
              ))}
            </Stack>
          </Radio.Group>
        ))}
        <Card withBorder p="sm">
          <Text size="sm" fw={500}>
            After the merge, the contact has
          </Text>
          <Text size="sm">Primary email: {primary ?? '—'}</Text>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            Other emails: {otherEmails.join(', ') || '—'}
          </Text>
          <Text size="sm">Phones: {phones.join(', ') || '—'}</Text>
        </Card>
        {merge.error && (
          <Alert color="red" icon={<IconAlertCircle size={18} />} title="Not merged">
            {errorMessage(merge.error)}
            {merge.error instanceof ApiError && merge.error.details.length > 0 && (
              <Text size="sm">{merge.error.details.map((d) => d.message).join('; ')}</Text>
            )}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button leftSection={<IconGitMerge size={17} />} loading={merge.isPending} onClick={() => merge.mutate()}>
            Merge {g.contacts.length} contacts
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Undoes a merge and says so; usable from a toast (the returned function needs no hooks where it is called). */
function useUndo() {
  const qc = useQueryClient();
  return (mergeId: string, onDone?: () => void) =>
    mergeApi.undo(mergeId).then(
      (r) => {
        notifications.show({
          color: 'green',
          title: 'Merge undone',
          message: `${r.contacts.map((c) => contactName(c)).join(', ')} are back as they were.`,
        });
        for (const c of r.contacts) qc.setQueryData(keys.contact(c.id), c);
        void qc.invalidateQueries({ queryKey: ['contacts'] });
        onDone?.();
      },
      (e: unknown) => notifications.show({ color: 'red', title: 'Could not undo the merge', message: errorMessage(e) }),
    );
}

function UndoButton(props: { mergeId: string; onDone?: () => void; size?: string }) {
  const run = useUndo();
  const undo = useMutation({ mutationFn: () => run(props.mergeId, props.onDone) });
  return (
    <Button
      size={props.size ?? 'xs'}
      variant="default"
      leftSection={<IconArrowBackUp size={15} />}
      loading={undo.isPending}
      onClick={() => undo.mutate()}
    >
      Undo
    </Button>
  );
}

function RecentMerges(props: { canModify: boolean; onUndone: () => void }) {
  const merges = useQuery({ queryKey: mergeKeys.merges, queryFn: ({ signal }) => mergeApi.merges(signal) });
  const items: MergeSummary[] = (merges.data?.items ?? []).slice(0, 10);
  const survivors = useQueries({
    queries: items.map((m) => ({
      queryKey: keys.contact(m.survivorId),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.getContact(m.survivorId, signal),
      retry: false,
    })),
  });
  if (!items.length) return null;
  return (
    <Card withBorder mt="xl" component="section" aria-labelledby="recent-merges">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg" id="recent-merges">
          Recent merges
        </Title>
        <Button variant="subtle" size="xs" leftSection={<IconRefresh size={15} />} onClick={() => void merges.refetch()}>
          Refresh
        </Button>
      </Group>
      <Stack gap="xs">
        {items.map((m, i) => {
          const s = survivors[i]?.data;
          return (
            <Group key={m.id} justify="space-between" wrap="wrap" gap="sm">
              <Text size="sm">
                {m.mergedIds.length + 1} contacts merged into{' '}
                <Anchor component={Link} to={`/contacts/${m.survivorId}`} size="sm">
                  {s ? contactName(s) : 'the primary contact'}
                </Anchor>{' '}
                {formatRelative(m.createdAt)}
                {m.actor ? ` by ${m.actor}` : ''} · undo until {formatDateTime(m.undoableUntil)}
              </Text>
              {props.canModify && <UndoButton mergeId={m.id} onDone={props.onUndone} />}
            </Group>
          );
        })}
      </Stack>
    </Card>
  );
}
