// TanStack Query keys and hooks: one place that knows how server state is cached and invalidated.
import { keepPreviousData, QueryClient, QueryCache, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type ContactListQuery, type Import, type Me, type RowAction } from './api.ts';

export const keys = {
  me: ['me'] as const,
  contacts: ['contacts'] as const,
  contactList: (query: Omit<ContactListQuery, 'cursor'>) => ['contacts', 'list', query] as const,
  trash: (q: string) => ['contacts', 'trash', { q }] as const,
  job: (id: string) => ['jobs', id] as const,
  contact: (id: string) => ['contacts', 'detail', id] as const,
  history: (id: string) => ['contacts', 'history', id] as const,
  settings: ['settings'] as const,
  imports: ['imports'] as const,
  importList: (limit: number) => ['imports', 'list', limit] as const,
  import: (id: string) => ['imports', 'detail', id] as const,
  importRows: (id: string, q: { limit: number; offset: number; action: string | null }) => ['imports', 'rows', id, q] as const,
  export: (id: string) => ['exports', id] as const,
};

export function createQueryClient() {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      // A session that expired while the app was open: forget who we were, the router sends us to /login.
      onError: (error, query) => {
        if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== 'me') client.setQueryData(keys.me, null);
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: true,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
      mutations: { retry: false },
    },
  });
  return client;
}

/** The signed-in member and team, or null when signed out. */
export function useMe() {
  return useQuery<Me | null>({
    queryKey: keys.me,
    queryFn: async ({ signal }) => {
      try {
        return await api.me(signal);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 5 * 60_000,
  });
}

/** The signed-in member; only for components rendered inside the authenticated layout. */
export function useCurrentMember(): Me {
  const qc = useQueryClient();
  const me = useMe().data ?? qc.getQueryData<Me | null>(keys.me);
  if (!me) throw new Error('useCurrentMember used outside the signed-in app');
  return me;
}

export function permissionsOf(me: Me) {
  const m = me.member;
  const owner = m.role === 'owner';
  return {
    modifyContacts: owner || m.permissions.modifyContacts,
    importContacts: owner || m.permissions.importContacts,
    exportContacts: owner || m.permissions.exportContacts,
    manageTeam: owner || m.role === 'admin',
  };
}

export function usePermissions() {
  return permissionsOf(useCurrentMember());
}

/** The directory as cursor pages loaded one after another (infinite scrolling). Without a cursor in
 *  the key, a changed search keeps showing the previous rows until the new first page arrives. */
export function useContactDirectory(query: Omit<ContactListQuery, 'cursor'>) {
  return useInfiniteQuery({
    queryKey: keys.contactList(query),
    queryFn: ({ pageParam, signal }) => api.listContacts({ ...query, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
    // a refetch reloads every page loaded so far, one after another: after a long scroll, only on demand
    refetchOnWindowFocus: (q) => (q.state.data?.pages.length ?? 0) <= 5,
  });
}

/** One cheap question: does the directory hold any contact at all (whatever the filters)? */
export function useDirectoryIsEmpty(enabled: boolean) {
  return useQuery({
    queryKey: keys.contactList({ status: 'all', limit: 1 }),
    queryFn: ({ signal }) => api.listContacts({ status: 'all', limit: 1 }, signal),
    enabled,
    select: (page) => page.items.length === 0,
  });
}

export function useTrash(q: string, limit: number) {
  return useInfiniteQuery({
    queryKey: [...keys.trash(q), limit],
    queryFn: ({ pageParam, signal }) => api.listTrash({ q: q || undefined, limit, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
}

/** How many contacts the whole Trash holds (while the list shows a search's matches only). */
export function useTrashSize(enabled: boolean) {
  return useQuery({
    queryKey: [...keys.trash(''), 'size'],
    queryFn: ({ signal }) => api.listTrash({ limit: 1 }, signal),
    enabled,
    select: (page) => page.total,
  });
}

export function useContact(id: string | undefined) {
  return useQuery({
    queryKey: keys.contact(id ?? ''),
    queryFn: ({ signal }) => api.getContact(id!, signal),
    enabled: Boolean(id),
  });
}

export function useContactHistory(id: string) {
  return useInfiniteQuery({
    queryKey: keys.history(id),
    queryFn: ({ pageParam, signal }) => api.contactHistory(id, { limit: 20, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useTeamSettings(enabled = true) {
  return useQuery({ queryKey: keys.settings, queryFn: ({ signal }) => api.getSettings(signal), enabled });
}

export const isImportFinished = (i: Pick<Import, 'status'>) =>
  i.status === 'succeeded' || i.status === 'failed' || i.status === 'cancelled';

/** Recent imports of the team, newest first; a 403 here says the member (or the team) may not import. */
export function useImports(limit = 20, enabled = true) {
  return useQuery({
    queryKey: keys.importList(limit),
    queryFn: ({ signal }) => api.listImports(limit, signal),
    enabled,
    refetchInterval: (q) => (q.state.data?.items.some((i) => !isImportFinished(i)) ? 3000 : false),
  });
}

/** One import, polled every second while it is queued or running. */
export function useImport(id: string | null | undefined) {
  return useQuery({
    queryKey: keys.import(id ?? ''),
    queryFn: ({ signal }) => api.getImport(id!, signal),
    enabled: Boolean(id),
    refetchInterval: (q) => (q.state.data && isImportFinished(q.state.data) ? false : 1000),
    refetchIntervalInBackground: true,
  });
}

export function useImportRows(
  id: string | null | undefined,
  q: { limit: number; offset: number; action: RowAction | null },
  enabled = true,
) {
  return useQuery({
    queryKey: keys.importRows(id ?? '', q),
    queryFn: ({ signal }) => api.importRows(id!, q, signal),
    enabled: Boolean(id) && enabled,
    placeholderData: keepPreviousData,
  });
}

/** An export job, polled every second until it has finished. */
export function useExport(id: string | null) {
  return useQuery({
    queryKey: keys.export(id ?? ''),
    queryFn: ({ signal }) => api.getExport(id!, signal),
    enabled: Boolean(id),
    refetchInterval: (q) => (q.state.data && isImportFinished(q.state.data) ? false : 1000),
    refetchIntervalInBackground: true,
  });
}
