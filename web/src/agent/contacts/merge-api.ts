// Client of the duplicate finder, merges and "change primary email" (member API). Types come from the
// server's schemas (type-only imports, so zod stays out of the bundle).
import type { DuplicateGroup, DuplicatesPage, MergeResult } from '#shared/merge.schema.ts';
import { request, type Contact, type Job } from '../../lib/api.ts';

export type { DuplicateGroup, DuplicatesPage, MergeResult };
export interface MergeSummary {
  id: string;
  survivorId: string;
  mergedIds: string[];
  createdAt: string;
  actor: string | null;
  undoableUntil: string;
}

const enc = encodeURIComponent;

export const mergeApi = {
  duplicates: (q: { cursor?: string; limit?: number; source?: 'live' | 'scan' }, signal?: AbortSignal) =>
    request<DuplicatesPage>('GET', '/api/v1/contacts/duplicates', { query: q, signal }),
  scan: () => request<{ jobId: string }>('POST', '/api/v1/contacts/duplicates/scan'),
  merge: (body: { survivorId: string; mergedIds: string[]; fields?: Record<string, string> }) =>
    request<MergeResult>('POST', '/api/v1/contacts/merge', { body }),
  bulkMerge: (groups: { survivorId: string; mergedIds: string[] }[]) =>
    request<{ jobId: string; total: number }>('POST', '/api/v1/contacts/merge/bulk', { body: { groups } }),
  merges: (signal?: AbortSignal) => request<{ items: MergeSummary[] }>('GET', '/api/v1/merges', { signal }),
  undo: (mergeId: string) => request<{ contacts: Contact[] }>('POST', `/api/v1/merges/${enc(mergeId)}/undo`),
  job: (id: string, signal?: AbortSignal) => request<Job>('GET', `/api/v1/jobs/${enc(id)}`, { signal }),
  changePrimaryEmail: (id: string, body: { email: string; keepOld: boolean; label?: string }, version?: number) =>
    request<Contact>('POST', `/api/v1/contacts/${enc(id)}/primary-email`, {
      body,
      headers: version !== undefined ? { 'if-match': `"${version}"` } : undefined,
    }),
};

export const mergeKeys = {
  duplicates: (source: string) => ['contacts', 'duplicates', source] as const,
  merges: ['contacts', 'merges'] as const,
};
