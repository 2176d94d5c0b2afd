// Client and query hooks of tickets and request templates (member API). Types come from the server's
// schemas (type-only imports, so zod stays out of the bundle).
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type {
  Comment,
  RequestTemplate,
  RequestTemplateInput,
  RequestTemplatePatch,
  Ticket,
  TicketDetail,
  TicketPage,
  TicketPatch,
} from '#shared/ticket.schema.ts';
import { request, type HistoryPage } from '../../lib/api.ts';

export type { Comment, RequestTemplate, Ticket, TicketDetail, TicketPage };
export type TicketStatus = Ticket['status'];
export type TicketPriority = Ticket['priority'];

export interface TicketListQuery {
  status?: string;
  assigneeId?: string;
  contactId?: string;
  companyId?: string;
  q?: string;
  limit?: number;
  cursor?: string | null;
}

export interface NewTicket {
  subject: string;
  description?: string;
  priority?: TicketPriority;
  requesterId: string;
  assigneeId?: string | null;
  contactIds?: string[];
}

const enc = encodeURIComponent;

export const ticketsApi = {
  list: (q: TicketListQuery, signal?: AbortSignal) =>
    request<TicketPage>('GET', '/api/v1/tickets', {
      query: {
        status: q.status,
        assigneeId: q.assigneeId,
        contactId: q.contactId,
        companyId: q.companyId,
        q: q.q,
        limit: q.limit,
        cursor: q.cursor,
      },
      signal,
    }),
  ofContact: (contactId: string, q: { limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<TicketPage>('GET', `/api/v1/contacts/${enc(contactId)}/tickets`, { query: { limit: q.limit, cursor: q.cursor }, signal }),
  get: (id: string, signal?: AbortSignal) => request<TicketDetail>('GET', `/api/v1/tickets/${enc(id)}`, { signal }),
  create: (input: NewTicket) => request<TicketDetail>('POST', '/api/v1/tickets', { body: input }),
  update: (id: string, patch: TicketPatch) => request<TicketDetail>('PATCH', `/api/v1/tickets/${enc(id)}`, { body: patch }),
  addContact: (id: string, contactId: string) =>
    request<TicketDetail>('POST', `/api/v1/tickets/${enc(id)}/contacts`, { body: { contactId } }),
  removeContact: (id: string, contactId: string) => request<void>('DELETE', `/api/v1/tickets/${enc(id)}/contacts/${enc(contactId)}`),
  comments: (id: string, signal?: AbortSignal) =>
    request<{ items: Comment[]; olderOmitted: boolean }>('GET', `/api/v1/tickets/${enc(id)}/comments`, { signal }),
  comment: (id: string, body: string, isPublic: boolean) =>
    request<Comment>('POST', `/api/v1/tickets/${enc(id)}/comments`, { body: { body, public: isPublic } }),
  history: (id: string, signal?: AbortSignal) => request<HistoryPage>('GET', `/api/v1/tickets/${enc(id)}/history`, { signal }),

  templates: (signal?: AbortSignal) => request<{ items: RequestTemplate[] }>('GET', '/api/v1/request-templates', { signal }),
  createTemplate: (input: Partial<RequestTemplateInput>) => request<RequestTemplate>('POST', '/api/v1/request-templates', { body: input }),
  updateTemplate: (id: string, patch: RequestTemplatePatch) =>
    request<RequestTemplate>('PATCH', `/api/v1/request-templates/${enc(id)}`, { body: patch }),
  deleteTemplate: (id: string) => request<void>('DELETE', `/api/v1/request-templates/${enc(id)}`),
};

export const ticketKeys = {
  all: ['tickets'] as const,
  list: (q: Omit<TicketListQuery, 'cursor'>) => ['tickets', 'list', q] as const,
  ofContact: (id: string) => ['tickets', 'contact', id] as const,
  detail: (id: string) => ['tickets', 'detail', id] as const,
  comments: (id: string) => ['tickets', 'comments', id] as const,
  history: (id: string) => ['tickets', 'history', id] as const,
  templates: ['request-templates'] as const,
};

export function useTicketList(q: Omit<TicketListQuery, 'cursor'>) {
  return useInfiniteQuery({
    queryKey: ticketKeys.list(q),
    queryFn: ({ pageParam, signal }) => ticketsApi.list({ ...q, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
}

export const useTicket = (id: string) => useQuery({ queryKey: ticketKeys.detail(id), queryFn: ({ signal }) => ticketsApi.get(id, signal) });
export const useComments = (id: string) =>
  useQuery({ queryKey: ticketKeys.comments(id), queryFn: ({ signal }) => ticketsApi.comments(id, signal) });
export const useTemplates = () => useQuery({ queryKey: ticketKeys.templates, queryFn: ({ signal }) => ticketsApi.templates(signal) });

export const statusLabels: Record<TicketStatus, string> = { open: 'Open', pending: 'Pending', resolved: 'Resolved', closed: 'Closed' };
export const statusColors: Record<TicketStatus, string> = { open: 'blue', pending: 'yellow', resolved: 'teal', closed: 'gray' };
export const priorityLabels: Record<TicketPriority, string> = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };
export const priorityColors: Record<TicketPriority, string> = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' };

export interface Assignee {
  id: string;
  name: string;
  email: string;
}
export const useAssignees = () =>
  useQuery({
    queryKey: ['tickets', 'assignees'],
    queryFn: ({ signal }) => request<{ items: Assignee[] }>('GET', '/api/v1/tickets/assignees', { signal }),
    staleTime: 60_000,
  });
