import { useDocumentTitle } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { isApiError } from '../lib/api.ts';
import { portalApi, type PortalProfile, type PortalTeamInfo } from './portal-api.ts';

export const portalKeys = {
  team: (slug: string) => ['portal', slug, 'team'] as const,
  me: (slug: string) => ['portal', slug, 'me'] as const,
};

/** "<page> · <team>" in the browser tab and the task switcher. */
export function usePortalTitle(page: string | null, team: string | null | undefined) {
  useDocumentTitle([page, team ?? 'Support portal'].filter(Boolean).join(' · '));
}

export function useTeam(slug: string) {
  return useQuery<PortalTeamInfo>({ queryKey: portalKeys.team(slug), queryFn: () => portalApi.team(slug), staleTime: 60_000 });
}

/** The signed-in contact of this team, or null. */
export function useProfile(slug: string, enabled = true) {
  return useQuery<PortalProfile | null>({
    queryKey: portalKeys.me(slug),
    queryFn: async () => {
      try {
        return await portalApi.me(slug);
      } catch (e) {
        if (isApiError(e) && e.status === 401) return null;
        throw e;
      }
    },
    enabled,
    staleTime: 30_000,
  });
}
