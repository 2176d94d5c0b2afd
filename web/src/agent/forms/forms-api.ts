// Client and query hooks of forms (member API). Types come from the server's schemas (type-only imports,
// so zod stays out of the bundle).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type {
  AssignJobResult,
  AssignResult,
  Form,
  FormFieldInput,
  FormPage,
  FormResponse,
  FormValues,
  RefusedContact,
  ResponsePage,
} from '#shared/form.schema.ts';
import { request, type ContactFilter, type Job } from '../../lib/api.ts';

export type { AssignJobResult, AssignResult, Form, FormFieldInput, FormResponse, FormValues, RefusedContact };
export { assignmentRefusalText, formFieldTypeNames, formFieldTypes, type FormFieldType, type FormField } from '#shared/form.schema.ts';

const enc = encodeURIComponent;

export interface FormBody {
  name: string;
  description: string | null;
  fields: FormFieldInput[];
}

export const formsApi = {
  list: (q: { q?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    request<FormPage>('GET', '/api/v1/forms', { query: q, signal }),
  get: (id: string, signal?: AbortSignal) => request<Form>('GET', `/api/v1/forms/${enc(id)}`, { signal }),
  create: (body: FormBody) => request<Form>('POST', '/api/v1/forms', { body }),
  update: (id: string, body: Partial<FormBody>) => request<Form>('PATCH', `/api/v1/forms/${enc(id)}`, { body }),
  remove: (id: string) => request<void>('DELETE', `/api/v1/forms/${enc(id)}`),
  assign: (id: string, body: { contactIds: string[] } | { filter: ContactFilter }) =>
    request<AssignResult | { jobId: string; total: number }>('POST', `/api/v1/forms/${enc(id)}/assignments`, { body }),
  withdraw: (id: string, assignmentId: string) => request<void>('DELETE', `/api/v1/forms/${enc(id)}/assignments/${enc(assignmentId)}`),
  responses: (id: string, q: { status?: 'open' | 'submitted' | 'all'; limit?: number; offset?: number }, signal?: AbortSignal) =>
    request<ResponsePage>('GET', `/api/v1/forms/${enc(id)}/responses`, { query: q, signal }),
  csvUrl: (id: string) => `/api/v1/forms/${enc(id)}/responses.csv`,
  ofContact: (contactId: string, signal?: AbortSignal) =>
    request<{ items: FormResponse[] }>('GET', `/api/v1/contacts/${enc(contactId)}/forms`, { signal }),
  job: (id: string, signal?: AbortSignal) => request<Job>('GET', `/api/v1/jobs/${enc(id)}`, { signal }),
};

export const formKeys = {
  all: ['forms'] as const,
  list: (q: object) => ['forms', 'list', q] as const,
  detail: (id: string) => ['forms', 'detail', id] as const,
  responses: (id: string, q: object) => ['forms', 'responses', id, q] as const,
  ofContact: (contactId: string) => ['forms', 'contact', contactId] as const,
};

export const useFormList = (q: { q?: string; limit?: number; offset?: number }) =>
  useQuery({ queryKey: formKeys.list(q), queryFn: ({ signal }) => formsApi.list(q, signal), placeholderData: keepPreviousData });
export const useForm = (id: string | undefined) =>
  useQuery({ queryKey: formKeys.detail(id ?? ''), queryFn: ({ signal }) => formsApi.get(id!, signal), enabled: !!id });
