// Client and query hooks of companies and time spent (member API). Types come from the server's schemas
// (type-only imports, so zod stays out of the bundle).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type {
  Company,
  CompanyDetail,
  CompanyInput,
  CompanyPage,
  CompanyPatch,
  CompanyUpdated,
  TimeEntry,
  TimeEntryList,
  TimeReport,
} from '#shared/company.schema.ts';
import { request, type Job } from '../../lib/api.ts';

export type { Company, CompanyDetail, CompanyPage, TimeEntry, TimeReport };
export type CompanySort = 'name' | '-name' | 'createdAt' | '-createdAt';

const enc = encodeURIComponent;

export const companiesApi = {
  list: (q: { q?: string; sort?: CompanySort; limit?: number; offset?: number }, signal?: AbortSignal) =>
    request<CompanyPage>('GET', '/api/v1/companies', { query: q, signal }),
  get: (id: string, signal?: AbortSignal) => request<CompanyDetail>('GET', `/api/v1/companies/${enc(id)}`, { signal }),
  create: (input: Partial<CompanyInput>) => request<CompanyDetail>('POST', '/api/v1/companies', { body: input }),
  update: (id: string, patch: CompanyPatch) => request<CompanyUpdated>('PATCH', `/api/v1/companies/${enc(id)}`, { body: patch }),
  remove: (id: string) => request<void>('DELETE', `/api/v1/companies/${enc(id)}`),
  rescan: (id: string) => request<{ linked: number } | { jobId: string; total: number }>('POST', `/api/v1/companies/${enc(id)}/rescan`),
  job: (id: string, signal?: AbortSignal) => request<Job>('GET', `/api/v1/jobs/${enc(id)}`, { signal }),
  time: (id: string, q: { from?: string; to?: string }, signal?: AbortSignal) =>
    request<TimeReport>('GET', `/api/v1/companies/${enc(id)}/time`, { query: q, signal }),
  timeCsvUrl: (id: string, q: { from?: string; to?: string }) => {
    const p = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1]));
    return `/api/v1/companies/${enc(id)}/time.csv${p.size ? `?${p}` : ''}`;
  },
  ticketTime: (ticketId: string, signal?: AbortSignal) =>
    request<TimeEntryList>('GET', `/api/v1/tickets/${enc(ticketId)}/time`, { signal }),
  logTime: (ticketId: string, body: { minutes: number; note?: string; spentAt?: string }) =>
    request<TimeEntry>('POST', `/api/v1/tickets/${enc(ticketId)}/time`, { body }),
  updateTime: (ticketId: string, id: string, body: { minutes?: number; note?: string }) =>
    request<TimeEntry>('PATCH', `/api/v1/tickets/${enc(ticketId)}/time/${enc(id)}`, { body }),
  deleteTime: (ticketId: string, id: string) => request<void>('DELETE', `/api/v1/tickets/${enc(ticketId)}/time/${enc(id)}`),
};

export const companyKeys = {
  all: ['companies'] as const,
  list: (q: object) => ['companies', 'list', q] as const,
  detail: (id: string) => ['companies', 'detail', id] as const,
  time: (id: string, q: object) => ['companies', 'time', id, q] as const,
  ticketTime: (ticketId: string) => ['tickets', 'time', ticketId] as const,
};

export const useCompanyList = (q: { q?: string; sort?: CompanySort; limit?: number; offset?: number }) =>
  useQuery({ queryKey: companyKeys.list(q), queryFn: ({ signal }) => companiesApi.list(q, signal), placeholderData: keepPreviousData });
export const useCompany = (id: string) =>
  useQuery({ queryKey: companyKeys.detail(id), queryFn: ({ signal }) => companiesApi.get(id, signal), enabled: !!id });

/** Minutes as "2 h 05 min". */
export function formatMinutes(m: number): string {
  const h = Math.floor(m / 60);
  const r = m % 60;
  return h ? `${h} h${r ? ` ${String(r).padStart(2, '0')} min` : ''}` : `${r} min`;
}
