// The portal's forms: those assigned to the signed-in contact, one with its fields and the draft or the
// submitted answers, keeping a draft, and submitting once.
import { useQuery } from '@tanstack/react-query';
import type { FormField, FormValues, PortalFormDetail, PortalFormSummary } from '#shared/form.schema.ts';
import { request } from './portal-api.ts';

export type { FormField, FormValues, PortalFormDetail, PortalFormSummary };

const base = (slug: string) => `/portal/api/${encodeURIComponent(slug)}`;
const enc = encodeURIComponent;

export const portalFormsApi = {
  list: (slug: string) => request<{ items: PortalFormSummary[] }>('GET', `${base(slug)}/forms`),
  get: (slug: string, id: string) => request<PortalFormDetail>('GET', `${base(slug)}/forms/${enc(id)}`),
  saveDraft: (slug: string, id: string, values: FormValues) =>
    request<{ draftSavedAt: string }>('PUT', `${base(slug)}/forms/${enc(id)}/draft`, { values }),
  submit: (slug: string, id: string, values: FormValues) =>
    request<PortalFormDetail>('POST', `${base(slug)}/forms/${enc(id)}/response`, { values }),
};

export const portalFormKeys = {
  list: (slug: string) => ['portal', slug, 'forms'] as const,
  detail: (slug: string, id: string) => ['portal', slug, 'forms', id] as const,
};

export const usePortalForms = (slug: string) => useQuery({ queryKey: portalFormKeys.list(slug), queryFn: () => portalFormsApi.list(slug) });
export const usePortalForm = (slug: string, id: string) =>
  useQuery({ queryKey: portalFormKeys.detail(slug, id), queryFn: () => portalFormsApi.get(slug, id), refetchOnWindowFocus: false });
