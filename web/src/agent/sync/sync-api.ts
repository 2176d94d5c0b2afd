// Client and query hooks of Contact Sync (member API, owners and admins): connections, their test and
// preview, runs, per-person outcomes and the raw log.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { request } from '../../lib/api.ts';

export type SyncSource = 'ldap' | 'google' | 'microsoft' | 'scim';
export type ConnectionStatus = 'enabled' | 'draft';
export type IncrementalMode = 'none' | 'modifyTimestamp' | 'uSNChanged';

export interface LdapSettings {
  url: string;
  bindDn: string;
  /** write-only: never in an answer; left out of a PATCH it keeps the stored one */
  bindPassword?: string;
  /** in answers: a password is stored */
  bindPasswordSet?: boolean;
  baseDn: string;
  userFilter: string;
  idAttribute: string;
  pageSize: number;
  incremental: IncrementalMode;
  tls: { rejectUnauthorized: boolean; ca?: string | null };
}

export type SyncScope =
  { mode: 'all' } | { mode: 'list'; groups: string[] } | { mode: 'pattern'; pattern: { filter?: string | null; baseDn?: string | null } };

export type MappingValue = string | { const: string | boolean | number | null };
export type SyncMapping = Record<string, MappingValue>;

export interface SyncSchedule {
  /** minutes between scheduled runs; null: only when someone presses Run */
  everyMinutes: number | null;
}

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
  counts: RunCounts;
  /** people read from the directory so far, and in all when known */
  processed?: number;
  total?: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt?: string;
  error: string | null;
}

export interface SyncConnection {
  id: string;
  name: string;
  description: string | null;
  source: SyncSource;
  status: ConnectionStatus;
  settings: LdapSettings;
  scope: SyncScope;
  mapping: SyncMapping;
  schedule: SyncSchedule | null;
  lastRun?: SyncRun | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionBody {
  name: string;
  description: string | null;
  source: SyncSource;
  status: ConnectionStatus;
  settings: Omit<LdapSettings, 'bindPasswordSet'>;
  scope: SyncScope;
  mapping: SyncMapping;
  schedule: SyncSchedule | null;
}

export interface TestResult {
  ok: boolean;
  /** what happened, in plain words */
  message: string;
  /** e.g. how many people the filter matches */
  details?: string[];
}

export interface PreviewRow {
  /** the directory's stable id and entry */
  syncId: string | null;
  dn?: string;
  contact: Record<string, unknown>;
  errors: { path: string; message: string }[];
}
export interface PreviewResult {
  items: PreviewRow[];
}

export type EntryOutcome = 'created' | 'updated' | 'unchanged' | 'deactivated' | 'conflict' | 'failed';
export interface RunEntry {
  syncId: string;
  name: string | null;
  email: string | null;
  outcome: EntryOutcome;
  reason: string | null;
  contactId: string | null;
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
