// Client and query hooks of Contact Sync (member API, owners and admins): connections, their test and
// preview, runs, per-person outcomes and the raw log.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { request } from '../../lib/api.ts';

import type {
  Connection,
  ConnectionStatus,
  LdapSettings,
  MappingValue,
  SyncCounts,
  SyncMapping,
  SyncOutcome,
  SyncPreviewItem,
  SyncPreviewResult,
  SyncRun,
  SyncRunEntry,
  SyncRunStatus,
  SyncScope,
  SyncSource,
  SyncTestResult,
} from '#shared/sync.ts';

// Types come from the server's schemas (type-only, so zod stays out of the bundle).
export type { ConnectionStatus, LdapSettings, MappingValue, SyncMapping, SyncRun, SyncScope, SyncSource };
export type SyncConnection = Connection;
export type RunStatus = SyncRunStatus;
export type RunCounts = SyncCounts;
export type IncrementalMode = LdapSettings['incremental'];
export type TestResult = SyncTestResult;
export type PreviewRow = SyncPreviewItem;
export type PreviewResult = SyncPreviewResult;
export type EntryOutcome = SyncOutcome;
export type RunEntry = SyncRunEntry;

/** What the editor sends: an LDAP, Google Workspace or Microsoft Entra ID connection. */
export interface ConnectionBody {
  name: string;
  description: string;
  source: SyncSource;
  status: ConnectionStatus;
  /** LDAP, Google or Microsoft settings (the server checks them against the source); SCIM connections have none: the identity provider calls KDesk. */
  settings: LdapSettings | Record<string, unknown>;
  scope: SyncScope;
  mapping: SyncMapping;
  schedule: string | null;
}

const enc = encodeURIComponent;
const base = '/api/v1/sync';

export const syncApi = {
  list: (signal?: AbortSignal) => request<{ items: SyncConnection[] }>('GET', `${base}/connections`, { signal }),
  get: (id: string, signal?: AbortSignal) => request<SyncConnection>('GET', `${base}/connections/${enc(id)}`, { signal }),
  create: (body: ConnectionBody) => request<SyncConnection>('POST', `${base}/connections`, { body }),
  update: (id: string, body: Partial<ConnectionBody>) => request<SyncConnection>('PATCH', `${base}/connections/${enc(id)}`, { body }),
  remove: (id: string) => request<void>('DELETE', `${base}/connections/${enc(id)}`),
  /** A new SCIM token (shown once; the one before stops working). */
  rotateScimToken: (id: string) => request<{ scimToken: string }>('POST', `${base}/connections/${enc(id)}/scim-token`),
  /** Tries unsaved settings; `id` lets the server use the stored password when the body leaves it out. */
  test: (body: ConnectionBody & { id?: string }) => request<TestResult>('POST', `${base}/connections/test`, { body }),
  preview: (body: ConnectionBody & { id?: string }) => request<PreviewResult>('POST', `${base}/connections/preview`, { body }),
  run: (id: string, opts: { full?: boolean; dryRun?: boolean } = {}) =>
    request<{ runId: string }>('POST', `${base}/connections/${enc(id)}/run`, { body: opts }),
  runAll: () => request<{ runs: SyncRun[] }>('POST', `${base}/run-all`, { body: {} }),
  runs: (id: string, limit: number, signal?: AbortSignal) =>
    request<{ items: SyncRun[]; nextCursor: string | null }>('GET', `${base}/connections/${enc(id)}/runs`, { query: { limit }, signal }),
  getRun: (id: string, signal?: AbortSignal) => request<SyncRun>('GET', `${base}/runs/${enc(id)}`, { signal }),
  /** A run's people in order, a page at a time (`cursor`: the last `seq` of the page before). */
  entries: (id: string, q: { limit: number; cursor: number | null; outcome?: EntryOutcome | null }, signal?: AbortSignal) =>
    request<{ items: RunEntry[]; nextCursor: number | null }>('GET', `${base}/runs/${enc(id)}/entries`, {
      query: { limit: q.limit, cursor: q.cursor, outcome: q.outcome },
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

export function useRunEntries(
  runId: string | null,
  q: { limit: number; cursor: number | null; outcome: EntryOutcome | null },
  enabled = true,
) {
  return useQuery({
    queryKey: syncKeys.entries(runId ?? '', q),
    queryFn: ({ signal }) => syncApi.entries(runId!, q, signal),
    enabled: Boolean(runId) && enabled,
    placeholderData: keepPreviousData,
  });
}
