import { useEffect, useState } from 'react';
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Grid,
  Group,
  Modal,
  Paper,
  Progress,
  SegmentedControl,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconLink, IconTrash } from '@tabler/icons-react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { api, errorMessage, isApiError } from '../../lib/api.ts';
import { contactName, formatCount, plural } from '../../lib/format.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { StatusBadge } from '../tickets/ticket-badges.tsx';
import { useTicketList } from '../tickets/tickets-api.ts';
import { companiesApi, companyKeys, formatMinutes, useCompany, type CompanyDetail } from './companies-api.ts';

/** One company: its domains (with the re-scan offer), its contacts, its tickets and the time spent on them. */
export default function CompanyPage() {
  const { id = '' } = useParams();
  const company = useCompany(id);
  usePageTitle(company.data?.name ?? 'Company');
  if (company.isPending) return <PageLoader />;
  if (company.isError)
    return <ErrorState title="This company could not be opened" error={company.error} onRetry={() => void company.refetch()} />;
  const c = company.data;
  return (
    <>
      <PageHeader
        above={
          <Breadcrumbs>
            <Anchor component={Link} to="/companies" size="sm">
              Companies
            </Anchor>
            <Text size="sm">{c.name}</Text>
          </Breadcrumbs>
        }
        title={c.name}
        description={`${plural(c.contactCount, 'contact')} · ${plural(c.ticketCount, 'ticket')}`}
        actions={<CompanyActions c={c} />}
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            <TimeSpent companyId={c.id} />
            <CompanyTickets companyId={c.id} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <Domains c={c} />
            <CompanyContacts companyId={c.id} />
            {c.notes && (
              <Paper withBorder radius="md" p="md" component="section" aria-label="Notes">
                <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                  {c.notes}
                </Text>
              </Paper>
            )}
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}

function CompanyActions(props: { c: CompanyDetail }) {
  const { c } = props;
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [name, setName] = useState(c.name);
  const [notes, setNotes] = useState(c.notes ?? '');
  const save = useMutation({
    mutationFn: () => companiesApi.update(c.id, { name, notes: notes || null }),
    onSuccess: (saved) => {
      qc.setQueryData(companyKeys.detail(c.id), saved);
      void qc.invalidateQueries({ queryKey: companyKeys.all });
      setEditing(false);
    },
  });
  const remove = useMutation({
    mutationFn: () => companiesApi.remove(c.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: companyKeys.all });
      notifications.show({ color: 'teal', message: `${c.name} was deleted; its contacts no longer have a company.` });
      navigate('/companies');
    },
  });
  return (
    <>
      <Group gap="xs">
        <Button variant="default" onClick={() => (setName(c.name), setNotes(c.notes ?? ''), setEditing(true))}>
          Edit
        </Button>
        <Button variant="default" color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </Group>
      <Modal opened={editing} onClose={() => setEditing(false)} title="Edit company">
        <Stack component="form" gap="sm" onSubmit={(e) => (e.preventDefault(), save.mutate())}>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Textarea label="Notes" autosize minRows={3} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
          {save.isError && (
            <Text size="sm" c="red.8" role="alert">
              {errorMessage(save.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={deleting} onClose={() => setDeleting(false)} title={`Delete ${c.name}?`}>
        <Text size="sm">
          Its {plural(c.contactCount, 'contact')} will have no company. Its tickets stay, without a company. This cannot be undone.
        </Text>
        {remove.isError && (
          <Text size="sm" c="red.8" role="alert" mt="sm">
            {errorMessage(remove.error)}
          </Text>
        )}
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setDeleting(false)}>
            Cancel
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
            Delete company
          </Button>
        </Group>
      </Modal>
    </>
  );
}

/** The domains editor, and the offer to link the contacts already at those domains (a job with progress when many). */
function Domains(props: { c: CompanyDetail }) {
  const { c } = props;
  const qc = useQueryClient();
  const [domains, setDomains] = useState(c.domains);
  const [jobId, setJobId] = useState<string | null>(null);
  useEffect(() => setDomains(c.domains), [c.domains]);
  const dirty = domains.join('\n') !== c.domains.join('\n');
  const save = useMutation({
    mutationFn: () => companiesApi.update(c.id, { domains }),
    onSuccess: (saved) => {
      qc.setQueryData(companyKeys.detail(c.id), saved);
      void qc.invalidateQueries({ queryKey: companyKeys.all });
      notifications.show({ color: 'teal', message: 'Domains saved' });
    },
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: companyKeys.all });
    void qc.invalidateQueries({ queryKey: ['contacts'] });
  };
  const rescan = useMutation({
    mutationFn: () => companiesApi.rescan(c.id),
    onSuccess: (r) => {
      if ('jobId' in r) setJobId(r.jobId);
      else {
        notifications.show({ color: 'teal', message: `${plural(r.linked, 'contact')} linked to ${c.name}` });
        refresh();
      }
    },
  });
  const job = useQuery({
    queryKey: ['jobs', jobId],
    queryFn: ({ signal }) => companiesApi.job(jobId!, signal),
    enabled: !!jobId,
    refetchInterval: (q) => (q.state.data && !['queued', 'running'].includes(q.state.data.status) ? false : 800),
  });
  const running = !!jobId && (!job.data || ['queued', 'running'].includes(job.data.status));
  useEffect(() => {
    if (!jobId || !job.data || running) return;
    if (job.data.status === 'succeeded')
      notifications.show({ color: 'teal', message: `${plural(job.data.processed, 'contact')} linked to ${c.name}` });
    refresh();
    setJobId(null);
  }, [running, jobId, job.data]);
  const error = isApiError(save.error)
    ? save.error.details.map((d) => d.message).join(' ') || save.error.message
    : save.error
      ? errorMessage(save.error)
      : null;
  const pct = job.data?.total ? Math.round((100 * job.data.processed) / job.data.total) : 0;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="company-domains-title">
      <Title order={2} fz="md" id="company-domains-title" mb="xs">
        Email domains
      </Title>
      <Stack gap="sm">
        <TagsInput
          label="Domains"
          description="New contacts with an email at these domains are linked to this company. Personal mail providers (gmail.com, naver.com…) are not allowed."
          placeholder="example.com"
          value={domains}
          onChange={setDomains}
          splitChars={[',', ' ', ';']}
          clearable
          error={error}
        />
        <Group justify="flex-end">
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!dirty}>
            Save domains
          </Button>
        </Group>
        {running ? (
          <Stack gap={4} aria-live="polite">
            <Text size="sm">
              Linking contacts… {formatCount(job.data?.processed ?? 0)} of {formatCount(job.data?.total ?? 0)}
            </Text>
            <Progress value={pct} aria-label="Linking contacts" animated />
          </Stack>
        ) : (
          c.linkable > 0 &&
          !dirty && (
            <Alert color="blue" variant="light" icon={<IconLink size={18} />} title="Link existing contacts?">
              <Text size="sm">
                {plural(c.linkable, 'contact')} without a company {c.linkable === 1 ? 'has' : 'have'} an email at{' '}
                {c.domains.length === 1 ? 'this domain' : 'these domains'}.
              </Text>
              <Button mt="sm" size="sm" onClick={() => rescan.mutate()} loading={rescan.isPending}>
                Link {plural(c.linkable, 'contact')}
              </Button>
              {rescan.isError && (
                <Text size="sm" c="red.8" role="alert" mt={4}>
                  {errorMessage(rescan.error)}
                </Text>
              )}
            </Alert>
          )
        )}
      </Stack>
    </Paper>
  );
}

function CompanyContacts(props: { companyId: string }) {
  const list = useInfiniteQuery({
    queryKey: ['contacts', 'company', props.companyId],
    queryFn: ({ pageParam, signal }) =>
      api.listContacts({ companyId: props.companyId, sort: 'lastName', limit: 20, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="company-contacts-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="md" id="company-contacts-title">
          Contacts
        </Title>
        <Anchor component={Link} to={`/contacts?companyId=${props.companyId}`} size="sm">
          Open in directory
        </Anchor>
      </Group>
      {list.isPending ? (
        <PageLoader />
      ) : list.isError ? (
        <ErrorState title="Contacts could not be loaded" error={list.error} onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No contacts are linked yet.
        </Text>
      ) : (
        <Stack gap={6} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {rows.map((c) => (
            <li key={c.id}>
              <Anchor component={Link} to={`/contacts/${c.id}`} size="sm" style={{ overflowWrap: 'anywhere' }}>
                {contactName(c)}
              </Anchor>
              {c.primaryEmail && (
                <Text span size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                  {' '}
                  · {c.primaryEmail}
                </Text>
              )}
            </li>
          ))}
        </Stack>
      )}
      {list.hasNextPage && (
        <Button variant="default" size="sm" mt="sm" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Show more
        </Button>
      )}
    </Paper>
  );
}

function CompanyTickets(props: { companyId: string }) {
  const list = useTicketList({ companyId: props.companyId, limit: 20 });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="company-tickets-title">
      <Title order={2} fz="md" id="company-tickets-title" mb="xs">
        Tickets
      </Title>
      {list.isPending ? (
        <PageLoader />
      ) : list.isError ? (
        <ErrorState title="Tickets could not be loaded" error={list.error} onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No tickets were raised under this company.
        </Text>
      ) : (
        <Stack gap={8} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {rows.map((t) => (
            <Group key={t.id} component="li" gap="xs" wrap="nowrap" justify="space-between">
              <Anchor component={Link} to={`/tickets/${t.id}`} size="sm" style={{ overflowWrap: 'anywhere' }}>
                #{t.number} {t.subject}
              </Anchor>
              <StatusBadge status={t.status} />
            </Group>
          ))}
        </Stack>
      )}
      {list.hasNextPage && (
        <Button variant="default" size="sm" mt="sm" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Show more
        </Button>
      )}
    </Paper>
  );
}

/** Time logged on the company's tickets in a date range: total, a bar chart by month or by ticket, CSV. */
function TimeSpent(props: { companyId: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [by, setBy] = useState<'month' | 'ticket'>('month');
  const q = { from: from || undefined, to: to || undefined };
  const report = useQuery({
    queryKey: companyKeys.time(props.companyId, q),
    queryFn: ({ signal }) => companiesApi.time(props.companyId, q, signal),
  });
  const bars =
    by === 'month'
      ? (report.data?.months ?? []).map((m) => ({ key: m.month, label: monthLabel(m.month), minutes: m.minutes }))
      : (report.data?.tickets ?? []).slice(0, 12).map((t) => ({ key: t.ticketId, label: `#${t.number} ${t.subject}`, minutes: t.minutes }));
  const max = Math.max(1, ...bars.map((b) => b.minutes));
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="company-time-title">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={2} fz="md" id="company-time-title">
          Time spent
        </Title>
        <Button
          component="a"
          href={companiesApi.timeCsvUrl(props.companyId, q)}
          variant="default"
          size="sm"
          leftSection={<IconDownload size={16} />}
        >
          Export CSV
        </Button>
      </Group>
      <Group gap="sm" align="flex-end" wrap="wrap" mb="sm">
        <TextInput type="date" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} w={170} />
        <TextInput type="date" label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={170} />
        <SegmentedControl
          aria-label="Chart by"
          value={by}
          onChange={(v) => setBy(v as 'month' | 'ticket')}
          data={[
            { value: 'month', label: 'By month' },
            { value: 'ticket', label: 'By ticket' },
          ]}
        />
      </Group>
      {report.isPending ? (
        <PageLoader />
      ) : report.isError ? (
        <ErrorState title="Time could not be loaded" error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <>
          <Text fw={700} size="xl" aria-live="polite">
            {formatMinutes(report.data.totalMinutes)}
            <Text span size="sm" c="dimmed" fw={400}>
              {' '}
              on {plural(report.data.tickets.length, 'ticket')}
            </Text>
          </Text>
          {bars.length === 0 ? (
            <Text size="sm" c="dimmed" mt="xs">
              No time was logged on this company's tickets {from || to ? 'in this period' : 'yet'}.
            </Text>
          ) : (
            <Stack
              gap={6}
              mt="sm"
              component="ul"
              p={0}
              m={0}
              style={{ listStyle: 'none' }}
              aria-label={by === 'month' ? 'Time by month' : 'Time by ticket'}
            >
              {bars.map((b) => (
                <li key={b.key}>
                  <Group gap="xs" wrap="nowrap" justify="space-between">
                    <Text size="sm" truncate="end" style={{ minWidth: 0 }}>
                      {b.label}
                    </Text>
                    <Text size="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>
                      {formatMinutes(b.minutes)}
                    </Text>
                  </Group>
                  <div aria-hidden style={{ height: 10, borderRadius: 4, background: 'var(--mantine-color-gray-2)' }}>
                    <div
                      style={{
                        width: `${(100 * b.minutes) / max}%`,
                        height: '100%',
                        borderRadius: 4,
                        background: 'var(--mantine-color-blue-7)',
                      }}
                    />
                  </div>
                </li>
              ))}
            </Stack>
          )}
        </>
      )}
    </Paper>
  );
}

const monthLabel = (ym: string) =>
  new Date(`${ym}-01T00:00:00Z`).toLocaleDateString(undefined, { year: 'numeric', month: 'short', timeZone: 'UTC' });
