import { useEffect, useState } from 'react';
import { Center, Loader, MantineProvider } from '@mantine/core';
import { IconMapOff } from '@tabler/icons-react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, RouterProvider, useParams, useSearchParams } from 'react-router';
import { cssVariablesResolver, theme } from '../theme.ts';
import { isApiError } from '../lib/api.ts';
import { useProfile, useTeam } from './portal-queries.ts';
import { Message, NoSuchPortal, PortalDisabled, Unreachable } from './portal-messages.tsx';
import { PortalShell } from './portal-shell.tsx';
import { SignIn } from './sign-in.tsx';
import { PortalHome } from './portal-home.tsx';
import { PortalTicketPage } from './portal-ticket-page.tsx';
import { PortalRequestPage } from './portal-request-page.tsx';
import { PortalFormPage } from './portal-form-page.tsx';

const LAST_TEAM_KEY = 'kdesk-portal:last-team';

/**
 * /portal/<slug> and /portal/<slug>/c/<linkToken>: sign-in when signed out, the home page when signed in;
 * /portal/<slug>/tickets/<id> and /portal/<slug>/new: a request and the new-request form (after sign-in).
 */
function TeamPortal(props: { withLink: boolean; view?: 'home' | 'ticket' | 'new' | 'form' }) {
  const { slug = '', token, ticketId = '', assignmentId = '' } = useParams();
  const [search] = useSearchParams();
  const team = useTeam(slug);
  const portalOn = team.data?.portalEnabled === true;
  const profile = useProfile(slug, portalOn);

  useEffect(() => {
    if (team.data) localStorage.setItem(LAST_TEAM_KEY, team.data.team.slug);
  }, [team.data]);

  if (team.isPending || (portalOn && profile.isPending)) {
    return (
      <PortalShell teamName={team.data?.team.name}>
        <Center py={96} role="status" aria-label="Loading">
          <Loader />
        </Center>
      </PortalShell>
    );
  }
  if (team.isError) {
    if (isApiError(team.error) && team.error.status === 404) return <NoSuchPortal />;
    return <Unreachable onRetry={() => void team.refetch()} />;
  }
  const info = team.data;
  if (!info.portalEnabled) return <PortalDisabled teamName={info.team.name} />;
  if (profile.isError) return <Unreachable teamName={info.team.name} onRetry={() => void profile.refetch()} />;

  if (profile.data) {
    // a contact link opened while signed in: the link has done its job, keep it out of the address bar
    if (props.withLink) return <Navigate to={`/portal/${encodeURIComponent(slug)}`} replace />;
    if (props.view === 'ticket') return <PortalTicketPage slug={info.team.slug} teamName={info.team.name} ticketId={ticketId} />;
    if (props.view === 'new') return <PortalRequestPage slug={info.team.slug} teamName={info.team.name} />;
    if (props.view === 'form') return <PortalFormPage slug={info.team.slug} teamName={info.team.name} assignmentId={assignmentId} />;
    return <PortalHome team={info} profile={profile.data} />;
  }
  // a visitor may submit a request without signing in when the team takes requests from anyone
  if (props.view === 'new' && info.visitorRequests) return <PortalRequestPage slug={info.team.slug} teamName={info.team.name} visitor />;
  return <SignIn team={info} linkToken={props.withLink ? (token ?? null) : null} ssoError={search.get('error')} />;
}

/** /portal — where the installed app starts: the team used last, else a short explanation. */
function Landing() {
  const last = localStorage.getItem(LAST_TEAM_KEY);
  if (last) return <Navigate to={`/portal/${encodeURIComponent(last)}`} replace />;
  return (
    <Message icon={<IconMapOff size={26} />} title="Open your portal link">
      Use the link in the invitation from your support team to open their portal. After the first visit, this app opens it directly.
    </Message>
  );
}

const router = createBrowserRouter([
  { path: '/portal', element: <Landing /> },
  { path: '/portal/:slug', element: <TeamPortal withLink={false} /> },
  { path: '/portal/:slug/c/:token', element: <TeamPortal withLink /> },
  { path: '/portal/:slug/tickets/:ticketId', element: <TeamPortal withLink={false} view="ticket" /> },
  { path: '/portal/:slug/new', element: <TeamPortal withLink={false} view="new" /> },
  { path: '/portal/:slug/forms/:assignmentId', element: <TeamPortal withLink={false} view="form" /> },
  { path: '*', element: <NoSuchPortal /> },
]);

export function PortalApp() {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { retry: (n, e) => !(isApiError(e) && e.status >= 400 && e.status < 500) && n < 2, refetchOnWindowFocus: true },
          mutations: { retry: false },
        },
      }),
  );
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      <QueryClientProvider client={client}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
