// The portal's tickets: the contact's requests, a request's public conversation, comments, closing,
// and new requests from the templates offered to the contact.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type {
  Comment,
  PortalRequestInput,
  PortalTemplate,
  PortalTicket,
  PortalTicketDetail,
  PortalTicketPage,
} from '#shared/ticket.schema.ts';
import { request } from './portal-api.ts';

export type { PortalTemplate, PortalTicket, PortalTicketDetail };

const base = (slug: string) => `/portal/api/${encodeURIComponent(slug)}`;
const enc = encodeURIComponent;

export const portalTicketsApi = {
  list: (slug: string, cursor: string | null = null) =>
    request<PortalTicketPage>('GET', `${base(slug)}/tickets${cursor ? `?cursor=${enc(cursor)}` : ''}`),
  get: (slug: string, id: string) => request<PortalTicketDetail>('GET', `${base(slug)}/tickets/${enc(id)}`),
  comment: (slug: string, id: string, body: string) => request<Comment>('POST', `${base(slug)}/tickets/${enc(id)}/comments`, { body }),
  close: (slug: string, id: string) => request<PortalTicketDetail>('POST', `${base(slug)}/tickets/${enc(id)}/close`),
  templates: (slug: string) => request<{ items: PortalTemplate[] }>('GET', `${base(slug)}/templates`),
  submit: (slug: string, input: Partial<PortalRequestInput>) =>
    request<{ ticket: PortalTicket | null }>('POST', `${base(slug)}/requests`, input),
};

export const portalTicketKeys = {
  list: (slug: string) => ['portal', slug, 'tickets'] as const,
  detail: (slug: string, id: string) => ['portal', slug, 'tickets', id] as const,
  templates: (slug: string) => ['portal', slug, 'templates'] as const,
};

/** The contact's tickets, newest first, 50 per page. */
export const usePortalTickets = (slug: string) =>
  useInfiniteQuery({
    queryKey: portalTicketKeys.list(slug),
    queryFn: ({ pageParam }) => portalTicketsApi.list(slug, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
export const usePortalTicket = (slug: string, id: string) =>
  useQuery({ queryKey: portalTicketKeys.detail(slug, id), queryFn: () => portalTicketsApi.get(slug, id) });
export const usePortalTemplates = (slug: string) =>
  useQuery({ queryKey: portalTicketKeys.templates(slug), queryFn: () => portalTicketsApi.templates(slug) });

export const statusText: Record<PortalTicket['status'], string> = {
  open: 'Open',
  pending: 'Pending',
  resolved: 'Resolved',
  closed: 'Closed',
};
export const statusColor: Record<PortalTicket['status'], string> = { open: 'blue', pending: 'yellow', resolved: 'teal', closed: 'gray' };
