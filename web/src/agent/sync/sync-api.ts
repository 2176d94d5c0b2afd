// Client and query hooks of Contact Sync (member API, owners and admins): connections, their test and
// preview, runs, per-person outcomes and the raw log.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { request } from '../../lib/api.ts';

// These types follow the server's contract of Contact Sync (connections, runs, test and preview).
export type SyncSource = 'ldap' | 'google' | 'microsoft' | 'scim';
export type ConnectionStatus = 'enabled' | 'draft';
export type IncrementalMode = 'none' | 'modifyTimestamp' | 'uSNChanged';

export interface LdapSettings {
  url: string;
  bindDn: string;
  /** write-only: never in an answer; left out of a PATCH it keeps the stored one */
  bindPassword?: string;
  baseDn: string;
  userFilter: string;
  idAttribute: string;
  pageSize: number;
  incremental: IncrementalMode;
  tls: { rejectUnauthorized: boolean; ca: string | null; startTls: boolean };
  timeoutSeconds: number;
}

export interface SyncScope {
  mode: 'all' | 'list' | 'pattern';
  groups?: string[];
  pattern?: { filter?: string; baseDn?: string };
}

export type MappingValue = string | { attribute: string; required?: boolean } | { const: string | boolean | null };
export type SyncMapping = Record<string, MappingValue>;

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'needs_confirmation';
export interface RunCounts {
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  conflicts: number;
  failed: number;
}
export interface SyncRun {
  id: string;
  connectionId: string;
  status: RunStatus;
  full: boolean;
  dryRun: boolean;
  trigger: string;
  counts: RunCounts;
  /** people read from the directory so far */
  seen: number;
  /** needs_confirmation: how many contacts the run would deactivate */
  toDeactivate: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface SyncConnection {
  id: string;
  name: string;
  description: string;
  source: SyncSource;
  status: ConnectionStatus;
  /** without the write-only secrets; `secretsSet` names the ones stored */
  settings: Partial<LdapSettings> & Record<string, unknown>;
  secretsSet: string[];
  scope: SyncScope;
  mapping: SyncMapping;
  /** "@every 1h", "@daily", a cron line (UTC), or null: runs only when asked */
  schedule: string | null;
  lastFullRunAt: string | null;
  lastRun: SyncRun | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionBody {
  name: string;
  description: string;
  source: SyncSource;
  status: ConnectionStatus;
  settings: LdapSettings;
  scope: SyncScope;
  mapping: SyncMapping;
  schedule: string | null;
}

export type SyncProblemCode =
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'bind'
  | 'base_dn'
  | 'filter'
  | 'no_users'
  | 'group'
  | 'permission'
  | 'id_attribute'
  | 'unavailable_source'
  | 'other';
export interface SyncProblem {
  code: SyncProblemCode;
  /** what is wrong, in plain words */
  message: string;
  /** the setting to look at, e.g. settings.bindPassword */
  field: string | null;
}

export interface TestResult {
  ok: boolean;
  problem: SyncProblem | null;
  steps: { step: string; ok: boolean; message: string }[];
  directory: 'active-directory' | 'openldap' | 'other' | null;
  usersFound: number;
  countIsLowerBound: boolean;
}

export interface PreviewContact {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  division: string | null;
  notes: string | null;
  primaryEmail: string | null;
  emails: Record<string, string>;
  phones: Record<string, string>;
  address: Record<string, string | null>;
  permissions: Record<string, boolean>;
  notifications: Record<string, boolean>;
}
export interface PreviewRow {
  syncId: string;
  dn: string;
  disabled: boolean;
  contact: PreviewContact;
  organizationId: string | null;
  reportsTo: string | null;
  warnings: { path: string; message: string }[];
  failure: string | null;
}
export interface PreviewResult {
  items: PreviewRow[];
  more: boolean;
  problem: SyncProblem | null;
}

export type EntryOutcome = 'created' | 'updated' | 'unchanged' | 'deactivated' | 'conflict' | 'failed';
export interface RunEntry {
  seq: number;
  syncId: string;
  dn: string | null;
  outcome: EntryOutcome;
  contactId: string | null;
  name: string | null;
  email: string | null;
  reason: string | null;
}

const enc = encodeURIComponent;
const base = '/api/v1/sync';

export const syncApi = {
  list: (signal?: AbortSignal) => request<{ items: SyncConnection[] }>('GET', `${base}/connections`, { signal }),
  get: (id: string, signal?: AbortSignal) => request<SyncConnection>('GET', `${base}/connections/${enc(id)}`, { signal }),
  create: (body: ConnectionBody) => request<SyncConnection>('POST', `${base}/connections`, { body }),
  update: (id: string, body: Partial<ConnectionBody>) => request<SyncConnection>('PATCH', `${base}/connections/${enc(id)}`, { body }),
  remove: (id: string) => request<void>('DELETE', `${base}/connections/${enc(id)}`),
  /** Tries unsaved settings; `id` lets the server use the stored password when the body leaves it out. */
  test: (body: ConnectionBody & { id?: string }) => request<TestResult>('POST', `${base}/connections/test`, { body }),
  preview: (body: ConnectionBody & { id?: string }) => request<PreviewResult>('POST', `${base}/connections/preview`, { body }),
  run: (id: string, opts: { full?: boolean; dryRun?: boolean } = {}) =>
    request<{ runId: string }>('POST', `${base}/connections/${enc(id)}/run`, { body: opts }),
  runAll: () => request<{ runIds?: string[] }>('POST', `${base}/run-all`, { body: {} }),
  runs: (id: string, limit: number, signal?: AbortSignal) =>
    request<{ items: SyncRun[] }>('GET', `${base}/connections/${enc(id)}/runs`, { query: { limit }, signal }),
  getRun: (id: string, signal?: AbortSignal) => request<SyncRun>('GET', `${base}/runs/${enc(id)}`, { signal }),
  entries: (id: string, q: { limit: number; offset: number; outcome?: EntryOutcome | null }, signal?: AbortSignal) =>
    request<{ items: RunEntry[]; total?: number }>('GET', `${base}/runs/${enc(id)}/entries`, {
      query: { limit: q.limit, offset: q.offset, outcome: q.outcome },
      signal,
    }),
  confirm: (id: string) => request<SyncRun>('POST', `${base}/runs/${enc(id)}/confirm`),
};

export const syncDownloads = {
  runLog: (runId: string) => `${base}/runs/${enc(runId)}/log.txt`,
};

export const syncKeys = {
  all: ['sync'] as const,
  connections: ['sync', 'connections'] as const,
  connection: (id: string) => ['sync', 'connection', id] as const,
  runs: (id: string) => ['sync', 'runs', id] as const,
  run: (id: string) => ['sync', 'run', id] as const,
  entries: (id: string, q: object) => ['sync', 'entries', id, q] as const,
};

export const isRunActive = (r: Pick<SyncRun, 'status'> | null | undefined) => r?.status === 'queued' || r?.status === 'running';

export function useConnections() {
  return useQuery({
    queryKey: syncKeys.connections,
    queryFn: ({ signal }) => syncApi.list(signal),
    // while a run goes on, its card shows live counts
    refetchInterval: (q) => (q.state.data?.items.some((c) => isRunActive(c.lastRun)) ? 1500 : false),
  });
}

export function useConnection(id: string | undefined) {
  return useQuery({
    queryKey: syncKeys.connection(id ?? ''),
    queryFn: ({ signal }) => syncApi.get(id!, signal),
    enabled: Boolean(id),
    staleTime: 0,
  });
}

export function useRuns(id: string, limit = 30) {
  return useQuery({
    queryKey: [...syncKeys.runs(id), limit],
    queryFn: ({ signal }) => syncApi.runs(id, limit, signal),
    refetchInterval: (q) => (q.state.data?.items.some(isRunActive) ? 1500 : false),
    refetchIntervalInBackground: true,
  });
}

export function useRunEntries(runId: string | null, q: { limit: number; offset: number; outcome: EntryOutcome | null }, enabled = true) {
  return useQuery({
    queryKey: syncKeys.entries(runId ?? '', q),
    queryFn: ({ signal }) => syncApi.entries(runId!, q, signal),
    enabled: Boolean(runId) && enabled,
    placeholderData: keepPreviousData,
  });
}
